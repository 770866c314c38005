"""The admin's saves, revisions, previews and reverts tell the truth
(issue 11, items 4-6 and 10, and its bad input)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from evidence.models import Claim, Evidence, Revision, Status
from evidence.workflow import verdict_label
from studies.models import Study
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db


def _value(bound):
    value = bound.value()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return value


def form_data(page):
    """The POST data of the admin form on ``page`` as the browser would send it."""
    data = {}
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = _value(form[name])
        if value == "" and form[name].widget_type == "checkbox":
            continue
        data[name] = value
    for inline in page.context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for link_form in formset.forms:
            for name, field in link_form.fields.items():
                if field.disabled:
                    continue
                value = _value(link_form[name])
                if value == "" and link_form[name].widget_type == "checkbox":
                    continue
                data[link_form.add_prefix(name)] = value
    return {
        name: value.pk if hasattr(value, "pk") else value
        for name, value in data.items()
    }


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def claim_with_links(count=3):
    claim = ClaimFactory()
    EvidenceFactory.create_batch(count, claim=claim)
    return claim


def test_editor_saving_an_unchanged_claim_page_writes_no_history_and_says_so(
    editor_client,
):
    claim = claim_with_links()
    links = list(Evidence.objects.filter(claim=claim))
    before = claim.history.count(), [link.history.count() for link in links]
    url = reverse("admin:evidence_claim_change", args=[claim.pk])
    response = editor_client.post(url, form_data(editor_client.get(url)), follow=True)
    assert messages_of(response) == ["Nothing was changed."]
    after = claim.history.count(), [link.history.count() for link in links]
    assert after == before


def test_curator_saving_an_unchanged_claim_page_is_told_nothing_changed(
    curator_client,
):
    claim = claim_with_links()
    url = reverse("admin:evidence_claim_change", args=[claim.pk])
    response = curator_client.post(url, form_data(curator_client.get(url)), follow=True)
    assert messages_of(response) == ["Nothing was changed."]
    assert not Revision.objects.exists()


def test_claim_page_save_reports_exactly_what_was_saved_and_held(curator_client):
    claim = claim_with_links(2)
    draft = EvidenceFactory(claim=claim, status=Status.DRAFT, finding="Draft words.")
    url = reverse("admin:evidence_claim_change", args=[claim.pk])
    data = form_data(curator_client.get(url))
    forms = int(data["evidence-TOTAL_FORMS"])
    by_id = {int(data[f"evidence-{index}-id"]): index for index in range(forms)}
    published = Evidence.objects.filter(claim=claim, status=Status.PUBLISHED).first()
    data[f"evidence-{by_id[published.pk]}-finding"] = "Reworded by a curator."
    data[f"evidence-{by_id[draft.pk]}-finding"] = "Draft, improved."
    response = curator_client.post(url, data, follow=True)
    revision = Revision.objects.get()
    assert messages_of(response) == [
        "The claim itself was unchanged. 1 evidence link(s) saved. Changes to 1 "
        f"published evidence link(s) were saved as suggested revisions (#{revision.pk})."
    ]
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.finding == "Draft, improved."
    assert published.finding != "Reworded by a curator."


def test_curator_grade_edit_in_the_admin_is_held_in_the_revision(curator_client):
    link = EvidenceFactory()
    url = reverse("admin:evidence_evidence_change", args=[link.pk])
    data = form_data(curator_client.get(url))
    data.update(
        finding="A sharper finding.",
        risk_of_bias="serious",
        imprecision="very_serious",
        indirectness_reasons=["healthy_volunteers"],
        large_effect="on",
    )
    response = curator_client.post(url, data, follow=True)
    revision = Revision.objects.get()
    assert revision.changes == {
        "finding": "A sharper finding.",
        "risk_of_bias": "serious",
        "imprecision": "very_serious",
        "indirectness_reasons": ["healthy_volunteers"],
        "large_effect": True,
    }
    assert f"suggested revision #{revision.pk}" in messages_of(response)[0]
    link.refresh_from_db()
    assert link.risk_of_bias == "not_serious" and link.large_effect is False


def test_curator_change_to_a_published_study_in_the_admin_is_a_revision(
    curator_client,
):
    study = StudyFactory(title="As published")
    url = reverse("admin:studies_study_change", args=[study.pk])
    data = form_data(curator_client.get(url))
    data.update(title="Retitled", sample_size="12")
    response = curator_client.post(url, data, follow=True)
    revision = Revision.objects.get()
    assert revision.study == study
    assert revision.changes == {"title": "Retitled", "sample_size": 12}
    assert "stays public until an editor accepts it" in messages_of(response)[0]
    study.refresh_from_db()
    assert study.title == "As published"


def test_editor_sees_the_verdict_before_accepting_a_revision(editor_client, curator):
    claim = ClaimFactory()
    study = StudyFactory(design="rct", sample_size=400)
    EvidenceFactory(claim=claim, study=study)
    claim.refresh_from_db()
    before = verdict_label(claim)
    assert before == "for, moderate"  # one trial is never high
    revision = Revision.objects.create(
        study=study,
        changes={"retracted": True, "retraction_date": "2025-01-01"},
        original={"retracted": False, "retraction_date": None},
        proposed_by=curator,
    )
    page = editor_client.get(
        reverse("admin:evidence_revision_change", args=[revision.pk])
    )
    content = page.content.decode()
    assert "Verdict now → after accepting" in content
    # With its only trial retracted, nothing counts: unclear, very low.
    assert "for, moderate → unclear, very low" in content
    study.refresh_from_db()
    claim.refresh_from_db()
    assert study.retracted is False
    assert verdict_label(claim) == before


def test_editor_sees_the_verdict_before_publishing_a_link(editor_client):
    claim = ClaimFactory()
    link = EvidenceFactory(claim=claim, status=Status.IN_REVIEW)
    page = editor_client.get(reverse("admin:evidence_evidence_change", args=[link.pk]))
    assert "Verdict now → after publishing" in page.content.decode()
    link.refresh_from_db()
    assert link.status == Status.IN_REVIEW
    assert claim.versions.count() == Claim.objects.get(pk=claim.pk).version


def test_editor_bulk_publishes_imported_studies(editor_client):
    drafts = StudyFactory.create_batch(3, status="draft")
    action = {"action": "publish", "_selected_action": [study.pk for study in drafts]}
    url = reverse("admin:studies_study_changelist")
    assert editor_client.post(url, action).status_code == 200
    editor_client.post(url, {**action, "confirm": "yes"})
    assert set(Study.objects.values_list("status", flat=True)) == {"published"}


def test_curator_is_not_offered_publishing_studies(curator_client):
    StudyFactory(status="draft")
    page = curator_client.get(reverse("admin:studies_study_changelist"))
    actions = [name for name, _ in page.context["action_form"].fields["action"].choices]
    assert "publish" not in actions and "submit_for_review" in actions


@pytest.mark.parametrize("kind", ["claim", "evidence", "study"])
def test_editor_reverts_in_the_admin(editor_client, kind):
    if kind == "claim":
        item = ClaimFactory(description="Original words.")
        field, model, url_name = "description", Claim, "evidence_claim"
    elif kind == "evidence":
        item = EvidenceFactory(finding="Original words.")
        field, model, url_name = "finding", Evidence, "evidence_evidence"
    else:
        item = StudyFactory(abstract="Original words.")
        field, model, url_name = "abstract", Study, "studies_study"
    first = item.history.order_by("history_date").first()
    setattr(item, field, "Vandalised words.")
    item.save()
    url = reverse(f"admin:{url_name}_simple_history", args=[item.pk, first.history_id])
    page = editor_client.get(url)
    assert 'name="_save"' in page.content.decode()  # the Revert button
    response = editor_client.post(url, form_data(page), follow=True)
    assert "while you were editing" not in response.content.decode()
    item = model.objects.get(pk=item.pk)
    assert getattr(item, field) == "Original words."


@pytest.mark.parametrize(
    ("factory", "url_name"),
    [
        (ClaimFactory, "evidence_claim"),
        (EvidenceFactory, "evidence_evidence"),
        (StudyFactory, "studies_study"),
    ],
)
def test_curators_are_not_offered_revert_on_published_items(
    curator_client, factory, url_name
):
    item = factory()
    record = item.history.first()
    url = reverse(f"admin:{url_name}_simple_history", args=[item.pk, record.history_id])
    page = curator_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert curator_client.post(url, form_data(page)).status_code == 403


@pytest.mark.parametrize(
    ("factory", "url_name"),
    [
        (ClaimFactory, "evidence_claim"),
        (EvidenceFactory, "evidence_evidence"),
        (StudyFactory, "studies_study"),
    ],
)
def test_history_pages_link_the_comparison_which_answers(
    editor_client, factory, url_name
):
    item = factory()
    history = editor_client.get(reverse(f"admin:{url_name}_history", args=[item.pk]))
    compare = reverse(f"admin:{url_name}_history_compare", args=[item.pk])
    assert compare in history.content.decode()
    assert editor_client.get(compare).status_code == 200


def test_revert_to_a_state_that_breaks_a_constraint_is_refused_with_a_message(
    editor_client,
):
    study = StudyFactory(doi="10.5555/first")
    first = study.history.order_by("history_date").first()
    study.doi = "10.5555/second"
    study.save()
    StudyFactory(doi="10.5555/first")  # the old DOI now belongs to another study
    url = reverse(
        "admin:studies_study_simple_history", args=[study.pk, first.history_id]
    )
    response = editor_client.post(url, form_data(editor_client.get(url)))
    assert response.status_code == 200
    assert "A study with this DOI already exists." in response.content.decode()
    study.refresh_from_db()
    assert study.doi == "10.5555/second"


def test_accepting_a_stale_revision_in_the_admin_says_why_and_changes_nothing(
    editor_client, curator
):
    link = EvidenceFactory(finding="Published words.")
    revision = Revision.objects.create(
        evidence=link,
        changes={"finding": "Proposed words."},
        original={"finding": "Published words."},
        proposed_by=curator,
    )
    link.finding = "Edited meanwhile."
    link.save()
    response = editor_client.post(
        reverse("admin:evidence_revision_change", args=[revision.pk]),
        {"review_comment": "", "_accept": "1"},
        follow=True,
    )
    assert any("changed since this revision" in m for m in messages_of(response))
    link.refresh_from_db()
    assert link.finding == "Edited meanwhile."
    revision.refresh_from_db()
    assert revision.status == "pending"


def test_adding_a_claim_says_it_was_added(curator_client):
    response = curator_client.post(
        reverse("admin:evidence_claim_add"),
        {
            "statement": "A brand new claim",
            "topic": "effect",
            "description": "",
            "review_comment": "",
            "retraction_reason": "",
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
            "evidence-MIN_NUM_FORMS": "0",
            "evidence-MAX_NUM_FORMS": "1000",
        },
        follow=True,
    )
    claim = Claim.objects.get(statement="A brand new claim")
    assert claim.status == Status.DRAFT
    assert any("was added successfully" in m for m in messages_of(response))


def test_editor_withdraws_a_published_study_instead_of_deleting_it(editor_client):
    study = StudyFactory()
    delete = editor_client.get(reverse("admin:studies_study_delete", args=[study.pk]))
    withdraw = reverse("admin:studies_study_retract", args=[study.pk])
    assert delete.status_code == 302 and delete["Location"] == withdraw
    page = editor_client.get(withdraw)
    assert "Published work is withdrawn, not deleted" in page.content.decode()
    editor_client.post(withdraw, {"reason": "A duplicate of another record."})
    study.refresh_from_db()
    assert study.status == "withdrawn"
    assert study.withdrawal_reason == "A duplicate of another record."
