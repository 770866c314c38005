"""The evidence-over-time plot, version pages, renamed slugs and releases on the pages."""

import pytest

from evidence.models import Evidence, Status
from evidence.releases import release_make
from evidence.timeline import MAX_MARKS, evidence_timeline
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db


def counted(claim):
    return Evidence.objects.filter(claim=claim).counted()


def test_timeline_has_one_mark_per_study_shaped_coloured_and_sized():
    claim = ClaimFactory()
    EvidenceFactory(
        claim=claim,
        evidence_type="controlled",
        direction="supports",
        study__year=2015,
        study__sample_size=1000,
    )
    EvidenceFactory(
        claim=claim,
        evidence_type="self_report",
        direction="contradicts",
        study__year=2020,
        study__sample_size=10,
    )
    EvidenceFactory(
        claim=claim,
        evidence_type="anecdotal",
        direction="mixed",
        study__year=None,
        study__sample_size=None,
    )
    timeline = evidence_timeline(counted(claim))
    assert not timeline.binned
    marks = {mark.shape: mark for mark in timeline.marks}
    assert set(marks) == {"circle", "square", "triangle"}
    assert (
        marks["circle"].direction,
        marks["square"].direction,
        marks["triangle"].direction,
    ) == ("supports", "contradicts", "mixed")
    assert marks["circle"].size > marks["square"].size > 0
    assert marks["circle"].x < marks["square"].x < marks["triangle"].x  # undated last
    assert [tick["label"] for tick in timeline.ticks][-1] == "n.d."
    rows = {row["type"]: row["middle"] for row in timeline.rows}
    assert marks["circle"].y == rows["controlled"]
    assert len(timeline.table) == 3


def test_marks_sharing_a_year_stay_inside_their_row():
    claim = ClaimFactory()
    EvidenceFactory.create_batch(12, claim=claim, study__year=2020)
    timeline = evidence_timeline(counted(claim))
    row = next(row for row in timeline.rows if row["type"] == "controlled")
    assert all(row["y"] < mark.y < row["y"] + 70 for mark in timeline.marks)
    assert len({mark.y for mark in timeline.marks}) == 12


def test_many_links_are_binned_by_year_and_type(monkeypatch):
    monkeypatch.setattr("evidence.timeline.MAX_MARKS", 4)
    claim = ClaimFactory()
    EvidenceFactory.create_batch(3, claim=claim, direction="supports", study__year=2019)
    EvidenceFactory.create_batch(
        2, claim=claim, direction="contradicts", study__year=2019
    )
    timeline = evidence_timeline(counted(claim))
    assert timeline.binned
    assert sorted(bar.label for bar in timeline.bars) == [
        "2019, controlled: 2 contradicts",
        "2019, controlled: 3 supports",
    ]
    heights = {bar.direction: bar.height for bar in timeline.bars}
    assert heights["supports"] > heights["contradicts"]
    assert MAX_MARKS > 4


def test_claim_page_shows_certainty_versions_citation_and_the_plot(client):
    claim = ClaimFactory(statement="Compound V helps")
    EvidenceFactory(claim=claim, study__design="rct")
    page = client.get(claim.get_absolute_url()).content.decode()
    assert 'id="verdict-heading" class="visually-hidden">Verdict</h2>' in page
    assert "Started high: 1 randomised or placebo-controlled trial." in page
    assert f"Version {claim.versions.count()}, updated on" in page
    assert f"/claims/{claim.slug}/v/1/" in page
    assert "@misc{evidenceatlas:" in page
    assert (
        '<svg viewBox="0 0 720' in page and 'aria-describedby="timeline-desc"' in page
    )


def test_claim_page_queries_stay_constant_with_versions_and_plot(client):
    claim = ClaimFactory()
    EvidenceFactory.create_batch(2, claim=claim)
    assert_constant_queries(
        lambda: client.get(claim.get_absolute_url()),
        lambda: EvidenceFactory.create_batch(8, claim=claim),
    )


def test_the_plot_is_laid_out_once_until_the_evidence_changes(client, monkeypatch):
    from evidence import timeline

    layouts = []

    def counting(links):
        layouts.append(1)
        return evidence_timeline(links)

    monkeypatch.setattr(timeline, "evidence_timeline", counting)
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, study__authors=["Early A"], study__year=2015)
    url = claim.get_absolute_url()
    client.get(url)
    client.get(url)
    assert len(layouts) == 1
    EvidenceFactory(claim=claim, study__authors=["Later B"], study__year=2024)
    page = client.get(url).content.decode()
    assert len(layouts) == 2
    assert "Early A (2015)" in page and "Later B (2024)" in page


def test_a_version_page_shows_that_version_not_the_current_one(client):
    claim = ClaimFactory(statement="First wording")
    EvidenceFactory(claim=claim)
    claim.statement = "Second wording"
    claim.save()
    old = client.get(f"/claims/{claim.slug}/v/1/").content.decode()
    assert "First wording" in old and "See the current version." in old
    assert client.get(f"/claims/{claim.slug}/v/99/").status_code == 404


def test_a_renamed_claim_redirects_permanently(client):
    claim = ClaimFactory(statement="Old name")
    claim.slug = "new-name"
    claim.save()
    response = client.get("/claims/old-name/v/1/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/claims/new-name/v/1/?x=1"


def test_filter_claims_by_certainty_on_the_page(client):
    high = ClaimFactory(statement="High one")
    EvidenceFactory.create_batch(3, claim=high, study__design="rct")
    ClaimFactory(statement="Nothing yet")
    page = client.get("/claims/?certainty=high").content.decode()
    assert "High one" in page and "Nothing yet" not in page
    assert client.get("/claims/?certainty=certainish").status_code == 400


def test_releases_page_lists_and_downloads_releases(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    EvidenceFactory()
    release = release_make()
    page = client.get("/releases/").content.decode()
    assert f"Release {release.name}" in page and release.sha256 in page
    download = client.get(release.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_unpublished_links_never_reach_the_plot():
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, status=Status.DRAFT)
    EvidenceFactory(
        claim=claim, study=StudyFactory(retracted=True, retraction_date="2020-01-01")
    )
    assert evidence_timeline(counted(claim)).empty
