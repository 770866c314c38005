"""The embedded default takes concurrent writes: gunicorn as configured, on a
SQLite file, with editors writing through the API from several threads at
once, queues the writers (IMMEDIATE transactions, a busy timeout, WAL)
instead of answering 503 "send it again".

Runs on either test database: the server gets a SQLite file of its own.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
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


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server_on_sqlite(tmp_path):
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
        },
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'atlas.sqlite3'}",
        "API_THROTTLE_USER": "off",
        "API_RESPONSE_CACHE_SECONDS": "0",
    }

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
        ).stdout

    manage("migrate", "--noinput", "-v0")
    output = manage("shell", "-c", SETUP.format(writers=WRITERS))
    data = json.loads(output.strip().splitlines()[-1])
    port = free_port()
    # Workers and threads from gunicorn.conf.py (2 x 8).
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        + ["-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.get(f"{base}/healthz", timeout=2)
            break
        except requests.RequestException:
            time.sleep(0.1)
    yield base, data
    server.terminate()
    server.wait(timeout=20)


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
