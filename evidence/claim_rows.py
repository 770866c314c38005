"""Claims in their API shape, straight from database rows.

Everything a listed claim shows is stored on its row (the verdict, the
certainty and its steps, the profile counts, the meta-analyses), so a page
needs no model instances: one ``.values()`` query reads the rows and each
becomes the serializer's JSON. Plain fields go through ClaimSerializer's own
fields (core/rows.py); every SerializerMethodField is the serializer's own
method, called with a :class:`ClaimRow` that answers as a claim does.
tests/evidence/test_claim_rows.py holds the output equal to the serializer's.
"""

from functools import cache

from rest_framework import serializers

from core.rows import Row, column_fields, column_value

from .models import Claim
from .serializers import ClaimSerializer

OWNER = "evidence/claim_rows.py"


class ClaimRow(Row):
    """A claim's columns, with Claim's own properties (no instance):
    ``row["slug"]`` and ``row.slug`` alike."""

    profile = Claim.profile
    verdict_overridden = Claim.verdict_overridden


@cache
def _plan():
    """``[(name, row -> value, or the name of a serializer method)]`` in the
    order of ClaimSerializer's fields."""
    serializer = ClaimSerializer()
    methods = {
        name: field.method_name
        for name, field in serializer.fields.items()
        if isinstance(field, serializers.SerializerMethodField)
    }
    columns = column_fields(serializer, tuple(methods), OWNER)
    return [
        (name, methods[name])
        if name in methods
        else (name, column_value(columns[name], columns[name].source))
        for name in serializer.fields
    ]


def claim_columns():
    """The ``.values()`` columns of :func:`claim_data`: all of a claim's, as
    the serializer's methods read whichever they need."""
    return tuple(field.attname for field in Claim._meta.concrete_fields)


def claim_data(rows, serializer):
    """The API representation of claim rows (dicts of :func:`claim_columns`),
    through ``serializer`` (a ClaimSerializer with the request's context)."""
    plan = [
        (name, getattr(serializer, how) if isinstance(how, str) else how)
        for name, how in _plan()
    ]
    data = []
    for row in rows:
        claim = ClaimRow(row)
        data.append({name: value(claim) for name, value in plan})
    return data
