"""HTTP clients that count every response and check its status."""

import collections
import threading
import time

import requests

# Seconds a request may take before it counts as failed.
TIMEOUT = 60


def log(message):
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = collections.defaultdict(collections.Counter)
        self.durations = collections.defaultdict(list)
        self.failures = []
        self.events = collections.Counter()

    def record(self, kind, status, seconds):
        with self.lock:
            self.statuses[kind][status] += 1
            self.durations[kind].append(seconds)

    def count(self, event, number=1):
        with self.lock:
            self.events[event] += number

    def fail(self, message):
        with self.lock:
            self.failures.append(message)
            shown = len(self.failures) <= 20
        if shown:
            log(f"FAILURE: {message}")

    def total(self, predicate=lambda status: True):
        with self.lock:
            return sum(
                number
                for counter in self.statuses.values()
                for status, number in counter.items()
                if predicate(status)
            )


def is_5xx(status):
    return isinstance(status, int) and status >= 500


class Client:
    """A requests session that counts every response and checks its status."""

    def __init__(self, base, stats, kind, token=None):
        self.base, self.stats, self.kind = base, stats, kind
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Token {token}"

    def call(self, method, path, *, expect=(200,), **kwargs):
        url = path if path.startswith("http") else self.base + path
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs
            )
            response.content  # noqa: B018 (read streamed bodies whole)
        except requests.RequestException as error:
            self.stats.record(self.kind, "error", time.perf_counter() - started)
            self.stats.fail(f"{self.kind} {method} {path}: {error!r}")
            return None
        self.stats.record(
            self.kind, response.status_code, time.perf_counter() - started
        )
        if response.status_code not in expect:
            self.stats.fail(
                f"{self.kind} {method} {path}: {response.status_code}, expected "
                f"{'/'.join(map(str, expect))}: {response.text[:300]!r}"
            )
        return response

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)
