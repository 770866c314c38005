"""Backups of the whole database, and restoring them (manage.py backup / restore).

Two formats:

- ``pg``: a PostgreSQL custom-format dump made by ``pg_dump``, restored by
  ``pg_restore`` in one transaction. Everything in the database, schema
  included; PostgreSQL only.
- ``json``: a portable export of every app's rows, in JSON Lines. The first
  line describes the backup (format, version, when, the migrations applied,
  the row count of each model), then one line per row in Django's
  serialization format, then a last line with the number of rows and the
  SHA-256 of everything before it, so that a damaged or cut-off file is
  refused. It restores into SQLite or PostgreSQL at the same migrations.

  Content types and permissions are not in it: ``migrate`` creates them, with
  ids that differ between databases, so rows that refer to them (group and
  user permissions, the admin's log) name them by natural key instead.
  Sessions are not in it either: a restore deletes them, and people sign in
  again. Everything else is, with its primary keys: users (password hashes),
  groups, API tokens (SHA-256 digests only), studies, claims, links,
  revisions, versions, releases (the rows; their zip files live in the media
  storage), the history tables, the admin's log and the sign-in records.

A restore replaces the data; it never merges. Both formats restore in one
transaction: if anything fails, the database is left as it was.
"""

import datetime
import gzip
import json
import os
import zlib
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from dataversion.version import data_changed
from evidence.models import Release

from . import json_format, postgres
from .contents import (
    FORMAT_NAME,
    FORMAT_VERSION,
    FORMATS,
    GZIP_MAGIC,
    PG_MAGIC,
    BackupError,
    BackupFile,
    applied_migrations,
    backed_up_models,
)

BACKUP_DIR = settings.BASE_DIR / "backups"


def default_path(format, *, now=None):
    """``backups/evidence-atlas-<UTC date and time>.<dump|json>``."""
    stamp = (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    return BACKUP_DIR / f"evidence-atlas-{stamp}.{'dump' if format == 'pg' else 'json'}"


def latest_backups(limit=3):
    """The newest files in the backups folder, newest first."""
    if not BACKUP_DIR.is_dir():
        return []
    files = [path for path in BACKUP_DIR.iterdir() if path.is_file()]
    files = [path for path in files if not path.name.endswith(".partial")]
    return sorted(files, key=lambda path: path.stat().st_mtime, reverse=True)[:limit]


def backup_make(*, path, format, using=DEFAULT_DB_ALIAS, progress=None):
    """Write a backup of the database to ``path`` (which must not exist yet).

    The file appears only once complete (it is written under a ``.partial``
    name first) and only its owner may read it: it holds password hashes.
    ``progress(done, total)`` is called as tables (pg) or rows (json) are
    written. Returns the :class:`BackupFile` written.
    """
    path = Path(path)
    connection = connections[using]
    if format not in FORMATS:
        raise BackupError(f"Unknown format {format!r}: choose pg or json.")
    if format == "pg" and connection.vendor != "postgresql":
        raise BackupError(
            f"The pg format is a PostgreSQL dump, and the configured database is "
            f"{connection.display_name}. Leave out --format (or give --format json) "
            "for a portable JSON backup."
        )
    if format == "pg":
        postgres.pg_tool("pg_dump")
    if path.exists():
        raise BackupError(
            f"{path} already exists: give another file name, or remove it first."
        )
    if path.parent.resolve() == BACKUP_DIR.resolve():
        BACKUP_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise BackupError(
            f"There is no folder {path.parent}: create it, or give another path."
        )
    partial = path.with_name(path.name + ".partial")
    try:
        # Created empty first, so that pg_dump writes into a private file too.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    except OSError as error:
        raise BackupError(f"Cannot write {partial}: {error.strerror}.") from error
    try:
        if format == "pg":
            backup = postgres.pg_dump(partial, connection, progress)
        else:
            backup = json_format.json_dump(partial, using, progress)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    backup.path = path
    return backup


def backup_open(path):
    """Check that ``path`` is a backup this app made, and read what it holds
    (a dump's contents are read by :func:`backup_check`).

    Raises :class:`BackupError` for a missing, empty, unknown or newer-version
    file. Returns a :class:`BackupFile`.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            start = handle.read(5)
    except FileNotFoundError:
        raise BackupError(_not_found(path)) from None
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from error
    if not start:
        raise BackupError(f"{path} is empty: it is not a backup.")
    if start.startswith(PG_MAGIC):
        return BackupFile(path=path, format="pg")
    compressed = start.startswith(GZIP_MAGIC)
    try:
        with (gzip.open if compressed else open)(path, "rb") as handle:
            header = json.loads(handle.readline())
    except (ValueError, OSError, EOFError, zlib.error):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        hint = (
            " It looks like a plain SQL dump: restore that with psql."
            if start.startswith(b"--")
            else ""
        )
        raise BackupError(
            f"{path} is not a backup made by manage.py backup (neither a PostgreSQL "
            f"custom-format dump nor an Evidence Atlas JSON backup).{hint}"
        )
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is a JSON backup of format version {header.get('version')}; "
            f"this version of Evidence Atlas reads version {FORMAT_VERSION}. Restore "
            "it with the version of Evidence Atlas that made it."
        )
    counts, migrations = header.get("models"), header.get("migrations")
    if not isinstance(counts, dict) or not isinstance(migrations, list):
        raise BackupError(f"{path} has a damaged header: restore another backup.")
    return BackupFile(
        path=path,
        format="json",
        created=str(header.get("created", "")),
        counts=counts,
        migrations=migrations,
        compressed=compressed,
    )


def _not_found(path):
    message = f"There is no file {path}."
    newest = latest_backups()
    if newest:
        names = ", ".join(str(item.relative_to(settings.BASE_DIR)) for item in newest)
        message += f" The newest backups are: {names}."
    return message


def backup_check(backup, using=DEFAULT_DB_ALIAS):
    """Refuse a backup that cannot be restored into the configured database,
    before anything is changed, saying what to do instead."""
    connection = connections[using]
    if backup.format == "pg":
        if connection.vendor != "postgresql":
            raise BackupError(
                f"{backup.path} is a PostgreSQL dump, and the configured database is "
                f"{connection.display_name}. Restore it into PostgreSQL (set "
                "DATABASE_URL=postgres://…), or make a portable backup on the "
                "PostgreSQL side with: python manage.py backup --format json"
            )
        if connection.in_atomic_block:
            raise BackupError("A PostgreSQL restore cannot run inside a transaction.")
        backup.tables, backup.data_entries = postgres.pg_list(backup.path)
        return
    applied = applied_migrations(connection)
    if not applied:
        raise BackupError(
            "The database has no tables yet: run python manage.py migrate, "
            "then restore again."
        )
    _check_migrations(backup, {tuple(item) for item in applied})
    restorable = {model._meta.label_lower for model in backed_up_models(using)}
    unknown = sorted(set(backup.counts) - restorable)
    if unknown:
        raise BackupError(
            f"{backup.path} holds rows of {', '.join(unknown)}, which a restore does "
            "not replace: it was not made by manage.py backup, or was edited. "
            "Nothing was changed."
        )


def _check_migrations(backup, applied):
    in_backup = {tuple(item) for item in backup.migrations}
    if in_backup == applied:
        return
    lines = [
        f"{backup.path} was made with different migrations than this database "
        "has, so its rows would not fit. Nothing was changed."
    ]
    missing = sorted(in_backup - applied)
    if missing:
        lines.append(
            "The backup has migrations this database lacks ("
            + ", ".join(".".join(item) for item in missing[:5])
            + (", …" if len(missing) > 5 else "")
            + "): upgrade Evidence Atlas if they are not part of this version, run "
            "python manage.py migrate, then restore again."
        )
    extra = sorted(applied - in_backup)
    if extra:
        commands = []
        for app in sorted({app for app, _ in extra}):
            names = sorted(name for label, name in in_backup if label == app)
            commands.append(
                f"python manage.py migrate {app} {names[-1] if names else 'zero'}"
            )
        lines.append(
            "This database has migrations the backup lacks ("
            + ", ".join(".".join(item) for item in extra[:5])
            + (", …" if len(extra) > 5 else "")
            + "): take the database back to the backup's migrations with "
            + "; ".join(commands)
            + ", restore, then run python manage.py migrate."
        )
    raise BackupError("\n".join(lines))


def backup_restore(backup, *, using=DEFAULT_DB_ALIAS, progress=None):
    """Replace the database's data with ``backup`` (checked by :func:`backup_check`),
    in one transaction. ``progress(done, total)`` counts tables (pg) or rows
    (json). Returns a :class:`RestoreResult`."""
    connection = connections[using]
    if backup.format == "pg":
        result = postgres.pg_restore(backup, connection, progress)
    else:
        result = json_format.json_restore(backup, using, progress)
    ContentType.objects.clear_cache()
    # Cached counts and API responses describe the data before the restore.
    data_changed(using=using)
    result.warnings.extend(_missing_release_files(using))
    return result


def _missing_release_files(using):
    missing = [
        release.file.name
        for release in Release.objects.using(using).only("file")
        if release.file and not default_storage.exists(release.file.name)
    ]
    if not missing:
        return []
    return [
        f"{len(missing)} release file(s) are not in the media storage (e.g. "
        f"{missing[0]}): backups hold the database only; copy the media folder "
        "back from its own backup."
    ]
