"""BibTeX, read with bibtexparser v2 in runs of whole entries."""

import logging
import re

import bibtexparser
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.library import Library
from bibtexparser.middlewares.names import split_multiple_persons_names
from bibtexparser.model import DuplicateBlockKeyBlock, Entry

from .common import (
    BOOK_TYPES,
    CHAPTER_TYPES,
    PMID_IN_TEXT,
    authors_from_names,
    latex_to_text,
    page_range,
    study_fields,
    unstored_fields,
    year_in,
)

# The app reports an entry it cannot read, with the file's line number; the
# splitter's own warning (with the chunk's line numbers) would only confuse.
logging.getLogger("bibtexparser.splitter").setLevel(logging.CRITICAL)

# Entries per bibtexparser call: large enough to amortise its overhead,
# small enough that a 50 MB file is never parsed (and copied) in one go.
BIBTEX_ENTRIES_PER_CHUNK = 500


_KEY_OF_RAW = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()=]+)\s*,")


def entries(lines):
    """(key, line, fields, problem, unstored) for each entry.

    ``lines`` yields (number, text). An entry with a syntax error is handed
    out with its problem and no fields; the entries around it are read.
    """
    strings = []
    for first_line, chunk in _bibtex_chunks(lines):
        library = bibtexparser.parse_string(
            chunk, library=Library(strings, fail_on_duplicate_key=False)
        )
        strings = list(library.strings)
        for block in library.blocks:
            line = (
                first_line + block.start_line if block.start_line is not None else None
            )
            if isinstance(block, DuplicateBlockKeyBlock):
                block = block.ignore_error_block
            elif hasattr(block, "error"):
                key = _KEY_OF_RAW.match(block.raw or "")
                yield (
                    key.group(1) if key else "",
                    line,
                    {},
                    _bibtex_error(block.error),
                    [],
                )
                continue
            if isinstance(block, Entry):
                yield (block.key, line, *_fields_from_bibtex(block))


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
    reason = " ".join((getattr(error, "abort_reason", "") or str(error)).split())
    if isinstance(error, BlockAbortedException):
        return f"this BibTeX entry could not be read: {reason}"
    return f"this BibTeX block could not be read: {reason}"


def _fields_from_bibtex(entry):
    values = {
        item.key.lower(): item.value
        for item in entry.fields
        if isinstance(item.value, str)
    }

    used = {"title", "abstract", "doi", "url", "year", "date"}
    used |= {"volume", "number", "issue", "pages"}

    def prose(name):
        if values.get(name):
            used.add(name)
        return latex_to_text(values.get(name, ""))

    def first_of(*names):
        return next((prose(name) for name in names if values.get(name)), "")

    kind = entry.entry_type.lower()
    if kind in BOOK_TYPES:
        journal = first_of("publisher")
    elif kind in CHAPTER_TYPES:
        journal = first_of("booktitle", "journal")
    else:
        journal = first_of("journal", "journaltitle", "booktitle")
    people = "author" if values.get("author") else "editor"
    used.add(people)
    authors, et_al = authors_from_names(
        split_multiple_persons_names(values.get(people, ""))
    )
    eprint_is_pmid = values.get("eprinttype", "").lower() in {"pubmed", "pmid"}
    pmid = values.get("pmid") or (values.get("eprint") if eprint_is_pmid else "")
    used |= {"pmid", "eprint", "eprinttype"} if pmid else set()
    if not pmid:
        found = PMID_IN_TEXT.search(
            values.get("note", "") + " " + values.get("annote", "")
        )
        pmid = found.group(1) if found else ""
    return study_fields(
        title=prose("title"),
        authors=authors,
        et_al=et_al,
        year=year_in(values.get("year"), values.get("date")),
        journal=journal,
        doi=values.get("doi", ""),
        pmid=pmid,
        url=values.get("url", ""),
        abstract=latex_to_text(values["abstract"]) if "abstract" in values else "",
        volume=latex_to_text(values.get("volume", "")),
        issue=latex_to_text(values.get("number") or values.get("issue", "")),
        pages=page_range(values.get("pages", "")),
        unstored=unstored_fields(values, used),
    )
