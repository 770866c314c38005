"""Writes on studies shared by the admin, the API, the seed and the importers.

Importing whole citation files is ``studies.imports.citations_import``.
"""

from .identifiers import normalize_doi, normalize_pmid, normalize_title
from .models import Study

CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"
EMPTY: tuple[object, ...] = ("", None, [])


class StudyIndex:
    """Studies by the keys that identify them: DOI, PMID, normalised title + year."""

    def __init__(self):
        self.by_doi, self.by_pmid, self.by_title = {}, {}, {}

    @classmethod
    def of_stored(cls, records):
        """An index of the stored studies that any of ``records`` (field dicts) may match.

        Three queries at most, however many records.
        """
        index = cls()
        dois = {normalize_doi(record.get("doi")) for record in records} - {""}
        pmids = {normalize_pmid(record.get("pmid")) for record in records} - {""}
        titles = {normalize_title(record.get("title")) for record in records} - {""}
        # The model's ordering decides between studies sharing a title and year.
        ordering = [*Study._meta.ordering, "pk"]
        for lookup, values in (
            ("doi__in", dois),
            ("pmid__in", pmids),
            ("title_key__in", titles),
        ):
            if values:
                for study in Study.objects.filter(**{lookup: values}).order_by(
                    *ordering
                ):
                    index.add(study)
        return index

    def add(self, study):
        if study.doi:
            self.by_doi.setdefault(study.doi, study)
        if study.pmid:
            self.by_pmid.setdefault(study.pmid, study)
        if study.title_key:
            self.by_title.setdefault((study.title_key, study.year), study)

    def find(self, *, doi="", pmid="", title="", year=None):
        """The study a record describes: by DOI, then PMID, then title + year, or None."""
        doi, pmid = normalize_doi(doi), normalize_pmid(pmid)
        title_key = normalize_title(title)
        return (
            (doi and self.by_doi.get(doi))
            or (pmid and self.by_pmid.get(pmid))
            or (title_key and self.by_title.get((title_key, year)))
            or None
        )


def study_find_existing(*, doi="", pmid="", title="", year=None):
    """The stored study that a record describes: by DOI, then PMID, then title + year.

    Returns ``None`` when nothing matches.
    """
    record = {"doi": doi, "pmid": pmid, "title": title, "year": year}
    return StudyIndex.of_stored([record]).find(**record)


def _apply_fields(study, fields, *, overwrite):
    """Set ``fields`` on ``study``; return the names of those that changed.

    With ``overwrite`` off, only fields the study has empty are filled.
    """
    changed = []
    for name, value in fields.items():
        if name in ("doi", "pmid"):
            value = normalize_doi(value) if name == "doi" else normalize_pmid(value)
        current = getattr(study, name)
        if value in EMPTY or current == value:
            continue
        if not overwrite and current not in EMPTY:
            continue
        setattr(study, name, value)
        changed.append(name)
    return changed


def study_upsert(
    *,
    fields,
    entry_method,
    overwrite=True,
    change_reason="",
    entry_source="",
    user=None,
):
    """Create the study ``fields`` describe, or update the one already stored.

    With ``overwrite`` off, an existing study only gains values for fields it
    has empty, so that a re-import never undoes a curator's corrections.
    ``entry_method`` and ``entry_source`` are recorded on a new study only;
    ``user``, when given, is the history user (the admin's middleware sets it
    for admin requests).
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
        study = Study(entry_method=entry_method, entry_source=entry_source, **fields)
        study._change_reason = change_reason
        if user is not None:
            study._history_user = user
        study.save()
        return study, CREATED

    if not _apply_fields(existing, fields, overwrite=overwrite):
        return existing, UNCHANGED
    existing._change_reason = change_reason
    if user is not None:
        existing._history_user = user
    existing.save()
    return existing, UPDATED
