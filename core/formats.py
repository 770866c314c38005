"""The one timestamp format of the API and its CSV files.

UTC, with ``Z`` and always six digits of microseconds
(``2026-12-01T09:30:00.000000Z``): fixed width, so timestamps sort as text,
and precise enough to be handed back as ``updated_since``.
"""

import datetime

API_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def api_datetime(value):
    """``value`` (an aware datetime) in the API's format; None stays None."""
    if value is None:
        return None
    return value.astimezone(datetime.UTC).strftime(API_DATETIME_FORMAT)
