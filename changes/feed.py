"""Reading the change feed: ``since`` (a time or a cursor) and pages of events."""

import base64
import binascii
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import router
from rest_framework.exceptions import ValidationError

from core.filters import UpdatedSinceField

from .models import Change, PendingChange
from .recording import changes_sequence

CURSOR_PREFIX = "chg1:"
SINCE_ERROR = (
    "Give an ISO 8601 time, such as 2026-12-01T00:00:00Z (without an offset the "
    "time is UTC), the `cursor` of an earlier answer, or `now`."
)
PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 500


def cursor_of(event_id: int) -> str:
    """The opaque cursor that resumes the feed after event ``event_id``."""
    raw = f"{CURSOR_PREFIX}{event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _event_id_of(cursor: str) -> int | None:
    """The event id a cursor stands for, or ``None`` if it is not one."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not raw.startswith(CURSOR_PREFIX):
        return None
    number = raw.removeprefix(CURSOR_PREFIX)
    if not re.fullmatch(r"[0-9]{1,18}", number):
        return None
    return int(number)


def events_after(since: str | None):
    """The feed's events after ``since`` (a cursor, an ISO time, ``now`` for
    none, or nothing for all), oldest first, and the id of the event just
    before them.

    A malformed ``since`` is a 400 naming the parameter.
    """
    events = Change.objects.order_by("id")
    if since is None or since == "":
        return events, 0
    if since == "now":
        latest = Change.objects.order_by("-id").values_list("id", flat=True).first()
        return events.none(), latest or 0
    event_id = _event_id_of(since)
    if event_id is not None:
        return events.filter(id__gt=event_id), event_id
    try:
        time = UpdatedSinceField().clean(since)
    except DjangoValidationError:
        raise ValidationError({"since": [SINCE_ERROR]}) from None
    if time is None:
        raise ValidationError({"since": [SINCE_ERROR]})
    before = (
        Change.objects.filter(time__lt=time)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return events.filter(time__gte=time), before or 0


def pending_sequenced():
    """Sequence events committed but not yet in the feed (normally none: the
    committing writer sequences its own), so that a read never misses them."""
    using = router.db_for_write(PendingChange)
    if PendingChange.objects.using(using).exists():
        changes_sequence(using=using)
