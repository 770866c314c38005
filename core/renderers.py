"""Response formats of the API besides JSON and the browsable HTML.

Kept apart from core.api, which imports DRF's views: DRF imports the
renderers named in settings while its views load.
"""

import csv
import io
import re

import orjson
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils import encoders

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


class SafeCSVWriter:
    """``csv.writer`` whose cells pass through :func:`csv_safe`: every CSV the
    app writes (API exports, release files) is written with it."""

    def __init__(self, file):
        self._writer = csv.writer(file)

    def writerow(self, row):
        return self._writer.writerow([csv_safe(value) for value in row])


class CSVRenderer(BaseRenderer):
    """``?format=csv``. Lists stream from the database (see CSVExportMixin);
    this renderer only handles single objects and error responses."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = SafeCSVWriter(buffer)
        if isinstance(data, dict):
            writer.writerow(["field", "value"])
            for key, value in data.items():
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
