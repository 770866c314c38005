"""One number that changes whenever stored data changes.

Cached counts, page ids and API responses put it in their keys, so that a
write makes every one of them stale at once, without a list of keys to
delete. It lives in a one-row table, so that every process sees a write of
any other process (web workers, ``manage.py import_citations``, the shell) as
soon as it commits, with Redis or without.

- **Bumped by every write.** Each database connection watches the statements
  it runs (:func:`watch_writes`): an INSERT, UPDATE, DELETE or TRUNCATE of a
  data table — by a model's ``save()``, ``bulk_create``, ``QuerySet.update``,
  raw SQL — bumps the version once its transaction commits (right away
  outside a transaction). The bump is one ``UPDATE`` of the row, run after the
  commit: the row lock lasts one statement and is taken while the writer holds
  no other lock, so writers never queue behind it for long nor deadlock on it.
  Writes the connection cannot see (PostgreSQL's ``COPY``, ``pg_restore``) call
  :func:`data_changed`.
- **Read at most once per request** (:class:`DataVersionMiddleware`): one
  query per request that uses a cache, none for one that does not. Outside a
  request every call reads it anew; no process keeps it for a while.
- **A writer sees its own writes at once.** Inside a transaction that has
  written, the version read from the table is followed by a mark of that
  transaction and of its number of writes: its reads never use entries cached
  before its writes, and no other process can use what it caches meanwhile.

The stored number never goes back: each bump makes it at least the current
time in microseconds, so a database restored from a backup (or a table
emptied by tests) never reuses a number under which a shared cache still
holds entries.
"""

import contextvars
import re
import time
import uuid
from contextlib import nullcontext

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction

TABLE = "dataversion_dataversion"

_request_memo = contextvars.ContextVar("data_version_memo", default=None)

_WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?"
    r"|REPLACE\s+INTO)\s+(?:ONLY\s+)?[\"`]?(\w+)",
    re.IGNORECASE,
)
# Tables whose rows no reader sees through a cached list, count or response:
# writing them leaves the caches valid. History rows are written together
# with the row they record.
IGNORED_TABLES = {
    TABLE,
    "django_session",
    "django_migrations",
    "django_admin_log",
    "accounts_apitoken",
}
# Readers' reports (feedback) are read by editors in the admin only: a flood
# of them must not empty the caches.
IGNORED_PREFIXES = ("axes_", "feedback_")
IGNORED_PARTS = ("_historical",)


def _watched(table):
    table = table.lower()
    return not (
        table in IGNORED_TABLES
        or table.startswith(IGNORED_PREFIXES)
        or any(part in table for part in IGNORED_PARTS)
    )


def _stored():
    """The number in the table (one query), as a string for cache keys."""
    from .models import DataVersion

    # Through the database router, like the data the caches hold; plain SQL,
    # as it runs on almost every request.
    connection = connections[router.db_for_read(DataVersion)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return str(row[0]) if row else "0"


class _Transaction:
    """The writes of one transaction of one connection, bumped at its commit."""

    def __init__(self, connection):
        self.connection = connection
        self.token = uuid.uuid4().hex[:12]
        self.writes = 0
        self.callback = self.committed
        connection.on_commit(self.callback)
        self.index = len(connection.run_on_commit) - 1

    def open(self):
        """Whether the transaction that registered this is still going on: a
        rollback (of it, or of the savepoint it began in) drops the callback."""
        pending = self.connection.run_on_commit
        return (
            self.connection.in_atomic_block
            and self.index < len(pending)
            and pending[self.index][1] is self.callback
        )

    def committed(self):
        if getattr(self.connection, "_data_version_transaction", None) is self:
            self.connection._data_version_transaction = None
        _bump(self.connection)


def _written(connection):
    if not connection.in_atomic_block:
        _bump(connection)  # already committed
        return
    current = getattr(connection, "_data_version_transaction", None)
    if current is None or not current.open():
        current = connection._data_version_transaction = _Transaction(connection)
    current.writes += 1


def _bump(connection):
    now = time.time_ns() // 1000
    # Normally after the commit; inside a transaction (only tests run
    # commit callbacks there), a savepoint keeps a failure from breaking it.
    inside = connection.in_atomic_block
    try:
        with transaction.atomic(using=connection.alias) if inside else nullcontext():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {TABLE} SET version = CASE WHEN version + 1 > %s "
                    "THEN version + 1 ELSE %s END WHERE id = 1",
                    [now, now],
                )
                if cursor.rowcount == 0:
                    cursor.execute(
                        f"INSERT INTO {TABLE} (id, version) VALUES (1, %s) "
                        "ON CONFLICT DO NOTHING",
                        [now],
                    )
    except DatabaseError:
        # Only while migrations have not created the table yet.
        if TABLE in connection.introspection.table_names():
            raise
        return
    memo = _request_memo.get()
    if memo is not None:
        memo.pop("stored", None)


def _own_writes():
    marks = []
    for connection in connections.all(initialized_only=True):
        current = getattr(connection, "_data_version_transaction", None)
        if current is not None and current.open():
            marks.append(f"{current.token}.{current.writes}")
    return "~" + "~".join(marks) if marks else ""


def data_version():
    """The current version (a string, for cache keys)."""
    memo = _request_memo.get()
    if memo is None:
        stored = _stored()
    else:
        stored = memo.get("stored")
        if stored is None:
            stored = memo["stored"] = _stored()
    return stored + _own_writes()


def data_changed(using=DEFAULT_DB_ALIAS):
    """Mark cached reads stale after a write the connection did not run
    through its cursor (``COPY``, ``pg_restore``): at the commit of the
    current transaction, or now outside one."""
    _written(connections[using])


def _on_execute(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str):
        match = _WRITE.match(sql)
        if match and _watched(match.group(1)):
            _written(context["connection"])
    return result


def watch_writes(sender, connection, **kwargs):
    """``connection_created`` receiver: watch the connection's statements."""
    if _on_execute not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _on_execute)


class DataVersionMiddleware:
    """Reads the data version at most once per request (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)
