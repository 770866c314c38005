"""RIS, read with rispy's tag mapping one line at a time."""

import rispy

from .common import (
    BOOK_TYPES,
    CHAPTER_TYPES,
    PMID_IN_TEXT,
    CitationFileError,
    authors_from_names,
    one_line,
    study_fields,
    year_in,
)


def entries(lines):
    """(key, line, fields, problem) for each record; ``lines`` yields (number, text)."""
    for line, record in _RisReader().records(lines):
        yield (one_line(record.get("id")), line, *_fields_from_ris(record))


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


def _ris_pmid(record):
    accession = one_line(record.get("accession_number"))
    database = " ".join(
        one_line(record.get(name)) for name in ("name_of_database", "database_provider")
    ).lower()
    if accession.isdigit() and (
        not database or any(word in database for word in ("pubmed", "nlm", "medline"))
    ):
        return accession
    unknown = record.get("unknown_tag") or {}
    notes = " ".join(
        [*(record.get("notes") or []), one_line(record.get("note"))]
        + [value for values in unknown.values() for value in values]
    )
    found = PMID_IN_TEXT.search(notes)
    return found.group(1) if found else ""


def _fields_from_ris(record):
    kind = one_line(record.get("type_of_reference")).upper()
    unknown = record.get("unknown_tag") or {}
    book_title = one_line(unknown.get("BT"))
    title = (
        one_line(record.get("title"))
        or one_line(record.get("primary_title"))
        or (book_title if kind in BOOK_TYPES else "")
    )
    if kind in BOOK_TYPES:
        journal = record.get("publisher")
    elif kind in CHAPTER_TYPES:
        journal = one_line(record.get("secondary_title")) or book_title
    else:
        journal = next(
            (
                one_line(record.get(name))
                for name in (
                    "journal_name",
                    "alternate_title3",
                    "secondary_title",
                    "alternate_title2",
                    "alternate_title1",
                )
                if one_line(record.get(name))
            ),
            "",
        )
    authors, et_al = authors_from_names(
        [*(record.get("authors") or []), *(record.get("first_authors") or [])]
    )
    urls = [url for url in record.get("urls") or [] if url.startswith("http")]
    return study_fields(
        title=title,
        authors=authors,
        et_al=et_al,
        year=year_in(
            record.get("year"), record.get("publication_year"), record.get("date")
        ),
        journal=journal,
        doi=record.get("doi", ""),
        pmid=_ris_pmid(record),
        url=urls[0] if urls else "",
        abstract=record.get("abstract") or record.get("notes_abstract") or "",
    )
