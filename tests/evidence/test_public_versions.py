"""Nothing unpublished is ever public: versions are cut from published states
only, earlier slugs of unpublished claims redirect nobody but staff, and a
release that held unpublished text is withdrawn and replaced."""

import csv
import importlib
import io
import zipfile

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client

from evidence.models import ClaimVersion, Release, Status
from evidence.releases import release_make
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

SECRET = "Secret draft wording a curator typed"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def unpublish_edit_republish(claim):
    """The issue's steps: back to draft, a curator's edit, an editor's
    rewording, published again."""
    claim.status = Status.DRAFT
    claim.review_comment = "Needs a better description"
    claim.save()
    claim.description = SECRET
    claim.save()
    claim.description = "Approved wording"
    claim.status = Status.PUBLISHED
    claim.save()
    claim.refresh_from_db()
    return claim


def versions_csv(release):
    with release.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    return list(csv.DictReader(io.StringIO(archive.read("versions.csv").decode())))


def test_versions_are_never_cut_from_unpublished_text(api_client, client):
    claim = ClaimFactory(description="Published wording")
    EvidenceFactory(claim=claim)
    claim = unpublish_edit_republish(claim)

    assert not ClaimVersion.objects.filter(description__contains="Secret").exists()
    listed = api_client.get(f"/api/v1/claims/{claim.slug}/versions/").json()
    assert {version["status"] for version in listed["results"]} == {"published"}
    assert SECRET not in str(listed)
    latest = listed["results"][0]
    assert latest["number"] == claim.version
    assert latest["description"] == "Approved wording"
    assert latest["changes"]["description"] == ["Published wording", "Approved wording"]
    assert latest["changes"]["status"] == ["draft", "published"]
    # The withdrawal record exists, with the text the public last saw, but
    # nobody is shown it.
    withdrawn = ClaimVersion.objects.get(claim=claim, status=Status.DRAFT)
    assert withdrawn.description == "Published wording"
    assert withdrawn.summary.startswith("Withdrawn from public view")
    number = withdrawn.number
    assert (
        api_client.get(f"/api/v1/claims/{claim.slug}/versions/{number}/").status_code
        == 404
    )
    assert client.get(f"/claims/{claim.slug}/v/{number}/").status_code == 404
    page = client.get(f"/claims/{claim.slug}/").content.decode()
    assert f"Version {number}<" not in page and SECRET not in page
    statement = api_client.get(f"/api/v1/claims/{claim.slug}/statement/").json()
    assert statement["id"].endswith(f"/v/{claim.version}/")
    assert SECRET not in str(statement)
    release = release_make()
    assert {int(row["number"]) for row in versions_csv(release)} == {
        version.number for version in claim.versions.published()
    }


def test_unpublished_states_cut_no_further_versions():
    claim = ClaimFactory()
    claim.status = Status.IN_REVIEW
    claim.save()
    before = ClaimVersion.objects.filter(claim=claim).count()
    claim.statement = "Reworded while in review"
    claim.status = Status.DRAFT
    claim.save()
    EvidenceFactory(claim=claim)
    assert ClaimVersion.objects.filter(claim=claim).count() == before
    claim.refresh_from_db()
    assert claim.version == 1  # still the last published version


def test_older_rows_of_unpublished_states_are_hidden_everywhere(api_client, client):
    """Rows that earlier code cut from draft states stay in the table (the
    numbering of later versions refers to them) but are never shown."""
    claim = ClaimFactory()
    EvidenceFactory(claim=claim)
    published = claim.versions.order_by("-number").first()
    hidden = ClaimVersion.objects.create(
        claim=claim,
        number=published.number + 1,
        statement=claim.statement,
        description=SECRET,
        topic=claim.topic,
        status=Status.DRAFT,
        certainty=claim.certainty,
        certainty_computed=claim.certainty_computed,
    )
    listed = api_client.get(f"/api/v1/claims/{claim.slug}/versions/").json()
    assert [version["number"] for version in listed["results"]] == [2, 1]
    url = f"/api/v1/claims/{claim.slug}/versions/{hidden.number}/"
    assert api_client.get(url).status_code == 404
    assert client.get(f"/claims/{claim.slug}/v/{hidden.number}/").status_code == 404
    assert SECRET not in client.get(f"/claims/{claim.slug}/").content.decode()
    assert [int(row["number"]) for row in versions_csv(release_make())] == [1, 2]


def test_the_migration_rewrites_what_changed_against_the_last_public_version():
    migration = importlib.import_module(
        "evidence.migrations.0005_release_withdrawn_and_public_versions"
    )
    claim = ClaimFactory(description="Public text")
    common = {
        "claim": claim,
        "statement": claim.statement,
        "topic": claim.topic,
        "certainty": "low",
        "certainty_computed": "low",
    }
    ClaimVersion.objects.filter(claim=claim).delete()
    ClaimVersion.objects.create(
        number=1, description="Public text", status="published", **common
    )
    ClaimVersion.objects.create(number=2, description=SECRET, status="draft", **common)
    later = ClaimVersion.objects.create(
        number=3,
        description="Approved",
        status="published",
        changes={"description": [SECRET, "Approved"], "status": ["draft", "published"]},
        **common,
    )
    migration.public_changes(apps, None)
    later.refresh_from_db()
    assert later.changes == {
        "status": ["draft", "published"],
        "description": ["Public text", "Approved"],
    }


def rename(claim, slug):
    claim.slug = slug
    claim.save()


@pytest.mark.parametrize("path", ["/claims/{}/", "/api/v1/claims/{}/"])
def test_a_renamed_drafts_old_slug_redirects_only_signed_in_staff(
    path, api_client, curator_client, curator_api, reader_api
):
    client = Client()  # anonymous: curator_client signed the default one in
    claim = ClaimFactory(statement="Draft before renaming", status=Status.DRAFT)
    rename(claim, "draft-after-renaming")
    old = path.format("draft-before-renaming")
    assert client.get(old).status_code == 404
    assert api_client.get(old).status_code == 404
    assert reader_api.get(old).status_code == 404
    staff = curator_api if path.startswith("/api/") else curator_client
    response = staff.get(old)
    assert response.status_code == 301
    assert "draft-after-renaming" in response["Location"]


def test_a_renamed_published_claims_old_slug_redirects_everyone(client, api_client):
    claim = ClaimFactory(statement="Public before renaming")
    rename(claim, "public-after-renaming")
    assert client.get("/claims/public-before-renaming/").status_code == 301
    assert api_client.get("/api/v1/claims/public-before-renaming/").status_code == 301


def test_a_release_that_held_unpublished_text_is_withdrawn_and_replaced(
    client, api_client
):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim)
    first = release_make()
    second = release_make()
    # As earlier code did: the release listed a version cut from a draft.
    ClaimVersion.objects.filter(claim=claim, number=2).update(status=Status.DRAFT)
    out = io.StringIO()
    call_command("withdraw_unpublished_releases", "--dry-run", stdout=out)
    assert f"Release {first.name} lists 1 version(s)" in out.getvalue()
    assert not Release.objects.filter(withdrawn=True).exists()

    out = io.StringIO()
    call_command("withdraw_unpublished_releases", stdout=out, stderr=io.StringIO())
    replacement = Release.objects.exclude(pk__in=[first.pk, second.pk]).get()
    assert not replacement.withdrawn
    assert [int(row["number"]) for row in versions_csv(replacement)] == [1]
    for release in (first, second):
        release.refresh_from_db()
        assert release.withdrawn
        assert f"{claim.slug} v2" in release.withdrawn_note
        assert f"Release {replacement.name} replaces it" in release.withdrawn_note
        assert release.file.storage.exists(release.file.name)  # the zip stays
    page = client.get("/releases/").content.decode()
    assert page.count("withdrawn</span>") == 2
    assert second.withdrawn_note in page
    listed = {
        item["name"]: item
        for item in api_client.get("/api/v1/releases/").json()["results"]
    }
    assert listed[second.name]["withdrawn"] is True
    assert listed[second.name]["withdrawn_note"] == second.withdrawn_note
    assert listed[replacement.name]["withdrawn"] is False

    out = io.StringIO()
    call_command("withdraw_unpublished_releases", stdout=out)
    assert "No release holds unpublished text." in out.getvalue()
    assert Release.objects.count() == 3
