"""Slow clients (slowloris) cannot hold the app: gunicorn as configured
(gunicorn.conf.py) still answers /healthz at once while several connections
trickle their request heads, a line every second.

Bounded: a few connections, on loopback, for a few seconds.
"""

import socket
import threading
import time

import pytest
import requests

from harness import Gunicorn, production_env

SLOW_CONNECTIONS = 6
TRICKLE_SECONDS = 8


@pytest.fixture
def gunicorn_as_configured(tmp_path):
    env = production_env(
        tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'health.sqlite3'}"
    )
    # Only the address: workers, threads and timeouts come from gunicorn.conf.py.
    with Gunicorn(env) as server:
        yield server.port, server.url


def trickle(port, stop):
    """A request head sent one header line a second until ``stop``."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        number = 0
        while not stop.wait(1):
            number += 1
            try:
                sock.sendall(f"X-Slow-{number}: yes\r\n".encode())
            except OSError:
                return


def test_healthz_answers_within_seconds_while_slow_clients_trickle(
    gunicorn_as_configured,
):
    port, base = gunicorn_as_configured
    stop = threading.Event()
    slow = [
        threading.Thread(target=trickle, args=(port, stop), daemon=True)
        for _ in range(SLOW_CONNECTIONS)
    ]
    for thread in slow:
        thread.start()
    try:
        time.sleep(2)  # every slow connection has sent its first bytes
        timings = []
        for _ in range(3):
            started = time.monotonic()
            try:
                status = requests.get(
                    f"{base}/healthz", timeout=TRICKLE_SECONDS
                ).status_code
            except requests.Timeout:
                status = None
            timings.append(time.monotonic() - started)
            assert status == 200, f"no answer within {TRICKLE_SECONDS} s"
        assert max(timings) < 3, timings
    finally:
        stop.set()
        for thread in slow:
            thread.join(timeout=10)
