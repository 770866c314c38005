"""Search that finds: all words, stemmed, aliases, Unicode-normalised, the
same on PostgreSQL and SQLite (run the suite on both)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.models import Claim, Status
from evidence.workflow import item_save_or_revise, revision_accept
from studies.models import Study
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
DEPRESSION = "microdosing-psilocybin-reduces-depression-and-anxiety"
FULL_DOSE = "full-dose-psilocybin-therapy-reduces-depression"
DMN = "psilocybin-reduces-default-mode-network-activity-and-rumination"
RECEPTOR = "psilocin-acts-through-5-ht2a-receptor-which-drives-mood-effects"

# Query → the seed claims it must find (all of them, and only them).
SEED_QUERIES = {
    "microdosing depression": {DEPRESSION, FULL_DOSE},
    "depressed": {DEPRESSION, FULL_DOSE},
    "Depression microdosing": {DEPRESSION, FULL_DOSE},
    "DMN": {DMN},
    "dmn": {DMN},
    "default mode network": {DMN},
    "network mode default": {DMN},
    "5-HT₂A": {RECEPTOR},
    "5-HT2A": {RECEPTOR},
    "5HT2A": {RECEPTOR},
    "serotonin 2A": {RECEPTOR},
    "ＤＭＮ": {DMN},
}


@pytest.fixture
def seeded():
    call_command("seed", stdout=open("/dev/null", "w"))


def slugs(claims):
    return {claim.slug for claim in claims}


def test_seed_queries_find_the_expected_claims_on_pages_and_in_the_api(seeded, client):
    """The claims list, the API's q and the search page run the same search."""
    for query, expected in SEED_QUERIES.items():
        assert slugs(Claim.objects.published().search(query)) == expected, query
        page = client.get("/claims/", {"q": query})
        assert slugs(page.context["object_list"]) == expected, query
        api = client.get("/api/v1/claims/", {"q": query, "page_size": 100}).json()
        assert {row["slug"] for row in api["results"]} == expected, query
        search = client.get(SEARCH, {"q": query})
        assert search.status_code == 200
        assert slugs(search.context["claims"]["items"]) == expected, query
    # the claim holding every word in its statement comes first
    search = client.get(SEARCH, {"q": "microdosing depression"})
    assert search.context["claims"]["items"][0].slug == DEPRESSION


def test_seed_studies_found_alike_on_pages_in_the_api_and_the_search_page(
    seeded, client
):
    for query in ("psilocybin depression", "Carhart-Harris", "5-HT₂A", "placebo"):
        expected = set(Study.objects.search(query).values_list("pk", flat=True))
        assert expected, query
        page = client.get("/studies/", {"q": query})
        listed = {study.pk for study in page.context["paginator"].object_list}
        assert listed == expected, query
        api = client.get("/api/v1/studies/", {"q": query, "page_size": 100}).json()
        assert {row["id"] for row in api["results"]} == expected, query
        search = client.get(SEARCH, {"q": query}).context["studies"]
        assert search["count"] == len(expected), query

    # no study mentions the default mode network: the page points to the claim
    for query in ("DMN", "default mode network"):
        response = client.get(SEARCH, {"q": query})
        assert response.context["studies"]["count"] == 0
        page = response.content.decode()
        assert f'href="/claims/{DMN}/"' in page
        assert f'href="/studies/?claim={DMN}"' in page
        assert page.index('id="claims-heading"') < page.index('id="studies-heading"')
        studies = client.get("/studies/", {"q": query}).content.decode()
        assert "No studies match your search and filters." in studies
        assert "/search/?q=" in studies


def test_every_word_must_match_in_any_field_not_as_a_phrase():
    ClaimFactory(statement="Compound Q improves sleep", description="in older adults")
    ClaimFactory(statement="Compound Q lifts mood")
    found = Claim.objects.search("sleep adults compound")
    assert [claim.statement for claim in found] == ["Compound Q improves sleep"]
    assert not Claim.objects.search("sleep mood").exists()


def test_case_accents_and_compatibility_forms_are_ignored():
    claim = ClaimFactory(statement="Café ﬁndings on the 5-HT₂A receptor (Ørsted)")
    for query in ("cafe", "CAFÉ", "findings", "5-HT2A", "5 HT2A", "orsted", "Ø"):
        assert list(Claim.objects.search(query)) == [claim], query


def test_aliases_are_searched_and_cleaned():
    claim = ClaimFactory(
        statement="Psilocybin reduces default mode network activity",
        aliases="  DMN \n\n dmn\nserotonin   2A ",
    )
    claim.refresh_from_db()
    assert claim.aliases == "DMN\nserotonin 2A"
    assert list(Claim.objects.search("dmn")) == [claim]
    claim.aliases = ""
    claim.save()
    assert not Claim.objects.search("dmn").exists()


def test_queries_of_only_common_words_or_punctuation_find_nothing(client):
    ClaimFactory(statement="The claim of the day")
    for query in ("the", "of the", "!!!"):
        assert not Claim.objects.search(query).exists(), query
        page = client.get(SEARCH, {"q": query}).content.decode()
        assert "Nothing to search for" in page
    assert Claim.objects.search("").count() == 1


def test_search_page_lists_only_published_claims(client):
    ClaimFactory(statement="Compound Q improves sleep")
    ClaimFactory(statement="Compound Q improves sleep too", status=Status.DRAFT)
    response = client.get(SEARCH, {"q": "sleep"})
    assert [c.statement for c in response.context["claims"]["items"]] == [
        "Compound Q improves sleep"
    ]
    assert "sleep too" not in response.content.decode()


def test_search_page_suggests_a_spelling_or_fewer_words(client):
    ClaimFactory(
        # "amygdala" is its 13th word: the vocabulary holds every word
        statement="Psilocybin, the compound of magic mushrooms, given to healthy "
        "volunteers, students and patients with depression or anxiety, reduces "
        "amygdala reactivity"
    )
    page = client.get(SEARCH, {"q": "amygdla"})
    assert page.context["suggestion"] == "amygdala"
    assert 'href="/search/?q=amygdala"' in page.content.decode()
    page = client.get(SEARCH, {"q": "amygdala zzxqy"})
    assert page.context["suggestion"] == "amygdala"
    page = client.get(SEARCH, {"q": "qqqq zzxqy"})
    assert page.context["suggestion"] is None
    assert "browse all claims" in page.content.decode()


def test_search_page_rejects_bad_input_with_the_error_by_the_field(client):
    for query in ("nul\x00byte", "x" * 201):
        response = client.get(SEARCH, {"q": query})
        assert response.status_code == 400
        assert 'aria-invalid="true"' in response.content.decode()
    assert client.get(SEARCH).status_code == 200


def test_search_page_query_count_stays_constant_as_results_grow(client):
    def queries_for_search():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(SEARCH, {"q": "sleep"}).status_code == 200
        return len(queries)

    def add_rows():
        claim = ClaimFactory(statement="Compound Q improves sleep")
        study = StudyFactory(title="Sleep in a trial")
        EvidenceFactory(claim=claim, study=study, status=Status.PUBLISHED)

    add_rows()
    before = queries_for_search()
    for _ in range(5):
        add_rows()
    assert queries_for_search() == before
    assert before <= 6


def test_curators_give_a_claim_aliases_in_the_admin(curator_client):
    url = reverse("admin:evidence_claim_add")
    assert 'name="aliases"' in curator_client.get(url).content.decode()
    response = curator_client.post(
        url,
        {
            "statement": "Psilocybin quiets the default mode network",
            "slug": "",
            "topic": "mechanism",
            "status": "draft",
            "description": "",
            "aliases": "DMN\r\nresting-state network",
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
            "evidence-MIN_NUM_FORMS": "0",
            "evidence-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim = Claim.objects.get()
    assert claim.aliases == "DMN\nresting-state network"
    assert list(Claim.objects.search("resting state")) == [claim]
    assert not Claim.objects.published().search("DMN").exists()  # a draft


def test_a_curators_alias_for_a_published_claim_waits_for_an_editor(curator, editor):
    claim = ClaimFactory(statement="Psilocybin quiets the default mode network")
    revision = item_save_or_revise(
        instance=claim, changes={"aliases": "DMN"}, user=curator
    ).revision
    assert revision is not None
    assert not Claim.objects.published().search("DMN").exists()
    revision_accept(revision=revision, user=editor)
    assert list(Claim.objects.published().search("DMN")) == [claim]


def test_suggestions_cost_the_same_queries_however_many_claims(client):
    def queries_for(query):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(SEARCH, {"q": query}).status_code == 200
        return len(queries)

    ClaimFactory(statement="Psilocybin reduces amygdala reactivity")
    before = queries_for("amygdla zzxqy")
    ClaimFactory.create_batch(5, description="Amygdala and more")
    assert queries_for("amygdla zzxqy") == before


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.text(
        alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
        max_size=300,
    )
    | st.sampled_from(
        ["a" * 3000, "5-HT₂A" * 40, "ǅ́̃", "𝟓𝐇𝐓", "東京 مرحبا", "'&|!:*()<>"]
    )
)
def test_any_text_is_a_query_that_answers(client, query):
    """Whatever readers type, the search answers (and never with SQL syntax)."""
    ClaimFactory(statement="Compound Q improves sleep", aliases="CQ")
    search = client.get(SEARCH, {"q": query[:200]})
    assert search.status_code == 200
    assert client.get("/api/v1/claims/", {"q": query}).status_code == 200
    assert client.get("/api/v1/studies/", {"q": query}).status_code == 200
