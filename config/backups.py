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
import hashlib
import json
import os
import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import FieldDoesNotExist
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Deserializer
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connections,
    router,
    transaction,
)
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Prefetch
from django.utils import timezone

from dataversion.models import DataVersion
from dataversion.version import data_changed
from evidence.models import Release

FORMAT_NAME = "evidence-atlas-backup"
FORMAT_VERSION = 1
FORMATS = ("pg", "json")
BACKUP_DIR = settings.BASE_DIR / "backups"
# Rows per INSERT (fewer where SQLite allows fewer parameters).
BATCH_ROWS = 1000
PG_MAGIC = b"PGDMP"
GZIP_MAGIC = b"\x1f\x8b"
# Created by migrate (referred to by natural key), or not worth keeping.
# The data version is not data: a restore moves it forward (data_changed).
NOT_BACKED_UP = (ContentType, Permission, Session, DataVersion)
BY_NATURAL_KEY = (ContentType, Permission)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says what to do."""


UNREACHABLE = (
    "The database cannot be reached: {error}\n"
    "Check DATABASE_URL and that the database server is running."
)


@dataclass
class BackupFile:
    """A backup file, checked enough to know what it holds."""

    path: Path
    format: str
    created: str = ""
    counts: dict = field(default_factory=dict)
    migrations: list = field(default_factory=list)
    compressed: bool = False
    tables: list = field(default_factory=list)  # pg: the tables in the dump
    data_entries: int = 0  # pg: the tables whose rows it holds

    @property
    def rows(self):
        return sum(self.counts.values())


@dataclass
class RestoreResult:
    rows: int = 0
    tables: int = 0
    warnings: list = field(default_factory=list)


def backed_up_models(using=DEFAULT_DB_ALIAS):
    """The models whose rows a JSON backup holds, in a fixed order."""
    return [
        model
        for model in apps.get_models()
        if model not in NOT_BACKED_UP
        and model._meta.managed
        and not model._meta.proxy
        and router.allow_migrate_model(using, model)
    ]


def _replaced_models(using):
    """The models whose tables a JSON restore empties: the backed-up ones,
    their many-to-many tables, and the sessions."""
    models = backed_up_models(using)
    through = [
        field.remote_field.through
        for model in models
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]
    return [*models, *through, Session]


def database_contents(using=DEFAULT_DB_ALIAS):
    """Rows a restore would replace, as ``{model label: count}`` of the
    non-empty tables. The role groups that migrations create do not count."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    counts = {}
    for model in backed_up_models(using):
        if model is Group or model._meta.db_table not in tables:
            continue
        number = model._base_manager.using(using).count()
        if number:
            counts[model._meta.label_lower] = number
    return counts


def describe_counts(counts):
    """``{label: n}`` in words: "3 users, 12 claims, …"."""
    parts = []
    for label, number in counts.items():
        try:
            meta = apps.get_model(label)._meta
            name = meta.verbose_name if number == 1 else meta.verbose_name_plural
        except LookupError:
            name = label
        parts.append(f"{number:,} {name}")
    return ", ".join(parts)


def default_format(using=DEFAULT_DB_ALIAS):
    return "pg" if connections[using].vendor == "postgresql" else "json"


def format_for_path(path, using=DEFAULT_DB_ALIAS):
    """The format a file name asks for (.json, .json.gz, .dump), else the default."""
    name = Path(path).name.lower()
    if name.endswith((".json", ".json.gz", ".jsonl", ".jsonl.gz")):
        return "json"
    if name.endswith((".dump", ".pgdump")):
        return "pg"
    return default_format(using)


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


# --- Making a backup ----------------------------------------------------------


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
        _pg_tool("pg_dump")
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
            backup = _pg_dump(partial, connection, progress)
        else:
            backup = _json_dump(partial, using, progress)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    backup.path = path
    return backup


class _Serializer(jsonl.Serializer):
    """Django's JSON Lines serializer with natural keys for content types and
    permissions only (every other row keeps its primary key), timestamps to
    the microsecond, and the fast one-shot JSON encoder."""

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = field.related_model in BY_NATURAL_KEY
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = field.related_model in BY_NATURAL_KEY
        super().handle_m2m_field(obj, field)

    def end_object(self, obj):
        self.stream.write(json.dumps(self.get_dump_object(obj), **self.json_kwargs))
        self.stream.write("\n")
        self._current = None


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        # DjangoJSONEncoder rounds to milliseconds; a restore must not.
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _HashingWriter:
    """A text stream that writes UTF-8 and keeps the SHA-256 of what it wrote."""

    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, text):
        data = text.encode()
        self.digest.update(data)
        self.raw.write(data)


def _with_natural_keys(model, using):
    """Rows of ``model`` with the content types their natural keys name."""
    queryset = model._base_manager.using(using).order_by("pk")
    natural = [
        field.name
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in BY_NATURAL_KEY
    ]
    return queryset.select_related(*natural) if natural else queryset


def _rows_of(model, using):
    """Every row of ``model`` in primary-key order, many-to-many links included."""
    queryset = _with_natural_keys(model, using)
    for m2m in model._meta.local_many_to_many:
        queryset = queryset.prefetch_related(
            Prefetch(m2m.name, queryset=_with_natural_keys(m2m.related_model, using))
        )
    return queryset


def _applied_migrations(connection):
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return None
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _json_dump(partial, using, progress):
    connection = connections[using]
    compressed = partial.name.removesuffix(".partial").endswith(".gz")
    opener = gzip.open if compressed else open
    models = backed_up_models(using)
    with transaction.atomic(using=using), opener(partial, "wb") as raw:
        if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
            # One snapshot for every table, however long the dump takes.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
        migrations = _applied_migrations(connection)
        if not migrations:
            raise BackupError(
                "The database has no tables yet: there is nothing to back up "
                "(run python manage.py migrate to create them)."
            )
        counts = {
            model._meta.label_lower: model._base_manager.using(using).count()
            for model in models
        }
        backup = BackupFile(
            path=partial,
            format="json",
            created=timezone.now().isoformat(),
            counts=counts,
            migrations=migrations,
            compressed=compressed,
        )
        out = _HashingWriter(raw)
        header = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "created": backup.created,
            "database": connection.vendor,
            "migrations": backup.migrations,
            "models": counts,
        }
        out.write(json.dumps(header) + "\n")
        total, done = backup.rows, 0
        serializer = _Serializer()
        for model in models:
            rows = _rows_of(model, using).iterator(chunk_size=BATCH_ROWS)
            for chunk in _chunks(rows, BATCH_ROWS):
                serializer.serialize(chunk, stream=out, cls=_Encoder)
                done += len(chunk)
                if progress:
                    progress(done, total)
        trailer = {"end": {"rows": done, "sha256": out.digest.hexdigest()}}
        raw.write((json.dumps(trailer) + "\n").encode())
    return backup


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- PostgreSQL tools -----------------------------------------------------------

PG_OPTION_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


def pg_environment(settings_dict):
    """The environment for pg_dump and pg_restore: the connection settings of
    ``settings_dict`` as libpq variables, so that the password is never on a
    command line where other users of the machine could see it."""
    environment = dict(os.environ)
    values = {
        "PGDATABASE": settings_dict.get("NAME"),
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in PG_OPTION_VARIABLES.items():
        values[variable] = options.get(option)
    environment.update({name: str(value) for name, value in values.items() if value})
    return environment


def _pg_tool(name):
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(
            f"{name} was not found on the PATH. Install the PostgreSQL client tools "
            "of the server's major version or newer (on Debian or Ubuntu: apt-get "
            "install postgresql-client), or use a portable JSON backup instead "
            "(backup --format json)."
        )
    return tool


def _pg_run(command, connection, *, progress_pattern, total, progress):
    """Run a PostgreSQL tool with --verbose, counting the tables it reports
    through ``progress``; returns its stderr lines, raises BackupError if it fails."""
    process = subprocess.Popen(
        command,
        env=pg_environment(connection.settings_dict),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines, done = [], 0
    for line in process.stderr:
        lines.append(line.rstrip())
        if progress_pattern.search(line):
            done += 1
            if progress:
                progress(done, max(total, done))
    if process.wait() != 0:
        raise BackupError(_tool_failure(Path(command[0]).name, lines))
    return lines


def _tool_failure(tool, lines):
    problems = [
        line
        for line in lines
        if re.search(r"error|fatal|detail|hint|could not|failed", line, re.I)
    ] or lines[-5:]
    outcome = "nothing was changed" if tool == "pg_restore" else "no backup was written"
    message = f"{tool} failed, and {outcome}:\n  " + "\n  ".join(problems)
    if any("version mismatch" in line for line in problems):
        message += (
            "\nInstall the PostgreSQL client tools of the server's major version."
        )
    if any("input file" in line for line in problems):
        message += "\nThe file is damaged or incomplete: restore another backup."
    return message


def _pg_dump(partial, connection, progress):
    tool = _pg_tool("pg_dump")
    total = len(connection.introspection.table_names())
    _pg_run(
        [
            tool,
            "--format=custom",
            "--verbose",
            "--no-password",
            f"--file={partial}",
        ],
        connection,
        progress_pattern=re.compile(r"dumping contents of table"),
        total=total,
        progress=progress,
    )
    return BackupFile(
        path=partial, format="pg", created=timezone.now().isoformat(), tables=[]
    )


def _pg_list(path):
    """The table entries of a custom-format dump's table of contents."""
    tool = _pg_tool("pg_restore")
    result = subprocess.run(
        [tool, "--list", str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            f"{path} cannot be read as a PostgreSQL dump ({result.stderr.strip()}): "
            "it is damaged or incomplete. Restore another backup."
        )
    tables, data = [], 0
    for line in result.stdout.splitlines():
        if line.startswith(";"):
            continue
        if match := re.match(r"\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+)", line):
            tables.append(match.group(2))
        if " TABLE DATA " in line:
            data += 1
    return tables, data


# --- Restoring ------------------------------------------------------------------


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
        backup.tables, backup.data_entries = _pg_list(backup.path)
        return
    applied = _applied_migrations(connection)
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
        result = _pg_restore(backup, connection, progress)
    else:
        result = _json_restore(backup, using, progress)
    ContentType.objects.clear_cache()
    # Cached counts and API responses describe the data before the restore.
    data_changed(using=using)
    result.warnings.extend(_missing_release_files(using))
    return result


def _pg_restore(backup, connection, progress):
    total = backup.data_entries
    command = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--verbose",
        "--no-password",
        f"--dbname={connection.settings_dict['NAME']}",
        str(backup.path),
    ]
    _pg_run(
        command,
        connection,
        progress_pattern=re.compile(r"processing data for table"),
        total=total,
        progress=progress,
    )
    result = RestoreResult(tables=len(backup.tables))
    leftover = sorted(set(connection.introspection.table_names()) - set(backup.tables))
    if leftover:
        result.warnings.append(
            "These tables were not in the backup and were left as they are: "
            + ", ".join(leftover)
            + ". For an exact copy, restore into a new, empty database."
        )
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        result.warnings.append(
            "The backup was made before some of this version's migrations: "
            "run python manage.py migrate."
        )
    return result


def _json_restore(backup, using, progress):
    connection = connections[using]
    replaced = _replaced_models(using)
    expected = {label: int(number) for label, number in backup.counts.items()}
    total = sum(expected.values())
    opener = gzip.open if backup.compressed else open
    try:
        with transaction.atomic(using=using), opener(backup.path, "rb") as handle:
            connection.ops.execute_sql_flush(
                connection.ops.sql_flush(
                    no_style(), [model._meta.db_table for model in replaced]
                )
            )

            def rows_done(done):
                if progress:
                    progress(done, total)

            loader = _Loader(using, expected, backup.path)
            loader.load(handle, progress=rows_done)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), replaced):
                    cursor.execute(sql)
            try:
                connection.check_constraints()
            except IntegrityError as error:
                raise BackupError(
                    f"The rows of {backup.path} do not fit together ({error}): the "
                    "file was damaged or edited. Nothing was changed."
                ) from error
    except (OSError, EOFError, zlib.error) as error:
        raise BackupError(
            f"{backup.path} could not be read to the end ({error}): it is damaged "
            "or incomplete. Nothing was changed; restore another backup."
        ) from error
    return RestoreResult(rows=loader.rows, tables=len(expected))


class _Loader:
    """Reads the rows of a JSON backup and inserts them, batch by batch."""

    def __init__(self, using, expected, path):
        self.using = using
        self.expected = expected
        self.path = path
        self.counts = dict.fromkeys(expected, 0)
        self.rows = 0

    def fail(self, problem):
        raise BackupError(
            f"{self.path} {problem}: the file is damaged or incomplete. Nothing was "
            "changed; restore another backup."
        )

    def load(self, handle, *, progress):
        digest = hashlib.sha256()
        header = handle.readline()
        digest.update(header)
        trailer = None
        batch, label = [], None
        for number, line in enumerate(handle, start=2):
            if trailer is not None:
                self.fail(f"has more lines after its end (line {number})")
            try:
                item = json.loads(line)
            except ValueError:
                self.fail(f"has a line that is not JSON (line {number})")
            if isinstance(item, dict) and "end" in item:
                trailer = item["end"]
                continue
            digest.update(line)
            if not (
                isinstance(item, dict)
                and item.get("model") in self.expected
                and isinstance(item.get("fields"), dict)
                and "pk" in item
            ):
                self.fail(f"has a row that is not one of this backup's (line {number})")
            if item["model"] != label or len(batch) >= BATCH_ROWS:
                self.insert(batch, label)
                progress(self.rows)
                batch, label = [], item["model"]
            batch.append(item)
        self.insert(batch, label)
        progress(self.rows)
        if not isinstance(trailer, dict):
            self.fail("ends before its last line")
        if trailer.get("sha256") != digest.hexdigest():
            self.fail("does not match its checksum")
        if self.counts != self.expected or trailer.get("rows") != self.rows:
            self.fail(
                f"holds {self.rows} rows where its header announces "
                f"{sum(self.expected.values())}"
            )

    def insert(self, items, label):
        if not items:
            return
        model = apps.get_model(label)
        objects, links = [], []
        try:
            for deserialized in Deserializer(items, using=self.using):
                objects.append(deserialized.object)
                links.append(deserialized.m2m_data)
        except (DeserializationError, FieldDoesNotExist) as error:
            self.fail(f"has a row of {label} that does not fit this database ({error})")
        fields = model._meta.local_concrete_fields
        connection = connections[self.using]
        size = max(1, min(BATCH_ROWS, connection.ops.bulk_batch_size(fields, objects)))
        try:
            for start in range(0, len(objects), size):
                # Raw, as loaddata saves: auto_now fields keep the stored times.
                model._base_manager.using(self.using)._insert(
                    objects[start : start + size], fields=fields, raw=True
                )
            self._insert_m2m(model, objects, links)
        except DatabaseError as error:
            raise BackupError(
                f"The database refused the rows of {label} in {self.path} ({error}). "
                "Nothing was changed."
            ) from error
        self.counts[label] += len(objects)
        self.rows += len(objects)

    def _insert_m2m(self, model, objects, links):
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            if not through._meta.auto_created:
                continue
            source = m2m.m2m_field_name() + "_id"
            target = m2m.m2m_reverse_field_name() + "_id"
            rows = [
                through(**{source: obj.pk, target: pk})
                for obj, data in zip(objects, links, strict=True)
                for pk in data.get(m2m.name, ())
            ]
            through._base_manager.using(self.using).bulk_create(
                rows, batch_size=BATCH_ROWS
            )


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
