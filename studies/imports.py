"""Importing citation files as studies: the service, its batches and its report.

The admin upload and the ``import_citations`` command both call
``citations_import``; reading the files is the ``importers`` package.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.text import shortened

from .importers import CitationReader
from .models import EntryMethod, Study
from .services import (
    CREATED,
    EMPTY,
    SKIPPED,
    UNCHANGED,
    UPDATED,
    StudyIndex,
    _apply_fields,
)

# Entries read, checked against the database and written together.
IMPORT_BATCH_SIZE = 1000

# Sent with ``studies`` after an import updated stored studies in bulk
# (``bulk_update`` sends no post_save).
studies_updated_in_bulk = Signal()
# The report lists at most this many problems (and notes); the counts cover all.
MAX_LISTED_PROBLEMS = 1000

# Fields whose invalid value is dropped from the entry (with a warning) rather
# than refusing it. Title, year, DOI and PMID identify a study: a fault there
# refuses the entry, since matching on a guess would file it under another.
DROPPABLE_FIELDS = {
    "url",
    "journal",
    "volume",
    "issue",
    "pages",
    "abstract",
    "authors",
    "authors_et_al",
}
# Fields compared between the file and a matched study, to show what differs.
COMPARED_FIELDS = (
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "url",
)


@dataclass(slots=True)
class ImportedEntry:
    """What became of one entry of an imported file."""

    number: int
    label: str
    title: str
    outcome: str
    study_id: int | None = None
    reason: str = ""
    # Values dropped and fields not stored, one line each.
    notes: list = field(default_factory=list)
    # For a matched study: "title: file “…”, stored “…”", one line per field.
    differences: list = field(default_factory=list)


@dataclass
class ImportReport:
    """The outcome of ``citations_import``: counts, problems and, if kept, each entry."""

    file_name: str
    format_label: str
    dry_run: bool = False
    counts: dict = field(
        default_factory=lambda: {CREATED: 0, UPDATED: 0, UNCHANGED: 0, SKIPPED: 0}
    )
    # Entries that cannot become studies: "entry 12 (key smith2020, line 140):
    # no title", in file order.
    problems: list = field(default_factory=list)
    problem_count: int = 0
    invalid_count: int = 0
    # Everything else worth a word, per entry and in file order: values
    # dropped, fields not stored, duplicates within the file.
    notes: list = field(default_factory=list)
    note_count: int = 0
    # Field name → how many entries had it and could not store it.
    unstored: dict = field(default_factory=dict)
    # True when invalid entries stopped the import: nothing was stored.
    refused: bool = False
    entries: list | None = None
    _problem_items: list = field(default_factory=list, repr=False)
    _note_items: list = field(default_factory=list, repr=False)

    @property
    def stored(self):
        return not (self.refused or self.dry_run)

    @property
    def valid_count(self):
        """Entries that were readable and valid (whether or not they changed anything)."""
        return self.counts[CREATED] + self.counts[UPDATED] + self.counts[UNCHANGED]

    @property
    def writes(self):
        """Entries that create or update a study."""
        return self.counts[CREATED] + self.counts[UPDATED]

    @property
    def unlisted_problems(self):
        return self.problem_count - len(self.problems)

    @property
    def unlisted_notes(self):
        return self.note_count - len(self.notes)

    def note_problem(self, text, number=0):
        self.problem_count += 1
        if len(self._problem_items) < MAX_LISTED_PROBLEMS:
            self._problem_items.append((number, text))

    def note(self, text, number=0):
        self.note_count += 1
        if len(self._note_items) < MAX_LISTED_PROBLEMS:
            self._note_items.append((number, text))

    def finish(self):
        """Put problems, notes and entries in file order."""
        self.problems = [text for _, text in sorted(self._problem_items)]
        self.notes = [text for _, text in sorted(self._note_items)]
        if self.entries is not None:
            self.entries.sort(key=lambda entry: entry.number)

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
            invalid = "" if self.valid_count else " No entry was readable and valid."
            return (
                f"Dry run of {self.file_name} ({self.format_label}), nothing "
                f"stored: would be {counts}.{invalid}"
            )
        if not self.valid_count:
            return (
                f"Nothing imported from {self.file_name} ({self.format_label}): "
                f"no entry was readable and valid ({counts})."
            )
        drafts = (
            " New studies are drafts until an editor publishes them."
            if self.counts.get(CREATED)
            else ""
        )
        return f"Imported {self.file_name} ({self.format_label}): {counts}.{drafts}"

    def unstored_summary(self):
        """ "Not stored (the atlas has no field for them): issn (3 entries), …" or ""."""
        if not self.unstored:
            return ""
        listed = ", ".join(
            f"{name} ({count} {'entry' if count == 1 else 'entries'})"
            for name, count in sorted(
                self.unstored.items(), key=lambda i: (-i[1], i[0])
            )
        )
        return f"Not stored (the atlas has no field for them): {listed}."


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
    values for fields it has empty. An invalid optional value (URL, pages, an
    over-long journal…) is dropped from its entry with a note; an entry that
    cannot be read, or has no valid title, year, DOI or PMID, is invalid.
    Without ``skip_invalid``, one invalid entry stops the whole import;
    ``dry_run`` stores nothing either way. ``progress(bytes_read, size)`` is
    called after each batch. Returns an ImportReport; raises
    ``importers.CitationFileError`` for a file that is not a citation file,
    having stored nothing.
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
        reader=reader,
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
            # The reader knows a JSON file's kind once it has read it.
            report.format_label = reader.format_label
            if report.refused or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    report.finish()
    return report


class _BatchImport:
    """Match, validate and write one batch of citations at a time.

    Equivalent to ``study_upsert(overwrite=False)`` entry by entry, with the
    database consulted three times per batch and written in bulk.
    """

    def __init__(self, *, report, user, skip_invalid, file_name, reader):
        self.report = report
        self.user = user
        self.skip_invalid = skip_invalid
        self.file_name = file_name
        self.reader = reader
        # Stored studies this import created or matched, by primary key: the
        # entry that did, so that a later entry for the same study is named
        # as its duplicate.
        self.entry_of_study = {}

    @property
    def source(self):
        return f"{self.file_name} ({self.reader.format_label})"[:300]

    def run(self, citations):
        candidates = []
        for citation in citations:
            if citation.problem:
                self._invalid(citation, citation.problem)
                continue
            study = Study(
                entry_method=EntryMethod.IMPORT,
                entry_source=self.source,
                **citation.fields,
            )
            problem = _checked(study, citation)
            if problem:
                self._invalid(citation, problem)
            elif not self.report.refused:
                candidates.append((citation, study))
            else:
                self._notes(citation)
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
                self._duplicate(citation, match)
                continue
            if match is None:
                study._import_entry = citation.number
                index.add(study)
                created.append((citation, study))
                continue
            differences = _differences(match, study)
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
            self._record(
                citation,
                match,
                UPDATED if changed else UNCHANGED,
                differences=differences,
            )

        if self.report.refused:
            return
        reason = import_change_reason(self.file_name, self.reader.format_label)
        if created:
            bulk_create_with_history(
                [study for _, study in created],
                Study,
                batch_size=500,
                default_user=self.user,
                default_change_reason=reason,
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
                default_change_reason=reason,
            )
            studies_updated_in_bulk.send(sender=Study, studies=updated)

    def _notes(self, citation):
        """The entry's notes (values dropped, fields not stored), also in the report."""
        notes = list(citation.warnings)
        if citation.unstored:
            notes.append(f"not stored: {', '.join(citation.unstored)}")
            for name in citation.unstored:
                self.report.unstored[name] = self.report.unstored.get(name, 0) + 1
        for note in notes:
            self.report.note(f"{citation.label}: {note}", citation.number)
        return notes

    def _record(self, citation, study, outcome, reason="", differences=()):
        self.report.counts[outcome] += 1
        notes = self._notes(citation)
        if self.report.entries is not None:
            self.report.entries.append(
                ImportedEntry(
                    number=citation.number,
                    label=citation.label,
                    title=citation.fields.get("title", "")[:300],
                    outcome=outcome,
                    study_id=study.pk if study is not None else None,
                    reason=reason,
                    notes=notes,
                    differences=list(differences),
                )
            )

    def _duplicate(self, citation, match):
        reason = f"the same study as entry {match._import_entry} of this file"
        self.report.note(f"{citation.label}: {reason}", citation.number)
        self._record(citation, match, SKIPPED, reason)

    def _invalid(self, citation, problem):
        self.report.invalid_count += 1
        self.report.note_problem(f"{citation.label}: {problem}", citation.number)
        if self.skip_invalid:
            self._record(citation, None, SKIPPED, problem)
            return
        if not self.report.refused:
            # From here on the import is refused: entries are only checked.
            self.report.refused = True
            if self.report.entries is not None:
                self.report.entries = []
        self._notes(citation)


def _studies_of(index):
    yield from index.by_doi.values()
    yield from index.by_pmid.values()
    yield from index.by_title.values()


def _shown(value, limit=80):
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    return f"“{shortened(str(value), limit)}”"


def _checked(study, citation):
    """The problem that stops ``study`` (read from ``citation``), or "".

    Invalid values of DROPPABLE_FIELDS are dropped from both, each with a
    warning on the citation naming the field and the value.
    """
    try:
        study.full_clean(validate_unique=False, validate_constraints=False)
        return ""
    except ValidationError as error:
        errors = error.message_dict
    dropped = [name for name in errors if name in DROPPABLE_FIELDS]
    for name in dropped:
        value = citation.fields.pop(name, getattr(study, name))
        setattr(study, name, Study._meta.get_field(name).get_default())
        citation.warnings.append(
            f"{name} {_shown(value)} dropped: {' '.join(errors[name])}"
        )
    return _validation_problem(study)


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


def _differences(stored, read):
    """What differs between a stored study and the entry ``read`` (a cleaned Study)."""
    differences = []
    for name in COMPARED_FIELDS:
        ours, theirs = getattr(stored, name), getattr(read, name)
        if theirs in EMPTY or ours in EMPTY or ours == theirs:
            continue
        differences.append(f"{name}: file {_shown(theirs)}, stored {_shown(ours)}")
    return differences


def _conflict(study, index, changed):
    """The uniqueness error that filling ``changed`` on ``study`` would cause."""
    if "doi" in changed and index.by_doi.get(study.doi, study) is not study:
        return "doi: A study with this DOI already exists."
    if "pmid" in changed:
        owner = index.by_pmid.get(study.pmid, study)
        if owner is not study:
            return "pmid: A study with this PMID already exists."
    return ""
