"""Request body parsers of the API."""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def json_depth_exceeds(data, limit):
    """True when ``data`` nests lists and objects deeper than ``limit`` levels.

    Iterative, so that checking a deep document cannot itself overflow the stack.
    """
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in value)
    return False


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, refusing documents nested deeper than MAX_JSON_DEPTH.

    No field of the API nests more than a few levels; a deeply nested body
    only costs stack and time (Python's parser raises RecursionError, a 500,
    at a few thousand levels).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.MAX_JSON_DEPTH
        message = f"JSON parse error - nested deeper than {limit} levels."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message) from None
        if json_depth_exceeds(data, limit):
            raise ParseError(message)
        return data
