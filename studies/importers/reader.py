"""Detecting a citation file's format and reading its entries one at a time."""

import logging
import re

from . import bibtex, csljson, ris
from .common import Citation, CitationFileError

logger = logging.getLogger(__name__)

FORMATS = {"bibtex": "BibTeX", "ris": "RIS", "csljson": "CSL-JSON"}
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
        self.position = 0

    def __iter__(self):
        number = 0
        try:
            for number, (key, line, fields, problem) in enumerate(
                self._entries(), start=1
            ):
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

    def _entries(self):
        """(key, line, fields, problem) for each entry, from the format's module."""
        if self.format == "csljson":
            raw = self.file.read()
            self.position = len(raw)
            return csljson.entries(raw)
        return {"bibtex": bibtex, "ris": ris}[self.format].entries(self._lines())

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
