"""JSON: CSL-JSON as Zotero and Mendeley export it, or a plain publication list.

Both are one JSON list of objects. CSL-JSON is told by its own names
(``issued``, ``container-title``, ``DOI``, authors as name objects); a list
that has none of them is read as a lab's or a CV's publication list, with the
field names such lists commonly use (``title``, ``authors`` as a string or a
list, ``year``, ``journal``, ``doi``, ``volume``, ``issue``, ``pages``).
"""

import json
import re

from .common import (
    CitationFileError,
    author_from_text,
    author_name,
    authors_from_names,
    one_line,
    page_range,
    study_fields,
    unstored_fields,
    year_in,
)

_CSL_NAMES = {"issued", "container-title", "DOI", "URL", "PMID", "citation-key", "page"}
# Names of the entry itself, which need no storing.
_KEY_NAMES = ("id", "key", "citation-key", "citation_key", "citekey")


def document(raw, *, encoding="utf-8"):
    """The list of objects in the JSON document ``raw`` (bytes)."""
    try:
        data = json.loads(raw.decode("utf-8-sig" if encoding == "utf-8" else encoding))
    except UnicodeDecodeError:
        raise CitationFileError(
            "the file is not UTF-8 text. Export it again as UTF-8."
        ) from None
    except json.JSONDecodeError as error:
        raise CitationFileError(
            f"this is not valid JSON ({error.msg}, column {error.colno}).",
            line=error.lineno,
        ) from None
    except RecursionError:
        raise CitationFileError("this JSON is nested too deeply to read.") from None
    for name in ("items", "publications", "references", "records", "data"):
        if isinstance(data, dict) and isinstance(data.get(name), list):
            data = data[name]
            break
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CitationFileError(
            "this JSON is not CSL-JSON or a publication list: expected a list "
            "of citation objects."
        )
    if data and not any("title" in item or "type" in item for item in data):
        raise CitationFileError(
            "this JSON is not CSL-JSON or a publication list: its objects have "
            "no title or type."
        )
    return data


def is_csl(items):
    """Whether ``items`` are CSL-JSON rather than a plain publication list."""
    for item in items:
        if _CSL_NAMES & item.keys():
            return True
        people = item.get("author")
        if isinstance(people, list) and any(isinstance(p, dict) for p in people):
            return True
    return False


def _key(item):
    value = next((item[name] for name in _KEY_NAMES if item.get(name)), "")
    # Zotero's ids are item URIs; their last segment names the item.
    return one_line(value).rstrip("/").rsplit("/", 1)[-1]


def entries(items):
    """(key, line, fields, problem, unstored) for each CSL-JSON item."""
    for item in items:
        yield (_key(item), None, *_fields_from_csl(item))


def _csl_authors(names):
    authors, et_al = [], False
    for name in names or []:
        if not isinstance(name, dict):
            continue
        if name.get("literal"):
            literal = one_line(name["literal"])
            if literal.lower() in {"others", "et al", "et al."}:
                et_al = True
            else:
                authors.append(literal)
            continue
        surname = " ".join(
            one_line(name.get(part))
            for part in ("non-dropping-particle", "family")
            if name.get(part)
        )
        given = one_line(name.get("given")).split()
        if surname:
            authors.append(author_name(surname, given, one_line(name.get("suffix"))))
    return authors, et_al


def csl_year(date):
    """The year of a CSL date: ``{"date-parts": [[2018, 6, 12]]}``, raw or literal."""
    if not isinstance(date, dict):
        return year_in(date)
    parts = date.get("date-parts")
    if parts and isinstance(parts, list) and parts[0] and parts[0][0] is not None:
        return year_in(str(parts[0][0]))
    return year_in(date.get("raw"), date.get("literal"))


_CSL_STORED = {
    *_KEY_NAMES,
    "type",
    "title",
    "author",
    "editor",
    "issued",
    "container-title",
    "DOI",
    "PMID",
    "URL",
    "abstract",
    "volume",
    "issue",
    "page",
}


def _fields_from_csl(item):
    kind = one_line(item.get("type"))
    container = item.get("container-title") or ""
    stored = set(_CSL_STORED)
    if kind in ("book",):
        journal = item.get("publisher", "")
        stored.add("publisher")
    else:
        journal = container
    people = "author" if item.get("author") else "editor"
    authors, et_al = _csl_authors(item.get(people))
    return study_fields(
        title=item.get("title", ""),
        authors=authors,
        et_al=et_al,
        year=csl_year(item.get("issued")),
        journal=journal,
        doi=item.get("DOI", ""),
        pmid=item.get("PMID", ""),
        url=item.get("URL", ""),
        abstract=item.get("abstract", ""),
        volume=item.get("volume", ""),
        issue=item.get("issue", ""),
        pages=page_range(one_line(item.get("page"))),
        unstored=unstored_fields(item, stored),
    )


# Plain publication lists ------------------------------------------------------

# Study field → the names publication lists give it, most common first.
_LIST_NAMES = {
    "title": ("title",),
    "authors": ("authors", "author", "creators"),
    "year": ("year", "publication_year", "date", "published", "pub_year"),
    "journal": (
        "journal",
        "journal_title",
        "venue",
        "container",
        "container_title",
        "publication",
        "publisher",
        "source",
        "booktitle",
    ),
    "doi": ("doi", "DOI"),
    "pmid": ("pmid", "PMID", "pubmed_id"),
    "url": ("url", "URL", "link", "href"),
    "abstract": ("abstract", "summary"),
    "volume": ("volume", "vol"),
    "issue": ("issue", "number", "no"),
    "pages": ("pages", "page", "page_range"),
}
_EACH_NAME_SEPARATE = re.compile(r"\s*;\s*|\s+(?:and|&)\s+")


def publication_list_entries(items):
    """(key, line, fields, problem, unstored) for each object of a publication list."""
    for item in items:
        yield (_key(item), None, *_fields_from_list_item(item))


def _first(item, field, stored):
    for name in _LIST_NAMES[field]:
        if item.get(name) not in (None, "", []):
            stored.add(name)
            return item[name]
    return ""


def authors_in_text(text):
    """Authors from one string: "Ly C, Greb AC; …", "A. Smith and B. Jones",
    "Smith, John and Doe, Jane"."""
    pieces = [piece for piece in _EACH_NAME_SEPARATE.split(text) if piece.strip()]
    names = []
    for piece in pieces:
        parts = [part.strip() for part in piece.split(",") if part.strip()]
        # "Ly C, Greb AC, Olson DE": commas between names, each of two words or
        # more; "Smith, John": one name written surname first.
        if len(parts) > 1 and all(len(part.split()) > 1 for part in parts):
            names.extend(parts)
        elif len(parts) > 2 and len(parts) % 2 == 0:
            names.extend(
                f"{parts[index]}, {parts[index + 1]}"
                for index in range(0, len(parts), 2)
            )
        else:
            names.append(piece.strip())
    return names


def _list_authors(value):
    if isinstance(value, str):
        return authors_from_names(authors_in_text(value))
    authors, et_al = [], False
    for person in value if isinstance(value, list) else []:
        if isinstance(person, dict):
            name = person.get("name") or ", ".join(
                one_line(person.get(part))
                for part in ("family", "given")
                if person.get(part)
            )
        else:
            name = one_line(person)
        if name.strip().lower() in {"others", "et al", "et al."}:
            et_al = True
        elif name.strip():
            authors.append(author_from_text(str(name)))
    return [author for author in authors if author], et_al


def _fields_from_list_item(item):
    stored = set(_KEY_NAMES) | {"type"}
    values = {field: _first(item, field, stored) for field in _LIST_NAMES}
    authors, et_al = _list_authors(values["authors"])
    return study_fields(
        title=one_line(values["title"]),
        authors=authors,
        et_al=et_al,
        year=csl_year(values["year"]) if values["year"] else None,
        journal=one_line(values["journal"]),
        doi=one_line(values["doi"]),
        pmid=one_line(values["pmid"]),
        url=one_line(values["url"]),
        abstract=values["abstract"],
        volume=one_line(values["volume"]),
        issue=one_line(values["issue"]),
        pages=page_range(one_line(values["pages"])),
        unstored=unstored_fields(item, stored),
    )
