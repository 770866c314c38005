"""Detecting a citation file's format and reading its entries one at a time."""

import codecs
import io
import logging
import re

from . import bibtex, csljson, ris
from .common import Citation, CitationFileError

logger = logging.getLogger(__name__)

FORMATS = {
    "bibtex": "BibTeX",
    "ris": "RIS",
    "csljson": "CSL-JSON",
    "json": "JSON publication list",
}
SNIFF_BYTES = 64 * 1024

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


def text_encoding(head):
    """The encoding of a text file that starts with ``head``: UTF-16 by its
    byte order mark, otherwise UTF-8 (with or without one)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def detect_format(head):
    """The format of a file that starts with ``head`` (bytes): a key of FORMATS.

    Raises CitationFileError for anything that is not a citation file.
    """
    for signature, kind in _BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise CitationFileError(f"This is {kind}, not a citation file. {_HINT}")
    encoding = text_encoding(head)
    if encoding != "utf-16" and b"\x00" in head:
        raise CitationFileError(f"This is a binary file, not a citation file. {_HINT}")
    # The head may end inside a character: decode what is whole.
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CitationFileError("The file is empty.")
    stripped = text.lstrip()
    if stripped[0] in "[{":
        return "csljson"  # or a plain publication list: the reader tells them apart
    ris_start, bibtex_entry = _RIS_START.search(text), _BIBTEX_ENTRY.search(text)
    if ris_start and (not bibtex_entry or ris_start.start() < bibtex_entry.start()):
        return "ris"
    if bibtex_entry:
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
        self.encoding = text_encoding(head)
        self.position = 0

    def __iter__(self):
        number = 0
        try:
            for number, (key, line, fields, problem, unstored) in enumerate(
                self._entries(), start=1
            ):
                yield Citation(
                    number=number,
                    key=key,
                    line=line,
                    fields=fields,
                    problem=problem,
                    unstored=unstored,
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

    def _entries(self):
        """(key, line, fields, problem) for each entry, from the format's module."""
        if self.format in ("csljson", "json"):
            raw = self.file.read()
            self.position = len(raw)
            document = csljson.document(raw, encoding=self.encoding)
            if self.format == "json" or not csljson.is_csl(document):
                self.format, self.format_label = "json", FORMATS["json"]
                return csljson.publication_list_entries(document)
            return csljson.entries(document)
        return {"bibtex": bibtex, "ris": ris}[self.format].entries(self._lines())

    def _lines(self):
        """(line number, text) for each line, decoded as UTF-8 or UTF-16."""
        if self.encoding == "utf-16":
            yield from self._utf16_lines()
            return
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

    def _utf16_lines(self):
        text = io.TextIOWrapper(self.file, encoding="utf-16", errors="strict")
        try:
            for number, line in enumerate(text, start=1):
                self.position += 2 * len(line)
                yield number, line.lstrip("\ufeff").rstrip("\r\n")
        except UnicodeDecodeError:
            raise CitationFileError(
                "the file is not valid UTF-16 text. Export it again with the "
                "encoding set to UTF-8 (Unicode)."
            ) from None
        finally:
            text.detach()
