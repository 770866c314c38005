"""Authors typed one per line in the study admin, never as JSON."""

import pytest
from django.urls import reverse

from studies.forms import StudyAdminForm
from studies.models import Study
from tests.admin_forms import shown_form_data
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db


def test_the_change_page_shows_one_author_per_line(editor_client):
    study = StudyFactory(authors=["Ly C", "Greb AC", "Cameron LP"])
    page = editor_client.get(reverse("admin:studies_study_change", args=[study.pk]))
    html = page.content.decode()
    assert '<textarea name="authors"' in html
    assert ">\nLy C\nGreb AC\nCameron LP</textarea>" in html


def test_authors_typed_one_per_line_are_stored_as_a_cleaned_list(editor_client):
    study = StudyFactory(authors=[])
    url = reverse("admin:studies_study_change", args=[study.pk])
    page = editor_client.get(url)
    typed = "  Ly   C \r\n\r\n<i>Greb</i> AC\nSchr&ouml;der K\n"
    response = editor_client.post(url, shown_form_data(page, authors=typed))
    assert response.status_code == 302, response.context["adminform"].form.errors
    study.refresh_from_db()
    assert study.authors == ["Ly C", "Greb AC", "Schröder K"]


def test_the_shown_authors_post_back_unchanged(editor_client):
    study = StudyFactory(authors=["Ly C", "Greb AC"])
    url = reverse("admin:studies_study_change", args=[study.pk])
    page = editor_client.get(url)
    data = shown_form_data(page)
    assert data["authors"] == "Ly C\nGreb AC"
    form = page.context["adminform"].form
    bound = type(form)(data, instance=study)
    assert bound.is_valid(), bound.errors
    assert "authors" not in bound.changed_data
    assert bound.cleaned_data["authors"] == ["Ly C", "Greb AC"]


def test_a_pasted_json_list_is_read_as_the_names(editor_client):
    study = StudyFactory(authors=[])
    url = reverse("admin:studies_study_change", args=[study.pk])
    page = editor_client.get(url)
    editor_client.post(url, shown_form_data(page, authors='["Doe J", "Roe R"]'))
    study.refresh_from_db()
    assert study.authors == ["Doe J", "Roe R"]


def test_several_authors_on_one_overlong_line_are_refused_in_words(editor_client):
    study = StudyFactory(authors=["Ly C"])
    url = reverse("admin:studies_study_change", args=[study.pk])
    page = editor_client.get(url)
    one_line = ", ".join(f"Author{n} A" for n in range(40))
    response = editor_client.post(
        url, shown_form_data(page, authors=f"Ly C\n{one_line}")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["authors"]
    assert "Line 2 is" in errors[0] and "a line of their own" in errors[0]
    assert "JSON" not in response.content.decode().split("errorlist")[1][:400]
    study.refresh_from_db()
    assert study.authors == ["Ly C"]


def test_a_study_without_authors_is_saved_with_an_empty_list():
    form = StudyAdminForm(
        {"title": "An anecdote", "authors": "\n  \n", "status": "draft"},
    )
    form.is_valid()
    assert "authors" not in form.errors
    assert form.cleaned_data["authors"] == []
    assert Study.objects.count() == 0
