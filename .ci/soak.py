#!/usr/bin/env python3
"""Soak test: readers, API clients and curators' writes together on PostgreSQL.

    .venv/bin/python .ci/soak.py                    # 120 s of load (make soak)
    SOAK_SECONDS=600 .venv/bin/python .ci/soak.py   # a longer run

Drops and recreates the database SOAK_DATABASE (``evidence_atlas_soak``) on
PostgreSQL at 127.0.0.1:5432, migrates and seeds it, adds curators and
editors, and serves it with gunicorn (several workers and threads, DEBUG off)
on a free loopback port. For SOAK_SECONDS, threads of four kinds then run at
once:

- readers: the HTML pages (home, claim lists with filters and search, claim
  and study pages);
- API clients: lists with filters, pages and cursors, details with
  conditional GETs, CSV exports, the schema;
- writers, curators and editors with API tokens: studies and evidence links
  created, edited with If-Match, published, retracted and deleted, mostly on
  a few shared claims so that their writes meet on the same rows; editors
  also edit the description of a claim of their own while others link to it;
- a conflict pair: two editors change the same object with the same ETag at
  the same moment; exactly one must win, the other gets 412 and re-applies.

Each writer keeps a ledger of what it wrote (ids, and the values of every
successful write). The run passes when no response was a 5xx (or any other
status the client did not expect), PostgreSQL counted no deadlock and the
server logged no error, and the database holds exactly what the ledgers say:
every object with its last written values, deleted ones gone, no object
nobody reported, and each claim's stored evidence profile, certainty and
versions equal to a recomputation from its links. Exits 1 otherwise.
"""

import argparse
import atexit
import collections
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent

try:
    import django
except ImportError:  # started with a Python outside the project's virtualenv
    for candidate in (
        Path(os.environ.get("VIRTUAL_ENV", "/nonexistent")) / "bin" / "python",
        ROOT / ".venv" / "bin" / "python",
    ):
        if candidate.exists() and Path(sys.executable) != candidate:
            os.execv(candidate, [str(candidate), *sys.argv])
    sys.exit("Run this with the project's virtualenv Python (make soak does).")

import psycopg2  # noqa: E402
import requests  # noqa: E402

TIMEOUT = 60
RUN = secrets.token_hex(3)
STUDY_FIELDS = [
    "title",
    "authors",
    "year",
    "journal",
    "doi",
    "design",
    "population",
    "sample_size",
    "dose",
    "retracted",
    "retraction_date",
    "status",
]
LINK_FIELDS = [
    "claim",
    "study",
    "evidence_type",
    "direction",
    "finding",
    "status",
    "retraction_reason",
    "effect_measure",
    "reported_estimate",
    "reported_ci_low",
    "reported_ci_high",
]
DESIGNS = ["rct", "controlled", "open_label", "naturalistic", "survey", "animal"]
POPULATIONS = ["clinical", "healthy", "animal", "other"]
DOSES = ["micro", "macro", "na"]
EVIDENCE_TYPES = ["controlled", "self_report", "anecdotal"]
DIRECTIONS = ["supports", "contradicts", "mixed"]
WORDS = ["psilocybin", "amygdala", "microdosing", "plasticity", "depression", "mood"]


def log(message):
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument(
        "--seconds", type=float, default=float(env("SOAK_SECONDS", "120"))
    )
    parser.add_argument(
        "--database", default=env("SOAK_DATABASE", "evidence_atlas_soak")
    )
    parser.add_argument(
        "--postgres",
        default=env("SOAK_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="server URL without a database name",
    )
    parser.add_argument(
        "--redis",
        default=env("SOAK_REDIS_URL", "redis://127.0.0.1:6379/12"),
        help="shared cache of the workers, as in production; empty for none",
    )
    parser.add_argument("--readers", type=int, default=int(env("SOAK_READERS", "3")))
    parser.add_argument("--api-clients", type=int, default=int(env("SOAK_API", "3")))
    parser.add_argument("--curators", type=int, default=int(env("SOAK_CURATORS", "2")))
    parser.add_argument("--editors", type=int, default=int(env("SOAK_EDITORS", "2")))
    parser.add_argument("--workers", type=int, default=int(env("SOAK_WORKERS", "3")))
    parser.add_argument("--threads", type=int, default=int(env("SOAK_THREADS", "4")))
    parser.add_argument("--seed", type=int, default=int(env("SOAK_SEED", "0")) or None)
    parser.add_argument(
        "--progress", type=float, default=float(env("SOAK_PROGRESS", "5"))
    )
    return parser.parse_args()


# --- Database and server ----------------------------------------------------


class Postgres:
    def __init__(self, server_url, database):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", database) or database in {
            "evidence_atlas",
            "atlas_main_local",
            "postgres",
        }:
            raise SystemExit(f"Refusing to drop the database {database!r}.")
        self.server_url = server_url.rstrip("/")
        self.database = database

    @property
    def url(self):
        return f"{self.server_url}/{self.database}"

    def _admin(self):
        connection = psycopg2.connect(f"{self.server_url}/postgres")
        connection.autocommit = True
        return connection

    def recreate(self):
        # Not "with connection": psycopg2 would open a transaction, in which
        # DROP DATABASE cannot run.
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'
                )
                cursor.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            connection.close()

    def deadlocks(self):
        """PostgreSQL's count of deadlocks detected in this database."""
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT deadlocks FROM pg_stat_database WHERE datname = %s",
                    [self.database],
                )
                row = cursor.fetchone()
        finally:
            connection.close()
        return row[0] if row else 0


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_env(args, workdir):
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "API_THROTTLE", "AXES_"))
        },
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": Postgres(args.postgres, args.database).url,
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        # Loopback HTTP: there is no TLS to redirect to (production puts it
        # in front of gunicorn).
        "SECURE_SSL_REDIRECT": "0",
        # The load comes from one address at hundreds of requests a second:
        # rate limits would answer most of it with 429 and the run would
        # test the throttle (tested on its own in tests/) instead of what
        # the writes do to the data. The same goes for the sign-in lockout,
        # which would only count the token requests of the writers.
        "API_THROTTLE_ANON": "off",
        "API_THROTTLE_USER": "off",
        "API_THROTTLE_TOKEN": "off",
        "AXES_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
    }
    if args.redis:
        env["REDIS_URL"] = args.redis
        env["CACHE_KEY_PREFIX"] = f"soak-{RUN}"
    return env


def forget_cached(redis_url):
    """Drop this run's keys from the shared cache."""
    import redis

    connection = redis.Redis.from_url(redis_url)
    keys = list(connection.scan_iter(f"soak-{RUN}:*"))
    if keys:
        connection.delete(*keys)


def manage(env, *arguments):
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


class Server:
    """gunicorn with several workers of several threads, its output in a file."""

    def __init__(self, env, workers, threads, log_path):
        self.port = free_port()
        self.log_path = log_path
        self.log_file = open(log_path, "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--timeout",
                "60",
                # Its default path is one per machine user, shared with any
                # other gunicorn running here (tests, benchmarks).
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or busy
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within 60 s; see {self.log_path}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()

    def problems(self):
        """Lines of the server's output that report an error."""
        pattern = re.compile(
            r"Traceback|deadlock|ERROR|CRITICAL|WORKER TIMEOUT|Internal Server Error"
            r"|SIGKILL|Worker exiting",
            re.IGNORECASE,
        )
        lines = Path(self.log_path).read_text(errors="replace").splitlines()
        return [line for line in lines if pattern.search(line)]


# --- Requests, counted -------------------------------------------------------


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


# --- What the writers report ---------------------------------------------------


class Ledger:
    """What the writers believe is stored: each object's last written values."""

    def __init__(self):
        self.lock = threading.Lock()
        self.studies, self.links, self.claims = {}, {}, {}
        self.deleted_studies, self.deleted_links = set(), set()
        self.touched_claims = set()

    def study(self, pk, values):
        with self.lock:
            self.studies.setdefault(pk, {}).update(values)

    def link(self, pk, values):
        with self.lock:
            self.links.setdefault(pk, {}).update(values)
            self.touched_claims.add(self.links[pk]["claim"])

    def claim(self, slug, values):
        with self.lock:
            self.claims.setdefault(slug, {}).update(values)
            self.touched_claims.add(slug)

    def study_deleted(self, pk):
        with self.lock:
            self.studies.pop(pk)
            self.deleted_studies.add(pk)

    def link_deleted(self, pk):
        with self.lock:
            self.touched_claims.add(self.links.pop(pk)["claim"])
            self.deleted_links.add(pk)

    def study_ids(self):
        with self.lock:
            return list(self.studies) + list(self.deleted_studies)

    def link_ids(self):
        with self.lock:
            return list(self.links) + list(self.deleted_links)


def study_payload(rng, name, number):
    return {
        "title": f"Soak {RUN} {name} study {number}: {rng.choice(WORDS)} and mood",
        "authors": [f"Writer {name.title()}", "Soak T"],
        "year": rng.randint(1995, 2024),
        "journal": "Journal of Soak Testing",
        "doi": f"10.5555/soak.{RUN}.{name}.{number}",
        "design": rng.choice(DESIGNS),
        "population": rng.choice(POPULATIONS),
        "sample_size": rng.randint(5, 500),
        "dose": rng.choice(DOSES),
    }


def echoed(response, values):
    """The fields of ``values`` that the response body contradicts."""
    body = response.json()
    return {
        name: body.get(name)
        for name, value in values.items()
        if body.get(name) != value
    }


class Writer:
    """A curator or editor writing through the API, on its own objects.

    Only this writer changes its studies and links (the conflict pair shares
    its objects on purpose), so that its ledger holds their final values; the
    claims it links to are shared with every other writer.
    """

    def __init__(self, name, role, client, ledger, stats, claims, own_claim, rng):
        self.name, self.role, self.client = name, role, client
        self.ledger, self.stats, self.rng = ledger, stats, rng
        self.claims, self.own_claim = claims, own_claim
        self.editor = role == "editor"
        self.studies = {}  # id → ids of its links (any status)
        self.published_studies = set()  # new studies are drafts until published
        self.links = {}  # id → {"claim", "study", "status"}
        self.number = 0

    def run(self, deadline):
        actions = [
            (self.create_study, lambda: 3 if len(self.studies) < 3 else 1),
            (self.edit_study, lambda: 2 if self.studies else 0),
            (self.create_link, lambda: 5 if self._free_pair() else 0),
            (self.edit_link, lambda: 4 if self._links("draft", "in_review") else 0),
            (self.submit_link, lambda: 1 if self._links("draft") else 0),
        ]
        if self.editor:
            actions += [
                (self.publish_link, lambda: 3 if self._links("draft", "in_review") else 0),
                (self.edit_link_published, lambda: 3 if self._links("published") else 0),
                (self.remove_link, lambda: 2 if self._links("draft", "in_review", "published") else 0),
                (self.publish_study, lambda: 1 if self._draft_studies() else 0),
                (self.delete_study, lambda: 1 if self._unlinked_studies() else 0),
                (self.retract_study, lambda: 0.2 if self.studies else 0),
                (self.edit_own_claim, lambda: 0.5),
            ]  # fmt: skip
        while time.monotonic() < deadline:
            weights = [weight() for _, weight in actions]
            action = self.rng.choices([a for a, _ in actions], weights=weights)[0]
            action()

    # Helpers

    def _links(self, *statuses):
        return [pk for pk, link in self.links.items() if link["status"] in statuses]

    def _free_pair(self):
        taken = {(link["study"], link["claim"]) for link in self.links.values()}
        pairs = [
            (study, claim)
            for study in self.studies
            for claim in self.claims
            if (study, claim) not in taken
        ]
        return self.rng.choice(pairs) if pairs else None

    def _unlinked_studies(self):
        # Once published, a study is withdrawn, never deleted.
        return [
            pk
            for pk, links in self.studies.items()
            if not links and pk not in self.published_studies
        ]

    def _draft_studies(self):
        return [pk for pk in self.studies if pk not in self.published_studies]

    def _etag(self, path):
        response = self.client.get(path)
        return response.headers.get("ETag") if response is not None else None

    def _patch(self, path, values, *, expect=(200,)):
        """PATCH with If-Match from a fresh GET; the response, or None."""
        etag = self._etag(path)
        if etag is None:
            return None
        response = self.client.call(
            "PATCH", path, json=values, headers={"If-Match": etag}, expect=expect
        )
        if response is None or response.status_code != 200:
            return None
        wrong = echoed(response, values)
        if wrong:
            self.stats.fail(f"{self.name} PATCH {path} answered {wrong} for {values}")
        return response

    # Actions

    def create_study(self):
        self.number += 1
        values = study_payload(self.rng, self.name, self.number)
        response = self.client.call(
            "POST", "/api/v1/studies/", json=values, expect=(201,)
        )
        if response is None or response.status_code != 201:
            return
        pk = response.json()["id"]
        self.studies[pk] = set()
        self.ledger.study(
            pk,
            {**values, "retracted": False, "retraction_date": None, "status": "draft"},
        )
        self.stats.count("studies created")

    def edit_study(self):
        pk = self.rng.choice(list(self.studies))
        # The design and year are read by the certainty rule: changing them
        # refreshes every claim the study is linked to.
        values = self.rng.choice(
            [
                {"journal": f"Soak Letters {self.rng.randint(1, 999)}"},
                {"sample_size": self.rng.randint(5, 500)},
                {"design": self.rng.choice(DESIGNS)},
                {"year": self.rng.randint(1995, 2024), "dose": self.rng.choice(DOSES)},
            ]
        )
        if self._patch(f"/api/v1/studies/{pk}/", values):
            self.ledger.study(pk, values)
            self.stats.count("studies edited")

    def publish_study(self):
        pk = self.rng.choice(self._draft_studies())
        values = {"status": "published"}
        if self._patch(f"/api/v1/studies/{pk}/", values):
            self.published_studies.add(pk)
            self.ledger.study(pk, values)
            self.stats.count("studies published")

    def retract_study(self):
        pk = self.rng.choice(list(self.studies))
        values = {"retracted": True, "retraction_date": "2024-03-01"}
        if self._patch(f"/api/v1/studies/{pk}/", values):
            self.ledger.study(pk, values)
            self.stats.count("studies retracted")

    def delete_study(self):
        pk = self.rng.choice(self._unlinked_studies())
        path = f"/api/v1/studies/{pk}/"
        etag = self._etag(path)
        if etag is None:
            return
        response = self.client.call(
            "DELETE", path, headers={"If-Match": etag}, expect=(204,)
        )
        if response is not None and response.status_code == 204:
            del self.studies[pk]
            self.ledger.study_deleted(pk)
            self.stats.count("studies deleted")

    def create_link(self):
        study, claim = self._free_pair()
        status = self.rng.choice(
            ["draft", "in_review", "published"]
            if self.editor
            else ["draft", "in_review"]
        )
        values = {
            "claim": claim,
            "study": study,
            "evidence_type": self.rng.choice(EVIDENCE_TYPES),
            "direction": self.rng.choice(DIRECTIONS),
            "finding": f"Soak {RUN}: {self.name} finding {self.rng.randint(1, 10**6)}.",
            "status": status,
        }
        if self.rng.random() < 0.5:
            # A reported mean difference: shared claims then get meta-analyses,
            # which the verification recomputes.
            estimate = round(self.rng.uniform(-10, 10), 2)
            half = round(self.rng.uniform(0.5, 5), 2)
            values.update(
                effect_measure="md",
                reported_estimate=estimate,
                reported_ci_low=round(estimate - half, 2),
                reported_ci_high=round(estimate + half, 2),
            )
        response = self.client.call(
            "POST", "/api/v1/evidence/", json=values, expect=(201,)
        )
        if response is None or response.status_code != 201:
            return
        pk = response.json()["id"]
        wrong = echoed(response, values)
        if wrong:
            self.stats.fail(f"{self.name} POST evidence answered {wrong} for {values}")
        self.links[pk] = {"claim": claim, "study": study, "status": status}
        self.studies[study].add(pk)
        self.ledger.link(pk, {**values, "retraction_reason": ""})
        self.stats.count("links created")

    def _edit_link(self, pk, values, event):
        if self._patch(f"/api/v1/evidence/{pk}/", values):
            self.ledger.link(pk, values)
            if "status" in values:
                self.links[pk]["status"] = values["status"]
            self.stats.count(event)

    def edit_link(self):
        pk = self.rng.choice(self._links("draft", "in_review"))
        values = self.rng.choice(
            [
                {"finding": f"Soak {RUN}: {self.name} revised {self.rng.randint(1, 10**6)}."},
                {"direction": self.rng.choice(DIRECTIONS)},
                {"evidence_type": self.rng.choice(EVIDENCE_TYPES)},
            ]
        )  # fmt: skip
        self._edit_link(pk, values, "links edited")

    def submit_link(self):
        self._edit_link(
            self.rng.choice(self._links("draft")), {"status": "in_review"}, "links submitted"
        )  # fmt: skip

    def publish_link(self):
        pk = self.rng.choice(self._links("draft", "in_review"))
        self._edit_link(pk, {"status": "published"}, "links published")

    def edit_link_published(self):
        pk = self.rng.choice(self._links("published"))
        values = {
            "direction": self.rng.choice(DIRECTIONS),
            "evidence_type": self.rng.choice(EVIDENCE_TYPES),
        }
        self._edit_link(pk, values, "published links regraded")

    def remove_link(self):
        pk = self.rng.choice(self._links("draft", "in_review", "published"))
        path = f"/api/v1/evidence/{pk}/"
        etag = self._etag(path)
        if etag is None:
            return
        published = self.links[pk]["status"] == "published"
        reason = f"Soak {RUN}: withdrawn by {self.name}"
        response = self.client.call(
            "DELETE",
            path,
            params={"reason": reason} if published else None,
            headers={"If-Match": etag},
            expect=(200,) if published else (204,),
        )
        if response is None or response.status_code not in (200, 204):
            return
        if published:
            if response.json().get("status") != "retracted":
                self.stats.fail(f"{self.name} DELETE {path}: not retracted")
            self.links[pk]["status"] = "retracted"
            self.ledger.link(pk, {"status": "retracted", "retraction_reason": reason})
            self.stats.count("links retracted")
        else:
            self.studies[self.links.pop(pk)["study"]].discard(pk)
            self.ledger.link_deleted(pk)
            self.stats.count("links deleted")

    def edit_own_claim(self):
        """The description of this editor's claim, while everyone links to it.

        Other writers' links change the claim's representation (its profile,
        certainty, version) all the time, so a 412 here is expected: like a
        real client, the editor fetches it again and re-applies, a few times.
        """
        path = f"/api/v1/claims/{self.own_claim}/"
        values = {"description": f"Soak {RUN}: described by {self.name}, {self.rng.randint(1, 10**6)}."}  # fmt: skip
        for _ in range(5):
            response = self._patch(path, values, expect=(200, 412))
            if response is not None:
                self.ledger.claim(self.own_claim, values)
                self.stats.count("claim descriptions edited")
                return
            self.stats.count("claim edits re-applied after 412")
        self.stats.fail(f"{self.name}: claim {self.own_claim} refused 5 edits in a row")


class ConflictPair:
    """Two editors changing the same object with the same ETag at once."""

    def __init__(self, clients, ledger, stats, claims, rng):
        self.clients, self.ledger, self.stats = clients, ledger, stats
        self.claims, self.rng = claims, rng
        self.round = 0

    def setup(self):
        first = self.clients[0]
        values = study_payload(self.rng, "pair", 0)
        response = first.call("POST", "/api/v1/studies/", json=values, expect=(201,))
        self.study = response.json()["id"]
        self.ledger.study(
            self.study,
            {**values, "retracted": False, "retraction_date": None, "status": "draft"},
        )
        self.targets = [(f"/api/v1/studies/{self.study}/", "journal", None)]
        for status in ("draft", "published"):
            link = {
                "claim": self.claims[0 if status == "draft" else 1],
                "study": self.study,
                "evidence_type": "controlled",
                "direction": "supports",
                "finding": f"Soak {RUN}: shared {status} link.",
                "status": status,
            }
            response = first.call("POST", "/api/v1/evidence/", json=link, expect=(201,))
            pk = response.json()["id"]
            self.ledger.link(pk, {**link, "retraction_reason": ""})
            field = "finding" if status == "draft" else "direction"
            self.targets.append((f"/api/v1/evidence/{pk}/", field, pk))

    def value(self, field, who, current):
        if field == "direction":
            # Never the stored value: a write that changes nothing stores
            # nothing, so the other writer's ETag would rightly still match.
            return self.rng.choice([d for d in DIRECTIONS if d != current])
        return f"Soak {RUN}: round {self.round} by editor {who}."

    def run(self, deadline):
        while time.monotonic() < deadline:
            self.round += 1
            path, field, link = self.rng.choice(self.targets)
            fetched = self.clients[0].get(path)
            if fetched is None or fetched.status_code != 200:
                continue
            etag, current = fetched.headers.get("ETag"), fetched.json().get(field)
            values = [{field: self.value(field, who, current)} for who in (0, 1)]
            statuses = [None, None]
            barrier = threading.Barrier(2)
            threads = [
                threading.Thread(
                    target=self._write,
                    args=(who, barrier, path, values[who], etag, statuses),
                )
                for who in (0, 1)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if statuses.count(200) == 1:
                # The other write failed, whatever the reason: this one stands.
                self._record(path, link, values[statuses.index(200)])
            if sorted(statuses, key=str) != [200, 412]:
                self.stats.fail(
                    f"conflict on {path}: statuses {statuses}, expected one 200 and one 412"
                )
                if statuses.count(200) != 1:
                    return  # which of the two writes stands is unknown
                continue
            loser = statuses.index(412)
            self.stats.count("conflicts: one won, one 412")
            # The loser does what the 412 tells it to: fetch again, re-apply.
            fresh = self.clients[loser].get(path).headers.get("ETag")
            response = self.clients[loser].call(
                "PATCH", path, json=values[loser], headers={"If-Match": fresh}
            )
            if response is not None and response.status_code == 200:
                self._record(path, link, values[loser])
                self.stats.count("conflicts: loser re-applied")

    def _write(self, who, barrier, path, values, etag, statuses):
        barrier.wait()
        response = self.clients[who].call(
            "PATCH", path, json=values, headers={"If-Match": etag}, expect=(200, 412)
        )
        statuses[who] = response.status_code if response is not None else None

    def _record(self, path, link, values):
        if link is None:
            self.ledger.study(self.study, values)
        else:
            self.ledger.link(link, values)


# --- Readers -----------------------------------------------------------------


class Reader:
    """Reads pages or the API as the public does; writers' objects may vanish."""

    def __init__(self, client, ledger, claims, studies, rng, api):
        self.client, self.ledger, self.rng = client, ledger, rng
        self.claims, self.studies = claims, studies
        self.api = api
        self.etags = {}

    def run(self, deadline):
        actions = self.api_actions() if self.api else self.page_actions()
        while time.monotonic() < deadline:
            self.rng.choices(
                [action for action, _ in actions], [weight for _, weight in actions]
            )[0]()

    def page_actions(self):
        get, rng = self.client.get, self.rng
        return [
            (lambda: get("/"), 1),
            (lambda: get("/claims/"), 1),
            (lambda: get(f"/claims/?topic={rng.choice(['mechanism', 'effect', 'risk'])}&evidence_type={rng.choice(EVIDENCE_TYPES)}"), 2),
            (lambda: get(f"/claims/?q={rng.choice(WORDS)}&ordering=-strength"), 1),
            (lambda: get(f"/claims/{rng.choice(self.claims)}/"), 4),
            (lambda: get(f"/claims/{rng.choice(self.claims)}/?evidence_type={rng.choice(EVIDENCE_TYPES)}&direction={rng.choice(DIRECTIONS)}"), 1),
            (lambda: get(f"/claims/{rng.choice(self.claims)}/v/1/"), 1),
            (lambda: get(f"/studies/?q={rng.choice(WORDS)}"), 1),
            (lambda: get(f"/studies/?design={rng.choice(DESIGNS)}&ordering=-year"), 1),
            (lambda: get(f"/studies/{rng.choice(self.studies)}/"), 2),
            (self.writers_study_page, 2),
        ]  # fmt: skip

    def writers_study_page(self):
        ids = self.ledger.study_ids()
        if ids:
            self.client.get(f"/studies/{self.rng.choice(ids)}/", expect=(200, 404))

    def api_actions(self):
        get, rng = self.client.get, self.rng
        return [
            (lambda: get(f"/api/v1/claims/?page_size={rng.choice([5, 10])}&page={rng.randint(1, 2)}&ordering={rng.choice(['-strength', 'statement', '-updated'])}"), 2),
            (lambda: get(f"/api/v1/claims/?topic=effect&certainty={rng.choice(['low', 'very_low', 'moderate'])}"), 1),
            (lambda: self.conditional(f"/api/v1/claims/{rng.choice(self.claims)}/"), 3),
            (lambda: get(f"/api/v1/claims/{rng.choice(self.claims)}/versions/"), 1),
            (lambda: self.pages(f"/api/v1/evidence/?claim={rng.choice(self.claims)}&page_size=5"), 2),
            (lambda: self.pages(f"/api/v1/evidence/?evidence_type={rng.choice(EVIDENCE_TYPES)}&direction={rng.choice(DIRECTIONS)}&cursor="), 1),
            (lambda: get(f"/api/v1/studies/?q={rng.choice(WORDS)}&design={rng.choice(DESIGNS)}"), 1),
            (lambda: self.conditional(f"/api/v1/studies/{rng.choice(self.studies)}/"), 2),
            (self.writers_objects, 2),
            (lambda: self.csv(f"/api/v1/evidence/?format=csv&claim={rng.choice(self.claims)}"), 1),
            (lambda: self.csv(f"/api/v1/studies/?format=csv&design={rng.choice(DESIGNS)}"), 0.5),
            (lambda: self.csv("/api/v1/claims/?format=csv"), 0.5),
            (lambda: get("/api/v1/schema/"), 0.1),
        ]  # fmt: skip

    def conditional(self, path):
        etag = self.etags.get(path)
        response = self.client.get(
            path, headers={"If-None-Match": etag} if etag else {}, expect=(200, 304)
        )
        if response is not None and response.status_code == 200:
            self.etags[path] = response.headers.get("ETag")

    def pages(self, path, limit=3):
        for _ in range(limit):
            numbered = "page=" in path
            response = self.client.get(path, expect=(200, 404) if numbered else (200,))
            if response is None:
                return
            if response.status_code == 404:
                self.shrank_meanwhile(path)
                return
            if response.status_code != 200:
                return
            path = response.json().get("next")
            if not path:
                return

    def shrank_meanwhile(self, path):
        """A numbered page past the end is right only if writers removed links
        since the page before offered it: the list must now end before it."""
        query = parse_qs(urlsplit(path).query)
        number, size = int(query["page"][0]), int(query.get("page_size", ["20"])[0])
        del query["page"]
        first = self.client.get(
            urlsplit(path)._replace(query=urlencode(query, doseq=True)).geturl()
        )
        if first is not None and first.status_code == 200:
            count = first.json()["count"]
            if count > (number - 1) * size:
                self.client.stats.fail(f"{path}: 404, but the list now holds {count}")

    def csv(self, path):
        response = self.client.get(path)
        if response is not None and response.status_code == 200:
            if not response.headers.get("Content-Type", "").startswith("text/csv"):
                self.client.stats.fail(f"{path}: not CSV")

    def writers_objects(self):
        # Anonymous readers see published links only; drafts answer 404.
        if self.rng.random() < 0.5:
            ids = self.ledger.study_ids()
            path = "/api/v1/studies/{}/"
        else:
            ids = self.ledger.link_ids()
            path = "/api/v1/evidence/{}/"
        if ids:
            self.client.get(path.format(self.rng.choice(ids)), expect=(200, 404))


# --- Verification --------------------------------------------------------------


def verify(ledger, usernames, run_title):
    """Compare the database with the ledgers; return a list of differences."""
    from evidence.effects import EFFECT_NUMBER_FIELDS
    from evidence.models import Claim, Evidence
    from evidence.profile import empty_counts, evidence_profile
    from evidence.services import stored_assessment
    from evidence.synthesis import main_pooled_effect, pooled, pooled_stored
    from evidence.verdict import LinkAppraisal, claim_verdict
    from studies.models import Study

    problems = []

    def same(kind, pk, stored, expected, source="the writer wrote"):
        for name, value in expected.items():
            if stored[name] != value:
                problems.append(
                    f"{kind} {pk}: {name} is {stored[name]!r}, {source} {value!r}"
                )

    studies = {
        study.pk: study
        for study in Study.objects.filter(pk__in=list(ledger.studies) + list(ledger.deleted_studies))
    }  # fmt: skip
    for pk, expected in ledger.studies.items():
        study = studies.get(pk)
        if study is None:
            problems.append(f"study {pk} is missing")
            continue
        stored = {name: getattr(study, name) for name in STUDY_FIELDS}
        if stored["retraction_date"] is not None:
            stored["retraction_date"] = stored["retraction_date"].isoformat()
        same("study", pk, stored, expected)
    for pk in ledger.deleted_studies & set(studies):
        problems.append(f"study {pk} was deleted (204) but is still stored")

    links = {
        link.pk: link
        for link in Evidence.objects.select_related("claim").filter(
            pk__in=list(ledger.links) + list(ledger.deleted_links)
        )
    }
    for pk, expected in ledger.links.items():
        link = links.get(pk)
        if link is None:
            problems.append(f"evidence link {pk} is missing")
            continue
        stored = {name: getattr(link, name) for name in LINK_FIELDS}
        stored["claim"], stored["study"] = link.claim.slug, link.study_id
        same("evidence link", pk, stored, expected)
    for pk in ledger.deleted_links & set(links):
        problems.append(f"evidence link {pk} was deleted (204) but is still stored")

    # Nothing stored that no writer reported (a write answered with an error
    # that happened all the same, or twice).
    extra_studies = Study.objects.filter(title__startswith=run_title).exclude(
        pk__in=list(ledger.studies)
    )
    extra_links = Evidence.objects.filter(added_by__username__in=usernames).exclude(
        pk__in=list(ledger.links)
    )
    for kind, extra in (("studies", extra_studies), ("evidence links", extra_links)):
        ids = list(extra.values_list("pk", flat=True)[:20])
        if ids:
            problems.append(f"{kind} stored that no writer reported: {ids}")

    for slug, expected in ledger.claims.items():
        claim = Claim.objects.get(slug=slug)
        same("claim", slug, {"description": claim.description}, expected)

    # Every claim's stored profile, certainty and latest version against a
    # recomputation from its links, counted here in plain Python.
    checked = 0
    for claim in Claim.objects.prefetch_related("evidence__study", "versions"):
        counts, appraisals, effect_rows = empty_counts(), [], []
        for link in claim.evidence.all():
            if (
                link.status != "published"
                or link.study.status != "published"
                or link.study.retracted
            ):
                continue
            counts[link.evidence_type][link.direction] += 1
            effect_rows.append(
                {
                    "id": link.pk,
                    "effect_measure": link.effect_measure,
                    **{name: getattr(link, name) for name in EFFECT_NUMBER_FIELDS},
                    "study_sample_size": link.study.sample_size,
                }
            )
            appraisals.append(
                LinkAppraisal(
                    evidence_type=link.evidence_type,
                    direction=link.direction,
                    design=link.study.design,
                    sample_size=link.study.sample_size,
                    risk_of_bias=link.risk_of_bias,
                    indirectness=link.indirectness,
                    indirectness_reasons=tuple(link.indirectness_reasons or ()),
                    imprecision=link.imprecision,
                    inconsistency=link.inconsistency,
                    publication_bias=link.publication_bias,
                    large_effect=link.large_effect,
                    dose_response=link.dose_response,
                )
            )
        profile = evidence_profile(counts)
        pooled_results = pooled(sorted(effect_rows, key=lambda row: row["id"]))
        verdict = claim_verdict(
            appraisals,
            pooled=main_pooled_effect(pooled_results),
            favours=claim.effect_favours_claim,
        )
        expected = stored_assessment(claim=claim, profile=profile, verdict=verdict)
        same("claim", claim.slug, {name: getattr(claim, name) for name in expected}, expected, "recomputed from its links:")  # fmt: skip
        expected_meta = pooled_stored(pooled_results)
        same("claim", claim.slug, {"meta_analyses": claim.meta_analyses}, {"meta_analyses": expected_meta}, "recomputed from its links:")  # fmt: skip
        versions = sorted(claim.versions.all(), key=lambda version: version.number)
        numbers = [version.number for version in versions]
        # claim.version: the latest published version (a claim that left
        # publication keeps it; its withdrawal record is not one).
        public = [
            version.number for version in versions if version.status == "published"
        ]
        if (
            numbers != list(range(1, len(numbers) + 1))
            or claim.version != (public or [0])[-1]
        ):
            problems.append(
                f"claim {claim.slug}: versions {numbers[:5]}… (version {claim.version})"
            )
        if claim.status == "published" and versions:
            latest = versions[-1]
            same(
                f"claim {claim.slug} latest version",
                latest.number,
                {name: getattr(latest, name) for name in ("profile_counts", "evidence_count", "certainty", "verdict_direction", "verdict_text", "strength_score", "description")},
                {name: getattr(claim, name) for name in ("profile_counts", "evidence_count", "certainty", "verdict_direction", "verdict_text", "strength_score", "description")},
                "the claim has",
            )  # fmt: skip
        checked += 1
    return problems, checked


# --- The run -------------------------------------------------------------------


def summary_table(stats, seconds):
    kinds = sorted(stats.statuses)
    lines = [
        f"{'kind':<10} {'requests':>8} {'req/s':>7} {'2xx':>6} {'3xx':>5} {'4xx':>5} "
        f"{'5xx':>4} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  statuses"
    ]
    for kind in [*kinds, "total"]:
        if kind == "total":
            counter = sum(stats.statuses.values(), collections.Counter())
            durations = [d for values in stats.durations.values() for d in values]
        else:
            counter, durations = stats.statuses[kind], stats.durations[kind]

        def band(low, counter=counter):
            return sum(
                n
                for s, n in counter.items()
                if isinstance(s, int) and low <= s < low + 100
            )

        total = sum(counter.values())
        quantiles = (
            statistics.quantiles(durations, n=20) if len(durations) > 1 else [0] * 19
        )
        lines.append(
            f"{kind:<10} {total:>8} {total / seconds:>7.1f} {band(200):>6} "
            f"{band(300):>5} {band(400):>5} {band(500):>4} {counter['error']:>6} "
            f"{statistics.median(durations) * 1000 if durations else 0:>7.0f} "
            f"{quantiles[18] * 1000:>7.0f} {max(durations, default=0) * 1000:>7.0f}  "
            + ", ".join(f"{s}: {n}" for s, n in sorted(counter.items(), key=str))
        )
    return "\n".join(lines)


def progress(stats, started, stop, every):
    while not stop.wait(every):
        elapsed = time.monotonic() - started
        total = stats.total()
        with stats.lock:
            events = dict(stats.events)
        writes = sum(n for event, n in events.items() if "conflicts" not in event)
        log(
            f"{elapsed:5.0f} s  {total} requests ({total / elapsed:.0f}/s), "
            f"5xx {stats.total(is_5xx)}, failures {len(stats.failures)}, "
            f"writes {writes}, conflicts {events.get('conflicts: one won, one 412', 0)}"
        )


def main():
    args = options()
    rng = random.Random(args.seed)
    began = time.monotonic()
    postgres = Postgres(args.postgres, args.database)
    workdir = Path(tempfile.mkdtemp(prefix="atlas-soak-"))
    env = app_env(args, workdir)
    if args.redis:
        atexit.register(forget_cached, args.redis)

    log(f"run {RUN}: database {args.database}, work files in {workdir}")
    postgres.recreate()
    manage(env, "migrate", "--noinput")
    manage(env, "seed")
    manage(env, "collectstatic", "--noinput")

    # This process reads the database directly for the setup and the checks.
    os.environ.update(
        {key: env[key] for key in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DATABASE_URL")}
    )  # fmt: skip
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from evidence.models import Claim
    from studies.models import Study

    published = list(
        Claim.objects.published().order_by("slug").values_list("slug", flat=True)
    )
    # Most links land on a few claims, so that writers meet on the same rows.
    shared_claims = published[:4]
    seeded_studies = list(Study.objects.values_list("pk", flat=True))
    password = secrets.token_urlsafe(16)
    roles = [("curator", "Curators")] * args.curators + [("editor", "Editors")] * (
        args.editors + 2
    )
    users = []
    for number, (role, group) in enumerate(roles, start=1):
        user = get_user_model().objects.create_user(
            username=f"soak-{role}-{number}", password=password
        )
        user.groups.add(Group.objects.get(name=group))
        users.append((user.username, role))
    setup_seconds = time.monotonic() - began

    server = Server(env, args.workers, args.threads, workdir / "gunicorn.log")
    try:
        log(
            f"gunicorn on {server.url}: {args.workers} workers × {args.threads} threads "
            f"(setup {setup_seconds:.0f} s)"
        )
        stats, ledger = Stats(), Ledger()
        tokens = {}
        for username, _ in users:
            response = requests.post(
                f"{server.url}/api/v1/auth/token/",
                json={"username": username, "password": password, "name": "soak"},
                timeout=TIMEOUT,
            )
            response.raise_for_status()
            tokens[username] = response.json()["token"]

        def client(kind, username=None):
            return Client(server.url, stats, kind, tokens.get(username))

        deadlocks_before = postgres.deadlocks()
        *writer_users, pair_a, pair_b = users
        editors_seen = 0
        tasks = []
        for username, role in writer_users:
            own_claim = None
            if role == "editor":
                own_claim = published[-1 - editors_seen]
                editors_seen += 1
            claims = shared_claims + rng.sample(published[4:], 2)
            writer = Writer(
                username.removeprefix("soak-"),
                role,
                client("writer", username),
                ledger,
                stats,
                claims,
                own_claim,
                random.Random(rng.random()),
            )
            tasks.append(writer.run)
        pair = ConflictPair(
            [client("conflict", pair_a[0]), client("conflict", pair_b[0])],
            ledger,
            stats,
            shared_claims,
            random.Random(rng.random()),
        )
        pair.setup()
        tasks.append(pair.run)
        for kind, number in (("reader", args.readers), ("api", args.api_clients)):
            for _ in range(number):
                reader = Reader(
                    client(kind),
                    ledger,
                    published,
                    seeded_studies,
                    random.Random(rng.random()),
                    api=kind == "api",
                )
                tasks.append(reader.run)

        def guarded(task, deadline):
            try:
                task(deadline)
            except Exception as error:  # a bug in this script, or a surprising body
                stats.fail(f"{task.__qualname__} stopped: {error!r}")
                raise

        log(
            f"load for {args.seconds:.0f} s: {args.readers} readers, {args.api_clients} API "
            f"clients, {args.curators} curators, {args.editors} editors, a conflict pair"
        )
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(target=guarded, args=(task, deadline), daemon=True)
            for task in tasks
        ]
        stop = threading.Event()
        ticker = threading.Thread(
            target=progress, args=(stats, started, stop, args.progress), daemon=True
        )
        ticker.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1, deadline - time.monotonic()) + 2 * TIMEOUT)
            if thread.is_alive():
                stats.fail("a load thread did not stop")
        stop.set()
        load_seconds = time.monotonic() - started

        # Backends report their statistics within a second or so of going idle.
        time.sleep(2)
        deadlocks = postgres.deadlocks() - deadlocks_before
        # Read before stopping: workers log their exit when told to stop.
        server_problems = server.problems()
        server.stop()

        problems, claims_checked = verify(
            ledger, [username for username, _ in users], f"Soak {RUN} "
        )
        total = stats.total()
        print()
        print(summary_table(stats, load_seconds))
        print()
        print(
            "writes: " + ", ".join(f"{e} {n}" for e, n in sorted(stats.events.items()))
        )
        print(
            f"verified: {len(ledger.studies)} studies, {len(ledger.links)} evidence links, "
            f"{len(ledger.deleted_studies)} + {len(ledger.deleted_links)} deleted, "
            f"{len(ledger.claims)} claim descriptions, {claims_checked} claims' profiles, "
            f"certainty and versions"
        )
        print(
            f"{total} requests in {load_seconds:.0f} s ({total / load_seconds:.0f}/s); "
            f"5xx {stats.total(is_5xx)}; deadlocks {deadlocks}; "
            f"whole run {time.monotonic() - began:.0f} s"
        )

        failures = list(stats.failures)
        if stats.total(is_5xx):
            failures.append(f"{stats.total(is_5xx)} responses were 5xx")
        if deadlocks:
            failures.append(f"PostgreSQL detected {deadlocks} deadlock(s)")
        failures += [f"server log: {line}" for line in server_problems[:30]]
        failures += problems
        if failures:
            # The work files (server log, static files) are kept for a look.
            print(
                f"\nSOAK FAILED ({len(failures)} problems; server log {server.log_path}):"
            )
            for line in failures[:60]:
                print(f"  - {line}")
            return 1
        shutil.rmtree(workdir)
        print("\nSoak passed.")
        return 0
    finally:
        server.stop()  # also when this script fails half-way


if __name__ == "__main__":
    sys.exit(main())
