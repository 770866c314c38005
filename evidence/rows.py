"""Evidence links in their API shape, straight from database rows.

:class:`~evidence.serializers.EvidenceSerializer` builds three model instances
and a nested serializer per link; on a list page that is most of the time of
the request. Here one ``.values()`` query fetches exactly the columns the
page needs and each row becomes the same JSON as the serializer's: the plain
fields go through the serializer's own fields, the study's citation through
the Study model's own properties, links through the URL resolver (once per
request, not per row). tests/evidence/test_rows.py holds the two outputs equal.
"""

from functools import cache

from accounts.models import public_name
from core.reversing import PLACEHOLDER, api_url, page_url
from core.rows import Row, column_fields, column_value
from studies.models import Study
from studies.serializers import StudyBriefSerializer

from .effects import effect_data, link_effect
from .models import Evidence
from .serializers.links import EvidenceSerializer

# Fields with a shape of their own; every other field is a column.
EVIDENCE_SPECIAL = (
    "claim",
    "claim_link",
    "study",
    "study_brief",
    "added_by",
    "links",
    "effect",
)
STUDY_SPECIAL = ("citation", "links")
# What Study's display properties (citation, source_url) read.
STUDY_PROPERTY_COLUMNS = ("title", "authors", "authors_et_al", "year", "journal")
STUDY_SOURCE_COLUMNS = ("doi", "pmid", "url")
STUDY_DISPLAY_COLUMNS = STUDY_PROPERTY_COLUMNS + STUDY_SOURCE_COLUMNS
USER_COLUMNS = ("first_name", "last_name")


class StudyRow(Row):
    """A study's columns, with Study's own display properties (no instance):
    ``row["title"]`` and ``row.title`` alike."""

    citation = Study.citation
    authors_display = Study.authors_display
    doi_url = Study.doi_url
    pubmed_url = Study.pubmed_url
    source_url = Study.source_url


@cache
def _fields():
    """``(evidence fields, study fields)`` that map to columns.

    Rows are the only way evidence links are read (lists and a claim's
    preview), so a serializer field this module cannot produce is an error
    at the first request, never a silent second representation.
    """
    return (
        column_fields(EvidenceSerializer(), EVIDENCE_SPECIAL, "evidence/rows.py"),
        column_fields(StudyBriefSerializer(), STUDY_SPECIAL, "evidence/rows.py"),
    )


def evidence_columns():
    """The ``.values()`` columns that :func:`evidence_data` needs."""
    evidence, study = _fields()
    study_columns = {field.source for field in study.values()} | set(
        STUDY_PROPERTY_COLUMNS + STUDY_SOURCE_COLUMNS
    )
    return (
        "claim__slug",
        "study_id",
        "added_by_id",
        *(f"added_by__{column}" for column in USER_COLUMNS),
        *(field.source for field in evidence.values()),
        *(f"study__{column}" for column in sorted(study_columns)),
    )


@cache
def _rows_template():
    # Resolving fifty columns is a good part of a short list's time; a
    # clone of a query that has them costs a fraction of it. Never iterated.
    return Evidence.objects.values(*evidence_columns())


def evidence_rows():
    """Evidence links as rows of :func:`evidence_columns`, to filter further
    (``visible_to``, filters, order) and give to :func:`evidence_data`."""
    return _rows_template().all()


class _Urls:
    """The URL templates of one origin (core/reversing.py)."""

    def __init__(self, request):
        self.claim = api_url("api:claim-detail", request, PLACEHOLDER).split(
            PLACEHOLDER
        )
        self.evidence = api_url("api:evidence-detail", request, PLACEHOLDER).split(
            PLACEHOLDER
        )
        self.study = api_url("api:study-detail", request, PLACEHOLDER).split(
            PLACEHOLDER
        )
        self.study_evidence = api_url("api:evidence-list", request) + "?study="
        self.study_html = page_url("studies:detail", request, PLACEHOLDER).split(
            PLACEHOLDER
        )


@cache
def _plan():
    """``(study brief plan, evidence plan)``: for each field of the two
    serializers, in their order, how a row gives its value. Built once, so
    that a row costs one call per field and no decisions."""
    evidence_fields, study_fields = _fields()
    study_plan = []
    for name in StudyBriefSerializer.Meta.fields:
        if name in STUDY_SPECIAL:
            study_plan.append((name, None))
        elif study_fields[name].source == "id":
            study_plan.append((name, column_value(study_fields[name], "study_id")))
        else:
            column = "study__" + study_fields[name].source
            study_plan.append((name, column_value(study_fields[name], column)))
    evidence_plan = [
        (name, None if name in EVIDENCE_SPECIAL else column_value(field, field.source))
        for name, field in (
            (name, evidence_fields.get(name)) for name in EvidenceSerializer.Meta.fields
        )
    ]
    return study_plan, evidence_plan


def evidence_data(rows, request):
    """The API representation of evidence rows (dicts of :func:`evidence_columns`)."""
    study_plan, evidence_plan = _plan()
    urls = _Urls(request)
    data = []
    for row in rows:
        study_id = row["study_id"]
        sid = str(study_id)
        study = StudyRow(
            {column: row["study__" + column] for column in STUDY_DISPLAY_COLUMNS}
        )
        brief = {}
        for name, value in study_plan:
            if value is not None:
                brief[name] = value(row)
            elif name == "citation":
                brief[name] = study.citation
            else:  # links
                brief[name] = {
                    "self": sid.join(urls.study),
                    "html": sid.join(urls.study_html),
                    "evidence": urls.study_evidence + sid,
                    "source": study.source_url,
                }
        slug = row["claim__slug"]
        claim_link = slug.join(urls.claim)
        special = {
            "claim": slug,
            "claim_link": claim_link,
            "study": study_id,
            "study_brief": brief,
            "added_by": _user_name(row),
            "links": {
                "self": str(row["id"]).join(urls.evidence),
                "claim": claim_link,
                "study": sid.join(urls.study),
            },
            # The row holds every effect field: they are plain columns.
            "effect": effect_data(link_effect(row)),
        }
        data.append(
            {
                name: special[name] if value is None else value(row)
                for name, value in evidence_plan
            }
        )
    return data


def _user_name(row):
    # accounts.User.public_name, from the columns.
    if row["added_by_id"] is None:
        return None
    return public_name(row["added_by__first_name"], row["added_by__last_name"])
