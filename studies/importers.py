"""Reading citation files (BibTeX, RIS, CSL-JSON) into Study fields.

The management command and the admin upload both go through
:class:`CitationReader`; storing what it reads is ``services.citations_import``.
Files are read line by line and handed out one entry at a time, so that a
100,000-entry export is never held in memory whole (CSL-JSON, being one JSON
document, is the exception).
"""

import json
import logging
import re
from dataclasses import dataclass, field

import bibtexparser
import rispy
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexDecodingMiddleware
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import DuplicateBlockKeyBlock, Entry

from .identifiers import doi_url, is_short_doi, normalize_doi, normalize_pmid

logger = logging.getLogger(__name__)

FORMATS = {"bibtex": "BibTeX", "ris": "RIS", "csljson": "CSL-JSON"}
SNIFF_BYTES = 64 * 1024
# Entries per bibtexparser call: large enough to amortise its overhead,
# small enough that a 50 MB file is never parsed (and copied) in one go.
BIBTEX_ENTRIES_PER_CHUNK = 500


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

    @property
    def label(self):
        """How the report names the entry: "entry 12 (key smith2020, line 140)"."""
        details = [f"key {self.key}"] if self.key else []
        if self.line:
            details.append(f"line {self.line}")
        return f"entry {self.number}" + (f" ({', '.join(details)})" if details else "")


# Detecting the format -----------------------------------------------------

_BINARY_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive or an Office document",
    b"\xd0\xcf\x11\xe0": "an old Office document",
}
_BIBTEX_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_RIS_START = re.compile(r"^TY  -", re.MULTILINE)
_MEDLINE_START = re.compile(r"^PMID- ", re.MULTILINE)
_HINT = "Export the references from your reference manager as BibTeX, RIS or CSL-JSON."


def detect_format(head):
    """The format of a file that starts with ``head`` (bytes): a key of FORMATS.

    Raises CitationFileError for anything that is not a citation file.
    """
    for signature, kind in _BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise CitationFileError(f"This is {kind}, not a citation file. {_HINT}")
    if b"\x00" in head:
        raise CitationFileError(f"This is a binary file, not a citation file. {_HINT}")
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        raise CitationFileError("The file is empty.")
    stripped = text.lstrip()
    if stripped[0] in "[{":
        return "csljson"
    ris, bibtex = _RIS_START.search(text), _BIBTEX_ENTRY.search(text)
    if ris and (not bibtex or ris.start() < bibtex.start()):
        return "ris"
    if bibtex:
        return "bibtex"
    if _MEDLINE_START.search(text):
        raise CitationFileError(
            "This looks like PubMed's MEDLINE (.nbib) format, which is not read "
            "here: import it into Zotero or EndNote and export RIS or BibTeX "
            "from there."
        )
    first_line = stripped.splitlines()[0]
    if first_line.count(",") >= 2 or first_line.count("\t") >= 2:
        raise CitationFileError(
            f"This looks like a spreadsheet (CSV), not a citation file. {_HINT}"
        )
    raise CitationFileError(
        "This is not a citation file: no BibTeX entry (@article{…}), RIS record "
        f"(TY  - …) or CSL-JSON list was found. {_HINT}"
    )


# Reading ------------------------------------------------------------------


class CitationReader:
    """Iterate over the entries of a binary file as :class:`Citation` objects.

    ``format`` is a key of FORMATS, or ``None`` to detect it from the content.
    ``position`` tells how many bytes have been read so far, for a progress bar.
    Raises CitationFileError, on creation or while iterating, for a file that
    is not a citation file or is malformed.
    """

    def __init__(self, file, *, format=None):
        self.file = file
        head = file.read(SNIFF_BYTES)
        file.seek(0, 2)
        self.size = file.tell()
        file.seek(0)
        if format is None:
            format = detect_format(head)
        elif format not in FORMATS:
            raise CitationFileError(f"Unknown format {format!r}.")
        elif not head.strip():
            raise CitationFileError("The file is empty.")
        self.format = format
        self.format_label = FORMATS[format]
        self.position = 0

    def __iter__(self):
        entries = {
            "bibtex": self._bibtex,
            "ris": self._ris,
            "csljson": self._csljson,
        }[self.format]()
        number = 0
        try:
            for number, (key, line, fields, problem) in enumerate(entries, start=1):
                yield Citation(
                    number=number, key=key, line=line, fields=fields, problem=problem
                )
        except CitationFileError:
            raise
        except Exception as error:
            # Whatever an uploaded file holds, the curator gets a message,
            # not a server error; the traceback goes to the log.
            logger.exception("Unexpected error reading a %s file", self.format_label)
            raise CitationFileError(
                f"the file could not be read after entry {number} "
                f"({type(error).__name__}: {error})."
            ) from error
        if not number:
            raise CitationFileError(f"No {self.format_label} entries were found.")

    def _lines(self):
        """(line number, text) for each line, decoded as UTF-8."""
        for number, raw in enumerate(self.file, start=1):
            self.position += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise CitationFileError(
                    "the file is not UTF-8 text. Export it again with the "
                    "encoding set to UTF-8 (Unicode).",
                    line=number,
                ) from None
            if number == 1:
                text = text.lstrip("\ufeff")
            yield number, text.rstrip("\r\n")

    def _bibtex(self):
        strings = []
        for first_line, chunk in _bibtex_chunks(self._lines()):
            library = bibtexparser.parse_string(
                chunk, library=Library(strings, fail_on_duplicate_key=False)
            )
            strings = list(library.strings)
            for block in library.blocks:
                line = (
                    first_line + block.start_line
                    if block.start_line is not None
                    else None
                )
                if isinstance(block, DuplicateBlockKeyBlock):
                    block = block.ignore_error_block
                elif hasattr(block, "error"):
                    raise CitationFileError(_bibtex_error(block.error), line=line)
                if isinstance(block, Entry):
                    yield (block.key, line, *_fields_from_bibtex(block))

    def _ris(self):
        for line, record in _RisReader().records(self._lines()):
            yield (_text(record.get("id")), line, *_fields_from_ris(record))

    def _csljson(self):
        raw = self.file.read()
        self.position = len(raw)
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise CitationFileError(
                "the file is not UTF-8 text. Export it again as UTF-8."
            ) from None
        except json.JSONDecodeError as error:
            raise CitationFileError(
                f"this is not valid JSON ({error.msg}, column {error.colno}).",
                line=error.lineno,
            ) from None
        if isinstance(data, dict) and "items" in data:
            data = data["items"]
        elif isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not all(
            isinstance(item, dict) for item in data
        ):
            raise CitationFileError(
                "this JSON is not CSL-JSON: expected a list of citation objects."
            )
        if data and not any("title" in item or "type" in item for item in data):
            raise CitationFileError(
                "this JSON is not CSL-JSON: its objects have no title or type."
            )
        for item in data:
            # Zotero's ids are item URIs; their last segment names the item.
            key = _text(item.get("id")).rstrip("/").rsplit("/", 1)[-1]
            yield (key, None, *_fields_from_csl(item))


def _bibtex_chunks(lines):
    """(first line number, text) of runs of whole BibTeX entries.

    A run ends before an ``@`` that starts a line outside any braces, so that
    no entry is cut in two; each run is parsed on its own.
    """
    buffer, first_line, entries, depth = [], 1, 0, 0
    for number, text in lines:
        if depth == 0 and text.lstrip().startswith("@"):
            if entries >= BIBTEX_ENTRIES_PER_CHUNK:
                yield first_line, "\n".join(buffer)
                buffer, first_line, entries = [], number, 0
            entries += 1
        buffer.append(text)
        unescaped = text.replace("\\{", "").replace("\\}", "")
        depth = max(0, depth + unescaped.count("{") - unescaped.count("}"))
    if buffer:
        yield first_line, "\n".join(buffer)


def _bibtex_error(error):
    reason = getattr(error, "abort_reason", "") or str(error)
    if isinstance(error, BlockAbortedException):
        return f"this BibTeX entry could not be read: {reason}"
    return f"this BibTeX block could not be read: {reason}"


class _RisReader(rispy.RisParser):
    """rispy's tag mapping, fed line by line, handing out each record as it ends."""

    def records(self, lines):
        """(first line number, rispy record dict) for each record."""
        record, start, last_tag = None, None, None
        for number, text in lines:
            tag, content = self.parse_line(text) if text.strip() else (None, "")
            if record is None:
                if tag == self.START_TAG:
                    record, start, last_tag = {self.mapping[tag]: content}, number, None
                elif tag is not None:
                    raise CitationFileError(
                        f"the tag {tag} stands outside a record; each RIS record "
                        "starts with a 'TY  - ' line and ends with 'ER  - '.",
                        line=number,
                    )
                # Untagged lines before a record are headers some sites add.
                continue
            if tag is None:
                if content and last_tag:
                    self._add_tag(record, last_tag, content, extend_multiline=True)
            elif tag == self.START_TAG:
                raise CitationFileError(
                    f"a new record starts before the record of line {start} "
                    "ended with 'ER  - '.",
                    line=number,
                )
            elif tag == self.END_TAG:
                yield start, record
                record = None
            elif tag not in self.ignore:
                self._add_tag(record, tag, content)
                last_tag = tag
        if record is not None:
            raise CitationFileError(
                "this RIS record has no 'ER  - ' line at its end: is the file "
                "cut short?",
                line=start,
            )


# Mapping to Study fields --------------------------------------------------

# Only prose is LaTeX-decoded; identifiers and URLs stay verbatim ("%" is a
# LaTeX comment, "~" a space).
_PLAIN_BRACES = re.compile(r"[\\$~%]|--|``|''")
_CORPORATE_WORDS = re.compile(
    r"\b(organi[sz]ation|group|consortium|collaboration|committee|association|"
    r"society|institute|university|council|agency|network|investigators|"
    r"foundation|cent(?:re|er)|department|ministry|board|team|office|"
    r"administration|trust|panel|alliance|service)\b",
    re.IGNORECASE,
)
_MEDLINE_NAME = re.compile(r"^(?P<surname>\S.*?)\s+(?P<initials>[A-Z]{1,3})$")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_PMID_IN_TEXT = re.compile(r"\bPMID:?\s*(\d{1,10})\b", re.IGNORECASE)
_BOOK_TYPES = {"book", "BOOK", "EBOOK", "EDBOOK"}
_CHAPTER_TYPES = {
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


class _LatexDecoder(LatexDecodingMiddleware):
    """bibtexparser's LaTeX decoding, for one value at a time.

    Values with nothing but protective braces (``{DNA}``) skip the LaTeX
    parser, which is slow; a value it cannot decode is kept as it is.
    """

    def decode(self, text):
        if "{" not in text and "}" not in text and not _PLAIN_BRACES.search(text):
            return text
        if not _PLAIN_BRACES.search(text):
            return text.replace("{", "").replace("}", "")
        decoded, _error = self._transform_python_value_string(text)
        return decoded


_latex = _LatexDecoder()


def _text(value):
    """``value`` as one line of text, with runs of whitespace made single spaces."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value).split())


def _paragraphs(value):
    """Multi-line text with line breaks joined and blank-line paragraphs kept."""
    if isinstance(value, list):
        value = "\n\n".join(str(item) for item in value)
    paragraphs = re.split(r"\n\s*\n", str(value or ""))
    return "\n\n".join(
        _text(paragraph) for paragraph in paragraphs if paragraph.strip()
    )


def _year(*values):
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


def _author(surname, given=(), suffix=""):
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
        return _latex.decode(name)
    decoded = _latex.decode(name)
    if "," not in name and (
        _MEDLINE_NAME.match(decoded) or _CORPORATE_WORDS.search(decoded)
    ):
        return decoded
    try:
        parts = parse_single_name_into_parts(name, strict=False)
    except InvalidNameError:
        return decoded
    surname = " ".join(_latex.decode(part) for part in parts.von + parts.last)
    given = [_latex.decode(part) for part in parts.first]
    suffix = " ".join(_latex.decode(part) for part in parts.jr)
    if not surname:
        return " ".join(given)
    return _author(surname, given, suffix)


def _authors(names):
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


def _study_fields(*, title, authors, et_al, year, journal, doi, pmid, url, abstract):
    """The Study fields of one entry, and the problem that stops it, if any."""
    doi = normalize_doi(_text(doi).removesuffix("[doi]").strip())
    url = _text(url)
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
    title = _text(title)
    fields = {
        "title": title,
        "authors": authors,
        "authors_et_al": et_al,
        "year": year,
        "journal": _text(journal),
        "doi": doi,
        "pmid": normalize_pmid(_text(pmid)),
        "url": url,
        "abstract": _paragraphs(abstract),
    }
    return fields, "" if title else "no title"


def _fields_from_bibtex(entry):
    values = {
        item.key.lower(): item.value
        for item in entry.fields
        if isinstance(item.value, str)
    }

    def prose(name):
        return _latex.decode(values.get(name, ""))

    kind = entry.entry_type.lower()
    if kind in _BOOK_TYPES:
        journal = prose("publisher")
    elif kind in _CHAPTER_TYPES:
        journal = prose("booktitle") or prose("journal")
    else:
        journal = prose("journal") or prose("journaltitle") or prose("booktitle")
    authors, et_al = _authors(
        split_multiple_persons_names(values.get("author") or values.get("editor", ""))
    )
    eprint_is_pmid = values.get("eprinttype", "").lower() in {"pubmed", "pmid"}
    pmid = values.get("pmid") or (values.get("eprint") if eprint_is_pmid else "")
    if not pmid:
        found = _PMID_IN_TEXT.search(
            values.get("note", "") + " " + values.get("annote", "")
        )
        pmid = found.group(1) if found else ""
    return _study_fields(
        title=prose("title"),
        authors=authors,
        et_al=et_al,
        year=_year(values.get("year"), values.get("date")),
        journal=journal,
        doi=values.get("doi", ""),
        pmid=pmid,
        url=values.get("url", ""),
        abstract=_latex.decode(values["abstract"]) if "abstract" in values else "",
    )


def _ris_pmid(record):
    accession = _text(record.get("accession_number"))
    database = " ".join(
        _text(record.get(name)) for name in ("name_of_database", "database_provider")
    ).lower()
    if accession.isdigit() and (
        not database or any(word in database for word in ("pubmed", "nlm", "medline"))
    ):
        return accession
    unknown = record.get("unknown_tag") or {}
    notes = " ".join(
        [*(record.get("notes") or []), _text(record.get("note"))]
        + [value for values in unknown.values() for value in values]
    )
    found = _PMID_IN_TEXT.search(notes)
    return found.group(1) if found else ""


def _fields_from_ris(record):
    kind = _text(record.get("type_of_reference")).upper()
    unknown = record.get("unknown_tag") or {}
    book_title = _text(unknown.get("BT"))
    title = (
        _text(record.get("title"))
        or _text(record.get("primary_title"))
        or (book_title if kind in _BOOK_TYPES else "")
    )
    if kind in _BOOK_TYPES:
        journal = record.get("publisher")
    elif kind in _CHAPTER_TYPES:
        journal = _text(record.get("secondary_title")) or book_title
    else:
        journal = next(
            (
                _text(record.get(name))
                for name in (
                    "journal_name",
                    "alternate_title3",
                    "secondary_title",
                    "alternate_title2",
                    "alternate_title1",
                )
                if _text(record.get(name))
            ),
            "",
        )
    authors, et_al = _authors(
        [*(record.get("authors") or []), *(record.get("first_authors") or [])]
    )
    urls = [url for url in record.get("urls") or [] if url.startswith("http")]
    return _study_fields(
        title=title,
        authors=authors,
        et_al=et_al,
        year=_year(
            record.get("year"), record.get("publication_year"), record.get("date")
        ),
        journal=journal,
        doi=record.get("doi", ""),
        pmid=_ris_pmid(record),
        url=urls[0] if urls else "",
        abstract=record.get("abstract") or record.get("notes_abstract") or "",
    )


def _csl_authors(names):
    authors, et_al = [], False
    for name in names or []:
        if not isinstance(name, dict):
            continue
        if name.get("literal"):
            literal = _text(name["literal"])
            if literal.lower() in {"others", "et al", "et al."}:
                et_al = True
            else:
                authors.append(literal)
            continue
        surname = " ".join(
            _text(name.get(part))
            for part in ("non-dropping-particle", "family")
            if name.get(part)
        )
        given = _text(name.get("given")).split()
        if surname:
            authors.append(_author(surname, given, _text(name.get("suffix"))))
    return authors, et_al


def csl_year(date):
    """The year of a CSL date: ``{"date-parts": [[2018, 6, 12]]}``, raw or literal."""
    if not isinstance(date, dict):
        return _year(date)
    parts = date.get("date-parts")
    if parts and isinstance(parts, list) and parts[0] and parts[0][0] is not None:
        return _year(str(parts[0][0]))
    return _year(date.get("raw"), date.get("literal"))


def _fields_from_csl(item):
    kind = _text(item.get("type"))
    container = item.get("container-title") or ""
    journal = item.get("publisher", "") if kind in ("book",) else container
    authors, et_al = _csl_authors(item.get("author") or item.get("editor"))
    return _study_fields(
        title=item.get("title", ""),
        authors=authors,
        et_al=et_al,
        year=csl_year(item.get("issued")),
        journal=journal,
        doi=item.get("DOI", ""),
        pmid=item.get("PMID", ""),
        url=item.get("URL", ""),
        abstract=item.get("abstract", ""),
    )
