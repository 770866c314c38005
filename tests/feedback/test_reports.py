"""Readers report a problem on a claim or study page; editors see it in the admin."""

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from feedback.models import ProblemReport
from tests.factories import ClaimFactory, StudyFactory

pytestmark = pytest.mark.django_db

MESSAGE = "The finding of the second trial misreads its main outcome."


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def test_claim_and_study_pages_link_to_their_report_form(client):
    claim, study = ClaimFactory(), StudyFactory()
    assert (
        f'href="/report/claim/{claim.slug}/"'
        in client.get(claim.get_absolute_url()).content.decode()
    )
    assert (
        f'href="/report/study/{study.pk}/"'
        in client.get(study.get_absolute_url()).content.decode()
    )


def test_a_reader_reports_a_problem_and_is_thanked(client):
    claim = ClaimFactory()
    form = client.get(f"/report/claim/{claim.slug}/")
    assert form.status_code == 200
    assert "csrfmiddlewaretoken" in form.content.decode()
    response = client.post(
        f"/report/claim/{claim.slug}/", {"message": MESSAGE, "email": ""}
    )
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert "Thank you" in thanks.content.decode()
    assert f'href="{claim.get_absolute_url()}"' in thanks.content.decode()
    report = ProblemReport.objects.get()
    assert (report.claim, report.study, report.message) == (claim, None, MESSAGE)


def test_a_report_on_a_study_is_stored_against_the_study(client):
    study = StudyFactory()
    client.post(f"/report/study/{study.pk}/", {"message": MESSAGE})
    assert ProblemReport.objects.get().study == study


def test_the_form_needs_a_csrf_token():
    claim = ClaimFactory()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/report/claim/{claim.slug}/", {"message": MESSAGE})
    assert response.status_code == 403
    assert not ProblemReport.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"message": ""}, "This field is required."),
        ({"message": "bad"}, "at least 10 characters"),
        ({"message": "x" * 2001}, "at most 2000 characters"),
        ({"message": MESSAGE, "email": "not-an-address"}, "valid email address"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(client, data, error):
    claim = ClaimFactory()
    response = client.post(f"/report/claim/{claim.slug}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Your report was not sent." in page
    assert error in page
    assert not ProblemReport.objects.exists()


def test_a_bot_filling_the_honeypot_is_thanked_but_not_stored(client):
    claim = ClaimFactory()
    response = client.post(
        f"/report/claim/{claim.slug}/",
        {"message": MESSAGE, "website": "http://spam.example"},
    )
    assert response.status_code == 302
    assert not ProblemReport.objects.exists()


@override_settings(FEEDBACK_REPORTS_PER_HOUR=2)
def test_reports_are_rate_limited_per_address(client):
    claim = ClaimFactory()
    url = f"/report/claim/{claim.slug}/"
    for _ in range(2):
        assert client.post(url, {"message": MESSAGE}).status_code == 302
    response = client.post(url, {"message": MESSAGE})
    assert response.status_code == 429
    assert "Too many reports" in response.content.decode()
    assert ProblemReport.objects.count() == 2


def test_unpublished_or_unknown_pages_cannot_be_reported(client):
    draft = ClaimFactory(status="draft")
    assert client.get(f"/report/claim/{draft.slug}/").status_code == 404
    assert client.get("/report/study/999999/").status_code == 404


def test_the_thank_you_page_links_back_only_within_the_site(client):
    page = client.get("/report/thanks/?back=//evil.example/").content.decode()
    assert "evil.example" not in page


def test_editors_see_reports_in_the_admin(admin_client):
    claim = ClaimFactory()
    ProblemReport.objects.create(claim=claim, message=MESSAGE)
    page = admin_client.get("/admin/feedback/problemreport/").content.decode()
    assert MESSAGE[:40] in page
