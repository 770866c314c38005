"""The change feed, read over HTTP as a mirror would: what it lists, in
which order, from which write paths, and how it pages."""

import io
import os

import pytest
from django.core.management import call_command
from django.urls import reverse

from changes.feed import cursor_of
from changes.models import Change, PendingChange
from changes.recording import changes_sequence
from evidence.models import Claim, Status
from evidence.services import claim_refresh
from evidence.workflow import item_save_or_revise, revision_accept
from studies.imports import citations_import
from studies.moderation import StudyStatus
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries, field_errors

pytestmark = pytest.mark.django_db

FEED = "/api/v1/changes/"


def feed(client, **params):
    response = client.get(FEED, params)
    assert response.status_code == 200, response.content
    return response.json()


def events(client, **params):
    return [
        (event["kind"], event["id"], event["action"])
        for event in feed(client, **params)["results"]
    ]


def latest_cursor(client):
    """Where the feed stands now: a mirror's starting point in a test."""
    return feed(client, since="2999-01-01T00:00:00Z")["cursor"]


def test_an_item_created_public_is_listed_as_created_with_its_api_address(
    api_client,
):
    link = EvidenceFactory()
    body = feed(api_client)
    assert [(e["kind"], e["action"]) for e in body["results"]] == [
        ("claim", "create"),
        ("study", "create"),
        ("evidence", "create"),
    ]
    claim_event = body["results"][0]
    assert claim_event["id"] == link.claim.pk
    assert claim_event["slug"] == link.claim.slug
    assert claim_event["url"] == f"http://testserver/api/v1/claims/{link.claim.pk}/"
    assert body["results"][1]["slug"] is None
    assert body["results"][2]["url"] == f"http://testserver/api/v1/evidence/{link.pk}/"
    assert body["results"][0]["time"]
    assert body["next"] is None
    assert api_client.get(claim_event["url"]).status_code == 200


def test_a_never_published_draft_is_invisible_until_published(
    api_client, curator_api, editor_api
):
    start = latest_cursor(api_client)
    created = curator_api.post(
        "/api/v1/claims/",
        {"statement": "Sleep deprivation lifts mood briefly", "topic": "effect"},
        format="json",
    )
    assert created.status_code == 201, created.content
    claim_id = created.json()["id"]
    curator_api.patch(
        f"/api/v1/claims/{claim_id}/", {"statement": "Sleep loss lifts mood"}
    )
    assert events(api_client, since=start) == []
    published = editor_api.patch(
        f"/api/v1/claims/{claim_id}/", {"status": "published"}, format="json"
    )
    assert published.status_code == 200, published.content
    assert events(api_client, since=start) == [("claim", claim_id, "publish")]


def test_update_unpublish_and_retract_of_a_claim_by_an_editor(api_client, editor_api):
    claim = ClaimFactory()
    start = latest_cursor(api_client)
    changed = editor_api.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"description": "Now with a longer description."},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    sent_back = editor_api.patch(
        f"/api/v1/claims/{claim.pk}/",
        {"status": "draft", "review_comment": "Check the second trial."},
        format="json",
    )
    assert sent_back.status_code == 200, sent_back.content
    editor_api.patch(
        f"/api/v1/claims/{claim.pk}/", {"status": "published"}, format="json"
    )
    retracted = editor_api.delete(f"/api/v1/claims/{claim.pk}/?reason=Duplicate")
    assert retracted.status_code == 200, retracted.content
    assert events(api_client, since=start) == [
        ("claim", claim.pk, "update"),
        ("claim", claim.pk, "unpublish"),
        ("claim", claim.pk, "publish"),
        ("claim", claim.pk, "retract"),
    ]


def test_hiding_a_claim_hides_its_links_and_publishing_it_shows_them(
    api_client, editor_api
):
    link = EvidenceFactory()
    EvidenceFactory(claim=link.claim, status=Status.DRAFT)  # never public
    start = latest_cursor(api_client)
    editor_api.patch(
        f"/api/v1/claims/{link.claim.pk}/",
        {"status": "draft", "review_comment": "Not yet."},
        format="json",
    )
    latest_cursor(api_client)  # as if committed apart (tests share one transaction)
    editor_api.patch(
        f"/api/v1/claims/{link.claim.pk}/", {"status": "published"}, format="json"
    )
    # The study lists the claims it informs: it changes with them.
    assert events(api_client, since=start) == [
        ("claim", link.claim.pk, "unpublish"),
        ("evidence", link.pk, "unpublish"),
        ("study", link.study.pk, "update"),
        ("claim", link.claim.pk, "publish"),
        ("evidence", link.pk, "publish"),
        ("study", link.study.pk, "update"),
    ]


def test_a_withdrawn_study_and_a_retracted_link(api_client, editor_api):
    link = EvidenceFactory()
    other = StudyFactory()
    start = latest_cursor(api_client)
    retracted = editor_api.delete(f"/api/v1/evidence/{link.pk}/?reason=Misread")
    assert retracted.status_code == 200, retracted.content
    withdrawn = editor_api.delete(f"/api/v1/studies/{other.pk}/?reason=Fabricated")
    assert withdrawn.status_code == 200, withdrawn.content
    listed = events(api_client, since=start)
    assert ("evidence", link.pk, "retract") in listed
    assert listed[-1] == ("study", other.pk, "withdraw")


def test_a_publishers_retraction_of_a_study_is_an_update_of_it_and_its_links(
    api_client,
):
    link = EvidenceFactory()
    start = latest_cursor(api_client)
    study = link.study
    study.retracted = True
    study.retraction_date = "2024-01-02"
    study.save()
    # Its claim's verdict moved too (the link no longer counts).
    assert sorted(events(api_client, since=start)) == [
        ("claim", link.claim.pk, "update"),
        ("evidence", link.pk, "update"),
        ("study", study.pk, "update"),
    ]


def test_deleting_a_never_published_draft_is_invisible(api_client, editor_api):
    claim = ClaimFactory(status=Status.DRAFT)
    start = latest_cursor(api_client)
    assert editor_api.delete(f"/api/v1/claims/{claim.pk}/").status_code == 204
    assert events(api_client, since=start) == []


def test_deleting_a_public_item_is_listed(api_client):
    study = StudyFactory()
    study_id = study.pk
    start = latest_cursor(api_client)
    study.delete()
    assert events(api_client, since=start) == [("study", study_id, "delete")]


# --- write paths other than the API -------------------------------------------


def test_publishing_with_the_admin_action_is_listed(api_client, editor_client):
    claims = ClaimFactory.create_batch(2, status=Status.IN_REVIEW)
    start = latest_cursor(api_client)
    editor_client.post(
        reverse("admin:evidence_claim_changelist"),
        {
            "action": "publish",
            "_selected_action": [claim.pk for claim in claims],
            "confirm": "yes",
        },
    )
    assert sorted(events(api_client, since=start)) == [
        ("claim", claim.pk, "publish") for claim in claims
    ]


def test_an_editor_saving_in_the_admin_is_listed(api_client, editor_client):
    study = StudyFactory()
    start = latest_cursor(api_client)
    page = editor_client.get(reverse("admin:studies_study_change", args=[study.pk]))
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data.update(
        title="A retitled trial", authors='["Doe J", "Roe R"]', status="published"
    )
    # Formsets on the page (their management forms) pass through unchanged.
    for formset in page.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, 0)
    response = editor_client.post(
        reverse("admin:studies_study_change", args=[study.pk]), data
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ("study", study.pk, "update") in events(api_client, since=start)


def test_a_revision_accepted_through_the_workflow_is_listed(
    api_client, curator, editor
):
    claim = ClaimFactory()
    start = latest_cursor(api_client)
    outcome = item_save_or_revise(
        instance=claim, changes={"description": "Better worded."}, user=curator
    )
    assert outcome.revision is not None
    assert events(api_client, since=start) == []  # held, not public yet
    revision_accept(revision=outcome.revision, user=editor)
    assert events(api_client, since=start) == [("claim", claim.pk, "update")]


def test_an_import_that_fills_a_published_studys_empty_fields_is_listed(
    api_client,
):
    study = StudyFactory(title="Study of mood", year=2020, journal="", doi="")
    start = latest_cursor(api_client)
    bib = "@article{k, title={Study of mood}, year=2020, journal={Mood Letters}}\n"
    report = citations_import(file=io.BytesIO(bib.encode()), file_name="refs.bib")
    assert report.counts["updated"] == 1
    assert events(api_client, since=start) == [("study", study.pk, "update")]


def test_a_refresh_that_changes_a_claims_verdict_is_listed(api_client):
    link = EvidenceFactory()
    start = latest_cursor(api_client)
    # As a bulk writer that skips signals would leave it: a refresh notices.
    Claim.objects.filter(pk=link.claim.pk).update(evidence_count=0, version=0)
    claim_refresh(claim_id=link.claim.pk)
    assert events(api_client, since=start) == [("claim", link.claim.pk, "update")]


def test_the_seed_is_listed_and_reseeding_adds_nothing(api_client):
    call_command("seed", stdout=open(os.devnull, "w"))
    first = feed(api_client, page_size=500)
    public = {
        "claim": Claim.objects.published().count(),
    }
    created = [e for e in first["results"] if e["kind"] == "claim"]
    assert len({e["id"] for e in created}) == public["claim"]
    start = latest_cursor(api_client)
    call_command("seed", stdout=open(os.devnull, "w"))
    assert events(api_client, since=start) == []


# --- order, paging and parameters ------------------------------------------------


def test_pages_follow_each_other_without_gaps_or_repeats(api_client):
    StudyFactory.create_batch(5)
    whole = [e["event"] for e in feed(api_client)["results"]]
    assert whole == sorted(whole) and len(whole) == 5
    read, url = [], f"{FEED}?page_size=2"
    while url:
        body = api_client.get(url).json()
        read += [e["event"] for e in body["results"]]
        url = body["next"]
    assert read == whole
    # Caught up: the last cursor resumes after the last event.
    assert feed(api_client, since=body["cursor"])["results"] == []
    study = StudyFactory()
    assert events(api_client, since=body["cursor"]) == [("study", study.pk, "create")]


def test_events_of_one_commit_share_a_time_and_keep_their_order(api_client):
    studies = StudyFactory.create_batch(3)  # one transaction: the test's
    body = feed(api_client)
    assert len({e["time"] for e in body["results"]}) == 1
    assert [e["id"] for e in body["results"]] == [study.pk for study in studies]
    ids = [e["event"] for e in body["results"]]
    assert ids == sorted(ids)
    # Equal times, yet a cursor inside them resumes exactly.
    second = feed(api_client, page_size=1, since=cursor_of(ids[0]))
    assert [e["event"] for e in second["results"]] == [ids[1]]


def test_since_a_time_lists_changes_committed_at_or_after_it(api_client):
    old = StudyFactory()
    changes_sequence()
    Change.objects.update(time="2020-01-01T00:00:00Z")
    new = StudyFactory()
    assert events(api_client, since="2021-01-01T00:00:00Z") == [
        ("study", new.pk, "create")
    ]
    assert events(api_client, since="2019-12-31") == [
        ("study", old.pk, "create"),
        ("study", new.pk, "create"),
    ]
    # The cursor of an answer read by time resumes after its last event.
    caught_up = feed(api_client, since="2999-01-01T00:00:00Z")
    assert caught_up["results"] == []
    assert caught_up["cursor"] == cursor_of(Change.objects.latest("id").pk)


@pytest.mark.parametrize(
    "params,name",
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-13-45T00:00:00Z"}, "since"),
        ({"since": "Y2hnMTphYmM"}, "since"),  # "chg1:abc": a forged cursor
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"sinse": "2026-01-01"}, "sinse"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api_client, params, name):
    response = api_client.get(FEED, params)
    assert response.status_code == 400
    assert name in field_errors(response)


def test_the_feed_answers_304_to_its_etag_as_lists_do(api_client):
    StudyFactory()
    first = api_client.get(FEED)
    assert first["ETag"]
    assert (
        first["Cache-Control"].startswith("public")
        or "public" in first["Cache-Control"]
    )
    again = api_client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    head = api_client.head(FEED)
    assert head["ETag"] == first["ETag"]
    StudyFactory()
    assert api_client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_reading_the_feed_makes_as_many_queries_for_many_events_as_for_few(
    api_client,
):
    StudyFactory()
    assert_constant_queries(
        lambda: api_client.get(FEED), lambda: StudyFactory.create_batch(10)
    )


def test_the_api_root_links_the_feed(api_client):
    assert api_client.get("/api/v1/").json()["changes"].endswith("/api/v1/changes/")


def test_a_rolled_back_write_records_nothing():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        StudyFactory()
        raise RuntimeError
    assert not PendingChange.objects.exists()
    assert changes_sequence() == 0


def test_updates_following_a_publish_in_one_commit_are_read_once(api_client):
    claim = ClaimFactory(status=Status.IN_REVIEW)
    start = latest_cursor(api_client)
    claim.status = Status.PUBLISHED
    claim.save()  # publishes, then its refresh updates it: one event
    assert events(api_client, since=start) == [("claim", claim.pk, "publish")]


def test_a_withdrawn_study_event_says_withdraw_not_unpublish(api_client):
    study = StudyFactory()
    start = latest_cursor(api_client)
    study.status = StudyStatus.WITHDRAWN
    study.withdrawal_reason = "Fabricated data."
    study.save()
    assert events(api_client, since=start) == [("study", study.pk, "withdraw")]


def test_the_schema_documents_the_feed_its_parameters_and_its_400(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/changes/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"since", "page_size"}
    assert "400" in operation["responses"]
    page = schema["components"]["schemas"]["ChangePage"]
    assert set(page["properties"]) == {"next", "cursor", "results"}
    event = schema["components"]["schemas"]["Change"]
    assert set(event["properties"]) == {
        "event",
        "kind",
        "id",
        "slug",
        "action",
        "time",
        "url",
    }
    action = event["properties"]["action"]
    if "$ref" in action:
        action = schema["components"]["schemas"][action["$ref"].rsplit("/", 1)[1]]
    assert set(action["enum"]) >= {"publish", "unpublish", "retract", "delete"}
