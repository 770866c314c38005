"""Errors shown where the curator looks, and refusals that say why and what to do."""

import pytest
from django.urls import reverse

from evidence.models import Status
from tests.admin_forms import shown_form_data
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def test_send_back_without_a_comment_shows_its_error_in_an_open_section(
    editor_client,
):
    link = EvidenceFactory(status=Status.IN_REVIEW)
    url = reverse("admin:evidence_evidence_change", args=[link.pk])
    page = editor_client.get(url)
    response = editor_client.post(url, shown_form_data(page, status=Status.DRAFT))

    assert response.status_code == 200
    html = response.content.decode()
    error = "Say why it goes back to the curator"
    assert error in html
    review = next(
        fieldset
        for fieldset in response.context["adminform"]
        if fieldset.name == "Review"
    )
    assert "collapse" not in review.classes and not review.is_collapsible
    # The error sits in no closed <details> section.
    before_error = html[: html.index(error)]
    assert before_error.count("<details") == before_error.count("</details>")
    # The message at the top names the field.
    top = [str(message) for message in response.context["messages"]]
    assert any("Review comment: " + error in message for message in top), top
    link.refresh_from_db()
    assert link.status == Status.IN_REVIEW


def test_a_collapsed_section_without_errors_stays_closed(editor_client):
    link = EvidenceFactory(status=Status.IN_REVIEW)
    page = editor_client.get(reverse("admin:evidence_evidence_change", args=[link.pk]))
    review = next(
        fieldset for fieldset in page.context["adminform"] if fieldset.name == "Review"
    )
    assert review.is_collapsible


def test_a_refusal_in_the_admin_says_why_and_what_to_do(curator_client):
    link = EvidenceFactory(status=Status.PUBLISHED)
    response = curator_client.get(
        reverse("admin:evidence_evidence_retract", args=[link.pk])
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only editors retract published work." in html
    assert "ask an editor" in html
    assert reverse("admin:index") in html  # the way back to the work queue
    assert "403 Forbidden" not in html


def test_a_refusal_without_a_message_still_explains(curator_client, curator):
    curator.user_permissions.clear()
    curator.groups.clear()
    response = curator_client.get(reverse("admin:studies_study_import"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only curators and editors import citations" in html
    assert "Sign in with another account" in html


def test_the_api_still_refuses_in_json(api_client):
    response = api_client.post("/api/v1/claims/", {"statement": "x"}, format="json")
    assert response.status_code in (401, 403)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] in ("not_authenticated", "permission_denied")
    assert response.json()["detail"]


def test_a_bad_request_page_says_what_to_do(client, settings):
    response = client.get("/", HTTP_HOST="bad_host name")
    assert response.status_code == 400
    assert "Go back, reload the page" in response.content.decode()
