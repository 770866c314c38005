"""RIS, read with rispy's tag mapping one line at a time."""

import rispy

from .common import (
    BOOK_TYPES,
    CHAPTER_TYPES,
    PMID_IN_TEXT,
    CitationFileError,
    authors_from_names,
    one_line,
    page_range,
    study_fields,
    year_in,
)

_TAG_OF_NAME = {name: tag for tag, name in rispy.TAG_KEY_MAPPING.items()}
# rispy's names of what the Study takes, or what names the record itself.
_STORED = {
    "type_of_reference",
    "id",
    "title",
    "primary_title",
    "authors",
    "first_authors",
    "year",
    "publication_year",
    "date",
    "doi",
    "urls",
    "abstract",
    "notes_abstract",
    "volume",
    "number",
    "start_page",
    "end_page",
}


def entries(lines):
    """(key, line, fields, problem, unstored) for each record.

    ``lines`` yields (number, text). A record cut short (no ``ER``, or a new
    ``TY`` before it) is handed out with its problem and no fields.
    """
    for line, record, problem in _RisReader().records(lines):
        key = one_line(record.get("id"))
        if problem:
            yield key, line, {}, problem, []
        else:
            yield (key, line, *_fields_from_ris(record))


class _RisReader(rispy.RisParser):
    """rispy's tag mapping, fed line by line, handing out each record as it ends."""

    def records(self, lines):
        """(first line number, rispy record dict, problem) for each record."""
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
                yield (
                    start,
                    record,
                    f"this RIS record has no 'ER  - ' line: a new record starts "
                    f"on line {number} before it ends.",
                )
                record, start, last_tag = {self.mapping[tag]: content}, number, None
            elif tag == self.END_TAG:
                yield start, record, ""
                record = None
            elif tag not in self.ignore:
                self._add_tag(record, tag, content)
                last_tag = tag
        if record is not None:
            yield (
                start,
                record,
                "this RIS record has no 'ER  - ' line at its end: is the file "
                "cut short?",
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


def _first(record, names, stored):
    for name in names:
        if one_line(record.get(name)):
            stored.add(name)
            return one_line(record.get(name))
    return ""


def _fields_from_ris(record):
    kind = one_line(record.get("type_of_reference")).upper()
    unknown = record.get("unknown_tag") or {}
    book_title = one_line(unknown.get("BT"))
    stored = set(_STORED)
    title = one_line(record.get("title")) or one_line(record.get("primary_title"))
    if not title and kind in BOOK_TYPES and book_title:
        title, unknown = book_title, {k: v for k, v in unknown.items() if k != "BT"}
    if kind in BOOK_TYPES:
        journal = _first(record, ["publisher"], stored)
    elif kind in CHAPTER_TYPES:
        journal = _first(record, ["secondary_title"], stored)
        if not journal and book_title:
            journal, unknown = (
                book_title,
                {k: v for k, v in unknown.items() if k != "BT"},
            )
    else:
        journal = _first(
            record,
            [
                "journal_name",
                "alternate_title3",
                "secondary_title",
                "alternate_title2",
                "alternate_title1",
            ],
            stored,
        )
    if not title:
        # Some exports carry only a short title, or (wrongly) the title in T2.
        title = _first(record, ["short_title", "secondary_title"], stored)
        if title == journal:
            journal = ""
    authors, et_al = authors_from_names(
        [*(record.get("authors") or []), *(record.get("first_authors") or [])]
    )
    urls = [url for url in record.get("urls") or [] if url.startswith("http")]
    pmid = _ris_pmid(record)
    if pmid:
        stored |= {"accession_number", "name_of_database", "database_provider"}
    unstored = [
        f"{_TAG_OF_NAME.get(name, name)} ({name.replace('_', ' ')})"
        for name, value in record.items()
        if name not in stored and name != "unknown_tag" and value not in ("", None, [])
    ] + [tag for tag, value in unknown.items() if value]
    return study_fields(
        title=title,
        authors=authors,
        et_al=et_al,
        year=year_in(
            record.get("year"), record.get("publication_year"), record.get("date")
        ),
        journal=journal,
        doi=record.get("doi", ""),
        pmid=pmid,
        url=urls[0] if urls else "",
        abstract=record.get("abstract") or record.get("notes_abstract") or "",
        volume=one_line(record.get("volume")),
        issue=one_line(record.get("number")),
        pages=page_range(record.get("start_page"), record.get("end_page")),
        unstored=unstored,
    )
