"""What the three readers share: the error they raise, the entry they hand out,
and the mapping of names, years, DOIs and text to Study fields."""

import re
from dataclasses import dataclass, field

from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
)

from ..identifiers import doi_url, is_short_doi, normalize_doi, normalize_pmid
from ..text import clean_line, clean_paragraphs, latex_to_text


class CitationFileError(Exception):
    """The file is not a citation file, or is malformed; ``line`` where known."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"Line {self.line}: {self.message}" if self.line else self.message


@dataclass(slots=True)
class Citation:
    """One entry of a citation file, mapped to Study fields."""

    number: int
    key: str = ""
    line: int | None = None
    fields: dict = field(default_factory=dict)
    # Why the entry cannot become a study, when that is clear before validation.
    problem: str = ""
    # Fields the entry has that no Study field takes: reported, never lost silently.
    unstored: list = field(default_factory=list)
    # Values dropped from the entry because they were invalid, one line each.
    warnings: list = field(default_factory=list)

    @property
    def label(self):
        """How the report names the entry: "entry 12 (key smith2020, line 140)"."""
        details = [f"key {self.key}"] if self.key else []
        if self.line:
            details.append(f"line {self.line}")
        return f"entry {self.number}" + (f" ({', '.join(details)})" if details else "")


_CORPORATE_WORDS = re.compile(
    r"\b(organi[sz]ation|group|consortium|collaboration|committee|association|"
    r"society|institute|university|council|agency|network|investigators|"
    r"foundation|cent(?:re|er)|department|ministry|board|team|office|"
    r"administration|trust|panel|alliance|service)\b",
    re.IGNORECASE,
)
_MEDLINE_NAME = re.compile(r"^(?P<surname>\S.*?)\s+(?P<initials>[A-Z]{1,3})$")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
PMID_IN_TEXT = re.compile(r"\bPMID:?\s*(\d{1,10})\b", re.IGNORECASE)
BOOK_TYPES = {"book", "BOOK", "EBOOK", "EDBOOK"}
CHAPTER_TYPES = {
    "incollection",
    "inbook",
    "inproceedings",
    "CHAP",
    "ECHAP",
    "CONF",
    "CPAPER",
    "chapter",
    "paper-conference",
}


def one_line(value):
    """``value`` as one line of text, with runs of whitespace made single spaces."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value).split())


def paragraphs(value):
    """Multi-line text with line breaks joined and blank-line paragraphs kept."""
    if isinstance(value, list):
        value = "\n\n".join(str(item) for item in value)
    paragraphs = re.split(r"\n\s*\n", str(value or ""))
    return "\n\n".join(
        one_line(paragraph) for paragraph in paragraphs if paragraph.strip()
    )


def year_in(*values):
    for value in values:
        if isinstance(value, int):
            return value
        match = _YEAR.search(str(value or ""))
        if match:
            return int(match.group(1))
    return None


def _initials(given):
    """ "Alexandra C." → "AC", "Hans-Jörg" → "HJ", "AC" → "AC"."""
    letters = []
    for word in given:
        if re.fullmatch(r"[A-Z]{2,3}", word):
            letters.append(word)
            continue
        for piece in re.split(r"[-.‐]", word):
            piece = piece.strip("{}()")
            if piece and piece[0].isalpha():
                letters.append(piece[0].upper())
    return "".join(letters)


def author_name(surname, given=(), suffix=""):
    return " ".join(part for part in (surname, _initials(given), suffix) if part)


def author_from_text(name, *, braced=False):
    """One author as "Surname Initials", from "Last, First" or "First Last".

    ``braced`` names (BibTeX ``{World Health Organization}``), names already
    in that form ("Ly C") and names of organisations are kept whole.
    """
    name = " ".join(name.split()).strip(" ,")
    if not name:
        return ""
    if braced:
        return latex_to_text(name)
    decoded = latex_to_text(name)
    if "," not in name and (
        _MEDLINE_NAME.match(decoded) or _CORPORATE_WORDS.search(decoded)
    ):
        return decoded
    try:
        parts = parse_single_name_into_parts(name, strict=False)
    except InvalidNameError:
        return decoded
    surname = " ".join(latex_to_text(part) for part in parts.von + parts.last)
    given = [latex_to_text(part) for part in parts.first]
    suffix = " ".join(latex_to_text(part) for part in parts.jr)
    if not surname:
        return " ".join(given)
    return author_name(surname, given, suffix)


def authors_from_names(names):
    """(authors, et_al) from a list of name strings; "others" marks an abridged list."""
    authors, et_al = [], False
    for name in names:
        stripped = name.strip()
        if stripped.lower() in {"others", "et al", "et al."}:
            et_al = True
            continue
        braced = stripped.startswith("{") and stripped.endswith("}")
        author = author_from_text(stripped[1:-1] if braced else stripped, braced=braced)
        if author:
            authors.append(author)
    return authors, et_al


def study_fields(
    *,
    title,
    authors,
    et_al,
    year,
    journal,
    doi,
    pmid,
    url,
    abstract,
    volume="",
    issue="",
    pages="",
    unstored=(),
):
    """(Study fields, the problem that stops the entry or "", fields not stored)."""
    doi = normalize_doi(one_line(doi).removesuffix("[doi]").strip())
    url = one_line(url)
    if url.startswith("www."):
        url = f"https://{url}"
    if (
        url
        and normalize_doi(url) != url.lower()
        and normalize_doi(url).startswith("10")
    ):
        # A resolver link says no more than the DOI does.
        doi, url = doi or normalize_doi(url), ""
    if is_short_doi(doi):
        # A short DOI needs the resolver to expand: keep the link, not the DOI.
        url = url or doi_url(doi)
        doi = ""
    title = clean_line(title)
    fields = {
        "title": title,
        "authors": [clean_line(author) for author in authors],
        "authors_et_al": et_al,
        "year": year,
        "journal": clean_line(journal),
        "volume": clean_line(volume),
        "issue": clean_line(issue),
        "pages": page_range(pages),
        "doi": doi,
        "pmid": normalize_pmid(one_line(pmid)),
        "url": url,
        "abstract": clean_paragraphs(paragraphs(abstract)),
    }
    return fields, "" if title else "no title", sorted(set(unstored))


def page_range(first, last=""):
    """ "123--130", "123-130" or ("123", "130") as "123–130"."""
    first, last = one_line(first), one_line(last)
    pages = f"{first}–{last}" if first and last and last != first else first
    return re.sub(r"\s*(?:-{1,3}|–|—)\s*", "–", pages)


def unstored_fields(present, stored):
    """The names in ``present`` that are not in ``stored`` and have a value."""
    return [
        name
        for name, value in present.items()
        if name not in stored and value not in ("", None, [], {})
    ]
