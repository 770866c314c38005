"""The base of the API's model serializers."""

import datetime

from django.db import models
from rest_framework import serializers


class UTCDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, always in UTC, which the API's format states (a
    final ``Z``, core/formats.py); it need not look up the active time zone
    for every value, which was most of the cost of a time in a long list."""

    timezone = datetime.UTC


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }
