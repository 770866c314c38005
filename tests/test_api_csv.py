"""The CSV column contract (evidence/columns.py, studies/exports.py): the API's
list exports and the data release's files have the same columns, spell each
value one way, and never show a Python repr."""

import csv
import datetime
import io
import json
import zipfile

import pytest

from evidence.releases import release_make
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def record():
    claim = ClaimFactory()
    dated = StudyFactory(
        year=2021,
        doi="10.1000/xyz",
        pmid="123456",
        sample_size=59,
        dose="na",
        retracted=False,
    )
    undated = StudyFactory(
        year=None,
        doi="",
        pmid="",
        sample_size=None,
        dose="",
        retracted=True,
        retraction_date=datetime.date(2024, 3, 1),
    )
    EvidenceFactory(claim=claim, study=dated, large_effect=True)
    EvidenceFactory(
        claim=claim, study=undated, evidence_type="anecdotal", direction="mixed"
    )
    claim.refresh_from_db()
    return claim, dated, undated


def api_csv(client, url):
    response = client.get(url, {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def release_csv(name):
    release = release_make()
    with release.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    text = archive.read(f"{name}.csv").decode()
    return list(csv.reader(io.StringIO(text))), json.loads(archive.read("data.json"))


@pytest.mark.parametrize("name", ["claims", "evidence", "studies"])
def test_the_api_list_csv_has_the_release_files_columns(api_client, record, name):
    api_rows = api_csv(api_client, f"/api/v1/{name}/")
    release_rows, _ = release_csv(name)
    assert api_rows[0] == release_rows[0]
    # The same published record gives the same cells, row for row.
    assert sorted(api_rows[1:]) == sorted(release_rows[1:])


def test_evidence_csv_carries_the_studys_identifiers_and_size(api_client, record):
    claim, dated, undated = record
    header, *rows = api_csv(api_client, "/api/v1/evidence/")
    by_study = {
        row[header.index("study")]: dict(zip(header, row, strict=True)) for row in rows
    }
    full = by_study[str(dated.pk)]
    assert full["study_doi"] == "10.1000/xyz"
    assert full["study_pmid"] == "123456"
    assert full["study_year"] == "2021"
    assert full["study_sample_size"] == "59"
    assert full["study_dose"] == "na"
    assert full["large_effect"] == "true"
    assert full["study_retracted"] == "false"
    assert full["claim_id"] == str(claim.pk)
    empty = by_study[str(undated.pk)]
    # Null is an empty cell; booleans are true/false; nothing else.
    for column in ("study_doi", "study_pmid", "study_year", "study_sample_size"):
        assert empty[column] == "", column
    assert empty["study_dose"] == ""
    assert empty["large_effect"] == "false"
    assert empty["study_retracted"] == "true"
    assert "T" in empty["updated"] and empty["updated"].endswith("Z")


def test_claims_csv_has_the_verdict_and_the_profile_counts(api_client, record):
    claim, _, _ = record
    header, row = api_csv(api_client, "/api/v1/claims/")
    cells = dict(zip(header, row, strict=True))
    assert cells["id"] == str(claim.pk)
    assert cells["verdict_direction"] == claim.verdict_direction
    assert cells["certainty"] == claim.certainty
    assert cells["verdict_text"] == claim.verdict_text
    assert cells["controlled_supports"] == "1"
    # The retracted study's link is not counted.
    assert cells["anecdotal_mixed"] == "0"
    assert cells["evidence_count"] == "1"


def test_studies_csv_spells_booleans_dates_and_nulls_one_way(api_client, record):
    _, dated, undated = record
    header, *rows = api_csv(api_client, "/api/v1/studies/")
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_id[str(dated.pk)]["retracted"] == "false"
    assert by_id[str(undated.pk)]["retracted"] == "true"
    assert by_id[str(undated.pk)]["retraction_date"] == "2024-03-01"
    assert by_id[str(undated.pk)]["year"] == ""
    assert by_id[str(undated.pk)]["sample_size"] == ""


def test_the_release_json_has_typed_values(record):
    _, data = release_csv("evidence")
    retracted = {item["study_retracted"] for item in data["evidence"]}
    assert retracted == {True, False}
    assert None in {item["study_year"] for item in data["evidence"]}


def _no_repr(rows):
    for row in rows:
        for cell in row:
            assert not cell.startswith(("{", "[", "'[", "'{")), cell
            assert "': " not in cell, cell


def test_detail_and_versions_csv_flatten_nested_fields(api_client, record):
    claim, _, _ = record
    response = api_client.get(f"/api/v1/claims/{claim.slug}/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["field", "value"]
    fields = dict(rows[1:])
    assert fields["verdict.direction"] == claim.verdict_direction
    assert f"/api/v1/claims/{claim.slug}/" in fields["links.self"]
    assert fields["evidence.0.links.self"].startswith("http://testserver/api/v1/")
    _no_repr(rows)

    response = api_client.get(
        f"/api/v1/claims/{claim.slug}/versions/", {"format": "csv"}
    )
    assert response.status_code == 200
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    assert {"number", "created", "self", "links_added.0.id"} <= set(header)
    assert rows
    _no_repr(rows)
