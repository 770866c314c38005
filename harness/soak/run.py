"""The soak run: a fresh database, the server, the load, the checks, the report."""

import atexit
import collections
import os
import random
import secrets
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import django
import requests

from harness import NO_RATE_LIMITS, Gunicorn, ScratchDatabase, manage, production_env

from .cli import options
from .client import TIMEOUT, Client, Stats, is_5xx, log
from .ledger import RUN, Ledger
from .oracle import verify
from .readers import Reader
from .writers import ConflictPair, Writer


def forget_cached(redis_url):
    """Drop this run's keys from the shared cache."""
    import redis

    connection = redis.Redis.from_url(redis_url)
    keys = list(connection.scan_iter(f"soak-{RUN}:*"))
    if keys:
        connection.delete(*keys)


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
    database = ScratchDatabase(args.database, args.postgres)
    workdir = Path(tempfile.mkdtemp(prefix="atlas-soak-"))
    env = production_env(workdir, **NO_RATE_LIMITS, DATABASE_URL=database.url)
    if args.redis:
        # The workers' shared cache, as in production; this run's keys only.
        env.update(REDIS_URL=args.redis, CACHE_KEY_PREFIX=f"soak-{RUN}")
        atexit.register(forget_cached, args.redis)

    log(f"run {RUN}: database {args.database}, work files in {workdir}")
    database.recreate()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed", capture=True)
    manage(env, "collectstatic", "--noinput", "-v0")

    # This process reads the database directly for the setup and the checks.
    os.environ.update(
        {key: env[key] for key in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "DATABASE_URL")}
    )  # fmt: skip
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

    server = Gunicorn(
        env,
        workers=args.workers,
        threads=args.threads,
        log_path=workdir / "gunicorn.log",
    )
    server.start()
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

        deadlocks_before = database.deadlocks()
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
        deadlocks = database.deadlocks() - deadlocks_before
        # Read before stopping: workers log their exit when told to stop.
        server_problems = server.logged_errors()
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
