"""Throughput of the scaled-out topology next to a single instance.

Builds a PostgreSQL primary with a streaming standby (harness/postgres.py), seeds
the primary, then serves the same anonymous reads with threads of a closed
loop, first from one gunicorn instance (primary only), then from two
instances sharing Redis and reading from the standby, round-robin. Prints
requests per second, p50 and p95 of each, and the ratio. On a 2-core machine
no gain in capacity is expected: the point of the topology is correctness
(tests/test_replica.py); this shows what it costs.

    .venv/bin/python bench/replica_topology.py [--seconds 15] [--clients 8]
"""

import argparse
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import (  # noqa: E402
    NO_RATE_LIMITS,
    Gunicorn,
    StreamingReplicaPair,
    manage,
    production_env,
)

REDIS_DB = 14
PATHS = [
    "/api/v1/claims/",
    "/api/v1/evidence/?evidence_type=controlled",
    "/api/v1/studies/?page=2",
    "/claims/",
]


def load(urls, seconds, clients):
    latencies, errors, stop = [], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def client(n):
        session = requests.Session()
        i = n
        while time.monotonic() < stop:
            url = urls[i % len(urls)] + PATHS[i % len(PATHS)]
            i += 1
            started = time.perf_counter()
            try:
                ok = session.get(url, timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += not ok

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "errors": errors[0],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="atlas-topology-"))
    store = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    store.flushdb()
    with StreamingReplicaPair() as pair:
        pair.primary.sql("CREATE DATABASE atlas")
        env = production_env(
            folder,
            **NO_RATE_LIMITS,
            DATABASE_URL=pair.primary.url("atlas"),
            REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
            CACHE_KEY_PREFIX=f"topology-{secrets.token_hex(4)}",
            API_RESPONSE_CACHE_SECONDS="0",
        )
        print("migrate, seed, collectstatic ...", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed")
        manage(env, "collectstatic", "--noinput", "-v0")
        pair.wait_until_replayed()
        results = {}
        with Gunicorn(env, workers=2, threads=8) as single:
            load([single.url], 3, args.clients)  # warm up
            results["one instance, primary only"] = load(
                [single.url], args.seconds, args.clients
            )
        store.flushdb()
        scaled = {**env, "DATABASE_REPLICA_URL": pair.standby.url("atlas")}
        with (
            Gunicorn(scaled, workers=2, threads=8) as first,
            Gunicorn(scaled, workers=2, threads=8) as second,
        ):
            urls = [first.url, second.url]
            load(urls, 3, args.clients)
            results["two instances, reads on the standby"] = load(
                urls, args.seconds, args.clients
            )
        store.flushdb()
    base = results["one instance, primary only"]["rps"]
    print(f"\n{args.clients} clients, {args.seconds} s each, closed loop, {PATHS}")
    for name, figures in results.items():
        print(
            f"{name:40} {figures['rps']:7.1f} req/s ({figures['rps'] / base:.2f}×)  "
            f"p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms  "
            f"{figures['requests']} requests, {figures['errors']} errors"
        )


if __name__ == "__main__":
    main()
