"""Scale-out on a real streaming replica: two gunicorn instances sharing Redis,
a PostgreSQL primary and a hot standby made with PostgreSQL's own tools.

With the standby delayed, writers still read their own writes through either
instance and anonymous counts are right once the standby has the write; with
the standby stopped, reads are served from the primary and /healthz says
"degraded"; when it comes back, the site uses it again without a restart.
"""

import secrets
import time

import pytest
import redis
import requests
from django.conf import settings

from tests.harness import Gunicorn, StreamingReplicaPair, manage, production_env

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
            folder / "static",
            DATABASE_URL=pair.primary.url("atlas"),
            REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
            CACHE_KEY_PREFIX=f"replica-{secrets.token_hex(4)}",
            API_THROTTLE_ANON="off",
            API_THROTTLE_USER="off",
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
