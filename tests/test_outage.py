"""A real database outage: the app answers 503 and recovers by itself.

The app runs under gunicorn against PostgreSQL through a TCP proxy that the
test cuts and restores, as a network partition or a database restart would.
"""

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.factories import EvidenceFactory

ROOT = Path(__file__).resolve().parent.parent

# Committed data, visible to the server: a list with claims on it has to read
# them, whereas an empty one can be drawn from the cached count alone.
pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CuttableProxy:
    """Forwards a local port to the database until cut, then refuses."""

    def __init__(self, target):
        self.target = target
        self.port = free_port()
        self.sockets = []
        self.listener = None

    def up(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(
            target=self._accept, args=(self.listener,), daemon=True
        ).start()

    def cut(self):
        # shutdown() wakes the thread blocked in accept(); close() alone
        # would leave the port listening until the next connection.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.sockets = []

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), daemon=True
                ).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass


@pytest.fixture
def app_behind_proxy(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "a network outage is simulated on PostgreSQL; CI runs this suite on it too"
        )
    database = settings.DATABASES["default"]
    proxy = CuttableProxy(
        (database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
    )
    proxy.up()
    port = free_port()
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key != "DJANGO_ALLOW_ASYNC_UNSAFE"
        },
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DB_CONN_MAX_AGE": "600",
        "DATABASE_URL": f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    # The first request waits for the worker to boot: seconds on a busy machine.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/healthz", timeout=10)
            break
        except requests.RequestException:
            time.sleep(0.2)
    yield base, proxy
    server.terminate()
    server.wait(timeout=10)
    proxy.cut()


def test_a_database_outage_gives_503_and_the_app_recovers(app_behind_proxy):
    base, proxy = app_behind_proxy
    evidence = EvidenceFactory()
    listing = requests.get(f"{base}/claims/", timeout=10)
    assert listing.status_code == 200 and evidence.claim.statement in listing.text
    assert requests.get(f"{base}/healthz", timeout=10).json()["status"] == "ok"

    proxy.cut()
    page = requests.get(f"{base}/claims/", timeout=10)
    assert page.status_code == 503
    assert "briefly unavailable" in page.text and "Traceback" not in page.text
    assert int(page.headers["Retry-After"]) > 0
    api = requests.get(f"{base}/api/v1/claims/", timeout=10)
    assert (api.status_code, api.json()["database"]) == (503, "unavailable")
    health = requests.get(f"{base}/healthz", timeout=10)
    assert health.status_code == 503 and health.json() == {
        "status": "unavailable",
        "databases": {"default": "unavailable"},
    }

    proxy.up()
    statuses = [
        requests.get(f"{base}/claims/", timeout=10).status_code for _ in range(3)
    ]
    assert statuses[-1] == 200 and 500 not in statuses
    assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
