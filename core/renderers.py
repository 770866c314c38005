"""Response formats of the API besides JSON and the browsable HTML.

Kept apart from core.api, which imports DRF's views: DRF imports the
renderers named in settings while its views load.
"""

import csv
import datetime
import io
import re

import orjson
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils import encoders

from .formats import api_datetime

# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_safe(value):
    """``value`` as a spreadsheet shows it, never run as a formula.

    OWASP's advice for CSV injection: a text cell starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return gets a leading single quote. Numbers,
    as values or as text (``-0.71``), stay numbers.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_cell(value):
    """``value`` spelled the one way every CSV of the app spells it.

    ``true``/``false`` for booleans, empty for null, timestamps in the API's
    format (UTC, ``Z``), dates as ISO 8601, a list of plain values joined with
    ``; ``. Never a Python repr: nested objects are flattened into named
    columns before they get here (:func:`flatten`).
    """
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, datetime.datetime):
        return api_datetime(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(csv_cell(item)) for item in value)
    if isinstance(value, dict):
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return value


def json_cell(value):
    """``json.dumps`` default for the values of the CSV rows (releases' JSON)."""
    if isinstance(value, datetime.datetime):
        return api_datetime(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def flatten(data, prefix=""):
    """A nested JSON value as ``(dotted name, plain value)`` pairs.

    ``{"verdict": {"direction": "for"}}`` gives ``verdict.direction``; a list
    of objects gives ``evidence.0.id``…; a list of plain values stays one
    value (joined by :func:`csv_cell`).
    """
    if isinstance(data, dict):
        if not data and prefix:
            return [(prefix, None)]
        pairs = []
        for key, value in data.items():
            pairs.extend(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return pairs
    if isinstance(data, list) and any(isinstance(item, dict | list) for item in data):
        pairs = []
        for position, item in enumerate(data):
            pairs.extend(flatten(item, f"{prefix}.{position}"))
        return pairs
    return [(prefix, data)]


class SafeCSVWriter:
    """``csv.writer`` whose cells are spelled by :func:`csv_cell` and pass
    through :func:`csv_safe`: every CSV the app writes (API exports, release
    files) is written with it."""

    def __init__(self, file):
        self._writer = csv.writer(file)

    def writerow(self, row):
        return self._writer.writerow([csv_safe(csv_cell(value)) for value in row])


class CSVRenderer(BaseRenderer):
    """``?format=csv``. Lists stream from the database (see CSVExportMixin);
    this renderer only handles single objects and error responses."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = SafeCSVWriter(buffer)
        items = data.get("results") if isinstance(data, dict) else data
        if isinstance(items, list):
            # A page of objects (e.g. a claim's versions): a row per object,
            # nested fields flattened into named columns.
            rows = [dict(flatten(item)) for item in items]
            columns = list(dict.fromkeys(name for row in rows for name in row))
            writer.writerow(columns)
            for row in rows:
                writer.writerow([row.get(name) for name in columns])
        elif isinstance(data, dict):
            writer.writerow(["field", "value"])
            for key, value in flatten(data):
                writer.writerow([key, value])
        elif data is not None:
            writer.writerow([data])
        return buffer.getvalue().encode(self.charset)


class ORJSONRenderer(JSONRenderer):
    """DRF's JSON renderer with orjson doing the encoding: the same JSON
    (compact, UTF-8, U+2028/U+2029 escaped), several times faster."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        options = orjson.OPT_PASSTHROUGH_DATACLASS
        if self.get_indent(accepted_media_type, renderer_context or {}):
            options |= orjson.OPT_INDENT_2
        try:
            content = orjson.dumps(data, default=_encoder.default, option=options)
        except TypeError:
            # Keys that are not strings, e.g. the positions in the errors of
            # a list field ({"authors": {0: [...]}}): the json module writes
            # them as strings, and so does orjson when asked (more slowly).
            options |= orjson.OPT_NON_STR_KEYS
            content = orjson.dumps(data, default=_encoder.default, option=options)
        if b"\xe2\x80\xa8" in content or b"\xe2\x80\xa9" in content:
            content = content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                b"\xe2\x80\xa9", b"\\u2029"
            )
        return content


_encoder = encoders.JSONEncoder()
