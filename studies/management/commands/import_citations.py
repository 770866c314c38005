"""Import a BibTeX, RIS, CSL-JSON or JSON publication list as studies.

One transaction: a file that cannot be read, or (without --skip-invalid) an
invalid entry, stores nothing, and neither does an import that is stopped or
killed half-way. Matching entries fill only the empty fields of the studies
already stored. Invalid optional values are dropped with a note, and fields
the atlas has no place for are named, entry by entry.

Exit status: 0 when at least one entry was readable and valid (a re-import
whose entries are all "unchanged" included); 1 when none was, or the import
was refused.

Progress goes to stderr: a bar on a terminal, otherwise (cron, a log) a plain
line after the first batch of entries and then every few seconds.
"""

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...importers import FORMATS, CitationFileError
from ...imports import citations_import

PROGRESS_LINE_SECONDS = 5


class Command(BaseCommand):
    help = (
        "Import citations (BibTeX, RIS, CSL-JSON as reference managers export "
        "them, or a JSON publication list) as studies. Safe to run again: known "
        "studies are matched, not copied."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the citation file")
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            help="the file's format; detected from its content when left out",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would happen and store nothing",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid entries and list the invalid ones, "
            "instead of refusing the whole file",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="the curator to record in the studies' history",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        user = self._user(options["user"])
        verbosity = options["verbosity"]
        try:
            handle = path.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot open {path}: {error.strerror}.") from error
        interactive = sys.stderr.isatty()
        if verbosity and not interactive:
            self.stderr.write(
                f"Checking {path.name}; a dry run stores nothing."
                if options["dry_run"]
                else f"Importing {path.name} in one transaction: nothing is "
                "stored unless the whole file is."
            )
        with (
            handle,
            tqdm(
                total=path.stat().st_size,
                unit="B",
                unit_scale=True,
                desc=path.name,
                disable=not (verbosity and interactive),
                file=sys.stderr,
            ) as bar,
        ):
            last_line = None

            def progress(done, size):
                nonlocal last_line
                bar.update(done - bar.n)
                if not verbosity or interactive:
                    return
                now = time.monotonic()
                if last_line is None or now - last_line >= PROGRESS_LINE_SECONDS:
                    self.stderr.write(
                        f"{path.name}: {done / (size or 1):.0%} read "
                        f"({done:,} of {size:,} bytes)"
                    )
                    last_line = now

            try:
                report = citations_import(
                    file=handle,
                    file_name=path.name,
                    format=options["format"],
                    user=user,
                    dry_run=options["dry_run"],
                    skip_invalid=options["skip_invalid"],
                    keep_entries=verbosity >= 2,
                    progress=progress,
                )
            except CitationFileError as error:
                raise CommandError(
                    f"{path.name} was not imported, nothing was stored. {error}"
                ) from error

        if report.refused:
            raise CommandError(
                "\n".join(
                    [
                        report.summary(),
                        *self._problems(report),
                        "Correct these entries, or pass --skip-invalid to import "
                        "the others.",
                    ]
                )
            )
        if report.entries:
            for entry in report.entries:
                self.stdout.write(f"{entry.label}: {entry.outcome} {entry.title}")
                for difference in entry.differences:
                    self.stdout.write(f"  differs: {difference}")
        for line in self._problems(report):
            self.stdout.write(f"skipped {line}")
        for line in report.notes:
            self.stdout.write(f"note: {line}")
        if report.unlisted_notes:
            self.stdout.write(f"note: … and {report.unlisted_notes} more.")
        if report.unstored_summary():
            self.stdout.write(report.unstored_summary())
        if not report.valid_count:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None

    def _problems(self, report):
        lines = list(report.problems)
        if report.unlisted_problems:
            lines.append(f"… and {report.unlisted_problems} more.")
        return lines
