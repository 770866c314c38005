"""One study linked to several claims in one form, from the study's admin page."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.urls import reverse

from evidence.models import Evidence, Status
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db


def url_for(study):
    return reverse("admin:studies_study_link_claims", args=[study.pk])


def link_data(claims, **overrides):
    data = {
        "claims": [claim.pk for claim in claims],
        "evidence_type": "controlled",
        "direction": "supports",
        "finding": "Scores fell more on the drug than on placebo.",
        "risk_of_bias": "serious",
        "imprecision": "not_serious",
        "inconsistency": "not_assessed",
        "publication_bias": "not_assessed",
        "indirectness": "not_serious",
        "status": "draft",
    }
    data.update(overrides)
    return data


def test_the_study_page_offers_linking_to_claims(curator_client):
    study = StudyFactory()
    page = curator_client.get(reverse("admin:studies_study_change", args=[study.pk]))
    assert url_for(study) in page.content.decode()
    form = curator_client.get(url_for(study))
    assert form.status_code == 200
    assert "admin/js/autocomplete.js" in form.content.decode()


def test_a_curator_links_one_study_to_two_claims_as_drafts(curator_client, curator):
    study = StudyFactory()
    claims = ClaimFactory.create_batch(2)
    response = curator_client.post(url_for(study), link_data(claims))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:studies_study_change", args=[study.pk]
    )
    links = Evidence.objects.filter(study=study).order_by("claim_id")
    assert [link.claim for link in links] == claims
    for link in links:
        assert link.status == Status.DRAFT
        assert link.added_by == curator
        assert link.risk_of_bias == "serious"
        assert link.finding == "Scores fell more on the drug than on placebo."
    # Logged as the link admin logs an addition.
    assert LogEntry.objects.filter(action_flag=ADDITION, user=curator).count() == 2
    message = [
        str(m) for m in curator_client.get(response["Location"]).context["messages"]
    ]
    assert any("2 evidence link(s) added (draft)" in m for m in message)


def test_a_curator_may_submit_the_links_for_review_at_once(curator_client):
    study = StudyFactory()
    claims = ClaimFactory.create_batch(2)
    curator_client.post(url_for(study), link_data(claims, status="in_review"))
    assert set(Evidence.objects.values_list("status", flat=True)) == {"in_review"}


def test_a_curator_cannot_publish_from_this_form(curator_client):
    study = StudyFactory()
    claim = ClaimFactory()
    response = curator_client.post(
        url_for(study), link_data([claim], status="published")
    )
    assert response.status_code == 200
    assert not Evidence.objects.exists()


def test_a_duplicate_link_is_refused_by_name_and_nothing_is_made(curator_client):
    study = StudyFactory()
    linked, new = ClaimFactory(statement="Already linked claim"), ClaimFactory()
    EvidenceFactory(study=study, claim=linked)
    response = curator_client.post(url_for(study), link_data([new, linked]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No link was made" in html
    assert "Already linked claim: This study is already linked to this claim." in html
    assert Evidence.objects.filter(study=study).count() == 1


def test_each_link_is_validated_like_the_link_admin(curator_client):
    study = StudyFactory()
    response = curator_client.post(
        url_for(study), link_data(ClaimFactory.create_batch(2), finding="   ")
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Evidence.objects.exists()


def test_no_claim_picked_is_refused_in_words(curator_client):
    study = StudyFactory()
    response = curator_client.post(url_for(study), link_data([]))
    assert "Pick at least one claim" in response.content.decode()


def test_an_unknown_study_is_a_404_page(curator_client):
    response = curator_client.get(
        reverse("admin:studies_study_link_claims", args=[987654])
    )
    assert response.status_code == 404


def test_the_form_page_costs_the_same_queries_however_many_links_exist(
    curator_client,
):
    study = StudyFactory()
    EvidenceFactory(study=study)

    def grow():
        for _ in range(5):
            EvidenceFactory(study=study)

    assert_constant_queries(lambda: curator_client.get(url_for(study)), grow)


def test_from_the_study_list_the_form_comes_back_to_the_same_list(curator_client):
    study = StudyFactory()
    changelist = reverse("admin:studies_study_changelist") + "?q=compound"
    listing = curator_client.get(changelist)
    assert url_for(study) in listing.content.decode()
    form = curator_client.get(
        url_for(study), HTTP_REFERER="http://testserver" + changelist
    )
    assert f'name="next" value="{changelist}"'.replace("&", "&amp;") in (
        form.content.decode()
    )
    response = curator_client.post(
        url_for(study), {**link_data([ClaimFactory()]), "next": changelist}
    )
    assert response["Location"] == changelist


def test_a_foreign_next_address_is_ignored(curator_client):
    study = StudyFactory()
    response = curator_client.post(
        url_for(study), {**link_data([ClaimFactory()]), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse(
        "admin:studies_study_change", args=[study.pk]
    )


def test_staff_who_may_not_add_links_get_a_page_that_says_why(client):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_study"))
    client.force_login(viewer)
    study = StudyFactory()
    response = client.get(url_for(study))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only curators and editors link studies to claims" in html
    assert "ask the site" in html
