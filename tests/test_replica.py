"""Scale-out on a real streaming replica: two gunicorn instances sharing Redis,
a PostgreSQL primary and a hot standby made with PostgreSQL's own tools.

With the standby delayed, writers still read their own writes through either
instance and anonymous counts are right once the standby has the write; with
the standby stopped, reads are served from the primary and /healthz says
"degraded"; when it comes back, the site uses it again without a restart.
"""

import re
import secrets
import time
from html.parser import HTMLParser

import pytest
import redis
import requests
from django.conf import settings

from harness import (
    NO_RATE_LIMITS,
    Gunicorn,
    StreamingReplicaPair,
    manage,
    production_env,
)

REDIS_DB = 13
STANDBY_DELAY_SECONDS = 2
TRIALS = 50

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="streaming replication is PostgreSQL's; CI runs this suite on it too",
)

CREATE_EDITOR = """
from django.contrib.auth.models import Group
from accounts.models import ApiToken, User
user = User.objects.create_user("replica-editor", password="a long replica password 42")
user.is_staff = True
user.save()
user.groups.add(Group.objects.get(name="Editors"))
print(ApiToken.issue(user=user, name="replica test")[1])
"""


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replica")
    store = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    store.flushdb()
    with StreamingReplicaPair() as pair:
        pair.primary.sql("CREATE DATABASE atlas")
        env = production_env(
            folder,
            **NO_RATE_LIMITS,
            DATABASE_URL=pair.primary.url("atlas"),
            REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
            CACHE_KEY_PREFIX=f"replica-{secrets.token_hex(4)}",
            REPLICA_RETRY_SECONDS="2",
        )
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        token = manage(env, "shell", "-c", CREATE_EDITOR, capture=True).split()[-1]
        pair.wait_until_replayed()
        env["DATABASE_REPLICA_URL"] = pair.standby.url("atlas")
        instances = [
            Gunicorn(env, workers=2, log_path=folder / f"gunicorn-{n}.log").start()
            for n in range(2)
        ]
        try:
            editor = requests.Session()
            editor.headers["Authorization"] = f"Token {token}"
            # A token's first use writes to the primary (its last use).
            editor.get(f"{instances[0].url}/api/v1/claims/", timeout=10)
            yield {"pair": pair, "instances": instances, "editor": editor}
        finally:
            for instance in instances:
                instance.stop()
            store.flushdb()


@pytest.fixture
def lagging(topology):
    pair = topology["pair"]
    pair.delay(STANDBY_DELAY_SECONDS)
    yield topology
    pair.delay(0)
    pair.wait_until_replayed()


def other(instances, n):
    return instances[n % 2].url, instances[(n + 1) % 2].url


def test_a_writer_reads_each_create_back_through_the_other_instance(lagging):
    editor, instances = lagging["editor"], lagging["instances"]
    run = secrets.token_hex(3)
    misses = []

    for n in range(TRIALS):
        writer, reader = other(instances, n)
        created = editor.post(
            f"{writer}/api/v1/claims/",
            json={"statement": f"Replica claim {run} {n}", "topic": "effect"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        read = editor.get(
            f"{reader}/api/v1/claims/{created.json()['slug']}/", timeout=10
        )
        if read.status_code != 200:
            misses.append((n, read.status_code))

    assert misses == []


def test_a_writer_reads_each_update_back_through_the_other_instance(lagging):
    editor, instances = lagging["editor"], lagging["instances"]
    slug = editor.post(
        f"{instances[0].url}/api/v1/claims/",
        json={"statement": f"Replica updates {secrets.token_hex(3)}", "topic": "risk"},
        timeout=10,
    ).json()["slug"]
    stale = []

    for n in range(TRIALS):
        writer, reader = other(instances, n)
        wording = f"Revised wording number {n}"
        changed = editor.patch(
            f"{writer}/api/v1/claims/{slug}/", json={"description": wording}, timeout=10
        )
        assert changed.status_code == 200, changed.text
        read = editor.get(f"{reader}/api/v1/claims/{slug}/", timeout=10).json()
        if read["description"] != wording:
            stale.append(n)

    assert stale == []


def test_anonymous_counts_are_right_once_the_standby_has_the_write(lagging):
    pair, editor, instances = lagging["pair"], lagging["editor"], lagging["instances"]
    statement = f"Published through the primary {secrets.token_hex(3)}"
    slug = editor.post(
        f"{instances[0].url}/api/v1/claims/",
        json={"statement": statement, "topic": "effect"},
        timeout=10,
    ).json()["slug"]
    for status in ("in_review", "published"):
        assert (
            editor.patch(
                f"{instances[0].url}/api/v1/claims/{slug}/",
                json={"status": status},
                timeout=10,
            ).status_code
            == 200
        )
    expected = int(
        pair.primary.sql(
            "SELECT count(*) FROM evidence_claim WHERE status = 'published'", "atlas"
        )
    )
    anonymous = requests.Session()

    def counts():
        return [
            anonymous.get(f"{i.url}/api/v1/claims/?page_size=1", timeout=10).json()[
                "count"
            ]
            for i in instances
        ]

    # Anonymous readers read the standby: the count may trail the write by
    # the standby's delay, and is right within the freshness bound after it.
    deadline = time.monotonic() + STANDBY_DELAY_SECONDS + 5
    while counts() != [expected, expected] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert counts() == [expected, expected]
    # ...and stays right: nothing stale was cached meanwhile.
    for _ in range(10):
        assert counts() == [expected, expected]
        time.sleep(0.3)


def test_a_stopped_standby_costs_no_request_and_is_used_again_when_back(topology):
    pair, instances = topology["pair"], topology["instances"]
    anonymous = requests.Session()
    paths = ["/api/v1/claims/", "/claims/", "/api/v1/studies/", "/"]
    pair.standby.stop()
    try:
        statuses = [
            anonymous.get(
                f"{instances[n % 2].url}{paths[n % 4]}", timeout=15
            ).status_code
            for n in range(80)
        ]
        health = anonymous.get(f"{instances[0].url}/healthz", timeout=15)
    finally:
        pair.standby.start()

    assert [s for s in statuses if s >= 500] == []
    assert set(statuses) == {200}
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["databases"] == {"default": "ok", "replica": "unavailable"}

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = anonymous.get(f"{instances[1].url}/healthz", timeout=15).json()
        if body["status"] == "ok":
            break
        time.sleep(0.5)
    assert body == {
        "status": "ok",
        "databases": {"default": "ok", "replica": "ok"},
        "replica_lag_seconds": body["replica_lag_seconds"],
    }
    assert body["replica_lag_seconds"] <= settings.REPLICA_MAX_LAG_SECONDS
    assert anonymous.get(f"{instances[1].url}/api/v1/claims/", timeout=10).ok


class FormFields(HTMLParser):
    """The fields of a page's main form, as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.fields, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields[name] = attrs.get("value", "on")
        elif tag == "select" and name:
            self._select = name
            # A browser sends nothing for a multiple select with nothing chosen.
            if "multiple" not in attrs:
                self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_of(response):
    parser = FormFields()
    parser.feed(response.text)
    return parser.fields


def test_the_admin_shows_an_editor_their_own_add_and_change_through_either_instance(
    lagging,
):
    first, second = (instance.url for instance in lagging["instances"])
    browser = requests.Session()
    login = form_of(browser.get(f"{first}/admin/login/", timeout=10))
    login.update(username="replica-editor", password="a long replica password 42")
    signed_in = browser.post(
        f"{first}/admin/login/?next=/admin/", data=login, timeout=10
    )
    assert signed_in.status_code == 200 and "Log out" in signed_in.text
    statement = f"Added in the admin {secrets.token_hex(3)}"

    add = form_of(browser.get(f"{second}/admin/evidence/claim/add/", timeout=10))
    add.update(statement=statement, topic="effect")
    added = browser.post(
        f"{first}/admin/evidence/claim/add/",
        data=add,
        headers={"Referer": f"{first}/admin/evidence/claim/add/"},
        timeout=10,
    )
    assert "was added successfully" in added.text, added.text[:500]
    listed = browser.get(
        f"{second}/admin/evidence/claim/", params={"q": statement}, timeout=10
    )
    assert statement in listed.text
    claim_id = claim_id_of(listed.text, statement)

    change_url = f"/admin/evidence/claim/{claim_id}/change/"
    change = form_of(browser.get(f"{second}{change_url}", timeout=10))
    change["description"] = "Changed through the first instance."
    changed = browser.post(
        f"{first}{change_url}",
        data=change,
        headers={"Referer": f"{first}{change_url}"},
        timeout=10,
    )
    assert "while you were editing" not in changed.text
    reopened = browser.get(f"{second}{change_url}", timeout=10)
    assert "Changed through the first instance." in reopened.text
    again = form_of(reopened)
    saved_again = browser.post(
        f"{second}{change_url}",
        data=again,
        headers={"Referer": f"{second}{change_url}"},
        timeout=10,
    )
    assert "while you were editing" not in saved_again.text


def claim_id_of(page, statement):
    """The id in the change link of the row that shows ``statement``."""
    for match in re.finditer(r'href="/admin/evidence/claim/(\d+)/change/[^"]*"', page):
        if statement in page[match.end() : match.end() + 2000].split("</tr>")[0]:
            return match.group(1)
    raise AssertionError(f"no row shows {statement!r}")
