"""CSL-JSON, as Zotero and Mendeley export it: one JSON list of items."""

import json

from .common import CitationFileError, author_name, one_line, study_fields, year_in


def entries(raw):
    """(key, line, fields, problem) for each item of the JSON document ``raw`` (bytes)."""
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
    except RecursionError:
        raise CitationFileError("this JSON is nested too deeply to read.") from None
    if isinstance(data, dict) and "items" in data:
        data = data["items"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CitationFileError(
            "this JSON is not CSL-JSON: expected a list of citation objects."
        )
    if data and not any("title" in item or "type" in item for item in data):
        raise CitationFileError(
            "this JSON is not CSL-JSON: its objects have no title or type."
        )
    for item in data:
        # Zotero's ids are item URIs; their last segment names the item.
        key = one_line(item.get("id")).rstrip("/").rsplit("/", 1)[-1]
        yield (key, None, *_fields_from_csl(item))


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


def _fields_from_csl(item):
    kind = one_line(item.get("type"))
    container = item.get("container-title") or ""
    journal = item.get("publisher", "") if kind in ("book",) else container
    authors, et_al = _csl_authors(item.get("author") or item.get("editor"))
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
    )
