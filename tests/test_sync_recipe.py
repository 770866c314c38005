"""The README's "Syncing a copy" recipe, run as written against a live
server: a full read, a change, then the incremental read leave the mirror
equal to the source. Prints the requests and bytes of each step (``-s``)."""

import os
import re
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from evidence.models import Claim, Evidence, Status
from studies.moderation import StudyStatus
from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db(transaction=True)

README = Path(__file__).resolve().parent.parent / "README.md"


def recipe():
    section = README.read_text().split("### Syncing a copy", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


class Meter:
    """Counts the recipe's requests and the bytes it receives."""

    def __init__(self, monkeypatch):
        self.requests = self.bytes = 0
        self.urls = []
        real = urllib.request.urlopen

        def urlopen(request, *args, **kwargs):
            self.requests += 1
            self.urls.append(getattr(request, "full_url", request))
            response = real(request, *args, **kwargs)
            read = response.read

            def counted_read(*a):
                data = read(*a)
                self.bytes += len(data)
                return data

            response.read = counted_read
            return response

        monkeypatch.setattr(urllib.request, "urlopen", urlopen)

    def step(self):
        figures = (self.requests, self.bytes, self.urls)
        self.requests = self.bytes = 0
        self.urls = []
        return figures


def fresh_copy(namespace):
    source = {}
    namespace["full_read"](source)
    return source


def assert_mirror_equals(mirror, source):
    for kind, items in source.items():
        assert set(mirror[kind]) == set(items), kind
        for item_id, item in items.items():
            kept = mirror[kind][item_id]
            # A claim read by its url is its detail: the list's fields and more.
            assert {name: kept[name] for name in item} == item, (kind, item_id)


def test_the_readme_sync_recipe_keeps_a_mirror_equal_to_the_source(
    live_server, monkeypatch
):
    call_command("seed", stdout=open(os.devnull, "w"))
    code = recipe().replace("http://127.0.0.1:8000", live_server.url)
    meter = Meter(monkeypatch)
    namespace = {}
    exec(compile(code, "README.md (Syncing a copy)", "exec"), namespace)
    full = meter.step()
    mirror, cursor = namespace["mirror"], namespace["cursor"]
    assert mirror["claim"] and mirror["study"] and mirror["evidence"]
    assert len(mirror["evidence"]) == Evidence.objects.published().count()

    # One change of each kind a mirror must follow: a link retracted (its
    # claim's verdict moves), a study added, a claim sent back to draft.
    link = Evidence.objects.published().order_by("pk").first()
    link.status, link.retraction_reason = Status.RETRACTED, "Misread."
    link.save()
    meter.step()
    cursor = namespace["read_changes"](mirror, cursor)
    one_change = meter.step()
    assert link.pk not in mirror["evidence"]

    new_study = StudyFactory(status=StudyStatus.PUBLISHED)
    hidden = Claim.objects.published().exclude(pk=link.claim_id).order_by("pk")[0]
    hidden.status = Status.DRAFT
    hidden.save()
    meter.step()
    cursor = namespace["read_changes"](mirror, cursor)
    two_changes = meter.step()
    assert new_study.pk in mirror["study"]
    assert hidden.pk not in mirror["claim"]
    assert_mirror_equals(mirror, fresh_copy(namespace))

    # Nothing changed since: one request, nothing to apply.
    meter.step()
    assert namespace["read_changes"](mirror, cursor) == cursor
    idle = meter.step()
    assert idle[0] == 1
    print(
        f"\nsync figures on the seed data (gzip): full read {full[0]} requests, "
        f"{full[1]} bytes; after a link's retraction {one_change[0]} requests, "
        f"{one_change[1]} bytes; after a new study and a claim sent back to "
        f"draft {two_changes[0]} requests, {two_changes[1]} bytes; idle poll "
        f"{idle[0]} request, {idle[1]} bytes\nfull read: {full[2]}"
    )
