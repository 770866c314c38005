"""The evidence-over-time plot, version pages, renamed slugs and releases on the pages."""

import math

import pytest

from evidence.models import Evidence, Status
from evidence.releases import release_make
from evidence.timeline import MAX_MARKS, evidence_timeline
from tests.factories import ClaimFactory, EvidenceFactory, StudyFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db


def counted(claim):
    return Evidence.objects.filter(claim=claim).counted()


def test_timeline_marks_show_direction_by_shape_and_sample_size_by_area():
    claim = ClaimFactory()
    EvidenceFactory(
        claim=claim,
        evidence_type="controlled",
        direction="supports",
        study__year=2015,
        study__sample_size=10000,
    )
    EvidenceFactory(
        claim=claim,
        evidence_type="self_report",
        direction="contradicts",
        study__year=2020,
        study__sample_size=2500,
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
    for layout in timeline.layouts:
        marks = {mark.direction: mark for mark in layout.marks}
        assert {d: m.shape for d, m in marks.items()} == {
            "supports": "up",
            "contradicts": "down",
            "mixed": "diamond",
        }
        # Area proportional to the sample: 4 times the people, 4 times the area.
        ratio = (marks["supports"].radius / marks["contradicts"].radius) ** 2
        assert ratio == pytest.approx(4)
        assert not marks["mixed"].known_size
        # The undated study sits apart, right of the year axis, not on it.
        assert marks["supports"].x < marks["contradicts"].x < layout.undated["x"]
        assert layout.undated["line_x"] < marks["mixed"].x
        assert all(tick["x"] < layout.undated["line_x"] for tick in layout.ticks)
        assert "Undated" not in [tick["label"] for tick in layout.ticks]
        assert [item["label"] for item in layout.legend] == [
            "100",
            "1,000",
            "10,000",
            "not reported",
        ]
    assert len(timeline.table) == 3
    assert timeline.table[-1]["year"] == "Undated"


def test_marks_in_a_crowded_year_never_overlap():
    claim = ClaimFactory()
    for number, size in enumerate([5000, 900, 40, None, 1200, 8703, 98, 300] * 3):
        EvidenceFactory(
            claim=claim,
            direction=("supports", "contradicts", "mixed")[number % 3],
            study__year=2020 + number % 2,
            study__sample_size=size,
        )
    timeline = evidence_timeline(counted(claim))
    for layout in timeline.layouts:
        marks = layout.marks
        assert len(marks) == 24
        for index, mark in enumerate(marks):
            for other in marks[index + 1 :]:
                distance = math.hypot(mark.x - other.x, mark.y - other.y)
                assert distance >= mark.extent + other.extent
        band = layout.bands[0]
        assert all(
            band["y"] < mark.y - mark.extent
            and mark.y + mark.extent < band["y"] + band["height"]
            for mark in marks
        )


def test_many_links_are_binned_by_year_and_type_with_a_count_axis(monkeypatch):
    monkeypatch.setattr("evidence.timeline.MAX_MARKS", 4)
    claim = ClaimFactory()
    EvidenceFactory.create_batch(3, claim=claim, direction="supports", study__year=2019)
    EvidenceFactory.create_batch(
        2, claim=claim, direction="contradicts", study__year=2019
    )
    timeline = evidence_timeline(counted(claim))
    assert timeline.binned
    layout = timeline.wide
    assert sorted(bar.label for bar in layout.bars) == [
        "2019, controlled: 2 contradicts",
        "2019, controlled: 3 supports",
    ]
    heights = {bar.direction: bar.height for bar in layout.bars}
    assert heights["supports"] == pytest.approx(heights["contradicts"] * 3 / 2)
    axis = layout.bands[0]["count_axis"]
    labels = [tick["label"] for tick in axis["ticks"]]
    assert labels[0] == "0" and int(labels[-1]) >= 5
    # The axis measures the bars: 5 links reach 5/top of the axis's height.
    zero, highest = axis["ticks"][0], axis["ticks"][-1]
    top = min(bar.y for bar in layout.bars)
    assert (zero["y"] - top) / (zero["y"] - highest["y"]) == pytest.approx(
        5 / int(highest["label"])
    )
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
    assert '<svg viewBox="0 0 720 ' in page and '<svg viewBox="0 0 340 ' in page


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
