"""Reading citation files (BibTeX, RIS, CSL-JSON, JSON publication lists) into Study fields.

The management command and the admin upload both go through
:class:`CitationReader`; storing what it reads is ``imports.citations_import``.
Files are read line by line and handed out one entry at a time, so that a
100,000-entry export is never held in memory whole (CSL-JSON, being one JSON
document, is the exception).
"""

from .common import Citation, CitationFileError, author_from_text
from .csljson import csl_year
from .reader import FORMATS, CitationReader, detect_format

__all__ = [
    "FORMATS",
    "Citation",
    "CitationFileError",
    "CitationReader",
    "author_from_text",
    "csl_year",
    "detect_format",
]
