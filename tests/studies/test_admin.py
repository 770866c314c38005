import pytest
from django.urls import reverse

from studies.models import Study
from tests.factories import EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db

ADD_URL = "admin:studies_study_add"


def study_form(**overrides):
    data = {
        "title": "A new trial",
        "authors": '["Doe J", "Roe R"]',
        "year": "2020",
        "journal": "",
        "doi": "",
        "pmid": "",
        "url": "",
        "design": "rct",
        "design_detail": "",
        "population": "clinical",
        "population_detail": "",
        "sample_size": "",
        "dose": "micro",
        "abstract": "",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_curator_adds_a_study_with_its_doi_normalised(curator_client):
    response = curator_client.post(
        reverse(ADD_URL), study_form(doi="https://doi.org/10.1000/ABC")
    )
    assert response.status_code == 302
    assert Study.objects.get().doi == "10.1000/abc"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "doi",
            "banana",
            "Enter a DOI of the form 10.&lt;registrant&gt;/&lt;suffix&gt;",
        ),
        ("year", "3020", "Enter a year between 1900 and"),
        ("title", "   ", "This field is required."),
        ("sample_size", "0", "greater than or equal to 1"),
    ],
)
def test_bad_input_in_the_admin_gets_a_message_and_stores_nothing(
    curator_client, field, value, message
):
    response = curator_client.post(reverse(ADD_URL), study_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Study.objects.exists()


def test_duplicate_doi_in_the_admin_is_refused(curator_client):
    StudyFactory(doi="10.1000/abc")
    response = curator_client.post(reverse(ADD_URL), study_form(doi="doi:10.1000/ABC"))
    assert response.status_code == 200
    assert "A study with this DOI already exists." in response.content.decode()
    assert Study.objects.count() == 1


def test_study_search_covers_title_authors_doi_and_pmid(curator_client):
    wanted = StudyFactory(
        title="Spines in mice",
        authors=["Shao LX", "Liao C"],
        doi="10.1016/j.neuron.2021.06.008",
        pmid="34228959",
    )
    StudyFactory()
    url = reverse("admin:studies_study_changelist")
    for term in ("spines", "Shao", "10.1016/j.neuron.2021.06.008", "34228959"):
        assert list(curator_client.get(url, {"q": term}).context["cl"].result_list) == [
            wanted
        ], term


def test_study_filters_by_design_population_dose_and_decade(curator_client):
    wanted = StudyFactory(
        design="survey", population="healthy", dose="micro", year=2019
    )
    StudyFactory(design="rct", population="clinical", dose="macro", year=2023)
    url = reverse("admin:studies_study_changelist")
    for params in (
        {"design__exact": "survey"},
        {"population__exact": "healthy"},
        {"dose__exact": "micro"},
        {"decade": "2010"},
    ):
        assert list(curator_client.get(url, params).context["cl"].result_list) == [
            wanted
        ], params


def test_study_change_page_lists_the_claims_it_informs(curator_client):
    link = EvidenceFactory(claim__statement="Compound P calms nerves")
    response = curator_client.get(
        reverse("admin:studies_study_change", args=[link.study.pk])
    )
    assert "Claims this study informs" in response.content.decode()
    assert "Compound P calms nerves" in response.content.decode()


def test_study_changelist_query_count_does_not_grow_with_rows(curator_client):
    EvidenceFactory.create_batch(3)
    assert_constant_queries(
        lambda: curator_client.get(reverse("admin:studies_study_changelist")),
        lambda: EvidenceFactory.create_batch(20),
    )


def test_study_change_page_query_count_does_not_grow_with_claims(curator_client):
    study = StudyFactory()
    EvidenceFactory.create_batch(2, study=study)
    assert_constant_queries(
        lambda: curator_client.get(
            reverse("admin:studies_study_change", args=[study.pk])
        ),
        lambda: EvidenceFactory.create_batch(10, study=study),
    )
