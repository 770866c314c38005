"""The work queue on the admin home page (issue 15 item 6)."""

import pytest
from django.urls import reverse

from evidence.models import Revision, RevisionStatus, Status
from studies.moderation import StudyStatus
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db


def created_by(item, user):
    item.history.filter(history_type="+").update(history_user=user)
    return item


def sections_of(response):
    return {section.title: section for section in response.context["sections"]}


def revision_of(claim, user):
    return Revision.objects.create(
        claim=claim,
        changes={"statement": "A new statement"},
        original={"statement": claim.statement},
        proposed_by=user,
    )


def test_curator_sees_own_drafts_sent_back_items_in_review_and_revisions(
    curator_client, curator, editor
):
    draft = created_by(ClaimFactory(status=Status.DRAFT), curator)
    created_by(ClaimFactory(status=Status.DRAFT), editor)  # someone else's
    sent_back = created_by(
        ClaimFactory(status=Status.DRAFT, review_comment="Cite the trial."), curator
    )
    created_by(StudyFactory(status=StudyStatus.IN_REVIEW), curator)
    EvidenceFactory(status=Status.IN_REVIEW, added_by=curator)
    EvidenceFactory(status=Status.IN_REVIEW, added_by=editor)
    revision_of(ClaimFactory(), curator)

    response = curator_client.get(reverse("admin:index"))

    sections = sections_of(response)
    assert sections["My draft claims"].count == 1
    assert sections["My draft claims"].items[0][0] == draft.statement
    assert sections["My claims sent back"].items[0][0] == sent_back.statement
    assert sections["My claims sent back"].items[0][2] == "Cite the trial."
    assert sections["My studies in review"].count == 1
    assert sections["My evidence links in review"].count == 1
    assert sections["My pending revisions"].count == 1
    assert "Claims awaiting review" not in sections
    content = response.content.decode()
    assert "Cite the trial." in content
    assert reverse("admin:evidence_claim_change", args=[draft.pk]) in content


def test_editor_sees_everything_awaiting_review(editor_client, curator):
    ClaimFactory.create_batch(2, status=Status.IN_REVIEW)
    EvidenceFactory(status=Status.IN_REVIEW, added_by=curator)
    revision_of(ClaimFactory(), curator)
    Revision.objects.create(
        claim=ClaimFactory(),
        changes={},
        original={},
        proposed_by=curator,
        status=RevisionStatus.REJECTED,
    )

    sections = sections_of(editor_client.get(reverse("admin:index")))

    assert sections["Claims awaiting review"].count == 2
    assert sections["Evidence links awaiting review"].count == 1
    assert sections["Revisions awaiting review"].count == 1


def test_empty_queue_says_so(curator_client):
    response = curator_client.get(reverse("admin:index"))
    assert "Nothing waits for you." in response.content.decode()


def _fill(curator, n):
    for _ in range(n):
        created_by(ClaimFactory(status=Status.DRAFT), curator)
        created_by(ClaimFactory(status=Status.IN_REVIEW), curator)
        EvidenceFactory(
            status=Status.DRAFT, review_comment="Grade it.", added_by=curator
        )
        created_by(StudyFactory(status=StudyStatus.DRAFT), curator)
        revision_of(ClaimFactory(), curator)


def test_queue_queries_stay_constant_as_items_grow(
    editor_client, editor, curator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _fill(editor, 1)
    with CaptureQueriesContext(connection) as few:
        editor_client.get(reverse("admin:index"))
    _fill(editor, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = editor_client.get(reverse("admin:index"))
    assert sections_of(response)["My draft claims"].count == 7


def changelist_items(client, name, query):
    response = client.get(reverse(f"admin:{name}_changelist") + query)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_needs_grading_filter_lists_links_with_an_unassessed_domain(curator_client):
    graded = EvidenceFactory(status=Status.DRAFT)
    ungraded = EvidenceFactory(status=Status.DRAFT, publication_bias="not_assessed")
    everything = changelist_items(curator_client, "evidence_evidence", "")
    assert {graded, ungraded} <= everything
    needing = changelist_items(curator_client, "evidence_evidence", "?grading=needed")
    assert needing == {ungraded}


def test_added_by_me_filter_on_links_claims_and_studies(
    curator_client, curator, editor
):
    mine = EvidenceFactory(status=Status.DRAFT, added_by=curator)
    EvidenceFactory(status=Status.DRAFT, added_by=editor)
    assert changelist_items(curator_client, "evidence_evidence", "?mine=1") == {mine}
    my_claim = created_by(ClaimFactory(status=Status.DRAFT), curator)
    created_by(ClaimFactory(status=Status.DRAFT), editor)
    assert changelist_items(curator_client, "evidence_claim", "?mine=1") == {my_claim}
    my_study = created_by(StudyFactory(status=StudyStatus.DRAFT), curator)
    assert changelist_items(curator_client, "studies_study", "?mine=1") == {my_study}


def test_curator_is_told_once_that_a_revision_was_accepted_or_rejected(
    curator_client, curator, editor
):
    from evidence.workflow import revision_accept, revision_reject

    accepted = revision_of(ClaimFactory(), curator)
    rejected = revision_of(ClaimFactory(), curator)
    pending = revision_of(ClaimFactory(), curator)
    revision_accept(revision=accepted, user=editor)
    revision_reject(revision=rejected, user=editor, comment="Not what the trial found.")

    first = curator_client.get(reverse("admin:index"))

    decisions = first.context["decisions"]
    assert {(url, label.rsplit(" ", 1)[1]) for label, url, _ in decisions} == {
        (reverse("admin:evidence_revision_change", args=[accepted.pk]), "accepted"),
        (reverse("admin:evidence_revision_change", args=[rejected.pk]), "rejected"),
    }
    content = first.content.decode()
    assert "Decided since your last visit" in content
    assert "Not what the trial found." in content
    pending.refresh_from_db()
    assert pending.proposer_notified_at is None
    second = curator_client.get(reverse("admin:index"))
    assert second.context["decisions"] == []
    assert "Decided since your last visit" not in second.content.decode()


def test_decisions_are_shown_only_to_their_proposer(editor_client, curator, editor):
    from evidence.workflow import revision_reject

    revision = revision_of(ClaimFactory(), curator)
    revision_reject(revision=revision, user=editor, comment="No.")
    assert editor_client.get(reverse("admin:index")).context["decisions"] == []
    revision.refresh_from_db()
    assert revision.proposer_notified_at is None


def delete(client, item):
    opts = item._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[item.pk])
    return client.post(url, {"post": "yes"})


def test_curator_deletes_own_never_published_drafts(curator_client, curator):
    from evidence.models import Claim, Evidence
    from studies.models import Study

    claim = created_by(ClaimFactory(status=Status.DRAFT), curator)
    study = created_by(StudyFactory(status=StudyStatus.DRAFT), curator)
    link = EvidenceFactory(status=Status.DRAFT, added_by=curator)
    change = curator_client.get(reverse("admin:evidence_claim_change", args=[claim.pk]))
    assert "deletelink" in change.content.decode()
    for item in (link, claim, study):
        assert delete(curator_client, item).status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert not Study.objects.filter(pk=study.pk).exists()
    assert not Evidence.objects.filter(pk=link.pk).exists()


def test_curator_cannot_delete_others_drafts_items_in_review_or_published_work(
    curator_client, curator, editor
):
    from evidence.models import Claim

    others = created_by(ClaimFactory(status=Status.DRAFT), editor)
    in_review = created_by(ClaimFactory(status=Status.IN_REVIEW), curator)
    once_published = created_by(ClaimFactory(status=Status.DRAFT), curator)
    Claim.objects.filter(pk=once_published.pk).update(ever_published=True)
    published = created_by(ClaimFactory(), curator)
    for claim in (others, in_review, once_published, published):
        assert delete(curator_client, claim).status_code == 403
        assert Claim.objects.filter(pk=claim.pk).exists()


def test_item_remove_lets_a_curator_delete_only_their_own_draft(curator, editor):
    from django.core.exceptions import PermissionDenied

    from evidence.workflow import item_remove

    mine = EvidenceFactory(status=Status.DRAFT, added_by=curator)
    theirs = EvidenceFactory(status=Status.DRAFT, added_by=editor)
    assert item_remove(instance=mine, user=curator) == "deleted"
    with pytest.raises(PermissionDenied, match="curator who created it"):
        item_remove(instance=theirs, user=curator)


def test_editor_still_deletes_any_never_published_item(editor_client, curator):
    from evidence.models import Claim

    claim = created_by(ClaimFactory(status=Status.IN_REVIEW), curator)
    assert delete(editor_client, claim).status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_links_are_named_by_claim_study_type_and_direction():
    link = EvidenceFactory(
        claim=ClaimFactory(statement="Psilocybin lifts mood " + "a" * 80),
        study=StudyFactory(authors=["Griffiths RR", "Johnson MW"], year=2016),
        evidence_type="controlled",
        direction="contradicts",
    )
    name = str(link)
    assert name.startswith("Psilocybin lifts mood aaa")
    assert name.endswith("… ← Griffiths et al. (2016): controlled, contradicts")
    assert len(name) < 120
    alone = EvidenceFactory(
        study=StudyFactory(authors=["Ly C"], year=None), evidence_type="anecdotal"
    )
    assert str(alone).endswith("← Ly (n.d.): anecdotal, supports")


def test_migration_counts_decisions_made_before_it_as_seen(curator, editor):
    import importlib

    from django.apps import apps

    from evidence.workflow import revision_reject

    migration = importlib.import_module(
        "evidence.migrations.0010_revision_proposer_notified_at"
    )
    old = revision_of(ClaimFactory(), curator)
    revision_reject(revision=old, user=editor, comment="No.")
    pending = revision_of(ClaimFactory(), curator)
    migration.mark_past_decisions_notified(apps, None)
    old.refresh_from_db()
    pending.refresh_from_db()
    assert old.proposer_notified_at == old.reviewed_at
    assert pending.proposer_notified_at is None
