import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from tqdm import tqdm

from backup.contents import (
    UNREACHABLE,
    BackupError,
    database_contents,
    describe_counts,
)
from backup.services import (
    backup_check,
    backup_open,
    backup_restore,
    latest_backups,
)


class Command(BaseCommand):
    help = (
        "Replace all the data in the database with a backup made by manage.py "
        "backup, in one transaction: if anything fails, nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the backup file to restore")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="replace the data without asking, even when the database holds some",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="never ask: refuse to replace existing data unless --yes is given",
        )

    def handle(self, *args, file=None, yes=False, interactive=True, **options):
        if not file:
            raise CommandError(self._which_file())
        try:
            backup = backup_open(file)
            backup_check(backup)
            self._describe(backup)
            contents = database_contents()
            if contents and not yes:
                self._confirm(contents, interactive)
            result = self._restore(backup, options["verbosity"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        except OperationalError as error:
            raise CommandError(UNREACHABLE.format(error=str(error).strip())) from error
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        restored = (
            f"{result.tables} tables"
            if backup.format == "pg"
            else f"{result.rows:,} rows"
        )
        self.stdout.write(
            self.style.SUCCESS(f"Restored {restored} from {backup.path}.")
        )

    def _which_file(self):
        message = "Name the backup file to restore: python manage.py restore FILE."
        newest = latest_backups()
        if newest:
            message += " The newest in backups/: " + ", ".join(
                path.name for path in newest
            )
        return message

    def _describe(self, backup):
        if backup.format == "pg":
            self.stdout.write(
                f"{backup.path}: PostgreSQL dump of {len(backup.tables)} tables."
            )
        else:
            made = backup.created[:16].replace("T", " ")
            self.stdout.write(
                f"{backup.path}: JSON backup made {made} UTC, "
                f"{self._summary(backup.counts)}."
            )

    def _summary(self, counts):
        """The models a reader would recognise, then the number of other rows."""
        main = ["accounts.user", "evidence.claim", "evidence.evidence", "studies.study"]
        shown = {label: counts[label] for label in main if counts.get(label)}
        others = sum(counts.values()) - sum(shown.values())
        return describe_counts(shown) + (
            f"{', ' if shown else ''}{others:,} other rows" if others else ""
        )

    def _confirm(self, contents, interactive):
        held = self._summary(contents)
        if not interactive:
            raise CommandError(
                f"The database is not empty ({held}). A restore replaces all of it: "
                "pass --yes to go ahead."
            )
        try:
            answer = input(
                f"The database holds {held}.\n"
                "Restoring replaces all of it with the backup. Type 'yes' to continue: "
            )
        except EOFError:  # no one to answer (e.g. stdin from /dev/null)
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("Restore cancelled; nothing was changed.")

    def _restore(self, backup, verbosity):
        with tqdm(
            desc="Tables" if backup.format == "pg" else "Rows",
            unit="" if backup.format == "pg" else " rows",
            disable=None if verbosity else True,
            file=sys.stderr,
        ) as bar:

            def progress(done, total):
                bar.total = total
                bar.update(done - bar.n)

            return backup_restore(backup, progress=progress)
