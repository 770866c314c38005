"""Cursor pages (?cursor=) for reading deep into a list."""

import pytest

from tests.factories import ClaimFactory, EvidenceFactory
from tests.utils import queries_per_request

pytestmark = pytest.mark.django_db

EVIDENCE = "/api/v1/evidence/"


def read_all(api_client, url):
    ids, pages = [], 0
    while url:
        body = api_client.get(url).json()
        assert set(body) == {"count", "next", "previous", "results"}
        ids += [item["id"] for item in body["results"]]
        url = body["next"]
        pages += 1
    return ids, pages, body["count"]


def test_cursor_pages_walk_the_whole_list_newest_added_first(api_client):
    claim = ClaimFactory()
    links = EvidenceFactory.create_batch(12, claim=claim)
    ids, pages, count = read_all(api_client, f"{EVIDENCE}?cursor=&page_size=5")
    assert ids == sorted((link.pk for link in links), reverse=True)
    assert pages == 3
    assert count == 12


def test_cursor_pages_keep_the_filters(api_client):
    EvidenceFactory.create_batch(4, evidence_type="controlled")
    anecdotes = EvidenceFactory.create_batch(3, evidence_type="anecdotal")
    ids, _, count = read_all(
        api_client, f"{EVIDENCE}?cursor=&page_size=2&evidence_type=anecdotal"
    )
    assert sorted(ids) == sorted(link.pk for link in anecdotes)
    assert count == 3


def test_cursor_page_queries_do_not_grow_with_depth_or_size(api_client):
    EvidenceFactory.create_batch(30)
    first = api_client.get(f"{EVIDENCE}?cursor=&page_size=5").json()
    shallow = queries_per_request(
        lambda: api_client.get(f"{EVIDENCE}?cursor=&page_size=5")
    )
    deep = queries_per_request(lambda: api_client.get(first["next"]))
    large = queries_per_request(
        lambda: api_client.get(f"{EVIDENCE}?cursor=&page_size=100")
    )
    assert shallow == deep == large <= 4


def test_a_damaged_cursor_is_a_404(api_client):
    assert api_client.get(f"{EVIDENCE}?cursor=not-a-cursor").status_code == 404


def test_the_cursor_parameter_is_documented(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    names = {p["name"] for p in schema["paths"][EVIDENCE]["get"]["parameters"]}
    assert {"cursor", "page", "page_size"} <= names
