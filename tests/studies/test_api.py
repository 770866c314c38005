"""The studies endpoint, called over HTTP as a client would."""

import csv
import datetime
import io

import pytest

from studies.models import Study
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import error_codes, field_errors, queries_per_request

pytestmark = pytest.mark.django_db

STUDIES = "/api/v1/studies/"


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["results"])


@pytest.fixture
def studies():
    trial = StudyFactory(
        title="Placebo-controlled microdosing trial",
        authors=["Szigeti B", "Kartner L"],
        journal="eLife",
        year=2021,
        design="rct",
        population="healthy",
        dose="micro",
        doi="10.7554/elife.62878",
        pmid="33648632",
        abstract="Self-blinding citizen science.",
    )
    survey = StudyFactory(
        title="Survey of microdosers",
        authors=["Anderson T"],
        journal="Psychopharmacology",
        year=2019,
        design="survey",
        population="healthy",
        dose="micro",
        doi="",
        pmid="",
    )
    mice = StudyFactory(
        title="Dendritic spines in mice",
        authors=["Shao LX"],
        journal="Neuron",
        year=2021,
        design="animal",
        population="animal",
        dose="macro",
        doi="10.1016/j.neuron.2021.06.008",
        pmid="",
    )
    return {"trial": trial, "survey": survey, "mice": mice}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("design=rct", ["trial"]),
        ("design=rct&design=survey", ["survey", "trial"]),
        ("population=animal", ["mice"]),
        ("dose=micro", ["survey", "trial"]),
        ("year_min=2020", ["mice", "trial"]),
        ("year_max=2020", ["survey"]),
        ("doi=https://doi.org/10.7554/ELIFE.62878", ["trial"]),
        ("pmid=33648632", ["trial"]),
        ("q=spines", ["mice"]),
        ("q=szigeti", ["trial"]),
        ("q=psychopharmacology", ["survey"]),
        ("q=citizen science", ["trial"]),
    ],
)
def test_study_filters(api_client, studies, query, expected):
    assert ids(api_client.get(f"{STUDIES}?{query}")) == sorted(
        studies[key].pk for key in expected
    )


def test_study_filter_by_claim(api_client, studies):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, study=studies["mice"])
    assert ids(api_client.get(f"{STUDIES}?claim={claim.slug}")) == [studies["mice"].pk]


@pytest.mark.parametrize(
    ("ordering", "first"), [("year", "survey"), ("title", "mice"), ("-title", "survey")]
)
def test_study_ordering(api_client, studies, ordering, first):
    assert (
        api_client.get(f"{STUDIES}?ordering={ordering}").json()["results"][0]["id"]
        == studies[first].pk
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("design=bogus", "design"),
        ("year_min=abc", "year_min"),
        ("claim=nope", "claim"),
        ("ordering=doi", "ordering"),
    ],
)
def test_invalid_study_filters_are_400(api_client, studies, query, parameter):
    response = api_client.get(f"{STUDIES}?{query}")
    assert response.status_code == 400
    assert parameter in field_errors(response)


def test_study_detail_lists_the_published_claims_it_informs(api_client, studies):
    link = EvidenceFactory(study=studies["trial"], direction="contradicts")
    EvidenceFactory(study=studies["trial"], status="draft")
    body = api_client.get(f"{STUDIES}{studies['trial'].pk}/").json()
    assert body["authors"] == ["Szigeti B", "Kartner L"]
    assert (
        body["citation"]
        == "Szigeti B, Kartner L (2021). Placebo-controlled microdosing trial. eLife."
    )
    assert body["links"]["source"] == "https://doi.org/10.7554/elife.62878"
    assert [(item["claim"], item["direction"]) for item in body["claims"]] == [
        (link.claim.slug, "contradicts")
    ]


def test_study_csv_export(api_client, studies):
    response = api_client.get(f"{STUDIES}?format=csv&design=animal")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert [row["title"] for row in rows] == ["Dendritic spines in mice"]


def test_a_study_needs_only_a_title(curator_api):
    response = curator_api.post(STUDIES, {"title": "A personal account"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["year"] is None
    assert response.json()["entry_method"] == "manual"


def test_doi_is_normalised_on_create(curator_api):
    response = curator_api.post(
        STUDIES, {"title": "T", "doi": "https://doi.org/10.1000/ABC"}, format="json"
    )
    assert response.json()["doi"] == "10.1000/abc"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"title": ""}, "title", "may not be blank"),
        ({"title": "x" * 1001}, "title", "no more than 1000 characters"),
        ({"year": 3020}, "year", "Enter a year between 1900 and"),
        (
            {"year": datetime.date.today().year + 2},
            "year",
            "Enter a year between 1900 and",
        ),
        ({"year": "soon"}, "year", "A valid integer is required"),
        ({"doi": "banana"}, "doi", "Enter a DOI of the form"),
        ({"pmid": "abc"}, "pmid", "digits only"),
        ({"sample_size": 0}, "sample_size", "greater than or equal to 1"),
        ({"authors": "Szigeti B"}, "authors", "Expected a list"),
        ({"design": "hunch"}, "design", "not a valid choice"),
        ({"url": "not a url"}, "url", "Enter a valid URL"),
    ],
)
def test_bad_study_writes_are_400_with_field_messages_and_store_nothing(
    curator_api, studies, payload, field, message
):
    before = Study.objects.count()
    response = curator_api.post(
        STUDIES, {"title": "A new study", **payload}, format="json"
    )
    assert response.status_code == 400
    assert message in str(field_errors(response)[field])
    assert Study.objects.count() == before


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"doi": "10.7554/ELIFE.62878"},
            "doi",
            "A study with this DOI already exists.",
        ),
        ({"pmid": "33648632"}, "pmid", "A study with this PMID already exists."),
    ],
)
def test_a_duplicate_doi_or_pmid_is_a_409_naming_the_field_and_the_stored_study(
    curator_api, studies, payload, field, message
):
    before = Study.objects.count()
    response = curator_api.post(
        STUDIES, {"title": "A new study", **payload}, format="json"
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "duplicate"
    assert problem["type"] == "urn:evidence-atlas:problem:duplicate"
    [error] = problem["errors"]
    assert error["field"] == field
    assert error["code"] == "duplicate"
    assert error["detail"] == message
    stored = Study.objects.get(**{field: payload[field].lower()})
    assert error["existing"] == f"http://testserver{STUDIES}{stored.pk}/"
    assert Study.objects.count() == before


def test_editing_to_a_duplicate_doi_is_refused_and_changes_nothing(
    curator_api, studies
):
    response = curator_api.patch(
        f"{STUDIES}{studies['mice'].pk}/", {"doi": "10.7554/elife.62878"}, format="json"
    )
    assert response.status_code == 409
    assert error_codes(response) == {"doi": "duplicate"}
    studies["mice"].refresh_from_db()
    assert studies["mice"].doi == "10.1016/j.neuron.2021.06.008"


def test_deleting_a_cited_draft_study_is_refused_with_a_message(editor_api):
    link = EvidenceFactory(study__status="draft")
    response = editor_api.delete(f"{STUDIES}{link.study_id}/")
    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert "still cite it" in response.json()["detail"]
    assert Study.objects.filter(pk=link.study_id).exists()


def test_study_list_and_detail_queries_do_not_grow(api_client):
    claim = ClaimFactory()
    for _ in range(100):
        EvidenceFactory(claim=claim)
    small = queries_per_request(lambda: api_client.get(f"{STUDIES}?page_size=5"))
    large = queries_per_request(lambda: api_client.get(f"{STUDIES}?page_size=100"))
    assert small == large <= 4
    study = StudyFactory()
    for _ in range(3):
        EvidenceFactory(study=study)
    detail = queries_per_request(lambda: api_client.get(f"{STUDIES}{study.pk}/"))
    for _ in range(10):
        EvidenceFactory(study=study)
    assert (
        queries_per_request(lambda: api_client.get(f"{STUDIES}{study.pk}/"))
        == detail
        <= 4
    )
