"""Reads from the replica, writes to the primary (when DATABASE_REPLICA_URL is set).

A request that has written, or that reads inside a transaction, stays on the
primary: the replica may lag behind, and a curator must see their own change.
"""

import threading

from django.db import connections

_state = threading.local()


def primary_pinned():
    return getattr(_state, "pinned", False)


def pin_to_primary():
    """Send the rest of this request's reads to the primary."""
    _state.pinned = True


def unpin():
    _state.pinned = False


class PrimaryReplicaRouter:
    replica = "replica"
    primary = "default"

    def db_for_read(self, model, **hints):
        if primary_pinned() or connections[self.primary].in_atomic_block:
            return self.primary
        return self.replica

    def db_for_write(self, model, **hints):
        pin_to_primary()
        return self.primary

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == self.primary


class PrimaryPinningMiddleware:
    """Each request starts unpinned; unsafe methods read from the primary
    from the start (they usually read what they are about to change)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        unpin()
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            pin_to_primary()
        try:
            return self.get_response(request)
        finally:
            unpin()
