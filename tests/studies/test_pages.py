import html
import re

import pytest
from django.urls import reverse

from evidence.models import Status
from studies.citations import bibtex
from studies.csl import apa_html
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db

STUDIES = reverse("studies:list")


def listed(response):
    return [study.title for study in response.context["object_list"]]


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_study_list_shows_count_citations_and_links(client):
    study = StudyFactory(
        title="Trial one",
        authors=["Doe J", "Roe R"],
        journal="Journal of Trials",
        year=2019,
        doi="10.5555/trial.one",
    )
    StudyFactory.create_batch(2)
    response = client.get(STUDIES)
    assert response.status_code == 200
    page = text(response)
    assert "3 studies</h2>" in page
    assert f'href="{study.get_absolute_url()}"' in page
    assert "Doe J, Roe R" in page and "<cite>Journal of Trials</cite>" in page
    assert 'href="https://doi.org/10.5555/trial.one"' in page


def test_study_list_is_newest_first_with_undated_sources_last(client):
    StudyFactory(title="Undated", year=None)
    StudyFactory(title="Old", year=1999)
    StudyFactory(title="New", year=2024)
    assert listed(client.get(STUDIES)) == ["New", "Old", "Undated"]
    assert listed(client.get(STUDIES, {"ordering": "title"})) == [
        "New",
        "Old",
        "Undated",
    ]


def test_studies_search_title_authors_journal_and_abstract(client):
    StudyFactory(title="Sleep and compound Q")
    StudyFactory(title="Other one", authors=["Sleeper A"])
    StudyFactory(title="Other two", journal="Sleep Research")
    StudyFactory(title="Other three", abstract="We measured SLEEP.")
    StudyFactory(title="Unrelated")
    assert sorted(listed(client.get(STUDIES, {"q": "sleep"}))) == [
        "Other one",
        "Other three",
        "Other two",
        "Sleep and compound Q",
    ]


@pytest.mark.parametrize(
    "parameter, wanted, other",
    [
        ("design", "survey", "rct"),
        ("population", "animal", "clinical"),
        ("dose", "macro", "micro"),
    ],
)
def test_studies_filtered_by_design_population_and_dose(
    client, parameter, wanted, other
):
    StudyFactory(title="Wanted", **{parameter: wanted})
    StudyFactory(title="Other", **{parameter: other})
    response = client.get(STUDIES, {parameter: wanted})
    assert listed(response) == ["Wanted"]
    assert "1 study</h2>" in text(response)
    both = client.get(STUDIES, {parameter: [wanted, other]})
    assert sorted(listed(both)) == ["Other", "Wanted"]


def test_studies_filtered_by_year_range(client):
    for year in (2010, 2015, 2020, 2025):
        StudyFactory(title=f"Year {year}", year=year)
    StudyFactory(title="Undated", year=None)
    assert listed(client.get(STUDIES, {"year_min": "2015"})) == [
        "Year 2025",
        "Year 2020",
        "Year 2015",
    ]
    assert listed(client.get(STUDIES, {"year_max": "2015"})) == [
        "Year 2015",
        "Year 2010",
    ]
    assert listed(client.get(STUDIES, {"year_min": "2012", "year_max": "2021"})) == [
        "Year 2020",
        "Year 2015",
    ]


def test_studies_filtered_by_claim_keep_the_claim_when_the_form_is_used(client):
    claim = ClaimFactory(statement="Compound Q lifts mood")
    EvidenceFactory(claim=claim, study=StudyFactory(title="Linked"))
    EvidenceFactory(
        claim=claim, study=StudyFactory(title="Draft link"), status=Status.DRAFT
    )
    StudyFactory(title="Unlinked")
    response = client.get(STUDIES, {"claim": claim.slug})
    assert listed(response) == ["Linked"]
    page = text(response)
    assert f'<input type="hidden" name="claim" value="{claim.slug}">' in page
    assert "Claim: Compound Q lifts mood" in page


def test_studies_list_paginates(client):
    for number in range(27):
        StudyFactory(title=f"Study {number:02}", year=2000)
    first = client.get(STUDIES)
    assert len(listed(first)) == 20
    assert "27 studies" in text(first)
    second = client.get(STUDIES, {"page": "2"})
    assert listed(second) == [f"Study {number:02}" for number in range(20, 27)]


@pytest.mark.parametrize(
    "page, message",
    [
        ("2", "There is no page 2 of studies: there is 1 page."),
        ("two", "“two” is not a page number."),
    ],
)
def test_studies_page_past_the_end_or_not_a_number_is_404(client, page, message):
    StudyFactory()
    response = client.get(STUDIES, {"page": page})
    assert response.status_code == 404
    assert message in text(response)


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"year_min": "abc"}, "year_min", "Enter a whole number."),
        ({"design": "bogus"}, "design", "bogus is not one of the available"),
        ({"population": "martians"}, "population", "martians is not one of"),
        ({"claim": "no-such-claim"}, "claim", "no-such-claim is not one of"),
        ({"ordering": "random"}, "ordering", "random is not one of"),
    ],
)
def test_studies_with_bad_filter_input_answer_400_with_the_error(
    client, query, field, message
):
    StudyFactory()
    response = client.get(STUDIES, query)
    assert response.status_code == 400
    page = text(response)
    assert "Some filters could not be applied." in page
    assert message in page
    assert listed(response) == []


@pytest.mark.parametrize("year", ["-5", "99999999999999999999", "1e400", "-1e400"])
def test_studies_survive_odd_but_numeric_years(client, year):
    StudyFactory()
    for parameter in ("year_min", "year_max"):
        assert client.get(STUDIES, {parameter: year}).status_code in (200, 400)


def test_studies_empty_state_says_what_to_change(client):
    StudyFactory(year=2000)
    page = text(client.get(STUDIES, {"year_min": "2020"}))
    assert "0 studies</h2>" in page
    assert "No studies match your search and filters." in page
    assert "widen the years" in page


def test_studies_list_query_count_is_constant(client):
    claim = ClaimFactory()

    def grow():
        for _ in range(5):
            EvidenceFactory(claim=claim)
        StudyFactory.create_batch(3, year=None)

    EvidenceFactory(claim=claim)
    assert_constant_queries(lambda: client.get(STUDIES), grow)
    query = {"claim": claim.slug, "design": "rct", "q": "trial", "year_min": "2000"}
    assert_constant_queries(lambda: client.get(STUDIES, query), grow)


@pytest.fixture
def study():
    return StudyFactory(
        title="Trial one",
        authors=["Doe J", "Roe R"],
        authors_et_al=True,
        journal="Journal of Trials",
        year=2019,
        doi="10.5555/trial.one",
        pmid="12345678",
        abstract="We gave compound Q to 120 people.",
        design="rct",
        design_detail="double-blind, placebo-controlled",
        population="clinical",
        population_detail="adults with low mood",
        sample_size=120,
        dose="micro",
    )


def test_study_page_shows_full_citation_abstract_details_and_sources(client, study):
    response = client.get(study.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Trial one</h1>" in page
    assert "Doe J, Roe R, et al. (2019). <cite>Journal of Trials</cite>." in page
    assert "We gave compound Q to 120 people." in page
    assert "<dt>Design</dt><dd>Randomised or placebo-controlled trial</dd>" in page
    assert "<dt>Population</dt><dd>People with a condition</dd>" in page
    # The curators' detail notes stay in the admin.
    assert "double-blind, placebo-controlled" not in page
    assert "adults with low mood" not in page
    assert "<dt>Sample size</dt><dd>120</dd>" in page
    assert "<dt>Dose</dt><dd>Microdose</dd>" in page
    assert 'href="https://doi.org/10.5555/trial.one"' in page
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/12345678/"' in page


def test_study_page_lists_published_claims_with_their_grade(client, study):
    supported = ClaimFactory(statement="Compound Q lifts mood")
    EvidenceFactory(
        claim=supported,
        study=study,
        evidence_type="controlled",
        direction="supports",
        finding="Mood lifted.",
    )
    contradicted = ClaimFactory(statement="Compound Q improves focus")
    EvidenceFactory(
        claim=contradicted,
        study=study,
        evidence_type="self_report",
        direction="contradicts",
        finding="Focus unchanged.",
    )
    EvidenceFactory(
        claim=ClaimFactory(statement="Draft claim", status=Status.DRAFT), study=study
    )
    EvidenceFactory(
        claim=ClaimFactory(statement="Draft link"), study=study, status=Status.DRAFT
    )
    page = text(client.get(study.get_absolute_url()))
    assert f'href="{supported.get_absolute_url()}"' in page
    assert f'href="{contradicted.get_absolute_url()}"' in page
    assert "Mood lifted." in page and "Focus unchanged." in page
    assert 'etype--controlled">Controlled</span>' in page
    assert 'etype--self_report">Self-report</span>' in page
    assert "Contradicts</span>" in page
    assert "Draft claim" not in page and "Draft link" not in page


def test_study_page_without_claims_says_so(client, study):
    assert "No published claim cites this study yet." in text(
        client.get(study.get_absolute_url())
    )


def test_study_page_offers_apa_and_bibtex(client, study):
    content = client.get(study.get_absolute_url()).content.decode()
    assert apa_html(study) in content
    assert html.escape(bibtex(study)) in content
    assert "@article{doe2019trial," in content


def test_unknown_study_is_404(client):
    assert client.get("/studies/999999/").status_code == 404
    assert client.get("/studies/abc/").status_code == 404


def test_study_page_query_count_is_constant(client, study):
    def grow():
        for _ in range(4):
            EvidenceFactory(study=study)

    EvidenceFactory(study=study)
    assert_constant_queries(lambda: client.get(study.get_absolute_url()), grow)
