"""Verdicts people can trust, on the seed claims and through every output
(issue 11: one verdict in plain words, one source for every derived value)."""

import csv
import io
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command

from evidence.models import Claim, ClaimVersion, DomainRating, Evidence
from evidence.releases import release_make
from evidence.services import claim_refresh
from evidence.verdict import LEVEL_RANK
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries, field_errors

pytestmark = pytest.mark.django_db

DEPRESSION = "microdosing-psilocybin-reduces-depression-and-anxiety"
NEUROPLASTICITY = "psychedelics-enhance-neuroplasticity-dendritic-spine-growth"
NOT_ASSESSED = {
    name: DomainRating.NOT_ASSESSED
    for name in (
        "risk_of_bias",
        "indirectness",
        "imprecision",
        "inconsistency",
        "publication_bias",
    )
}


@pytest.fixture
def seeded():
    call_command("seed", stdout=StringIO())


def page_of(client, slug):
    response = client.get(f"/claims/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def add_trial(claim, *, direction, sample_size, **grades):
    return EvidenceFactory(
        claim=claim,
        direction=direction,
        study=StudyFactory(design="rct", sample_size=sample_size),
        **{**NOT_ASSESSED, **grades},
    )


def test_the_contradictory_depression_claim_reads_against_with_its_certainty(
    client, api_client, seeded
):
    claim = Claim.objects.get(slug=DEPRESSION)
    assert claim.verdict_direction == "against"
    page = page_of(client, DEPRESSION)
    verdict = page.split('<section class="panel verdict-panel"', 1)[1].split(
        "</section>", 1
    )[0]
    assert '<span class="verdict__label">Verdict:</span> against</a>' in verdict
    assert f"#certainty-{claim.certainty}" in verdict
    assert "mostly find against the claim" in verdict
    # Nothing on the page competes with the verdict.
    for competing in (
        "Inconclusive",
        "Contested",
        "Strong support",
        'class="strength ',
    ):
        assert competing not in page
    body = api_client.get(f"/api/v1/claims/{DEPRESSION}/").json()
    assert body["verdict"] == {
        "direction": "against",
        "certainty": claim.certainty,
        "text": claim.verdict_text,
    }
    assert body["certainty"] == body["verdict"]["certainty"]


def test_one_more_contradicting_trial_never_reads_as_more_certain_it_works(
    client, seeded
):
    claim = Claim.objects.get(slug=DEPRESSION)
    before = claim.certainty
    add_trial(
        claim,
        direction="contradicts",
        sample_size=120,
        indirectness=DomainRating.SERIOUS,
        indirectness_reasons=["healthy_volunteers"],
    )
    claim.refresh_from_db()
    assert claim.verdict_direction == "against"
    assert LEVEL_RANK[claim.certainty] >= LEVEL_RANK[before]
    page = page_of(client, DEPRESSION)
    assert '<span class="verdict__label">Verdict:</span> against</a>' in page
    assert f"{claim.get_certainty_display().lower()} certainty</a>" in page


def test_animal_work_and_one_small_pet_trial_are_not_high(seeded):
    claim = Claim.objects.get(slug=NEUROPLASTICITY)
    add_trial(claim, direction="supports", sample_size=64)
    claim.refresh_from_db()
    assert claim.certainty != "high"
    assert any("64 participants" in step for step in claim.certainty_steps)


def test_home_page_shows_no_strength_headline_beside_the_verdict(client, seeded):
    page = client.get("/").content.decode()
    assert "Strong support" not in page and 'class="strength ' not in page
    claim = Claim.objects.get(slug=NEUROPLASTICITY)
    assert f"{claim.verdict_text}." in page
    assert "Evidence weighted by type:" in page


def test_two_anecdotes_never_change_certainty():
    claim = ClaimFactory()
    add_trial(claim, direction="supports", sample_size=64)
    for _ in range(3):
        EvidenceFactory(
            claim=claim, study=StudyFactory(design="animal"), **NOT_ASSESSED
        )
    claim.refresh_from_db()
    before = (claim.verdict_direction, claim.certainty)
    for _ in range(2):
        EvidenceFactory(
            claim=claim,
            evidence_type="anecdotal",
            study=StudyFactory(design="testimonial", sample_size=None),
        )
    claim.refresh_from_db()
    assert (claim.verdict_direction, claim.certainty) == before


def test_domains_left_empty_are_stored_as_not_assessed(seeded):
    assert not Evidence.objects.filter(risk_of_bias="").exists()
    assert Evidence.objects.filter(risk_of_bias="not_assessed").exists()


def test_the_strength_has_one_source_in_the_api_csv_the_release_and_the_version_page(
    client, api_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    claim = EvidenceFactory().claim
    claim.refresh_from_db()
    # What a refresh stored under an earlier rule: readers see it, nowhere
    # recomputed, until `refresh_claims` runs.
    Claim.objects.filter(pk=claim.pk).update(strength_score=42, strength="moderate")
    ClaimVersion.objects.filter(claim=claim).update(
        strength_score=42, strength="moderate"
    )
    response = api_client.get("/api/v1/claims/?format=csv")
    api_row = next(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    with release_make().file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    release_row = next(csv.DictReader(io.StringIO(archive.read("claims.csv").decode())))
    assert (api_row["strength"], api_row["strength_score"]) == ("moderate", "42")
    assert (release_row["strength"], release_row["strength_score"]) == (
        "moderate",
        "42",
    )
    assert api_row["verdict_direction"] == release_row["verdict_direction"] == "for"
    assert api_row["verdict_text"] == release_row["verdict_text"] == claim.verdict_text
    version_page = client.get(f"/claims/{claim.slug}/v/{claim.version}/")
    assert "moderate support (score 42)" in version_page.content.decode()


def test_refresh_claims_versions_only_the_claims_whose_verdict_moved():
    moved, still = ClaimFactory(), ClaimFactory()
    for claim in (moved, still):
        EvidenceFactory.create_batch(3, claim=claim)
    # `moved` was stored under an earlier rule that gave it another verdict.
    Claim.objects.filter(pk=moved.pk).update(verdict_direction="unclear")
    ClaimVersion.objects.filter(claim=moved).update(verdict_direction="unclear")
    versions = {claim.pk: claim.versions.count() for claim in (moved, still)}
    out = StringIO()
    call_command("refresh_claims", stdout=out)
    assert "Refreshed 2 of 2 claims." in out.getvalue()
    assert "1 verdict moved and versioned." in out.getvalue()
    moved.refresh_from_db()
    assert moved.verdict_direction == "for"
    latest = moved.versions.order_by("-number").first()
    assert latest.number == versions[moved.pk] + 1
    assert latest.note.startswith("Rule change: verdict rule")
    assert latest.changes["verdict_direction"] == ["unclear", "for"]
    assert still.versions.count() == versions[still.pk]
    call_command("refresh_claims", stdout=StringIO())
    assert moved.versions.count() == versions[moved.pk] + 1


def test_an_editor_override_moves_the_verdict_and_is_shown_with_its_reason(
    client, editor_api
):
    claim = ClaimFactory()
    EvidenceFactory.create_batch(3, claim=claim)
    missing = editor_api.patch(
        f"/api/v1/claims/{claim.slug}/",
        {"direction_override": "unclear"},
        format="json",
    )
    assert missing.status_code == 400
    assert "certainty_override_reason" in field_errors(missing)
    done = editor_api.patch(
        f"/api/v1/claims/{claim.slug}/",
        {
            "direction_override": "unclear",
            "certainty_override": "low",
            "certainty_override_reason": "The trials share one sponsor.",
        },
        format="json",
    )
    assert done.status_code == 200
    body = done.json()
    assert body["verdict"]["direction"] == "unclear"
    assert body["verdict"]["certainty"] == body["certainty"] == "low"
    assert body["certainty_detail"]["direction_computed"] == "for"
    page = page_of(client, claim.slug)
    assert "The trials share one sponsor." in page
    assert "the rule gives for, high certainty" in page


def test_curators_cannot_override_the_direction(curator_api):
    claim = ClaimFactory()
    response = curator_api.patch(
        f"/api/v1/claims/{claim.slug}/",
        {"direction_override": "against", "certainty_override_reason": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_methods_page_explains_each_part_with_examples_from_the_data(client):
    against = ClaimFactory(statement="Compound Z cures boredom")
    for _ in range(3):
        EvidenceFactory(claim=against, direction="contradicts")
    page = client.get("/methods/").content.decode()
    for anchor in (
        "direction-for",
        "direction-against",
        "direction-unclear",
        "certainty-high",
        "certainty-moderate",
        "certainty-low",
        "certainty-very_low",
        "domain-risk_of_bias",
        "domain-indirectness",
        "domain-imprecision",
        "domain-inconsistency",
        "domain-publication_bias",
        "not-assessed",
    ):
        assert f'id="{anchor}"' in page
    assert f'href="{against.get_absolute_url()}">Compound Z cures boredom</a>' in page
    assert 'href="/methods/"' in page  # the navigation links to it


def test_methods_page_queries_stay_constant(client):
    EvidenceFactory()
    assert_constant_queries(
        lambda: client.get("/methods/"), lambda: EvidenceFactory.create_batch(5)
    )


def test_verdict_badges_link_to_their_paragraphs(client):
    claim = ClaimFactory()
    EvidenceFactory.create_batch(2, claim=claim)
    claim_refresh(claim_id=claim.pk)
    for path in ("/", "/claims/", claim.get_absolute_url()):
        page = client.get(path).content.decode()
        assert 'href="/methods/#direction-for"' in page
        assert 'href="/methods/#certainty-high"' in page


def test_the_readme_explains_the_verdict_with_the_seed_claims_own_steps(seeded):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "## How strength is computed" not in readme
    assert "## How certainty is computed" not in readme
    section = readme.split("## The verdict", 1)[1].split("\n## ", 1)[0]
    steps = Claim.objects.get(slug=DEPRESSION).certainty_steps
    listed = [
        line.split(". ", 1)[1]
        for line in section.split("The rule:", 1)[0].splitlines()
        if line[:1].isdigit()
    ]
    assert listed == steps
    assert "/methods/" in section


def test_every_step_of_the_verdict_links_to_its_paragraph(client, seeded):
    page = page_of(client, DEPRESSION)
    for anchor in (
        "tiers",
        "direction",
        "domain-inconsistency",
        "domain-indirectness",
        "domain-imprecision",
        "not-assessed",
        "verdict",
    ):
        assert f'href="/methods/#{anchor}"' in page
    methods = client.get("/methods/").content.decode()
    assert 'id="tiers"' in methods and 'id="direct"' in methods
    assert "participants in" in methods  # an example step from the data
