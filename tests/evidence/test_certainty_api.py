"""Certainty, versions, renamed slugs, statements and releases in the API."""

import pytest
from django.core.management import call_command

from evidence.models import Claim, Status
from evidence.releases import release_make
from tests.factories import ClaimFactory, EvidenceFactory
from tests.utils import error_codes, field_errors, queries_during

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def rated():
    high = ClaimFactory(statement="Well tested")
    EvidenceFactory.create_batch(4, claim=high, study__design="rct")
    low = ClaimFactory(statement="Only surveys")
    EvidenceFactory(claim=low, evidence_type="self_report", study__design="survey")
    none = ClaimFactory(statement="Nothing yet")
    return {"high": high, "low": low, "none": none}


def test_claims_carry_certainty_with_its_steps(api_client, rated):
    body = api_client.get(f"{CLAIMS}{rated['high'].slug}/").json()
    assert body["certainty"] == "high"
    assert body["certainty_detail"]["computed"] == "high"
    assert (
        body["certainty_detail"]["steps"][0]
        == "Started high: 4 randomised or placebo-controlled trials."
    )
    assert body["certainty_detail"]["override"] is None
    assert body["evidence_summary"]["strength"]["key"] == "strong"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("certainty=high", ["high"]),
        ("certainty=low&certainty=very_low", ["low", "none"]),
    ],
)
def test_filter_by_certainty(api_client, rated, query, expected):
    slugs = sorted(
        item["slug"] for item in api_client.get(f"{CLAIMS}?{query}").json()["results"]
    )
    assert slugs == sorted(rated[key].slug for key in expected)


def test_order_by_certainty(api_client, rated):
    results = api_client.get(f"{CLAIMS}?ordering=-certainty").json()["results"]
    assert [item["certainty"] for item in results] == ["high", "low", "very_low"]


def test_only_editors_override_and_a_reason_is_required(curator_api, editor_api, rated):
    url = f"{CLAIMS}{rated['low'].slug}/"
    assert (
        curator_api.patch(
            url,
            {"certainty_override": "high", "certainty_override_reason": "x"},
            format="json",
        ).status_code
        == 403
    )
    missing = editor_api.patch(url, {"certainty_override": "moderate"}, format="json")
    assert missing.status_code == 400
    assert "certainty_override_reason" in field_errors(missing)
    done = editor_api.patch(
        url,
        {
            "certainty_override": "moderate",
            "certainty_override_reason": "Registry data agree.",
        },
        format="json",
    )
    assert done.status_code == 200
    body = done.json()
    assert body["certainty"] == "moderate"
    assert body["certainty_detail"]["computed"] == "low"
    assert body["certainty_detail"]["override"] == {
        "level": "moderate",
        "reason": "Registry data agree.",
    }


def test_versions_list_and_detail(api_client, rated):
    claim = rated["high"]
    EvidenceFactory(claim=claim, direction="contradicts", study__design="rct")
    listing = api_client.get(f"{CLAIMS}{claim.slug}/versions/").json()
    numbers = [item["number"] for item in listing["results"]]
    assert numbers == sorted(numbers, reverse=True)
    latest = listing["results"][0]
    assert latest["summary"]
    assert latest["permalink"].endswith(f"/claims/{claim.slug}/v/{latest['number']}/")
    first, second = (
        api_client.get(f"{CLAIMS}{claim.slug}/versions/{n}/").json() for n in (1, 2)
    )
    assert (first["number"], len(first["links"])) == (1, 0)  # published before any link
    assert len(second["links"]) == 1
    latest_detail = api_client.get(
        f"{CLAIMS}{claim.slug}/versions/{latest['number']}/"
    ).json()
    assert len(latest_detail["links"]) == 5
    assert api_client.get(f"{CLAIMS}{claim.slug}/versions/99/").status_code == 404


def test_a_renamed_claim_redirects_from_its_old_slug(api_client, rated):
    claim = rated["high"]
    old = claim.slug
    claim.slug = "well-tested-renamed"
    claim.save()
    response = api_client.get(f"{CLAIMS}{old}/versions/?page=1")
    assert response.status_code == 301
    assert response["Location"].endswith(
        "/api/v1/claims/well-tested-renamed/versions/?page=1"
    )


def test_curators_cannot_rename_but_editors_can(curator_api, editor_api):
    claim = ClaimFactory(status=Status.DRAFT, statement="Draft claim")
    assert (
        curator_api.patch(
            f"{CLAIMS}{claim.slug}/", {"slug": "new"}, format="json"
        ).status_code
        == 400
    )
    assert (
        editor_api.patch(
            f"{CLAIMS}{claim.slug}/", {"slug": "new-name"}, format="json"
        ).status_code
        == 200
    )
    assert Claim.objects.get(pk=claim.pk).slug == "new-name"


def test_statement_export_follows_the_va_shape(api_client, rated):
    claim = rated["high"]
    EvidenceFactory(claim=claim, direction="contradicts", evidence_type="self_report")
    body = api_client.get(f"{CLAIMS}{claim.slug}/statement/").json()
    assert body["type"] == "Statement"
    assert body["direction"] == "supports"
    assert (
        body["strength"]["primaryCoding"]["code"]
        == claim.__class__.objects.get(pk=claim.pk).certainty
    )
    lines = {
        (
            line["strengthOfEvidenceProvided"]["primaryCoding"]["code"],
            line["directionOfEvidenceProvided"],
        ): len(line["hasEvidenceItems"])
        for line in body["hasEvidenceLines"]
    }
    assert lines == {("controlled", "supports"): 4, ("self_report", "disputes"): 1}
    assert body["hasEvidenceLines"][0]["hasEvidenceItems"][0]["identifiers"][
        0
    ].startswith("doi:10.5555/")


def test_statement_export_queries_do_not_grow(api_client, rated):
    claim = rated["high"]
    before = queries_during(lambda: api_client.get(f"{CLAIMS}{claim.slug}/statement/"))
    EvidenceFactory.create_batch(10, claim=claim)
    assert (
        queries_during(lambda: api_client.get(f"{CLAIMS}{claim.slug}/statement/"))
        == before
    )


def test_releases_are_listed_and_downloadable(api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed", stdout=open("/dev/null", "w"))
    release = release_make()
    body = api_client.get("/api/v1/releases/").json()
    assert body["results"][0]["name"] == release.name
    assert body["results"][0]["sha256"] == release.sha256
    download = api_client.get(body["results"][0]["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"


def test_csv_is_offered_only_for_the_curated_lists(api_client):
    assert api_client.get("/api/v1/evidence/?format=csv").status_code == 200
    response = api_client.get("/api/v1/releases/?format=csv")
    assert response.status_code == 406
    assert "json" in response.json()["detail"]


def test_grade_reasons_are_read_and_written_through_the_api(curator_api, api_client):
    link = EvidenceFactory(status=Status.DRAFT, study__design="rct")
    response = curator_api.patch(
        f"/api/v1/evidence/{link.pk}/",
        {
            "risk_of_bias": "serious",
            "indirectness": "serious",
            "indirectness_reasons": ["full_dose"],
            "large_effect": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["indirectness_reasons"] == ["full_dose"]
    bad = curator_api.patch(
        f"/api/v1/evidence/{link.pk}/",
        {"indirectness_reasons": ["vibes"]},
        format="json",
    )
    assert bad.status_code == 400
    assert error_codes(bad) == {"indirectness_reasons.0": "invalid_choice"}
    published = EvidenceFactory(risk_of_bias="very_serious")
    listed = api_client.get("/api/v1/evidence/").json()["results"]
    assert [item["risk_of_bias"] for item in listed if item["id"] == published.pk] == [
        "very_serious"
    ]
