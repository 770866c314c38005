"""A study's citation as BibTeX and as APA (7th edition) text.

Plain functions of a :class:`~studies.models.Study` (or anything with the same
attributes), so that the pages, the API and exports format citations alike.
"""

import re
import unicodedata

from .identifiers import doi_url, pubmed_url

# APA lists up to this many authors; beyond, the first 19, an ellipsis and
# the last.
APA_MAX_AUTHORS = 20

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


def _apa_author(name):
    surname, initials = split_author(name)
    if not initials:
        return surname
    return f"{surname}, {' '.join(initial + '.' for initial in initials)}"


def apa_authors(authors, *, et_al=False):
    """The author part of an APA reference, without the closing full stop."""
    names = [_apa_author(name) for name in authors if str(name).strip()]
    if not names:
        return ""
    if et_al:
        return ", ".join(names) + ", et al."
    if len(names) > APA_MAX_AUTHORS:
        return ", ".join(names[: APA_MAX_AUTHORS - 1]) + ", . . . " + names[-1]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _sentence(text):
    """``text`` closed with a full stop unless it ends in punctuation already."""
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def citation_link(study):
    """The best link to the study: its DOI, else PubMed, else its URL."""
    return doi_url(study.doi) or pubmed_url(study.pmid) or study.url or ""


def apa(study):
    """The study as an APA 7 reference, in plain text."""
    year = f"({study.year})." if study.year else "(n.d.)."
    authors = apa_authors(study.authors or [], et_al=study.authors_et_al)
    title = _sentence(study.title)
    if authors:
        parts = [_sentence(authors), year, title]
    else:  # APA moves the title into the author position
        parts = [title, year]
    if study.journal:
        source = study.journal.rstrip(".")
        if study.volume:
            source += f", {study.volume}"
            if study.issue:
                source += f"({study.issue})"
        if study.pages:
            source += f", {study.pages}"
        parts.append(_sentence(source))
    link = citation_link(study)
    if link:
        parts.append(link)
    return " ".join(parts)


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


def bibtex(study, *, key=None):
    """The study as a BibTeX entry (``@article`` with a journal, else ``@misc``)."""
    fields = []
    authors = [name for name in study.authors or [] if str(name).strip()]
    if authors:
        names = [_bibtex_author(name) for name in authors]
        if study.authors_et_al:
            names.append("others")
        fields.append(("author", " and ".join(names)))
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
    entry_type = "article" if study.journal else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{key or bibtex_key(study)},\n{body}\n}}\n"
