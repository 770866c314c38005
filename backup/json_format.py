"""The portable backup: every backed-up model's rows in JSON Lines, with a
header that says what the file holds and a trailer with its checksum."""

import datetime
import gzip
import hashlib
import json
import zlib

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Deserializer
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Prefetch
from django.utils import timezone

from .contents import (
    BATCH_ROWS,
    BY_NATURAL_KEY,
    FORMAT_NAME,
    FORMAT_VERSION,
    BackupError,
    BackupFile,
    RestoreResult,
    applied_migrations,
    backed_up_models,
    replaced_models,
)


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


def json_dump(partial, using, progress):
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
        migrations = applied_migrations(connection)
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


def json_restore(backup, using, progress):
    connection = connections[using]
    replaced = replaced_models(using)
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
