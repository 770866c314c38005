import pytest
from django.urls import reverse

from evidence.models import Claim, Evidence
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_claim_changelist_shows_topic_and_evidence_profile(curator_client):
    claim = ClaimFactory(statement="Compound Q improves sleep", topic="effect")
    EvidenceFactory.create_batch(2, claim=claim, direction="supports")
    EvidenceFactory(claim=claim, direction="contradicts")
    response = curator_client.get(reverse("admin:evidence_claim_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Compound Q improves sleep" in content
    assert "2 for, 1 against, 0 mixed" in content


def test_claim_changelist_search_and_topic_filter(curator_client):
    ClaimFactory(statement="Compound Q improves sleep", topic="effect")
    ClaimFactory(statement="Compound Q binds receptor R", topic="mechanism")
    url = reverse("admin:evidence_claim_changelist")
    content = curator_client.get(url, {"topic__exact": "mechanism"}).content.decode()
    assert "binds receptor R" in content and "improves sleep" not in content
    content = curator_client.get(url, {"q": "sleep"}).content.decode()
    assert "improves sleep" in content and "binds receptor R" not in content


def test_claim_change_page_edits_links_inline_with_study_autocomplete(curator_client):
    link = EvidenceFactory()
    response = curator_client.get(
        reverse("admin:evidence_claim_change", args=[link.claim.pk])
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "evidence-0-study" in content
    assert "admin-autocomplete" in content
    assert "Profile of published evidence" in content
    assert "1 published link: 1 controlled." in content


def test_claim_with_very_many_links_points_to_the_evidence_list(
    curator_client, monkeypatch
):
    monkeypatch.setattr("evidence.admin.claims.INLINE_LINK_LIMIT", 2)
    claim = ClaimFactory()
    EvidenceFactory.create_batch(3, claim=claim)
    content = curator_client.get(
        reverse("admin:evidence_claim_change", args=[claim.pk])
    ).content.decode()
    assert "evidence-0-study" not in content
    assert f"?claim__id__exact={claim.pk}" in content


def test_curator_adds_a_claim_with_a_link_and_is_recorded_as_adder(
    curator_client, curator
):
    study = StudyFactory()
    response = curator_client.post(
        reverse("admin:evidence_claim_add"),
        {
            "statement": "Compound Z reduces worry",
            "slug": "",
            "topic": "effect",
            "status": "draft",
            "description": "",
            "evidence-TOTAL_FORMS": "1",
            "evidence-INITIAL_FORMS": "0",
            "evidence-MIN_NUM_FORMS": "0",
            "evidence-MAX_NUM_FORMS": "1000",
            "evidence-0-study": study.pk,
            "evidence-0-evidence_type": "self_report",
            "evidence-0-direction": "supports",
            "evidence-0-status": "in_review",
            "evidence-0-finding": "Respondents reported less worry.",
            "evidence-0-quote": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim = Claim.objects.get(slug="compound-z-reduces-worry")
    link = claim.evidence.get()
    assert link.added_by == curator
    assert (claim.status, link.status) == ("draft", "in_review")
    claim.refresh_from_db()
    assert claim.evidence_count == 0  # not published yet


def test_curator_cannot_delete(curator_client):
    for claim in (ClaimFactory(status="draft"), ClaimFactory()):
        response = curator_client.post(
            reverse("admin:evidence_claim_delete", args=[claim.pk]), {"post": "yes"}
        )
        assert response.status_code == 403
        assert Claim.objects.filter(pk=claim.pk).exists()


def test_editor_deletes_a_draft_outright(editor_client):
    claim = ClaimFactory(status="draft")
    response = editor_client.post(
        reverse("admin:evidence_claim_delete", args=[claim.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_deleting_published_work_in_the_admin_is_a_retraction_with_a_reason(
    editor_client,
):
    link = EvidenceFactory()
    delete_url = reverse("admin:evidence_evidence_delete", args=[link.pk])
    retract_url = reverse("admin:evidence_evidence_retract", args=[link.pk])
    assert editor_client.get(delete_url)["Location"] == retract_url
    page = editor_client.post(retract_url, {"reason": ""})
    assert "This field is required." in page.content.decode()
    editor_client.post(retract_url, {"reason": "Duplicate of another link"})
    link.refresh_from_db()
    assert (link.status, link.retraction_reason) == (
        "retracted",
        "Duplicate of another link",
    )


def test_evidence_changelist_filters_by_type_direction_claim_and_design(curator_client):
    wanted = EvidenceFactory(
        evidence_type="self_report", direction="contradicts", study__design="survey"
    )
    EvidenceFactory(
        evidence_type="controlled", direction="supports", study__design="rct"
    )
    url = reverse("admin:evidence_evidence_changelist")
    for params in (
        {"evidence_type__exact": "self_report"},
        {"direction__exact": "contradicts"},
        {"design": "survey"},
        {"claim__id__exact": wanted.claim_id},
    ):
        response = curator_client.get(url, params)
        assert response.context["cl"].result_count == 1, params
        assert list(response.context["cl"].result_list) == [wanted]


def test_evidence_changelist_searches_claim_and_study(curator_client):
    wanted = EvidenceFactory(
        claim__statement="Compound K sharpens focus", study__title="Focus trial of K"
    )
    EvidenceFactory()
    url = reverse("admin:evidence_evidence_changelist")
    assert list(
        curator_client.get(url, {"q": "sharpens"}).context["cl"].result_list
    ) == [wanted]
    assert list(
        curator_client.get(url, {"q": "Focus trial"}).context["cl"].result_list
    ) == [wanted]


@pytest.mark.parametrize(
    "url_name",
    ["admin:evidence_claim_changelist", "admin:evidence_evidence_changelist"],
)
def test_changelists_query_count_does_not_grow_with_rows(curator_client, url_name):
    EvidenceFactory.create_batch(3)
    assert_constant_queries(
        lambda: curator_client.get(reverse(url_name)),
        lambda: EvidenceFactory.create_batch(20),
    )


def test_claim_change_page_query_count_does_not_grow_with_links(curator_client):
    claim = ClaimFactory()
    EvidenceFactory.create_batch(2, claim=claim)
    assert_constant_queries(
        lambda: curator_client.get(
            reverse("admin:evidence_claim_change", args=[claim.pk])
        ),
        lambda: EvidenceFactory.create_batch(15, claim=claim),
    )


def test_admin_history_page_of_a_link(curator_client):
    link = EvidenceFactory()
    response = curator_client.get(
        reverse("admin:evidence_evidence_history", args=[link.pk])
    )
    assert response.status_code == 200
    assert Evidence.history.filter(id=link.pk).exists()
