"""Reads from the replica, writes to the primary (when DATABASE_REPLICA_URL is set).

The guarantees, for a primary with an asynchronous streaming replica:

- **Read your own writes.** A request that has written, or that reads inside
  a transaction, stays on the primary. After a request that wrote, the
  primary's WAL position is kept for its user (in the shared cache, so every
  instance knows it); that user's later reads go to the primary until the
  replica has replayed past that position (``pg_last_wal_replay_lsn()``).
  Anonymous readers read the replica, at most its lag behind.
- **A lost replica costs no request.** The replica is probed once per request
  before it is first used; a replica that does not answer is marked down for
  ``REPLICA_RETRY_SECONDS`` and reads go to the primary meanwhile, then it is
  probed again. A replica that fails in the middle of a read is marked down
  and the read is served again from the primary (DatabaseUnavailableMiddleware).
- Sessions and the sign-in lockout records are always read from the primary:
  a session written a moment ago must not look missing.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

logger = logging.getLogger("evidence_atlas")

_state = threading.local()
# Process-wide: when the replica was last found down (monotonic seconds).
_replica_down_since = {"at": None}
_replica_lock = threading.Lock()

PRIMARY = "default"
REPLICA = "replica"
# Apps whose rows a request may need the moment another wrote them.
PRIMARY_ONLY_APPS = {"sessions", "axes"}


def replica_configured():
    from django.db import router

    return REPLICA in settings.DATABASES and any(
        isinstance(each, PrimaryReplicaRouter) for each in router.routers
    )


def primary_pinned():
    return getattr(_state, "pinned", False)


def pin_to_primary():
    """Send the rest of this request's reads to the primary."""
    _state.pinned = True


def unpin():
    """Start a new request's routing from scratch."""
    _state.pinned = False
    _state.wrote = False
    _state.wait_for_lsn = None
    _state.replica_checked = None
    _state.replayed = None


def wrote_in_this_request():
    return getattr(_state, "wrote", False)


# --- Replica health ------------------------------------------------------------


def replica_marked_down():
    """True while the replica is within its retry pause after a failure."""
    since = _replica_down_since["at"]
    return since is not None and (
        time.monotonic() - since < settings.REPLICA_RETRY_SECONDS
    )


def replica_mark_down(error):
    with _replica_lock:
        if not replica_marked_down():
            logger.error(
                "Read replica unavailable, reading from the primary: %s", error
            )
        _replica_down_since["at"] = time.monotonic()
    try:
        connections[REPLICA].close()
    except DatabaseError:
        pass


def replica_mark_up():
    _replica_down_since["at"] = None


def _replica_usable():
    """Probe the replica once per request before its first use."""
    checked = getattr(_state, "replica_checked", None)
    if checked is not None:
        return checked
    usable = not replica_marked_down()
    if usable:
        connection = connections[REPLICA]
        try:
            if connection.connection is not None and not connection.is_usable():
                connection.close()
            connection.ensure_connection()
        except DatabaseError as error:
            replica_mark_down(error)
            usable = False
        else:
            replica_mark_up()
    _state.replica_checked = usable
    return usable


# --- Read your writes ----------------------------------------------------------


def _lsn_key(user_id):
    return f"read-your-writes:{user_id}"


def writer_identified(user):
    """Call once a request's user is known: if they wrote recently, their
    reads wait for the replica to replay their last write."""
    if not (replica_configured() and user is not None and user.is_authenticated):
        return
    _state.wait_for_lsn = cache.get(_lsn_key(user.pk))


def _replica_has_replayed(lsn):
    """Whether the replica has replayed the WAL up to ``lsn`` (asked once per
    request)."""
    memo = getattr(_state, "replayed", None)
    if memo is not None:
        return memo
    try:
        with connections[REPLICA].cursor() as cursor:
            # NULL when the replica is not replaying (a promoted or mirror
            # database): it then holds everything the primary does.
            cursor.execute(
                "SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, TRUE)", [lsn]
            )
            caught_up = bool(cursor.fetchone()[0])
    except DatabaseError as error:
        replica_mark_down(error)
        caught_up = False
    _state.replayed = caught_up
    return caught_up


def writes_remember(user):
    """After a request that wrote: keep the primary's WAL position for
    ``user``, so that their next reads wait until the replica has it."""
    if not (
        replica_configured()
        and wrote_in_this_request()
        and user is not None
        and user.is_authenticated
        and connections[PRIMARY].vendor == "postgresql"
    ):
        return
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            lsn = cursor.fetchone()[0]
    except DatabaseError:
        return
    cache.set(_lsn_key(user.pk), lsn, settings.READ_YOUR_WRITES_SECONDS)


class PrimaryReplicaRouter:
    replica = REPLICA
    primary = PRIMARY

    def db_for_read(self, model, **hints):
        if (
            primary_pinned()
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[self.primary].in_atomic_block
            or not _replica_usable()
        ):
            return self.primary
        lsn = getattr(_state, "wait_for_lsn", None)
        if lsn and not _replica_has_replayed(lsn):
            return self.primary
        return self.replica

    def db_for_write(self, model, **hints):
        pin_to_primary()
        _state.wrote = True
        return self.primary

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == self.primary


class PrimaryPinningMiddleware:
    """Each request starts unpinned; unsafe methods read from the primary
    from the start (they usually read what they are about to change). After
    the response, a request that wrote leaves its WAL position for its user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        unpin()
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            pin_to_primary()
        try:
            response = self.get_response(request)
            writes_remember(getattr(request, "user", None))
            return response
        finally:
            unpin()


class ReadYourWritesMiddleware:
    """After authentication: a signed-in user who wrote a moment ago reads
    from the primary until the replica has their write. (API tokens are
    identified later, by ApiTokenAuthentication, which does the same.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if replica_configured():
            writer_identified(request.user)
        return self.get_response(request)
