"""A real database outage: the app answers 503 and recovers by itself.

The app runs under gunicorn against PostgreSQL through a TCP proxy that the
test cuts and restores, as a network partition or a database restart would.
"""

import socket
import threading

import pytest
import requests
from django.conf import settings
from django.db import connection

from harness import Gunicorn, free_port, manage, production_env
from tests.factories import EvidenceFactory

# Committed data, visible to the server: a list with claims on it has to read
# them, whereas an empty one can be drawn from the cached count alone.
pytestmark = pytest.mark.django_db(transaction=True)


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
    env = production_env(
        tmp_path,
        # Kept connections: the outage must be noticed on a connection that
        # was open before it, not only on new ones.
        DB_CONN_MAX_AGE="600",
        DATABASE_URL=f"postgres://{database['USER']}@127.0.0.1:{proxy.port}/{database['NAME']}",
    )
    manage(env, "collectstatic", "--noinput", "-v0")
    with Gunicorn(env, workers=1) as server:
        yield server.url, proxy
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
