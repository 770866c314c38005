"""Writes on studies shared by the admin, the API, the seed and the importers.

Importing whole citation files is ``studies.imports.citations_import``.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from .identifiers import normalize_doi, normalize_pmid, normalize_title
from .models import Study

CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"
EMPTY: tuple[object, ...] = ("", None, [])


class StudyIndex:
    """Studies by the keys that identify them: DOI, PMID, normalised title + year."""

    def __init__(self) -> None:
        self.by_doi: dict[str, Study] = {}
        self.by_pmid: dict[str, Study] = {}
        self.by_title: dict[tuple[str, int | None], Study] = {}

    @classmethod
    def of_stored(cls, records: Iterable[Mapping[str, Any]]) -> "StudyIndex":
        """An index of the stored studies that any of ``records`` (field dicts) may match.

        Three queries at most, however many records.
        """
        index = cls()
        dois = {normalize_doi(record.get("doi")) for record in records} - {""}
        pmids = {normalize_pmid(record.get("pmid")) for record in records} - {""}
        titles = {normalize_title(record.get("title")) for record in records} - {""}
        # The model's ordering decides between studies sharing a title and year.
        ordering = [*(Study._meta.ordering or []), "pk"]
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

    def add(self, study: Study) -> None:
        if study.doi:
            self.by_doi.setdefault(study.doi, study)
        if study.pmid:
            self.by_pmid.setdefault(study.pmid, study)
        if study.title_key:
            self.by_title.setdefault((study.title_key, study.year), study)

    def find(
        self,
        *,
        doi: str | None = "",
        pmid: str | None = "",
        title: str | None = "",
        year: int | None = None,
    ) -> Study | None:
        """The study a record describes: by DOI, then PMID, then title + year, or None."""
        doi, pmid = normalize_doi(doi), normalize_pmid(pmid)
        title_key = normalize_title(title)
        return (
            (doi and self.by_doi.get(doi))
            or (pmid and self.by_pmid.get(pmid))
            or (title_key and self.by_title.get((title_key, year)))
            or None
        )


def study_find_existing(
    *,
    doi: str | None = "",
    pmid: str | None = "",
    title: str | None = "",
    year: int | None = None,
) -> Study | None:
    """The stored study that a record describes: by DOI, then PMID, then title + year.

    Returns ``None`` when nothing matches.
    """
    record: dict[str, Any] = {"doi": doi, "pmid": pmid, "title": title, "year": year}
    return StudyIndex.of_stored([record]).find(**record)


def _apply_fields(
    study: Study, fields: Mapping[str, Any], *, overwrite: bool
) -> list[str]:
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


def _note_history(study: Study, change_reason: str, user: Any) -> None:
    """What django-simple-history records with the next save: it reads these
    attributes, which its stubs do not declare."""
    study._change_reason = change_reason  # type: ignore[attr-defined]
    if user is not None:
        study._history_user = user  # type: ignore[attr-defined]


def study_upsert(
    *,
    fields: Mapping[str, Any],
    entry_method: str,
    overwrite: bool = True,
    change_reason: str = "",
    entry_source: str = "",
    user: Any = None,
) -> tuple[Study, str]:
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
        _note_history(study, change_reason, user)
        study.save()
        return study, CREATED

    if not _apply_fields(existing, fields, overwrite=overwrite):
        return existing, UNCHANGED
    _note_history(existing, change_reason, user)
    existing.save()
    return existing, UPDATED
