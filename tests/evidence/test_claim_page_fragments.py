"""The claim page's cached fragments (the summary panels, the timeline, each
page of evidence links): rendered once per data version, never stale after a
write, never carrying one reader's request to another."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dataversion import caching
from tests.factories import ClaimFactory, EditorFactory, EvidenceFactory
from tests.utils import assert_constant_queries

pytestmark = pytest.mark.django_db


def text(response):
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_changed_finding_shows_at_once_in_every_fragment(client):
    link = EvidenceFactory(finding="The old finding of this study.")
    url = link.claim.get_absolute_url()
    before = text(client.get(url))
    # In the evidence list and the best-evidence block.
    assert before.count("The old finding of this study.") == 2
    text(client.get(url))  # served from the fragments now

    link.finding = "The new finding of this study."
    link.save()

    after = text(client.get(url))
    assert "The old finding" not in after
    assert after.count("The new finding of this study.") == 2


def test_a_changed_study_title_shows_at_once_in_the_evidence_list(client):
    link = EvidenceFactory(study__title="Old title of the trial")
    url = link.claim.get_absolute_url()
    assert "Old title of the trial" in text(client.get(url))
    link.study.title = "New title of the trial"
    link.study.save()
    page = text(client.get(url))
    assert "Old title of the trial" not in page
    assert "New title of the trial" in page


def test_a_new_link_on_a_cached_page_of_evidence_shows_at_once(client):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, direction="supports", finding="First link.")
    url = claim.get_absolute_url()
    text(client.get(url))
    EvidenceFactory(claim=claim, direction="supports", finding="Second link.")
    page = text(client.get(url))
    assert "First link." in page and "Second link." in page
    assert "(2)" in page  # the supporting group's count


def test_one_readers_request_never_reaches_the_next_reader(client):
    claim = ClaimFactory()
    EvidenceFactory(claim=claim, direction="supports", study__design="rct")
    url = claim.get_absolute_url()
    signed_in = Client()
    signed_in.force_login(EditorFactory(username="fragment-editor"))
    # The first view renders the fragments, signed in and filtered.
    first = text(signed_in.get(url, {"design": "rct", "year_min": "1999"}))
    assert 'value="1999"' in first

    page = text(client.get(url))
    assert "fragment-editor" not in page
    assert "1999" not in page
    assert "design=rct" not in page


def test_claim_page_queries_stay_constant_when_its_fragments_are_rendered(client):
    """The fragments' own queries (rendered after every write) do not grow
    with the links shown either: counted with every cache empty."""
    claim = ClaimFactory()
    for direction in ("supports", "contradicts", "mixed"):
        EvidenceFactory(claim=claim, direction=direction)
    claim.related_claims.add(ClaimFactory())
    url = claim.get_absolute_url()

    def cold_view():
        caching.reset()
        response = client.get(url)
        assert response.status_code == 200

    def grow():
        for direction in ("supports", "contradicts", "mixed"):
            EvidenceFactory.create_batch(4, claim=claim, direction=direction)
        claim.related_claims.add(*ClaimFactory.create_batch(3))

    assert_constant_queries(cold_view, grow)


def test_a_warm_claim_page_reads_no_evidence_rows(client):
    """Once rendered, a page of evidence is served from its fragment: no
    query reads the links or their studies."""
    claim = ClaimFactory()
    EvidenceFactory.create_batch(3, claim=claim)
    url = claim.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    read = [q["sql"] for q in queries if 'FROM "evidence_evidence"' in q["sql"]]
    assert read == []


def test_a_new_version_shows_at_once_in_the_list_of_versions(client):
    claim = ClaimFactory(statement="First wording")
    EvidenceFactory(claim=claim)
    url = claim.get_absolute_url()
    latest = claim.versions.published().count()
    first = text(client.get(url))
    assert f"Version {latest}</a>" in first
    assert f"Version {latest + 1}</a>" not in first
    claim.statement = "Second wording"
    claim.save()
    second = text(client.get(url))
    assert "Second wording" in second
    assert f"Version {latest + 1}</a>" in second


def checked_boxes(page):
    return sorted(re.findall(r'value="(\w+)"[^>]*\bchecked\b', page))


def test_the_filter_panel_is_cached_only_unfiltered_and_shows_each_readers_filters(
    client,
):
    link = EvidenceFactory(evidence_type="controlled", direction="supports")
    url = link.claim.get_absolute_url()
    for _ in range(2):  # the unfiltered panel, rendered then cached
        assert checked_boxes(text(client.get(url))) == []
    filtered = text(client.get(url + "?evidence_type=anecdotal&direction=mixed"))
    assert checked_boxes(filtered) == ["anecdotal", "mixed"]
    # A filtered view is never cached for the unfiltered page, nor the reverse.
    assert checked_boxes(text(client.get(url))) == []
    assert checked_boxes(text(client.get(url + "?direction=supports"))) == ["supports"]


def test_the_claims_list_shows_a_changed_statement_at_once_and_each_readers_filters(
    client,
):
    claim = ClaimFactory(statement="An old statement of the claim.", topic="risk")
    EvidenceFactory(claim=claim)
    for _ in range(2):  # rendered, then served from the fragments
        page = text(client.get("/claims/"))
        assert "An old statement of the claim." in page
        assert checked_boxes(page) == []
    claim.statement = "A new statement of the claim."
    claim.save()
    page = text(client.get("/claims/"))
    assert "An old statement" not in page and "A new statement of the claim." in page
    assert checked_boxes(text(client.get("/claims/?topic=risk"))) == ["risk"]
    assert checked_boxes(text(client.get("/claims/?page=1"))) == []
