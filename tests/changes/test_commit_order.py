"""Events enter the feed when their transaction commits, in commit order, so
that a cursor never skips a change committed after it was handed out."""

import threading

import pytest
from django.db import connection, transaction

from changes.models import Change, PendingChange
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def read(client, since=""):
    body = client.get("/api/v1/changes/", {"since": since}).json()
    return [event["id"] for event in body["results"]], body["cursor"]


def test_a_committed_write_is_in_the_feed_at_once_and_a_rolled_back_one_never(
    api_client,
):
    with transaction.atomic():
        kept = StudyFactory()
        assert not Change.objects.exists()  # not before the commit
    assert list(Change.objects.values_list("object_id", flat=True)) == [kept.pk]
    assert not PendingChange.objects.exists()
    with pytest.raises(RuntimeError), transaction.atomic():
        StudyFactory()
        raise RuntimeError
    assert read(api_client)[0] == [kept.pk]


def test_a_write_committed_late_comes_after_the_cursor_handed_out_meanwhile(
    api_client,
):
    """The slow writer began first, so its event row was inserted first: its
    event must still follow the fast writer's, which a reader saw already."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    slow_wrote, fast_read = threading.Event(), threading.Event()
    slow = {}

    def slow_writer():
        try:
            with transaction.atomic():
                slow["study"] = StudyFactory()
                slow_wrote.set()
                fast_read.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert slow_wrote.wait(timeout=10)
    fast = StudyFactory()
    seen, cursor = read(api_client)
    assert seen == [fast.pk]
    fast_read.set()
    thread.join()
    later, _ = read(api_client, since=cursor)
    assert later == [slow["study"].pk]
