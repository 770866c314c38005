"""One number that changes whenever curated data changes.

Cached counts and responses put it in their keys, so that a write makes every
one of them stale at once, without a list of keys to delete. The number lives
in the cache: shared by all web processes with Redis, per process otherwise
(then entries also expire after their timeout).
"""

import time

from django.core.cache import cache
from django.db import transaction

KEY = "data-version"


def data_version():
    """The current version (a string, for cache keys)."""
    version = cache.get(KEY)
    if version is None:
        # Time-based, so a restarted or cleared cache never reuses an old number.
        version = time.time_ns()
        cache.add(KEY, version, timeout=None)
        version = cache.get(KEY, version)
    return str(version)


def _bump():
    try:
        cache.incr(KEY)
    except ValueError:  # not set yet, or evicted
        cache.add(KEY, time.time_ns(), timeout=None)


def data_changed(**kwargs):
    """Mark cached reads stale: now, for this transaction's own later reads,
    and again at commit, for reads that ran meanwhile in other processes and
    may have cached the data as it was before the commit."""
    _bump()
    transaction.on_commit(_bump, using=kwargs.get("using"))
