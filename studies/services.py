"""Writes on studies shared by the admin, the API, the seed and the importers."""

from .identifiers import normalize_doi, normalize_pmid, normalize_title
from .models import Study

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def study_find_existing(*, doi="", pmid="", title="", year=None):
    """The stored study that a record describes: by DOI, then PMID, then title + year.

    Returns ``None`` when nothing matches.
    """
    doi, pmid = normalize_doi(doi), normalize_pmid(pmid)
    if doi:
        found = Study.objects.filter(doi=doi).first()
        if found:
            return found
    if pmid:
        found = Study.objects.filter(pmid=pmid).first()
        if found:
            return found
    title_key = normalize_title(title)
    if title_key:
        return Study.objects.filter(title_key=title_key, year=year).first()
    return None


def study_upsert(*, fields, entry_method, overwrite=True, change_reason=""):
    """Create the study ``fields`` describe, or update the one already stored.

    With ``overwrite`` off, an existing study only gains values for fields it
    has empty, so that a re-import never undoes a curator's corrections.
    Returns ``(study, outcome)`` with outcome ``created``, ``updated`` or
    ``unchanged``. Raises ``ValidationError`` for an invalid record.
    """
    existing = study_find_existing(
        doi=fields.get("doi", ""),
        pmid=fields.get("pmid", ""),
        title=fields.get("title", ""),
        year=fields.get("year"),
    )
    if existing is None:
        study = Study(entry_method=entry_method, **fields)
        study._change_reason = change_reason
        study.save()
        return study, CREATED

    changed = False
    for name, value in fields.items():
        if name in ("doi", "pmid"):
            value = normalize_doi(value) if name == "doi" else normalize_pmid(value)
        current = getattr(existing, name)
        if value in ("", None, []) or current == value:
            continue
        if not overwrite and current not in ("", None, []):
            continue
        setattr(existing, name, value)
        changed = True
    if not changed:
        return existing, UNCHANGED
    existing._change_reason = change_reason
    existing.save()
    return existing, UPDATED
