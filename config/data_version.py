"""One number that changes whenever curated data changes.

Cached counts and responses put it in their keys, so that a write makes every
one of them stale at once, without a list of keys to delete. The number lives
in the cache: shared by all web processes with Redis, per process otherwise
(then entries also expire after their timeout). Each process rereads it at
most every DATA_VERSION_SECONDS, so another process's write is seen within
that time, and this process's own writes at once.
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

KEY = "data-version"
_local = threading.local()


def _remember(version):
    _local.version = str(version)
    _local.read_at = time.monotonic()
    return _local.version


def data_version():
    """The current version (a string, for cache keys)."""
    remembered = getattr(_local, "version", None)
    max_age = getattr(settings, "DATA_VERSION_SECONDS", 1.0)
    if remembered is not None and time.monotonic() - _local.read_at < max_age:
        return remembered
    version = cache.get(KEY)
    if version is None:
        # Time-based, so a restarted or cleared cache never reuses an old number.
        cache.add(KEY, time.time_ns(), timeout=None)
        version = cache.get(KEY, time.time_ns())
    return _remember(version)


def _bump():
    try:
        _remember(cache.incr(KEY))
    except ValueError:  # not set yet, or evicted
        version = time.time_ns()
        cache.set(KEY, version, timeout=None)
        _remember(version)


def data_changed(**kwargs):
    """Mark cached reads stale: now, for this transaction's own later reads,
    and again at commit, for reads that ran meanwhile in other processes and
    may have cached the data as it was before the commit."""
    _bump()
    transaction.on_commit(_bump, using=kwargs.get("using"))
