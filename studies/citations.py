"""A study's citation as BibTeX (APA text: studies/csl.py).

Plain functions of a :class:`~studies.models.Study` (or anything with the same
attributes), so that the pages, the API and exports format citations alike.
"""

import re
import unicodedata

import bibtexparser
from bibtexparser.model import Entry, Field

from .identifiers import doi_url, pubmed_url

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL_PATTERN = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIAL))

_KEY_STOPWORDS = {"a", "an", "and", "for", "from", "in", "of", "on", "the", "to"}


def split_author(name):
    """``"Greb AC"`` → ``("Greb", ["A", "C"])``; a name without initials is all surname.

    Authors are stored as "Surname Initials" (see ``Study.authors``); a
    trailing token of one to four capital letters is taken as the initials.
    """
    name = " ".join(str(name).split())
    surname, _, last = name.rpartition(" ")
    if surname and last.isalpha() and last.isupper() and len(last) <= 4:
        return surname, list(last)
    return name, []


def citation_link(study):
    """The best link to the study: its DOI, else PubMed, else its URL."""
    return doi_url(study.doi) or pubmed_url(study.pmid) or study.url or ""


def bibtex_escape(text):
    """``text`` with the characters that BibTeX and LaTeX treat specially escaped."""
    return _BIBTEX_SPECIAL_PATTERN.sub(lambda m: _BIBTEX_SPECIAL[m.group()], text)


def _verbatim(text):
    # DOI and URL fields are verbatim: only unbalanced braces could break them.
    return text.replace("{", "%7B").replace("}", "%7D")


def _ascii_word(text):
    text = unicodedata.normalize(
        "NFKD", text.translate(str.maketrans("øØæÆß", "oOaAs"))
    )
    return re.sub(r"[^a-z0-9]", "", text.encode("ascii", "ignore").decode().lower())


def _bibtex_author(name):
    surname, initials = split_author(name)
    if not initials:  # braced, so that BibTeX keeps an organisation whole
        return "{" + bibtex_escape(surname) + "}"
    return bibtex_escape(f"{surname}, {' '.join(i + '.' for i in initials)}")


def bibtex_key(study):
    """A citation key such as ``ly2018psychedelics``."""
    authors = [name for name in study.authors or [] if str(name).strip()]
    surname = split_author(authors[0])[0].split(" ")[-1] if authors else "anonymous"
    words = [_ascii_word(word) for word in study.title.split()]
    word = next(
        (word for word in words if len(word) > 2 and word not in _KEY_STOPWORDS), ""
    )
    return f"{_ascii_word(surname) or 'anonymous'}{study.year or 'nd'}{word}"


def bibtex_entry(study, *, key=None):
    """The study as a bibtexparser entry (``@article`` with a journal, else ``@misc``).

    Values are escaped for LaTeX here; the writer adds the outer braces.
    """
    fields = []
    authors = [name for name in study.authors or [] if str(name).strip()]
    if authors:
        names = [_bibtex_author(name) for name in authors]
        if study.authors_et_al:
            # BibTeX's own word for an abridged list ("et al." in styles).
            names.append("others")
        fields.append(("author", " and ".join(names)))
    # Braced once more so that styles keep the title's capitals.
    fields.append(("title", "{" + bibtex_escape(study.title) + "}"))
    if study.journal:
        fields.append(("journal", bibtex_escape(study.journal)))
    if study.year:
        fields.append(("year", str(study.year)))
    for name, value in (
        ("volume", study.volume),
        ("number", study.issue),
        ("pages", study.pages.replace("–", "--")),
    ):
        if value:
            fields.append((name, bibtex_escape(value)))
    if study.doi:
        fields.append(("doi", _verbatim(study.doi)))
    if study.pmid:
        fields.append(("eprint", study.pmid))
        fields.append(("eprinttype", "pubmed"))
    if study.url:
        fields.append(("url", _verbatim(study.url)))
    return Entry(
        "article" if study.journal else "misc",
        key or bibtex_key(study),
        [Field(name, value) for name, value in fields],
    )


def bibtex_entries(studies):
    """BibTeX for ``studies``, keys made unique by letters (ly2018, ly2018b,
    … ly2018z, ly2018aa, …)."""
    entries, used = [], set()
    for study in studies:
        base = key = bibtex_key(study)
        clash = 1
        while key in used:
            clash += 1
            key = f"{base}{_letters(clash)}"
        used.add(key)
        entries.append(bibtex_entry(study, key=key))
    return bibtexparser.write_string(bibtexparser.Library(entries))


def _letters(number):
    """1 → a, 26 → z, 27 → aa: a suffix made only of letters."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def bibtex(study, *, key=None):
    """The study as one BibTeX entry."""
    entry = bibtex_entry(study, key=key)
    return bibtexparser.write_string(bibtexparser.Library([entry]))
