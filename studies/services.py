"""Writes on studies shared by the admin, the API, the seed and the importers."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .identifiers import normalize_doi, normalize_pmid, normalize_title
from .importers import CitationReader
from .models import EntryMethod, Study

CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"
EMPTY = ("", None, [])
# Entries read, checked against the database and written together.
IMPORT_BATCH_SIZE = 1000
# The report lists at most this many problems; the count covers them all.
MAX_LISTED_PROBLEMS = 1000


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


# Importing citation files -------------------------------------------------


@dataclass(slots=True)
class ImportedEntry:
    """What became of one entry of an imported file."""

    label: str
    title: str
    outcome: str
    study_id: int | None = None
    reason: str = ""


@dataclass
class ImportReport:
    """The outcome of ``citations_import``: counts, problems and, if kept, each entry."""

    file_name: str
    format_label: str
    dry_run: bool = False
    counts: dict = field(
        default_factory=lambda: {CREATED: 0, UPDATED: 0, UNCHANGED: 0, SKIPPED: 0}
    )
    # "entry 12 (key smith2020, line 140): no title", in file order.
    problems: list = field(default_factory=list)
    problem_count: int = 0
    invalid_count: int = 0
    # True when invalid entries stopped the import: nothing was stored.
    refused: bool = False
    entries: list | None = None

    @property
    def stored(self):
        return not (self.refused or self.dry_run)

    @property
    def unlisted_problems(self):
        return self.problem_count - len(self.problems)

    def note_problem(self, text):
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(text)

    def summary(self):
        counts = ", ".join(
            f"{count} {outcome}" for outcome, count in self.counts.items()
        )
        if self.refused:
            return (
                f"{self.invalid_count} invalid "
                f"{'entry' if self.invalid_count == 1 else 'entries'} in "
                f"{self.file_name} ({self.format_label}): nothing was imported."
            )
        if self.dry_run:
            return f"Dry run of {self.file_name} ({self.format_label}), nothing stored: would be {counts}."
        drafts = (
            " New studies are drafts until an editor publishes them."
            if self.counts.get(CREATED)
            else ""
        )
        return f"Imported {self.file_name} ({self.format_label}): {counts}.{drafts}"


def shortened(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def import_change_reason(file_name, format_label):
    """The history's reason for an import, within its 100 characters."""
    return f"Imported from {shortened(file_name, 70)} ({format_label})"


class _Rollback(Exception):
    pass


def citations_import(
    *,
    file,
    file_name,
    format=None,
    user=None,
    dry_run=False,
    skip_invalid=False,
    keep_entries=True,
    progress=None,
):
    """Import the citations of ``file`` (binary) as studies, in one transaction.

    Entries are matched to stored studies (by DOI, then PMID, then title +
    year) and to earlier entries of the same file; a stored study only gains
    values for fields it has empty. Without ``skip_invalid``, one invalid
    entry stops the whole import; ``dry_run`` stores nothing either way.
    ``progress(bytes_read, size)`` is called after each batch. Returns an
    ImportReport; raises ``importers.CitationFileError`` for a file that is
    not a citation file or is malformed, having stored nothing.
    """
    reader = CitationReader(file, format=format)
    report = ImportReport(
        file_name=file_name,
        format_label=reader.format_label,
        dry_run=dry_run,
        entries=[] if keep_entries else None,
    )
    batch_import = _BatchImport(
        report=report,
        user=user,
        skip_invalid=skip_invalid,
        file_name=file_name,
        format_label=reader.format_label,
    )
    try:
        with transaction.atomic():
            batch = []
            for citation in reader:
                batch.append(citation)
                if len(batch) == IMPORT_BATCH_SIZE:
                    batch_import.run(batch)
                    batch = []
                    if progress:
                        progress(reader.position, reader.size)
            batch_import.run(batch)
            if progress:
                progress(reader.size, reader.size)
            if report.refused or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report


class _BatchImport:
    """Match, validate and write one batch of citations at a time.

    Equivalent to ``study_upsert(overwrite=False)`` entry by entry, with the
    database consulted three times per batch and written in bulk.
    """

    def __init__(self, *, report, user, skip_invalid, file_name, format_label):
        self.report = report
        self.user = user
        self.skip_invalid = skip_invalid
        source = f"{file_name} ({format_label})"
        self.source = source[:300]
        self.reason = import_change_reason(file_name, format_label)
        # Stored studies this import created or matched, by primary key: the
        # entry that did, so that a later entry for the same study is named
        # as its duplicate.
        self.entry_of_study = {}

    def run(self, citations):
        candidates = []
        for citation in citations:
            study = Study(
                entry_method=EntryMethod.IMPORT,
                entry_source=self.source,
                **citation.fields,
            )
            problem = citation.problem or _validation_problem(study)
            if problem:
                self._invalid(citation, problem)
            elif not self.report.refused:
                candidates.append((citation, study))
        if not candidates:
            return

        index = StudyIndex.of_stored([citation.fields for citation, _ in candidates])
        for stored in {id(study): study for study in _studies_of(index)}.values():
            stored._import_entry = self.entry_of_study.get(stored.pk)
        created, updated, changed_fields = [], [], set()
        for citation, study in candidates:
            match = index.find(
                doi=study.doi, pmid=study.pmid, title=study.title, year=study.year
            )
            if match is not None and match._import_entry:
                self._skip(
                    citation,
                    f"the same study as entry {match._import_entry} of this file",
                    match,
                )
                continue
            if match is None:
                study._import_entry = citation.number
                index.add(study)
                created.append((citation, study))
                continue
            changed = _apply_fields(match, citation.fields, overwrite=False)
            problem = changed and _conflict(match, index, changed)
            if not problem and changed:
                problem = _validation_problem(match)
            if problem:
                match.refresh_from_db()
                match._import_entry = None
                self._invalid(citation, problem)
                continue
            match._import_entry = citation.number
            self.entry_of_study[match.pk] = citation.number
            index.add(match)
            if changed:
                match.updated = timezone.now()
                changed_fields.update(changed)
                updated.append(match)
            self._record(citation, match, UPDATED if changed else UNCHANGED)

        if self.report.refused:
            return
        if created:
            bulk_create_with_history(
                [study for _, study in created],
                Study,
                batch_size=500,
                default_user=self.user,
                default_change_reason=self.reason,
            )
            for citation, study in created:
                self.entry_of_study[study.pk] = citation.number
                self._record(citation, study, CREATED)
        if updated:
            bulk_update_with_history(
                updated,
                Study,
                [*sorted(changed_fields), "title_key", "updated"],
                batch_size=500,
                default_user=self.user,
                default_change_reason=self.reason,
            )

    def _record(self, citation, study, outcome, reason=""):
        self.report.counts[outcome] += 1
        if self.report.entries is not None:
            self.report.entries.append(
                ImportedEntry(
                    label=citation.label,
                    title=citation.fields.get("title", "")[:300],
                    outcome=outcome,
                    study_id=study.pk if study is not None else None,
                    reason=reason,
                )
            )

    def _skip(self, citation, reason, study=None):
        self.report.note_problem(f"{citation.label}: {reason}")
        self._record(citation, study, SKIPPED, reason)

    def _invalid(self, citation, problem):
        self.report.invalid_count += 1
        if self.skip_invalid:
            self._skip(citation, problem)
            return
        if not self.report.refused:
            # From here on the import is refused: entries are only checked.
            self.report.refused = True
            self.report.problems, self.report.problem_count = [], 0
            if self.report.entries is not None:
                self.report.entries = []
        self.report.note_problem(f"{citation.label}: {problem}")


def _studies_of(index):
    yield from index.by_doi.values()
    yield from index.by_pmid.values()
    yield from index.by_title.values()


def _validation_problem(study):
    """The model's verdict on ``study`` as one line, or "" when it is valid.

    Uniqueness is left out: the import matches DOIs and PMIDs itself.
    """
    try:
        study.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        if "title" in error.message_dict and not study.title:
            return "no title"
        return "; ".join(
            f"{name}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        )
    return ""


def _conflict(study, index, changed):
    """The uniqueness error that filling ``changed`` on ``study`` would cause."""
    if "doi" in changed and index.by_doi.get(study.doi, study) is not study:
        return "doi: A study with this DOI already exists."
    if "pmid" in changed:
        owner = index.by_pmid.get(study.pmid, study)
        if owner is not study:
            return "pmid: A study with this PMID already exists."
    return ""
