"""What a backup holds and how it is named: the formats, the models whose
rows a JSON backup carries, the errors a backup or restore reports, and the
summary of a database or backup file in words."""

from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.migrations.recorder import MigrationRecorder

from dataversion.models import DataVersion

FORMAT_NAME = "evidence-atlas-backup"
FORMAT_VERSION = 1
FORMATS = ("pg", "json")
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


def replaced_models(using):
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


def applied_migrations(connection):
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return None
    return sorted([app, name] for app, name in recorder.applied_migrations())
