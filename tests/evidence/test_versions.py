"""Certainty overrides, citable versions and permanent slugs."""

import pytest
from django.core.exceptions import ValidationError

from evidence.models import Claim, ClaimSlugAlias, ClaimVersion, Status
from evidence.services import claim_refresh_deferred, version_links
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def versions(claim):
    return list(ClaimVersion.objects.filter(claim=claim).order_by("number"))


def test_certainty_is_computed_and_stored_with_its_steps():
    claim = ClaimFactory()
    EvidenceFactory.create_batch(3, claim=claim, study__design="rct")
    claim.refresh_from_db()
    assert (claim.certainty, claim.certainty_computed, claim.certainty_rank) == (
        "high",
        "high",
        4,
    )
    assert (
        claim.certainty_steps[0]
        == "Started high: 3 randomised or placebo-controlled trials."
    )


def test_editor_override_becomes_the_headline_and_keeps_the_computed_value():
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, study__design="survey")
    claim.refresh_from_db()
    assert claim.certainty == "low"
    claim.certainty_override = "moderate"
    claim.certainty_override_reason = (
        "A large registry study not yet in the atlas agrees."
    )
    claim.save()
    claim.refresh_from_db()
    assert (claim.certainty, claim.certainty_computed, claim.certainty_rank) == (
        "moderate",
        "low",
        3,
    )


def test_an_override_needs_a_reason():
    claim = ClaimFactory()
    claim.certainty_override = "high"
    with pytest.raises(ValidationError, match="reason for overriding") as error:
        claim.save()
    assert "certainty_override_reason" in error.value.message_dict


def test_first_publication_is_version_one_with_all_links():
    claim = ClaimFactory(status=Status.DRAFT)
    links = EvidenceFactory.create_batch(2, claim=claim)
    assert versions(claim) == []
    claim.status = Status.PUBLISHED
    claim.save()
    [first] = versions(claim)
    assert first.number == 1
    assert first.summary == "First published version."
    assert sorted(version_links(first)) == sorted(str(link.pk) for link in links)


@pytest.mark.parametrize(
    "change",
    [
        "statement",
        "add_link",
        "remove_link",
        "regrade_link",
        "certainty",
        "retract_study",
    ],
)
def test_every_kind_of_public_change_makes_a_new_version(change):
    claim = ClaimFactory()
    link = EvidenceFactory(claim=claim, study__design="rct")
    before = len(versions(claim))
    if change == "statement":
        claim.statement = "Reworded statement"
        claim.save()
    elif change == "add_link":
        EvidenceFactory(claim=claim)
    elif change == "remove_link":
        link.status = Status.RETRACTED
        link.retraction_reason = "Wrong study"
        link.save()
    elif change == "regrade_link":
        link.direction = "contradicts"
        link.save()
    elif change == "certainty":
        claim.certainty_override, claim.certainty_override_reason = (
            "low",
            "Expert judgement",
        )
        claim.save()
    elif change == "retract_study":
        link.study.retracted, link.study.retraction_date = True, "2024-01-01"
        link.study.save()
    after = versions(claim)
    assert len(after) == before + 1
    assert after[-1].summary


def test_a_version_diff_says_what_changed():
    claim = ClaimFactory()
    link = EvidenceFactory(claim=claim, study__design="rct")
    assert versions(claim)[-1].verdict_direction == "for"
    link.direction = "contradicts"
    link.save()
    latest = versions(claim)[-1]
    assert [entry["id"] for entry in latest.links_changed] == [link.pk]
    assert latest.changes["verdict_direction"] == ["for", "against"]
    assert "1 link regraded" in latest.summary
    assert "verdict for → against" in latest.summary.lower()


def test_saving_without_a_public_change_makes_no_version():
    claim = ClaimFactory()
    EvidenceFactory(claim=claim)
    before = len(versions(claim))
    claim.save()
    EvidenceFactory(claim=claim, status=Status.DRAFT)
    assert len(versions(claim)) == before


def test_deferred_refresh_makes_one_version_for_many_links():
    claim = ClaimFactory(status=Status.DRAFT)
    with claim_refresh_deferred():
        claim.status = Status.PUBLISHED
        claim.save()
        EvidenceFactory.create_batch(5, claim=claim)
    assert len(versions(claim)) == 1
    assert versions(claim)[0].evidence_count == 5


def test_old_versions_are_rebuilt_exactly_past_checkpoints(monkeypatch):
    monkeypatch.setattr("evidence.services.VERSION_CHECKPOINT_EVERY", 3)
    claim = ClaimFactory()
    expected = {}
    for _ in range(7):
        EvidenceFactory(claim=claim)
        expected[versions(claim)[-1].number] = set(
            Claim.objects.get(pk=claim.pk).evidence.values_list("pk", flat=True)
        )
    for version in versions(claim):
        if version.number in expected:
            assert {int(key) for key in version_links(version)} == expected[
                version.number
            ]
    assert versions(claim)[3].links_snapshot is not None  # version 4 is a checkpoint


def test_renaming_a_slug_keeps_the_old_one_as_an_alias():
    claim = ClaimFactory(statement="Original wording")
    claim.slug = "better-slug"
    claim.save()
    assert ClaimSlugAlias.objects.get(slug="original-wording").claim == claim
    other = ClaimFactory(statement="Something else")
    other.slug = "original-wording"
    with pytest.raises(ValidationError, match="earlier address of another claim"):
        other.save()


def test_a_new_claim_never_takes_a_former_slug():
    claim = ClaimFactory(statement="Same words")
    claim.slug = "renamed"
    claim.save()
    assert ClaimFactory(statement="Same words").slug == "same-words-2"


def test_versions_from_the_command_line():
    import io

    from django.core.management import CommandError, call_command

    claim = ClaimFactory(statement="Command line claim")
    link = EvidenceFactory(claim=claim)
    out = io.StringIO()
    call_command("claim_versions", claim.slug, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("v1") and "First published version." in lines[0]
    assert lines[1].startswith("v2") and "1 link added" in lines[1]
    out = io.StringIO()
    call_command("claim_versions", claim.slug, "--number", "2", stdout=out)
    assert f"Added: #{link.pk} supports controlled" in out.getvalue()
    with pytest.raises(CommandError, match="no version 9"):
        call_command("claim_versions", claim.slug, "--number", "9")
