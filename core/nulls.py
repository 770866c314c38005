"""``null`` for absent values in the API, whatever the column stores.

Optional text and choice columns store ``""`` for "not given" (Django's
convention for text); the API shows it as ``null``, the way it shows an
absent number or date, and accepts ``null`` as well as ``""`` on writes. The
schema marks these fields nullable. evidence/rows.py applies the same rule
through :func:`blank_as_null`.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers

BLANK_AS_NULL = "blank_as_null"


def _stores_blank(model_field):
    return (
        isinstance(model_field, models.CharField | models.TextField)
        and model_field.blank
        and not model_field.null
        # A unique column (a slug) is never empty once stored.
        and not model_field.unique
    )


def blank_as_null(field, value):
    """The API value of ``value`` read through serializer ``field``."""
    if value == "" and getattr(field, BLANK_AS_NULL, False):
        return None
    return value


class BlankAsNullMixin:
    """For a ModelSerializer: optional text and choices are ``null`` when empty."""

    def get_fields(self):
        fields = super().get_fields()
        model = self.Meta.model
        for name, field in fields.items():
            if not isinstance(field, serializers.CharField | serializers.ChoiceField):
                continue
            try:
                # Fields are bound (``source`` set) only after get_fields.
                model_field = model._meta.get_field(field.source or name)
            except FieldDoesNotExist:  # a property or a path
                continue
            if _stores_blank(model_field):
                field.allow_null = True
                setattr(field, BLANK_AS_NULL, True)
        return fields

    def to_internal_value(self, data):
        if hasattr(data, "items"):
            nulled = [
                name
                for name, field in self.fields.items()
                if getattr(field, BLANK_AS_NULL, False)
                and not field.read_only
                and name in data
                and data[name] is None
            ]
            if nulled:
                data = {**data, **dict.fromkeys(nulled, "")}
        return super().to_internal_value(data)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name, field in self.fields.items():
            if name in data:
                data[name] = blank_as_null(field, data[name])
        return data
