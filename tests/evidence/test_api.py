"""The claims and evidence endpoints, called over HTTP as a client would."""

import csv
import io

import pytest
from django.urls import reverse

from evidence.models import Claim, Evidence, Status
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import field_errors, queries_during, queries_per_request

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
EVIDENCE = "/api/v1/evidence/"


def slugs(response):
    assert response.status_code == 200, response.content
    return sorted(item["slug"] for item in response.json()["results"])


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["results"])


# --- Claims: reading ---------------------------------------------------------


def test_claim_list_carries_the_evidence_summary(api_client):
    claim = ClaimFactory(statement="Compound A eases pain")
    EvidenceFactory(claim=claim, evidence_type="controlled", direction="supports")
    EvidenceFactory(claim=claim, evidence_type="self_report", direction="contradicts")
    body = api_client.get(CLAIMS).json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["slug"] == "compound-a-eases-pain"
    summary = item["evidence_summary"]
    assert summary["total"] == 2
    assert summary["counts"]["controlled"]["supports"] == 1
    assert summary["by_direction"] == {"supports": 1, "contradicts": 1, "mixed": 0}
    assert summary["strength"]["score"] == claim.__class__.objects.get().profile.score
    assert (
        summary["strength"]["reasons"][0]
        == "2 published links: 1 controlled, 1 self-report."
    )
    assert item["links"]["evidence"].endswith(
        "/api/v1/evidence/?claim=compound-a-eases-pain"
    )


def test_claim_detail_carries_first_twenty_links_and_a_link_to_the_rest(api_client):
    claim = ClaimFactory()
    EvidenceFactory.create_batch(23, claim=claim)
    body = api_client.get(f"{CLAIMS}{claim.slug}/").json()
    assert len(body["evidence"]) == 20
    assert body["evidence_summary"]["total"] == 23
    first = body["evidence"][0]
    assert first["claim"] == claim.slug
    assert {"id", "citation", "title", "year", "design"} <= set(first["study_brief"])
    rest = api_client.get(body["links"]["evidence"]).json()
    assert rest["count"] == 23


def test_unpublished_claims_and_links_are_hidden_from_the_public(api_client):
    draft = ClaimFactory(status=Status.DRAFT)
    published = ClaimFactory()
    EvidenceFactory(claim=published, status=Status.IN_REVIEW)
    assert slugs(api_client.get(CLAIMS)) == [published.slug]
    assert api_client.get(f"{CLAIMS}{draft.slug}/").status_code == 404
    assert api_client.get(EVIDENCE).json()["count"] == 0


def test_curators_see_drafts_with_a_token(curator_api):
    draft = ClaimFactory(status=Status.DRAFT)
    assert curator_api.get(f"{CLAIMS}{draft.slug}/").status_code == 200


def test_unknown_claim_is_a_404_with_a_message(api_client):
    response = api_client.get(f"{CLAIMS}no-such-claim/")
    assert response.status_code == 404
    assert response.json()["detail"] == "No Claim matches the given query."
    assert response.json()["code"] == "not_found"


# --- Claims: filters ---------------------------------------------------------


@pytest.fixture
def graded_claims():
    """Three claims whose links differ in type, direction and study."""
    mixed_up = ClaimFactory(statement="Mixed up claim", topic="effect")
    # controlled+supports and self_report+contradicts, but no controlled contradiction
    EvidenceFactory(
        claim=mixed_up,
        evidence_type="controlled",
        direction="supports",
        study__design="rct",
        study__population="clinical",
        study__dose="micro",
    )
    EvidenceFactory(
        claim=mixed_up,
        evidence_type="self_report",
        direction="contradicts",
        study__design="survey",
        study__population="healthy",
        study__dose="macro",
    )
    contradicted = ClaimFactory(
        statement="Contradicted claim",
        topic="mechanism",
        description="Tested in animals",
    )
    EvidenceFactory(
        claim=contradicted,
        evidence_type="controlled",
        direction="contradicts",
        study__design="animal",
        study__population="animal",
        study__dose="na",
    )
    bare = ClaimFactory(statement="Bare risk claim", topic="risk")
    return {"mixed": mixed_up, "contradicted": contradicted, "bare": bare}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("evidence_type=controlled", ["contradicted", "mixed"]),
        ("evidence_type=anecdotal", []),
        ("direction=contradicts", ["contradicted", "mixed"]),
        # both conditions must hold for the same link
        ("evidence_type=controlled&direction=contradicts", ["contradicted"]),
        ("evidence_type=self_report&direction=supports", []),
        ("design=survey", ["mixed"]),
        ("design=survey&direction=supports", []),
        ("population=clinical&population=healthy", ["mixed"]),
        ("population=animal", ["contradicted"]),
        ("dose=micro", ["mixed"]),
        ("dose=micro&evidence_type=self_report", []),
        ("topic=risk", ["bare"]),
        ("topic=risk&topic=mechanism", ["bare", "contradicted"]),
        ("q=animals", ["contradicted"]),
        ("q=MIXED", ["mixed"]),
    ],
)
def test_claim_filters(api_client, graded_claims, query, expected):
    wanted = sorted(graded_claims[key].slug for key in expected)
    assert slugs(api_client.get(f"{CLAIMS}?{query}")) == wanted


@pytest.mark.parametrize(
    ("ordering", "first"),
    [
        ("statement", "bare"),
        ("-statement", "mixed"),
        ("strength", "contradicted"),
        ("-evidence_count", "mixed"),
        ("evidence_count", "bare"),
    ],
)
def test_claim_ordering(api_client, graded_claims, ordering, first):
    results = api_client.get(f"{CLAIMS}?ordering={ordering}").json()["results"]
    assert results[0]["slug"] == graded_claims[first].slug


def test_claim_ordering_by_updated(api_client, graded_claims):
    graded_claims["bare"].description = "touched"
    graded_claims["bare"].save()
    results = api_client.get(f"{CLAIMS}?ordering=-updated").json()["results"]
    assert results[0]["slug"] == graded_claims["bare"].slug


# --- Evidence: filters -------------------------------------------------------


@pytest.fixture
def links():
    first = EvidenceFactory(
        evidence_type="controlled",
        direction="supports",
        study__design="rct",
        study__population="clinical",
        study__dose="micro",
        study__year=2015,
    )
    second = EvidenceFactory(
        evidence_type="self_report",
        direction="contradicts",
        study__design="survey",
        study__population="healthy",
        study__dose="macro",
        study__year=2020,
    )
    third = EvidenceFactory(
        claim=first.claim,
        evidence_type="anecdotal",
        direction="mixed",
        study__design="testimonial",
        study__population="other",
        study__dose="micro",
        study__year=None,
    )
    return first, second, third


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("evidence_type=controlled", [0]),
        ("evidence_type=controlled&evidence_type=anecdotal", [0, 2]),
        ("direction=contradicts", [1]),
        ("design=survey&design=testimonial", [1, 2]),
        ("population=clinical&population=healthy", [0, 1]),
        ("dose=micro", [0, 2]),
        ("year_min=2016", [1]),
        ("year_max=2016", [0]),
        ("year_min=2010&year_max=2030", [0, 1]),
    ],
)
def test_evidence_filters(api_client, links, query, expected):
    assert ids(api_client.get(f"{EVIDENCE}?{query}")) == sorted(
        links[i].pk for i in expected
    )


def test_evidence_filter_by_claim_and_study(api_client, links):
    first, second, third = links
    assert ids(api_client.get(f"{EVIDENCE}?claim={first.claim.slug}")) == sorted(
        [first.pk, third.pk]
    )
    assert ids(api_client.get(f"{EVIDENCE}?study={second.study_id}")) == [second.pk]
    both = f"{EVIDENCE}?claim={first.claim.slug}&claim={second.claim.slug}"
    assert len(ids(api_client.get(both))) == 3


def test_evidence_ordering_by_year(api_client, links):
    results = api_client.get(f"{EVIDENCE}?ordering=-year&year_min=1900").json()[
        "results"
    ]
    assert [item["id"] for item in results] == [links[1].pk, links[0].pk]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (f"{EVIDENCE}?evidence_type=bogus", "evidence_type"),
        (f"{EVIDENCE}?direction=up", "direction"),
        (f"{EVIDENCE}?year_min=abc", "year_min"),
        (f"{EVIDENCE}?year_max=20.5", "year_max"),
        (f"{EVIDENCE}?claim=no-such-claim", "claim"),
        (f"{EVIDENCE}?study=abc", "study"),
        (f"{EVIDENCE}?ordering=bogus", "ordering"),
        (f"{CLAIMS}?topic=gossip", "topic"),
        (f"{CLAIMS}?population=martians", "population"),
        (f"{CLAIMS}?ordering=random", "ordering"),
        (f"{CLAIMS}?evidence_type=bogus&format=csv", "evidence_type"),
    ],
)
def test_invalid_filter_values_are_a_400_naming_the_parameter(
    api_client, links, url, parameter
):
    response = api_client.get(url)
    assert response.status_code == 400
    if "format=csv" in url:
        assert parameter in response.content.decode()
    else:
        assert field_errors(response)[parameter][0]


# --- Pagination, CSV, caching ------------------------------------------------


def test_pagination_contract(api_client):
    EvidenceFactory.create_batch(7)
    first = api_client.get(f"{EVIDENCE}?page_size=3").json()
    assert first["count"] == 7
    assert first["previous"] is None
    assert len(first["results"]) == 3
    third = api_client.get(first["next"].replace("page=2", "page=3")).json()
    assert len(third["results"]) == 1
    assert third["next"] is None


def test_page_size_is_capped_at_100(api_client):
    claim = ClaimFactory()
    study_batch = StudyFactory.create_batch(105)
    Evidence.objects.bulk_create(
        [
            Evidence(
                claim=claim,
                study=study,
                evidence_type="controlled",
                direction="supports",
                finding="f",
                status=Status.PUBLISHED,
            )
            for study in study_batch
        ]
    )
    body = api_client.get(f"{EVIDENCE}?page_size=5000").json()
    assert len(body["results"]) == 100
    assert body["count"] == 105


def test_a_page_past_the_end_is_a_404(api_client):
    EvidenceFactory()
    response = api_client.get(f"{EVIDENCE}?page=99")
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5"])
def test_a_page_that_is_not_a_whole_number_from_one_is_a_400(api_client, page):
    EvidenceFactory()
    response = api_client.get(f"{EVIDENCE}?page={page}")
    assert response.status_code == 400
    assert "whole number" in field_errors(response)["page"][0]


def test_evidence_csv_export_streams_every_filtered_row(api_client, links):
    response = api_client.get(f"{EVIDENCE}?format=csv&dose=micro")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert sorted(int(row["id"]) for row in rows) == sorted([links[0].pk, links[2].pk])
    assert rows[0]["claim"] == links[0].claim.slug


def test_claim_csv_export(api_client, graded_claims):
    response = api_client.get(f"{CLAIMS}?format=csv&topic=risk")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert [row["slug"] for row in rows] == [graded_claims["bare"].slug]
    assert rows[0]["strength"] == "none"


def test_anonymous_reads_carry_an_etag_and_revalidate(api_client, links):
    response = api_client.get(EVIDENCE)
    etag = response["ETag"]
    assert etag
    again = api_client.get(EVIDENCE, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


# --- Permissions and writes --------------------------------------------------


def test_anonymous_writes_are_refused_with_401(api_client):
    response = api_client.post(
        CLAIMS, {"statement": "x", "topic": "effect"}, format="json"
    )
    assert response.status_code == 401
    assert not Claim.objects.exists()


def test_users_in_neither_group_get_403_on_writes_but_can_read(reader_api):
    ClaimFactory()
    assert reader_api.get(CLAIMS).status_code == 200
    response = reader_api.post(
        CLAIMS, {"statement": "x", "topic": "effect"}, format="json"
    )
    assert response.status_code == 403
    assert Claim.objects.count() == 1


def test_curator_creates_a_claim_with_a_derived_slug(curator_api):
    response = curator_api.post(
        CLAIMS,
        {"statement": "Compound B helps sleep", "topic": "effect"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "compound-b-helps-sleep"
    assert response.json()["status"] == "draft"


def test_a_link_whose_claim_refresh_fails_is_not_stored(curator_api, monkeypatch):
    from django.db import OperationalError

    from evidence import services

    class DeadlockDetected(Exception):
        pgcode = "40P01"

    def collide(**kwargs):
        raise OperationalError("deadlock detected") from DeadlockDetected()

    claim, study = ClaimFactory(), StudyFactory()
    monkeypatch.setattr(services, "claim_refresh", collide)
    response = curator_api.post(
        EVIDENCE,
        {
            "claim": claim.slug,
            "study": study.pk,
            "evidence_type": "controlled",
            "direction": "supports",
            "finding": "Fewer symptoms.",
        },
        format="json",
    )
    assert response.status_code == 503, response.content
    assert not Evidence.objects.filter(claim=claim).exists()


def test_curator_creates_and_edits_evidence_and_is_recorded_as_adder(
    curator_api, curator
):
    claim, study = ClaimFactory(), StudyFactory()
    response = curator_api.post(
        EVIDENCE,
        {
            "claim": claim.slug,
            "study": study.pk,
            "evidence_type": "self_report",
            "direction": "supports",
            "finding": "Fewer symptoms were reported.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    link = Evidence.objects.get(pk=response.json()["id"])
    assert link.added_by == curator
    assert response.json()["study_brief"]["id"] == study.pk
    changed = curator_api.patch(
        f"{EVIDENCE}{link.pk}/", {"direction": "mixed"}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    link.refresh_from_db()
    assert link.direction == "mixed"


def test_curator_cannot_delete_but_editor_can_delete_a_draft(curator_api, editor_api):
    link = EvidenceFactory(status=Status.DRAFT)
    assert curator_api.delete(f"{EVIDENCE}{link.pk}/").status_code == 403
    assert Evidence.objects.filter(pk=link.pk).exists()
    assert editor_api.delete(f"{EVIDENCE}{link.pk}/").status_code == 204
    assert not Evidence.objects.filter(pk=link.pk).exists()


def test_slug_cannot_be_changed(curator_api):
    claim = ClaimFactory(status=Status.DRAFT)
    response = curator_api.patch(
        f"{CLAIMS}{claim.slug}/", {"slug": "new-slug"}, format="json"
    )
    assert response.status_code == 400
    assert "permanent" in field_errors(response)["slug"][0]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"evidence_type": "hearsay"}, "evidence_type", "not a valid choice"),
        ({"direction": "sideways"}, "direction", "not a valid choice"),
        ({"claim": "no-such-claim"}, "claim", "No claim has the slug"),
        ({"study": 999999}, "study", "No study has the id 999999"),
        ({"study": "abc"}, "study", "Incorrect type"),
        ({"finding": ""}, "finding", "may not be blank"),
        ({"finding": "x" * 10_001}, "finding", "no more than 10000 characters"),
    ],
)
def test_bad_evidence_writes_are_400_with_field_messages_and_store_nothing(
    curator_api, payload, field, message
):
    claim, study = ClaimFactory(), StudyFactory()
    data = {
        "claim": claim.slug,
        "study": study.pk,
        "evidence_type": "controlled",
        "direction": "supports",
        "finding": "Something was found.",
    }
    data.update(payload)
    response = curator_api.post(EVIDENCE, data, format="json")
    assert response.status_code == 400
    assert message in str(field_errors(response)[field])
    assert not Evidence.objects.exists()


def test_a_second_link_between_the_same_claim_and_study_is_a_409(curator_api):
    link = EvidenceFactory()
    response = curator_api.post(
        EVIDENCE,
        {
            "claim": link.claim.slug,
            "study": link.study_id,
            "evidence_type": "controlled",
            "direction": "contradicts",
            "finding": "Again.",
        },
        format="json",
    )
    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert error["code"] == "duplicate"
    assert error["detail"] == "This study is already linked to this claim."
    assert error["existing"] == f"http://testserver{EVIDENCE}{link.pk}/"
    assert Evidence.objects.count() == 1
    link.refresh_from_db()
    assert link.direction == "supports"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"topic": "effect"}, "statement"),
        ({"statement": "A claim"}, "topic"),
        ({"statement": "x" * 1001, "topic": "effect"}, "statement"),
        ({"statement": "   ", "topic": "effect"}, "statement"),
        ({"statement": "A claim", "topic": "gossip"}, "topic"),
    ],
)
def test_bad_claim_writes_are_400(curator_api, payload, field):
    response = curator_api.post(CLAIMS, payload, format="json")
    assert response.status_code == 400
    assert field in field_errors(response)
    assert not Claim.objects.exists()


def test_malformed_json_is_a_400_with_a_message(curator_api):
    response = curator_api.post(
        CLAIMS, data='{"statement": "unterminated', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert not Claim.objects.exists()


def test_a_failed_update_changes_nothing(curator_api):
    link = EvidenceFactory(finding="Original finding.")
    response = curator_api.patch(
        f"{EVIDENCE}{link.pk}/",
        {"finding": "Changed finding.", "direction": "up"},
        format="json",
    )
    assert response.status_code == 400
    link.refresh_from_db()
    assert link.finding == "Original finding."


# --- Throttling --------------------------------------------------------------


def test_bursts_are_throttled_with_429_and_retry_after(api_client, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    statuses = [api_client.get(CLAIMS).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    response = api_client.get(CLAIMS)
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


# --- Query counts ------------------------------------------------------------


def many_links(number, claim=None):
    claim = claim or ClaimFactory()
    studies = StudyFactory.create_batch(number)
    Evidence.objects.bulk_create(
        [
            Evidence(
                claim=claim,
                study=study,
                evidence_type="controlled",
                direction="supports",
                finding="f",
                status=Status.PUBLISHED,
            )
            for study in studies
        ]
    )
    return claim


@pytest.mark.parametrize("url", [EVIDENCE, f"{EVIDENCE}?format=csv"])
def test_evidence_list_queries_do_not_grow_with_page_size(api_client, url):
    many_links(100)
    joiner = "&" if "?" in url else "?"
    small = queries_per_request(
        lambda: b"".join(
            getattr(
                api_client.get(f"{url}{joiner}page_size=5"), "streaming_content", [b""]
            )
        )
    )
    large = queries_per_request(
        lambda: b"".join(
            getattr(
                api_client.get(f"{url}{joiner}page_size=100"),
                "streaming_content",
                [b""],
            )
        )
    )
    assert small == large


def test_claim_list_and_detail_queries_do_not_grow(api_client):
    for _ in range(5):
        many_links(3)
    claim = many_links(30)
    small = queries_per_request(lambda: api_client.get(f"{CLAIMS}?page_size=5"))
    large = queries_per_request(lambda: api_client.get(f"{CLAIMS}?page_size=100"))
    assert small == large <= 4
    detail = queries_per_request(lambda: api_client.get(f"{CLAIMS}{claim.slug}/"))
    many_links(50, claim=claim)
    assert (
        queries_per_request(lambda: api_client.get(f"{CLAIMS}{claim.slug}/"))
        == detail
        <= 4
    )


def test_evidence_detail_queries(api_client):
    link = EvidenceFactory()
    assert queries_during(lambda: api_client.get(f"{EVIDENCE}{link.pk}/")) <= 4


def test_router_root_lists_the_endpoints(api_client):
    body = api_client.get("/api/v1/").json()
    assert {"claims", "studies", "evidence"} <= set(body)
    assert reverse("api:schema") == "/api/v1/schema/"
