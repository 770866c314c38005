import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError
from django.template.defaultfilters import filesizeformat
from tqdm import tqdm

from backup.contents import FORMATS, UNREACHABLE, BackupError, format_for_path
from backup.services import backup_make, default_path


class Command(BaseCommand):
    help = (
        "Back up the whole database: a PostgreSQL custom-format dump on PostgreSQL, "
        "a portable JSON file on SQLite (or with --format json). Restore it with "
        "manage.py restore."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help="where to write the backup (default: backups/evidence-atlas-"
            "<date>-<time>.dump or .json); a name ending in .gz is compressed (json)",
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="pg: pg_dump custom format (PostgreSQL only, the default there); "
            "json: portable JSON Lines (the default on SQLite, or for a .json file)",
        )

    def handle(self, *args, file=None, format=None, verbosity=1, **options):
        format = format or format_for_path(file or "")
        path = Path(file) if file else default_path(format)
        try:
            backup = self._backup(path, format, verbosity)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except OperationalError as error:
            raise CommandError(UNREACHABLE.format(error=str(error).strip())) from error
        size = filesizeformat(path.stat().st_size).replace("\xa0", " ")
        if format == "pg":
            what = "PostgreSQL dump (custom format)"
        else:
            what = f"{backup.rows:,} rows of {len(backup.counts)} tables (JSON)"
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path}: {what}, {size}."))
        self.stdout.write(f"Restore it with: python manage.py restore {path}")

    def _backup(self, path, format, verbosity):
        with tqdm(
            desc="Tables" if format == "pg" else "Rows",
            unit="" if format == "pg" else " rows",
            disable=None if verbosity else True,
            file=sys.stderr,
        ) as bar:

            def progress(done, total):
                bar.total = total
                bar.update(done - bar.n)

            return backup_make(path=path, format=format, progress=progress)
