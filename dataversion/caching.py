"""Every cache of the site's reads, and the one story of how they go stale.

What is cached, all through this module:

- **API responses** (``response``): anonymous JSON reads of the API
  (``ResponseCacheMixin`` in the API base layer), for
  ``settings.API_RESPONSE_CACHE_SECONDS``.
- **Counts** (``count``): the number of rows of a list, per query or per
  request's filters (the paginators), for ``settings.COUNT_CACHE_SECONDS``;
  also remembered in this process (:data:`LOCAL_ENTRIES` and
  :data:`LOCAL_CHARACTERS` at most), which saves a round trip to Redis on
  every page; so are a page's ids and every cached piece of HTML.
- **Page ids** (``page``): the ids of one page of an order no index can give,
  for ``settings.COUNT_CACHE_SECONDS``.
- **Timelines** (``timeline``): a claim's laid-out evidence timeline, for
  ``settings.COUNT_CACHE_SECONDS``.
- **Claim page parts** (``timeline-html``, ``evidence-items``, ``fragment``,
  ``best-evidence``, ``claim-versions``): rendered HTML of the claim page that
  shows published data only (its timeline figure, a page of evidence links,
  the panels a ``{% datacache %}`` tag encloses), its best-evidence links and
  its list of versions, for
  ``settings.COUNT_CACHE_SECONDS``. One copy serves every reader, so
  nothing of a request (query string, user, CSRF token) may enter them.

How they go stale: **every key carries the data version**
(:func:`dataversion.version.data_version`), a number that every committed
write of a data table bumps, in whichever process it runs (web workers,
imports, the shell). Nothing is ever deleted: after a write, every entry is
unreachable under the new version and expires on its own. No app wires
invalidation by hand, with signals or a list of keys; a write the database
connection cannot see (``COPY``, ``pg_restore``) calls
:func:`dataversion.version.data_changed`. A transaction that has written
reads under a version marked with its own writes, so it never sees entries
cached before them, and nobody else sees what it caches meanwhile.

Not read caches, and so not here: throttle counters (DRF), the replica
router's read-your-writes positions (per user, in the shared cache) and the
DOI lookup's "offline" flag, which expire by time and hold no data.

State: the shared Django cache (Redis in production, local memory
otherwise) and the process-local count memo below. :func:`reset` empties
both; the test suite calls it around each test (throttle counters live in
the same cache), and nothing else needs resetting.
"""

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from .version import data_version

# Entries remembered by each process on top of the shared cache (their keys
# carry the data version, so a write makes them unreachable); cleared whole
# when full, by number or by size, so that a worker's memory stays flat.
LOCAL_ENTRIES = 2000
LOCAL_CHARACTERS = 8_000_000
_local: dict[str, tuple[Any, float]] = {}
_local_characters = 0


def _kept_locally(value: Any, in_process: bool) -> bool:
    # Only values no caller can change in place: a process shares one copy
    # between its threads, where the shared cache gives each its own.
    return isinstance(value, str) or (
        in_process and isinstance(value, int | tuple | frozenset)
    )


def versioned_key(kind: str, material: str) -> str:
    """The cache key of ``material`` (what decides the entry: a query, a URL,
    an id) for entries of ``kind``, under the current data version."""
    digest = hashlib.md5(material.encode(), usedforsecurity=False).hexdigest()
    return f"{kind}:{data_version()}:{digest}"


def remember(
    kind: str,
    material: str,
    compute: Callable[[], Any],
    seconds: int,
    *,
    in_process: bool = False,
) -> Any:
    """The value cached for ``material`` under the current data version, or
    ``compute()`` stored for ``seconds``. Text (rendered HTML) is also kept in
    this process, saving a round trip to the shared cache on every page, and
    so are numbers and tuples when ``in_process`` (counts, a page's ids)."""
    global _local_characters
    key = versioned_key(kind, material)
    now = time.monotonic()
    value, expires = _local.get(key, (None, 0.0))
    if value is not None and expires >= now:
        return value
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    if _kept_locally(value, in_process):
        size = len(value) if isinstance(value, str | tuple | frozenset) else 1
        if len(_local) >= LOCAL_ENTRIES or _local_characters + size > LOCAL_CHARACTERS:
            _local.clear()
            _local_characters = 0
        _local[key] = (value, now + seconds)
        _local_characters += size
    return value


def lookup(key: str) -> Any:
    """The entry stored under ``key`` (from :func:`versioned_key`), or None."""
    return cache.get(key)


def store(key: str, value: Any, seconds: int) -> None:
    """Keep ``value`` under ``key`` (from :func:`versioned_key`) for ``seconds``."""
    cache.set(key, value, seconds)


def reset() -> None:
    """Empty every cache: the shared one and this process's memo."""
    global _local_characters
    cache.clear()
    _local.clear()
    _local_characters = 0
