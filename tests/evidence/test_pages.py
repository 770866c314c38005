import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from evidence.models import Status
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db

CLAIMS = reverse("evidence:claim-list")


def listed(response):
    """Statements of the claims a list page shows, in order."""
    return [claim.statement for claim in response.context["object_list"]]


def group(response, direction):
    """Titles of the studies in one evidence group of a claim page."""
    groups = response.context["groups"]
    # Unfiltered, the page gives the groups for its cached fragment to call.
    for evidence_group in groups() if callable(groups) else groups:
        if evidence_group.direction == direction:
            return [link.study.title for link in evidence_group.page.object_list]
    return None


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# Home page


def test_home_explains_the_atlas_and_groups_published_claims_by_topic(client):
    ClaimFactory(statement="Compound Q binds receptor R", topic="mechanism")
    effect = ClaimFactory(statement="Compound Q lifts mood", topic="effect")
    ClaimFactory(statement="Compound Q causes headache", topic="risk")
    ClaimFactory(statement="A draft claim", status=Status.DRAFT)
    EvidenceFactory.create_batch(2, claim=effect)
    EvidenceFactory(claim=effect, direction="contradicts")
    response = client.get("/")
    assert response.status_code == 200
    page = text(response)
    assert "Evidence Atlas links claims to the studies behind them" in page
    assert "Not medical advice." in page
    assert '<form class="search" role="search" method="get" action="/search/">' in page
    assert 'name="q"' in page
    headings = re.findall(r'<h2 id="topic-\w+">(\w+)</h2>', page)
    assert headings == ["Mechanisms", "Effects", "Risks"]
    assert page.index("Compound Q binds receptor R") < page.index(
        "Compound Q lifts mood"
    )
    assert "2 for, 1 against, 0 mixed" in page
    assert f'href="{effect.get_absolute_url()}"' in page
    assert "A draft claim" not in page


def test_home_with_no_published_claims_says_so(client):
    ClaimFactory(status=Status.IN_REVIEW)
    assert "No claims are published yet." in text(client.get("/"))


def test_home_query_count_is_constant(client):
    def grow():
        for topic in ("mechanism", "effect", "risk"):
            EvidenceFactory.create_batch(2, claim=ClaimFactory(topic=topic))

    EvidenceFactory(claim=ClaimFactory())
    assert_constant_queries(lambda: client.get("/"), grow)


# Claims list


def test_claim_list_shows_published_claims_with_count_and_links(client):
    claims = ClaimFactory.create_batch(3)
    for status in (Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED):
        ClaimFactory(statement=f"Hidden {status} claim", status=status)
    response = client.get(CLAIMS)
    assert response.status_code == 200
    page = text(response)
    assert "3 claims</h2>" in page
    for claim in claims:
        assert f'href="/claims/{claim.slug}/"' in page
    assert "Hidden" not in page


def test_claims_search_matches_statement_or_description(client):
    ClaimFactory(statement="Compound Q improves sleep")
    ClaimFactory(statement="Compound Z binds R", description="It may improve SLEEP too")
    ClaimFactory(statement="Compound Y lifts mood")
    response = client.get(CLAIMS, {"q": "sleep"})
    assert sorted(listed(response)) == [
        "Compound Q improves sleep",
        "Compound Z binds R",
    ]
    assert "2 claims</h2>" in text(response)


def test_claims_filtered_by_topic(client):
    ClaimFactory(statement="Mechanism claim", topic="mechanism")
    ClaimFactory(statement="Risk claim", topic="risk")
    ClaimFactory(statement="Effect claim", topic="effect")
    response = client.get(CLAIMS, {"topic": ["mechanism", "risk"]})
    assert sorted(listed(response)) == ["Mechanism claim", "Risk claim"]


@pytest.mark.parametrize(
    "parameter, wanted, other, link_fields",
    [
        ("evidence_type", "controlled", "anecdotal", lambda v: {"evidence_type": v}),
        ("direction", "contradicts", "supports", lambda v: {"direction": v}),
        ("design", "survey", "rct", lambda v: {"study": StudyFactory(design=v)}),
        (
            "population",
            "healthy",
            "animal",
            lambda v: {"study": StudyFactory(population=v)},
        ),
        ("dose", "macro", "micro", lambda v: {"study": StudyFactory(dose=v)}),
    ],
)
def test_claims_filtered_by_a_property_of_their_evidence(
    client, parameter, wanted, other, link_fields
):
    EvidenceFactory(claim=ClaimFactory(statement="Has it"), **link_fields(wanted))
    EvidenceFactory(claim=ClaimFactory(statement="Has other"), **link_fields(other))
    ClaimFactory(statement="Has no evidence")
    draft_link = EvidenceFactory(
        claim=ClaimFactory(statement="Has it only in a draft link"),
        status=Status.DRAFT,
        **link_fields(wanted),
    )
    assert draft_link.claim.status == Status.PUBLISHED
    response = client.get(CLAIMS, {parameter: wanted})
    assert response.status_code == 200
    assert listed(response) == ["Has it"]
    page = text(response)
    assert "1 claim</h2>" in page
    assert f'name="{parameter}" value="{wanted}"' in page
    assert re.search(rf'name="{parameter}" value="{wanted}" id="[\w_]+" checked', page)


def test_claim_evidence_filters_must_hold_for_the_same_link(client):
    mixed_up = ClaimFactory(statement="Controlled support, anecdotal contradiction")
    EvidenceFactory(claim=mixed_up, evidence_type="controlled", direction="supports")
    EvidenceFactory(claim=mixed_up, evidence_type="anecdotal", direction="contradicts")
    EvidenceFactory(
        claim=ClaimFactory(statement="Controlled contradiction"),
        evidence_type="controlled",
        direction="contradicts",
    )
    response = client.get(
        CLAIMS, {"evidence_type": "controlled", "direction": "contradicts"}
    )
    assert listed(response) == ["Controlled contradiction"]


def test_claims_ordered_by_strength_or_statement(client):
    weak = ClaimFactory(statement="B weak")
    EvidenceFactory(claim=weak, evidence_type="anecdotal")
    strong = ClaimFactory(statement="C strong")
    EvidenceFactory.create_batch(4, claim=strong)
    ClaimFactory(statement="A none")
    assert listed(client.get(CLAIMS, {"ordering": "-strength"})) == [
        "C strong",
        "B weak",
        "A none",
    ]
    assert listed(client.get(CLAIMS, {"ordering": "statement"})) == [
        "A none",
        "B weak",
        "C strong",
    ]


def test_claims_list_paginates_and_keeps_the_filters_in_page_links(client):
    for number in range(25):
        ClaimFactory(statement=f"Claim {number:02}", topic="risk")
    ClaimFactory(statement="Other topic", topic="effect")
    first = client.get(CLAIMS, {"topic": "risk"})
    assert len(listed(first)) == 20
    assert "25 claims" in text(first)
    assert "?topic=risk&amp;page=2" in text(first)
    second = client.get(CLAIMS, {"topic": "risk", "page": "2"})
    assert listed(second) == [f"Claim {number:02}" for number in range(20, 25)]
    assert "(page 2 of 2)" in text(second)


@pytest.mark.parametrize(
    "page, message",
    [
        ("3", "There is no page 3 of claims: there are 2 pages."),
        ("0", "There is no page 0 of claims"),
        ("abc", "“abc” is not a page number. Pages of claims are numbered from 1."),
    ],
)
def test_claims_page_past_the_end_or_not_a_number_is_404_with_a_message(
    client, page, message
):
    ClaimFactory.create_batch(21)
    response = client.get(CLAIMS, {"page": page})
    assert response.status_code == 404
    page_text = text(response)
    assert message in page_text
    assert "Page not found" in page_text
    assert 'href="/claims/"' in page_text


@pytest.mark.parametrize(
    "query, field, message",
    [
        (
            {"evidence_type": "bogus"},
            "evidence_type",
            "bogus is not one of the available",
        ),
        ({"direction": "up"}, "direction", "up is not one of the available"),
        ({"topic": "gossip"}, "topic", "gossip is not one of the available"),
        ({"ordering": "price"}, "ordering", "price is not one of the available"),
        ({"q": "nul\x00byte"}, "q", "Null characters are not allowed."),
    ],
)
def test_claims_with_an_unknown_filter_value_answer_400_with_the_error(
    client, query, field, message
):
    ClaimFactory(statement="Compound Q improves sleep")
    response = client.get(CLAIMS, {**query, "page": "7"})
    assert response.status_code == 400
    page = text(response)
    assert "Some filters could not be applied." in page
    assert f'id="id_{field}-errors"' in page
    assert message in page
    assert listed(response) == []
    assert "No claims match" not in page


def test_claims_empty_state_says_what_to_change(client):
    ClaimFactory(statement="Compound Q improves sleep", topic="effect")
    response = client.get(CLAIMS, {"topic": "risk", "q": "sleep"})
    assert response.status_code == 200
    page = text(response)
    assert "0 claims</h2>" in page
    assert "No claims match" in page
    assert "remove a filter" in page
    # each active filter links to the same view without it
    assert 'href="?q=sleep#results"' in page
    assert 'href="?topic=risk#results"' in page


def test_claims_list_query_count_is_constant(client):
    def grow():
        for _ in range(5):
            claim = ClaimFactory()
            EvidenceFactory(claim=claim, direction="supports")
            EvidenceFactory(claim=claim, direction="mixed")

    EvidenceFactory()
    query = {"evidence_type": "controlled", "population": "clinical", "q": "Compound"}
    assert_constant_queries(lambda: client.get(CLAIMS, query), grow)
    assert_constant_queries(lambda: client.get(CLAIMS), grow)


# Claim page


@pytest.fixture
def claim_with_evidence():
    claim = ClaimFactory(
        statement="Compound Q lifts mood", description="Tested in several trials."
    )
    EvidenceFactory(
        claim=claim,
        study=StudyFactory(
            title="Trial one",
            authors=["Doe J", "Roe R"],
            journal="Journal of Trials",
            year=2019,
            design="rct",
            population="clinical",
            sample_size=120,
            doi="10.5555/trial.one",
            pmid="12345678",
        ),
        finding="Mood lifted more than with placebo.",
    )
    EvidenceFactory(
        claim=claim,
        study=StudyFactory(
            title="Survey two", design="survey", population="healthy", year=2023
        ),
        evidence_type="self_report",
    )
    EvidenceFactory(
        claim=claim,
        study=StudyFactory(title="Trial three", population="healthy", year=2015),
        direction="contradicts",
        finding="No difference from placebo.",
    )
    EvidenceFactory(
        claim=claim,
        study=StudyFactory(
            title="Mouse four",
            design="animal",
            population="animal",
            dose="macro",
            year=2010,
        ),
        direction="mixed",
    )
    EvidenceFactory(
        claim=claim, study=StudyFactory(title="Unpublished five"), status=Status.DRAFT
    )
    EvidenceFactory(study=StudyFactory(title="Other claim's six"))
    claim.refresh_from_db()
    return claim


def test_claim_page_shows_statement_strength_reasons_and_profile(
    client, claim_with_evidence
):
    response = client.get(claim_with_evidence.get_absolute_url())
    assert response.status_code == 200
    page = text(response)
    profile = claim_with_evidence.profile
    assert "<h1>Compound Q lifts mood</h1>" in page
    assert "Tested in several trials." in page
    assert f"{claim_with_evidence.verdict_text}." in page
    assert f"is {profile.strength_label.lower()} (score {profile.score}" in page
    for reason in profile.reasons:
        assert reason in page
    assert "4 published links: 3 controlled, 1 self-report." in page
    # the chart's text alternative: a table of type × direction
    assert "<caption>Number of published links" in page
    assert '<th scope="row">Controlled</th>' in page
    assert 'href="?evidence_type=controlled&amp;direction=contradicts#evidence"' in page
    assert "Contested" not in page or profile.contested


def test_a_split_claim_reads_unclear_with_no_competing_headline(client):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, direction="supports")
    EvidenceFactory(claim=claim, direction="contradicts")
    claim.refresh_from_db()
    assert claim.profile.contested
    page = text(client.get(claim.get_absolute_url()))
    assert '<span class="verdict__label">Verdict:</span> unclear' in page
    assert "Down two for inconsistency: the best evidence is split." in page
    assert '<span class="contested">' not in page
    assert "Contested" not in page and 'class="strength ' not in page


def test_claim_page_separates_supporting_contradicting_and_mixed_evidence(
    client, claim_with_evidence
):
    response = client.get(claim_with_evidence.get_absolute_url())
    assert group(response, "supports") == ["Trial one", "Survey two"]
    assert group(response, "contradicts") == ["Trial three"]
    assert group(response, "mixed") == ["Mouse four"]
    page = text(response)
    assert "Unpublished five" not in page
    assert "Other claim" not in page
    assert page.index("Evidence that supports the claim") < page.index("Trial one")
    assert page.index("Trial one") < page.index("Evidence that contradicts the claim")
    assert page.index("Evidence that contradicts the claim") < page.index("Trial three")
    assert page.index("Mixed findings") < page.index("Mouse four")


def test_claim_evidence_row_cites_the_study_and_links_to_it_and_its_source(
    client, claim_with_evidence
):
    page = text(client.get(claim_with_evidence.get_absolute_url()))
    study = claim_with_evidence.evidence.get(study__title="Trial one").study
    assert "Doe J, Roe R" in page
    assert "<cite>Journal of Trials</cite>" in page
    assert "<dt>Year</dt><dd>2019</dd>" in page
    assert "<dt>Design</dt><dd>Randomised or placebo-controlled trial</dd>" in page
    assert "<dt>Population</dt><dd>People with a condition</dd>" in page
    assert "<dt>Sample size</dt><dd>120</dd>" in page
    assert "Mood lifted more than with placebo." in page
    assert f'href="{study.get_absolute_url()}"' in page
    assert 'href="https://doi.org/10.5555/trial.one"' in page
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/12345678/"' in page


@pytest.mark.parametrize(
    "query, supports, contradicts, mixed",
    [
        (
            {"evidence_type": "controlled"},
            ["Trial one"],
            ["Trial three"],
            ["Mouse four"],
        ),
        ({"evidence_type": "self_report"}, ["Survey two"], [], []),
        ({"direction": "contradicts"}, None, ["Trial three"], None),
        (
            {"direction": ["supports", "mixed"]},
            ["Trial one", "Survey two"],
            None,
            ["Mouse four"],
        ),
        ({"design": "survey"}, ["Survey two"], [], []),
        (
            {"population": ["clinical", "healthy"]},
            ["Trial one", "Survey two"],
            ["Trial three"],
            [],
        ),
        ({"dose": "macro"}, [], [], ["Mouse four"]),
        ({"year_min": "2016"}, ["Trial one", "Survey two"], [], []),
        ({"year_max": "2019"}, ["Trial one"], ["Trial three"], ["Mouse four"]),
        ({"year_min": "2016", "year_max": "2020"}, ["Trial one"], [], []),
        (
            {
                "evidence_type": "controlled",
                "direction": "contradicts",
                "population": ["clinical", "healthy"],
            },
            None,
            ["Trial three"],
            None,
        ),
    ],
)
def test_claim_evidence_filters_narrow_each_group(
    client, claim_with_evidence, query, supports, contradicts, mixed
):
    response = client.get(claim_with_evidence.get_absolute_url(), query)
    assert response.status_code == 200
    assert group(response, "supports") == supports
    assert group(response, "contradicts") == contradicts
    assert group(response, "mixed") == mixed
    matches = sum(len(titles or []) for titles in (supports, contradicts, mixed))
    assert f"{matches} of 4 published links match" in text(response)


def test_claim_evidence_filtered_to_nothing_says_what_to_change(
    client, claim_with_evidence
):
    page = text(
        client.get(claim_with_evidence.get_absolute_url(), {"year_min": "2090"})
    )
    assert "No published evidence for this claim matches these filters." in page
    assert "widen the years" in page


def test_claim_page_groups_paginate_independently(client):
    claim = ClaimFactory()
    for number in range(23):
        EvidenceFactory(
            claim=claim,
            study=StudyFactory(title=f"Support {number:02}", year=2000 + number),
        )
    EvidenceFactory.create_batch(2, claim=claim, direction="contradicts")
    url = claim.get_absolute_url()
    first = client.get(url)
    assert len(group(first, "supports")) == 20
    assert len(group(first, "contradicts")) == 2
    assert "?supports_page=2" in text(first)
    second = client.get(url, {"supports_page": "2", "evidence_type": "controlled"})
    assert group(second, "supports") == ["Support 02", "Support 01", "Support 00"]
    assert len(group(second, "contradicts")) == 2
    assert (
        'href="?supports_page=1&amp;evidence_type=controlled#group-supports"'
        in text(second)
    )


@pytest.mark.parametrize(
    "query, message",
    [
        (
            {"supports_page": "2"},
            "There is no page 2 of supporting evidence: there is 1 page.",
        ),
        ({"mixed_page": "x"}, "“x” is not a page number."),
    ],
)
def test_claim_group_page_past_the_end_or_not_a_number_is_404(
    client, claim_with_evidence, query, message
):
    response = client.get(claim_with_evidence.get_absolute_url(), query)
    assert response.status_code == 404
    assert message in text(response)


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"year_min": "abc"}, "year_min", "Enter a whole number."),
        ({"year_max": "20x5"}, "year_max", "Enter a whole number."),
        (
            {"evidence_type": "bogus"},
            "evidence_type",
            "bogus is not one of the available",
        ),
        ({"design": "hearsay"}, "design", "hearsay is not one of the available"),
    ],
)
def test_claim_page_with_bad_filter_input_answers_400_with_the_error(
    client, claim_with_evidence, query, field, message
):
    response = client.get(
        claim_with_evidence.get_absolute_url(), {**query, "supports_page": "9"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "<h1>Compound Q lifts mood</h1>" in page
    assert f'id="id_{field}-errors"' in page
    assert message in page
    assert "No evidence shown until the filters are corrected." in page
    assert group(response, "supports") == []


@pytest.mark.parametrize(
    "year", ["-5", "1e3", "99999999999999999999", "2020.5", "1e400", "-1e400"]
)
def test_claim_page_survives_odd_but_numeric_years(client, claim_with_evidence, year):
    response = client.get(claim_with_evidence.get_absolute_url(), {"year_min": year})
    assert response.status_code in (200, 400)


def test_unknown_or_unpublished_claim_is_404(client):
    assert client.get("/claims/no-such-claim/").status_code == 404
    for status in (Status.DRAFT, Status.IN_REVIEW):
        claim = ClaimFactory(status=status)
        response = client.get(claim.get_absolute_url())
        assert response.status_code == 404
        assert "Page not found" in text(response)


def test_a_retracted_claim_answers_410_with_the_reason(client):
    claim = ClaimFactory(
        status=Status.RETRACTED, retraction_reason="Merged into a broader claim."
    )
    response = client.get(claim.get_absolute_url())
    assert response.status_code == 410
    assert "This claim was retracted" in text(response)
    assert "Merged into a broader claim." in text(response)


def test_claim_page_query_count_is_constant(client, claim_with_evidence):
    def grow():
        for direction in ("supports", "contradicts", "mixed"):
            EvidenceFactory.create_batch(
                3, claim=claim_with_evidence, direction=direction
            )

    url = claim_with_evidence.get_absolute_url()
    assert_constant_queries(lambda: client.get(url), grow)
    query = {"evidence_type": "controlled", "year_min": "2000", "supports_page": "1"}
    assert_constant_queries(lambda: client.get(url, query), grow)


# Site-wide pages


def test_every_page_has_navigation_skip_link_and_not_medical_advice(client):
    page = text(client.get("/"))
    assert '<a class="skip-link" href="#main">' in page
    assert '<main id="main"' in page
    assert 'href="/claims/"' in page and 'href="/studies/"' in page
    assert 'href="/api/v1/"' in page
    assert "<footer" in page and "Not medical advice." in page


def test_pages_use_no_inline_scripts_styles_or_event_handlers(
    client, claim_with_evidence
):
    for url in ("/", CLAIMS, claim_with_evidence.get_absolute_url(), "/nope/"):
        page = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"\sstyle=", page), url
        assert not re.search(r"\son[a-z]+=", page), url
        assert "<style" not in page, url
        # Every asset comes from the app itself; links out (DOIs) are fine.
        assert not re.search(
            r'<(script|img|iframe|source)[^>]*\ssrc="(https?:)?//', page
        ), url
        assert not re.search(r'<link[^>]*\shref="(https?:)?//', page), url
        assert "cdn" not in page.lower(), url


def test_unknown_address_gets_the_site_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = text(response)
    assert "Page not found" in page
    assert "There is nothing at this address." in page
    assert 'href="/claims/"' in page


def test_500_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        page = render_to_string("500.html")
    assert "Something went wrong on our side" in page
    assert 'href="/claims/"' in page


def test_server_error_answers_with_the_500_page(client, monkeypatch):
    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr("evidence.views.HomeView.get_queryset", broken)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in text(response)


def test_links_to_a_retracted_study_are_flagged_on_every_page(client):
    link = EvidenceFactory(study__title="A retracted trial")
    study = link.study
    study.retracted = True
    study.retraction_date = datetime.date(2024, 5, 1)
    study.retraction_url = "https://example.org/notice"
    study.save()
    for url in (link.claim.get_absolute_url(), study.get_absolute_url(), "/studies/"):
        content = client.get(url).content.decode()
        assert "Retracted study." in content, url
        assert "1 May 2024" in content
    assert (
        'href="https://example.org/notice"'
        in client.get(study.get_absolute_url()).content.decode()
    )
