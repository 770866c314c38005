"""Dated open-data releases: content, checksums and immutability."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from evidence.models import Release, Status
from evidence.releases import release_make
from tests.factories import ClaimFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def open_zip(release):
    with release.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_a_release_holds_the_published_record_with_certainty_and_versions():
    published = EvidenceFactory(claim__statement="Published claim")
    EvidenceFactory(
        claim=published.claim, status=Status.DRAFT, finding="Secret draft finding"
    )
    ClaimFactory(status=Status.DRAFT, statement="Draft claim")
    release = release_make()
    archive = open_zip(release)
    assert sorted(archive.namelist()) == sorted(
        [
            "claims.csv",
            "studies.csv",
            "evidence.csv",
            "versions.csv",
            "meta_analyses.csv",
            "data.json",
            "README.md",
            "LICENSE",
            "SHA256SUMS",
        ]
    )
    claims = list(csv.DictReader(io.StringIO(archive.read("claims.csv").decode())))
    assert [row["statement"] for row in claims] == ["Published claim"]
    assert claims[0]["certainty"] and claims[0]["certainty_steps"].startswith("Started")
    evidence = archive.read("evidence.csv").decode()
    assert "Secret draft finding" not in evidence
    data = json.loads(archive.read("data.json"))
    assert data["release"] == release.name
    assert data["licence"]["name"] == "CC BY 4.0"
    assert (
        len(data["evidence"]) == 1
        and len(data["versions"]) == release.counts["versions"] > 0
    )
    assert "| `certainty` |" in archive.read("README.md").decode()
    assert "CC BY 4.0" in archive.read("LICENSE").decode()


def test_checksums_match_every_file_and_the_zip():
    EvidenceFactory()
    release = release_make()
    archive = open_zip(release)
    sums = dict(
        line.split("  ")[::-1]
        for line in archive.read("SHA256SUMS").decode().splitlines()
    )
    assert set(sums) == set(archive.namelist()) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    with release.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == release.sha256


def test_a_release_never_changes_once_made():
    EvidenceFactory()
    release = release_make()
    with release.file.open("rb") as handle:
        before = handle.read()
    EvidenceFactory()
    second = release_make()
    assert second.name == f"{release.name}-2"
    release.refresh_from_db()
    with release.file.open("rb") as handle:
        assert handle.read() == before
    release.counts = {"claims": 999}
    with pytest.raises(ValidationError, match="never changes"):
        release.save()
    with pytest.raises(ValidationError, match="never deleted"):
        release.delete()
    assert Release.objects.count() == 2


def test_the_licence_is_configurable(settings):
    settings.RELEASE_LICENCE = {
        "name": "CC0 1.0",
        "url": "https://creativecommons.org/publicdomain/zero/1.0/",
    }
    EvidenceFactory()
    release = release_make()
    assert release.licence == "CC0 1.0"
    assert "CC0 1.0" in open_zip(release).read("LICENSE").decode()


def test_make_release_command_reports_the_release(capsys):
    EvidenceFactory()
    call_command("make_release", verbosity=0)
    out = capsys.readouterr().out
    release = Release.objects.get()
    assert f"Release {release.name}" in out and release.sha256 in out
