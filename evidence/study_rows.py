"""Studies in their API shape, straight from database rows.

StudySerializer builds a Study and, for its ``claims``, an evidence link and
a claim per link it shows: a page of 100 studies holds about a thousand. Here
one ``.values()`` query reads the page's studies and one more the published
links of all of them, and each row becomes the serializer's JSON: plain
fields through the serializer's own fields (core/rows.py), ``citation`` and
``authors_display`` through the Study model's own properties, ``links``
through the serializer's ``study_links`` and each claim through
StudyClaimSerializer's own fields. tests/evidence/test_study_rows.py holds
the output equal to the serializer's.
"""

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from core.reversing import PLACEHOLDER, api_url
from core.rows import column_fields, column_value
from studies.serializers import StudyClaimSerializer, study_links

from .models import Evidence
from .rows import StudyRow

OWNER = "evidence/study_rows.py"
# Fields with a shape of their own; every other field is a column or one of
# Study's display properties (StudyRow has them).
STUDY_SPECIAL = ("links", "claims")
STUDY_PROPERTIES = ("citation", "authors_display")
# StudyClaimSerializer's field sources as columns of an evidence link row.
CLAIM_SPECIAL = ("link",)


def _property_value(field):
    represent = field.to_representation
    source = field.source

    def value(study):
        shown = getattr(study, source)
        return None if shown is None else represent(shown)

    return value


@cache
def _study_plan(serializer_class):
    """``[(name, row -> value or None for a special field)]`` in the order of
    ``serializer_class``'s fields (StudySerializer or a subclass)."""
    serializer = serializer_class()
    special = STUDY_SPECIAL + STUDY_PROPERTIES
    columns = column_fields(serializer, special, OWNER)
    plan = []
    for name, field in serializer.fields.items():
        if name in STUDY_SPECIAL:
            plan.append((name, None))
        elif name in STUDY_PROPERTIES:
            if not isinstance(getattr(StudyRow, field.source, None), property):
                raise ImproperlyConfigured(
                    f"{OWNER}: StudyRow lacks Study.{field.source}."
                )
            plan.append((name, _property_value(field)))
        else:
            plan.append((name, column_value(columns[name], field.source)))
    return plan


@cache
def study_columns(serializer_class):
    """The ``.values()`` columns :func:`study_data` needs."""
    serializer = serializer_class()
    special = STUDY_SPECIAL + STUDY_PROPERTIES
    return tuple(
        {
            "id": None,
            **dict.fromkeys(
                field.source
                for field in column_fields(serializer, special, OWNER).values()
            ),
            # What Study's display properties read.
            **dict.fromkeys(
                (
                    "title",
                    "authors",
                    "authors_et_al",
                    "year",
                    "journal",
                    "doi",
                    "pmid",
                    "url",
                )
            ),
        }
    )


@cache
def _claim_plan():
    """``(columns, [(name, row -> value or None for the link)])`` of
    StudyClaimSerializer, its sources read from an evidence link row."""
    plan = []
    columns = ["study_id"]
    for name, field in StudyClaimSerializer().fields.items():
        if name in CLAIM_SPECIAL:
            plan.append((name, None))
            continue
        if isinstance(field, serializers.SerializerMethodField):
            raise ImproperlyConfigured(
                f"StudyClaimSerializer.{name} is a field that {OWNER} "
                "does not produce from rows: add it there."
            )
        column = "id" if field.source == "pk" else field.source.replace(".", "__")
        columns.append(column)
        plan.append((name, column_value(field, column)))
    if "claim__slug" not in columns:
        raise ImproperlyConfigured(f"{OWNER}: the claim's link needs its slug.")
    return tuple(dict.fromkeys(columns)), plan


def published_claims(study_ids):
    """Rows of the published links of the studies ``study_ids``, in the
    order of their ``claims`` (the detail's prefetch)."""
    columns, _ = _claim_plan()
    rows = (
        Evidence.objects.published()
        .filter(study_id__in=study_ids)
        .order_by("claim__statement")
        .values(*columns)
    )
    return rows


def study_data(rows, request, serializer_class):
    """The API representation of study rows (dicts of :func:`study_columns`)."""
    rows = list(rows)
    plan = _study_plan(serializer_class)
    _, claim_plan = _claim_plan()
    claim_url = api_url("api:claim-detail", request, PLACEHOLDER).split(PLACEHOLDER)
    claims = {row["id"]: [] for row in rows}
    if claims:
        for link in published_claims(list(claims)):
            claims[link["study_id"]].append(
                {
                    name: link["claim__slug"].join(claim_url)
                    if value is None
                    else value(link)
                    for name, value in claim_plan
                }
            )
    data = []
    for row in rows:
        study = StudyRow(row)
        special = {
            "links": study_links(study, request),
            "claims": claims[row["id"]],
        }
        data.append(
            {
                name: special[name] if value is None else value(study)
                for name, value in plan
            }
        )
    return data
