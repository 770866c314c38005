"""A serializer's representation built from ``.values()`` rows.

A list page serialised through model instances spends most of its time
building the instances and walking DRF's generic field machinery. The row
paths (evidence/rows.py, evidence/study_rows.py) read exactly the columns a
page needs and give each plain field's value through the serializer's own
field (its ``to_representation`` and the API's blank-as-null rule), so the
serializer stays the one definition of the representation. The helpers here
find those fields and fail loudly when a serializer gains a field a row
path does not know how to produce.
"""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from .nulls import BLANK_AS_NULL


class Row(dict):
    """A row's columns, read as ``row["name"]`` or ``row.name`` alike, with
    ``pk`` for its ``id``: subclasses add a model's own display properties,
    so that a row stands in for an instance without building one."""

    @property
    def pk(self):
        return self["id"]

    def __init__(self, values):
        super().__init__(values)
        self.__dict__ = self


def column_fields(serializer, special, owner):
    """``name -> field`` of ``serializer``'s fields, other than ``special``,
    that each read one column of its model.

    Any other field raises ImproperlyConfigured naming ``owner``, the module
    that must learn to produce it.
    """
    columns = {field.attname for field in serializer.Meta.model._meta.concrete_fields}
    fields = {}
    for name, field in serializer.fields.items():
        if name in special:
            continue
        if (
            isinstance(
                field, serializers.SerializerMethodField | serializers.RelatedField
            )
            or field.source not in columns
        ):
            raise ImproperlyConfigured(
                f"{type(serializer).__name__}.{name} is a field that {owner} "
                "does not produce from rows: add it there."
            )
        fields[name] = field
    missing = set(special) - set(serializer.fields)
    if missing:
        raise ImproperlyConfigured(
            f"{owner} produces {sorted(missing)}, which "
            f"{type(serializer).__name__} no longer has."
        )
    return fields


def column_value(field, column):
    """``row -> API value`` of serializer ``field`` read from ``row[column]``."""
    represent = field.to_representation
    blank_is_null = getattr(field, BLANK_AS_NULL, False)

    def value(row):
        stored = row[column]
        if stored is None:
            return None
        shown = represent(stored)
        return None if blank_is_null and shown == "" else shown

    return value
