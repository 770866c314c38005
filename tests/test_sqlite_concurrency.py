"""The embedded default takes concurrent writes: gunicorn as configured, on a
SQLite file, with editors writing through the API from several threads at
once, queues the writers (IMMEDIATE transactions, a busy timeout, WAL)
instead of answering 503 "send it again".

Runs on either test database: the server gets a SQLite file of its own.
"""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from harness import NO_RATE_LIMITS, Gunicorn, manage, production_env

WRITERS = 6
WRITES_EACH = 12

SETUP = """
import json
from accounts.models import ApiToken
from evidence.models import Claim, Status
from studies.models import Study
from tests.factories import EditorFactory
keys = [ApiToken.issue(user=EditorFactory(username=f"editor{{n}}"), name="t")[1] for n in range({writers})]
claims = [Claim.objects.create(statement=f"Compound {{n}} lifts mood", topic="effect", status=Status.DRAFT).slug for n in range(3)]
studies = [Study.objects.create(title=f"Trial {{n}}", year=2020, design="rct", population="clinical", dose="micro").pk for n in range(3)]
print(json.dumps({{"keys": keys, "claims": claims, "studies": studies}}))
"""


@pytest.fixture
def server_on_sqlite(tmp_path):
    env = production_env(
        tmp_path,
        **NO_RATE_LIMITS,
        DATABASE_URL=f"sqlite:///{tmp_path / 'atlas.sqlite3'}",
        API_RESPONSE_CACHE_SECONDS="0",
    )
    manage(env, "migrate", "--noinput", "-v0", timeout=180)
    output = manage(
        env, "shell", "-c", SETUP.format(writers=WRITERS), capture=True, timeout=180
    )
    data = json.loads(output.strip().splitlines()[-1])
    # Workers and threads from gunicorn.conf.py (2 x 8).
    with Gunicorn(env) as server:
        yield server.url, data


def test_concurrent_api_writes_on_sqlite_queue_instead_of_failing(server_on_sqlite):
    base, data = server_on_sqlite

    def write(writer):
        session = requests.Session()
        session.headers["Authorization"] = f"Token {data['keys'][writer]}"
        statuses = []
        for number in range(WRITES_EACH):
            slug = data["claims"][(writer + number) % len(data["claims"])]
            study = data["studies"][(writer + number) % len(data["studies"])]
            text = f"writer {writer}, write {number}"
            responses = [
                session.patch(
                    f"{base}/api/v1/claims/{slug}/",
                    json={"description": text},
                    timeout=60,
                ),
                session.patch(
                    f"{base}/api/v1/studies/{study}/",
                    json={"journal": text},
                    timeout=60,
                ),
            ]
            statuses += [
                (response.status_code, response.text[:200]) for response in responses
            ]
        return statuses

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = [
            status
            for statuses in pool.map(write, range(WRITERS))
            for status in statuses
        ]
    failures = [result for result in results if result[0] != 200]
    assert not failures, failures[:5]
    assert len(results) == WRITERS * WRITES_EACH * 2
