"""The benchmark: generate data, serve the app as in production, load it, report.

    python bench/run.py                      # 10k, 100k and 1M evidence links
    python bench/run.py --sizes 10000,50000  # a quicker run

Needs PostgreSQL (BENCH_DATABASE, default atlas_perf_bench on 127.0.0.1:5432)
and Redis (127.0.0.1:6379). Writes bench/results/results.{json,md} and
latency.png; raw locust output goes to bench/results/raw/. See bench/README.md.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import markdown, plot  # noqa: E402
from harness import NO_RATE_LIMITS, Gunicorn, manage, production_env  # noqa: E402

RESULTS = ROOT / "bench" / "results"
RAW = RESULTS / "raw"
PYTHON = sys.executable
REDIS_DB = 9


def log(message):
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def shape(evidence):
    """Claims and studies for a number of links (1M links: 2,000 and 100,000)."""
    return max(50, evidence // 500), max(1000, evidence // 10)


def psql(database, sql):
    output = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line.split("|") for line in output.strip().splitlines() if line]


def machine(database):
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")  # noqa: SIM115
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in open("/proc/meminfo")  # noqa: SIM115
        if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(memory_kb / 1024 / 1024, 1),
        "postgresql": psql(database, "SHOW server_version")[0][0],
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def app_env(database, response_cache, root=ROOT, name="app"):
    return production_env(
        RAW / name,
        **NO_RATE_LIMITS,
        # bench/queries.py runs as a script and imports the settings.
        PYTHONPATH=str(root),
        # bench/queries.py counts queries with Django's test client.
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        API_RESPONSE_CACHE_SECONDS="60" if response_cache else "0",
    )


def serve(app, env, name, root=ROOT):
    """``app`` (of the checkout at ``root``) under gunicorn as its
    gunicorn.conf.py configures it (2 workers of 8 threads, as in
    production), ready."""
    return Gunicorn(
        env, app=app, log_path=RAW / f"gunicorn-{name}.log", root=root
    ).start()


def claim_page_cpu(env, root=ROOT, profiles=None):
    """bench/claim_page_cpu.py for the median and the largest claim: CPU ms
    per page (median and max of 30), on a quiet machine (no server running)."""
    command = [PYTHON, str(ROOT / "bench" / "claim_page_cpu.py"), "--json"]
    command += ["--requests", "30"]
    if profiles:
        command += ["--profile", str(profiles)]
    output = subprocess.run(
        command, cwd=root, env={**env, "BENCH_APP_ROOT": str(root)},
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


def before_run(evidence, args, database, targets_path):
    """The earlier checkout (``--before``) on the same data, in the same
    minutes: the readers and the throughput of its lists (the baseline's
    are the current run's: the same JSON)."""
    env = app_env(database, False, root=args.before, name="before")
    flush_redis()
    log("before: claim page CPU")
    page_cpu = claim_page_cpu(env, args.before)
    app = serve("config.wsgi:application", env, f"before-{evidence}", root=args.before)
    try:
        log("before: warm-up")
        locust(app.url, "readers", 50, 10, targets_path, f"before-warmup-{evidence}")
        load = Path("/proc/loadavg").read_text().split()[0]
        log(f"before: readers, 50 users, {args.duration} s (load average {load})")
        readers = locust(
            app.url, "readers", 50, args.duration, targets_path,
            f"before-readers-{evidence}",
        )  # fmt: skip
        log("before: throughput")
        rates = throughput({"app": app}, args.throughput_duration)
    finally:
        app.stop()
    return {
        "readers": readers,
        "load_average": load,
        "throughput": rates,
        "claim_page_cpu": page_cpu,
    }


def workers(server):
    path = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return [int(pid) for pid in path.read_text().split()]


def memory(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # MiB
    return 0.0


def peak_rss_of(server):
    return max(memory(pid, "VmHWM") for pid in workers(server))


def reset_peaks(server):
    for pid in workers(server):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def locust(host, mix, users, seconds, targets, name, exclude_tags=()):
    prefix = RAW / name
    command = [
        PYTHON,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    if exclude_tags:
        command += ["--exclude-tags", *exclude_tags]
    env = {**os.environ, "BENCH_TARGETS": str(targets), "BENCH_MIX": mix}
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL)
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "rps": round(float(row["Requests/s"]), 1),
            }
    return stats


WRK = "/usr/bin/wrk"
WRK_THREADS, WRK_CONNECTIONS, WRK_WARMUP = 2, 4, 3
# The lists measured for throughput, each at 20 and 100 rows a page.
THROUGHPUT_LISTS = [
    ("evidence list", "/api/v1/evidence/?evidence_type=controlled&page=3"),
    ("claims list", "/api/v1/claims/?page=1"),
    ("studies list", "/api/v1/studies/?page=1"),
]
PAGE_SIZES = (20, 100)
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _milliseconds(text):
    for unit in ("us", "ms", "s", "m"):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * _UNITS[unit]
    return float(text) * 1000.0


def parse_wrk(output):
    """req/s, latency percentiles (ms), requests and errors from wrk's
    ``--latency`` output."""
    result = {"errors": 0}
    lines = output.splitlines()
    for index, line in enumerate(lines):
        words = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = round(float(words[1]), 1)
        elif "requests in" in line:
            result["requests"] = int(words[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            result["errors"] += int(words[-1])
        elif line.strip().startswith("Socket errors:"):
            result["errors"] += sum(
                int(part.split()[-1]) for part in line.split(":", 1)[1].split(",")
            )
        elif line.strip() == "Latency Distribution":
            for row in lines[index + 1 : index + 5]:
                percent, value = row.split()
                result[f"p{percent.rstrip('%')}_ms"] = round(_milliseconds(value), 2)
    return result


def wrk(url, seconds):
    """``url`` loaded by wrk, closed loop: 2 threads, 4 connections."""
    output = subprocess.run(
        [
            WRK, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s",
            "--latency", url,
        ],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return parse_wrk(output)


def body(server, path):
    """The JSON body of ``path``, with the server's address taken out."""
    with urllib.request.urlopen(server.url + path, timeout=60) as response:
        return response.read().replace(server.url.encode(), b"")


def throughput(servers, seconds, lists=THROUGHPUT_LISTS):
    """Each list at each page size, on each server in ``servers`` (name →
    server, or None to skip), warmed for WRK_WARMUP s, then loaded for
    ``seconds``: the app and the baseline one after the other, in the same
    minutes."""
    rows = []
    for name, path in lists:
        for size in PAGE_SIZES:
            url = f"{path}&page_size={size}"
            row = {"name": name, "page_size": size, "url": url}
            live = {key: server for key, server in servers.items() if server}
            if "app" in live and "baseline" in live:
                # The baseline must answer what the app answers, or its
                # figure means nothing (tests/test_bench_baseline.py).
                row["same_body"] = body(live["app"], url) == body(live["baseline"], url)
            for key, server in live.items():
                wrk(server.url + url, WRK_WARMUP)
                row[key] = wrk(server.url + url, seconds)
            rows.append(row)
    return rows


def targets_for(database, path):
    claims = [
        row[0]
        for row in psql(
            database,
            "SELECT slug FROM evidence_claim WHERE status = 'published' ORDER BY random() LIMIT 300",
        )
    ]
    largest = [
        row[0]
        for row in psql(
            database,
            "SELECT slug FROM evidence_claim WHERE status = 'published' "
            "ORDER BY evidence_count DESC LIMIT 5",
        )
    ]
    data = {
        "claims": claims,
        "largest_claims": largest,
        "filters": [
            ["controlled", "rct"], ["controlled", "controlled"], ["controlled", "animal"],
            ["self_report", "survey"], ["self_report", "naturalistic"],
            ["self_report", "review"], ["anecdotal", "testimonial"],
        ],
        # The field's own words: from common (most abstracts) to rare.
        "search_words": [
            "amygdala", "ketamine", "hippocampus", "rumination", "zebrafish",
            "cytokines", "veterans", "insomnia", "mindfulness", "serotonin",
        ],
    }  # fmt: skip
    path.write_text(json.dumps(data))
    return data


def csv_filter(database, rows=100_000):
    """A design filter whose published links number about ``rows``."""
    counts = psql(
        database,
        "SELECT s.design, count(*) FROM evidence_evidence e "
        "JOIN evidence_claim c ON c.id = e.claim_id "
        "JOIN studies_study s ON s.id = e.study_id "
        "WHERE e.status = 'published' AND c.status = 'published' "
        "GROUP BY 1 ORDER BY 2 DESC",
    )
    chosen, total = [], 0
    for design, number in counts:
        if total + int(number) <= rows * 1.15:
            chosen.append(design)
            total += int(number)
    if total < rows * 0.5:  # everything is fewer than asked for
        return "", sum(int(n) for _, n in counts)
    return "&".join(f"design={design}" for design in chosen), total


def csv_export(server, query):
    reset_peaks(server)
    before = max(memory(pid, "VmRSS") for pid in workers(server))
    started = time.perf_counter()
    size, lines = 0, 0
    with urllib.request.urlopen(
        f"{server.url}/api/v1/evidence/?format=csv&{query}", timeout=600
    ) as response:
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    peak = max(memory(pid, "VmHWM") for pid in workers(server))
    return {
        "rows": lines - 1,
        "megabytes": round(size / 1e6, 1),
        "seconds": round(elapsed, 2),
        "rows_per_second": round((lines - 1) / elapsed),
        "worker_rss_before_mib": round(before, 1),
        "worker_rss_peak_mib": round(peak, 1),
        "worker_rss_growth_mib": round(peak - before, 1),
    }


def flush_redis():
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()


def run_size(evidence, args, database):
    claims, studies = shape(evidence)
    log(f"=== {evidence:,} links: {claims:,} claims, {studies:,} studies")
    env = app_env(database, response_cache=False)
    manage(env, "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    manage(
        env, "generate_synthetic", "--claims", str(claims), "--studies", str(studies),
        "--evidence", str(evidence), "--seed", str(args.seed), "--force",
    )  # fmt: skip
    generated = round(time.perf_counter() - started, 1)
    targets_path = RAW / f"targets-{evidence}.json"
    targets = targets_for(database, targets_path)
    flush_redis()

    query, csv_rows = csv_filter(database)
    urls = {
        "API claims list": "/api/v1/claims/",
        "API claim detail": f"/api/v1/claims/{targets['largest_claims'][0]}/",
        "API evidence list (type, design)": "/api/v1/evidence/?evidence_type=controlled&design=rct&page=2",
        "API evidence list, cursor": "/api/v1/evidence/?cursor=&evidence_type=controlled",
        "API studies search": "/api/v1/studies/?q=ketamine",
        "page /claims/": "/claims/",
        "page /claims/<slug>/": f"/claims/{targets['claims'][0]}/",
        "page /claims/<slug>/ (5 largest claims)": f"/claims/{targets['largest_claims'][0]}/",
        "CSV export": f"/api/v1/evidence/?format=csv&{query}",
    }
    log("queries per request (Django test client)")
    queries = json.loads(
        subprocess.run(
            [PYTHON, "bench/queries.py", json.dumps(urls)],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout
    )  # fmt: skip
    flush_redis()
    log("claim page CPU (Django test client)")
    last = evidence == max(int(size) for size in args.sizes.split(","))
    page_cpu = claim_page_cpu(env, profiles=RESULTS / "profiles" if last else None)
    flush_redis()

    app = serve("config.wsgi:application", env, f"app-{evidence}")
    try:
        baseline = serve(
            "bench.baseline:application",
            {**env, "BASELINE_DSN": f"dbname={database} host=127.0.0.1 user=postgres"},
            f"baseline-{evidence}",
        )
    except BaseException:
        app.stop()
        raise
    try:
        log("warm-up")
        locust(app.url, "readers", 50, 10, targets_path, f"warmup-{evidence}")
        reset_peaks(app)
        load_before = Path("/proc/loadavg").read_text().split()[0]
        log(f"readers: 50 users, {args.duration} s (load average {load_before})")
        readers = locust(
            app.url, "readers", 50, args.duration, targets_path, f"readers-{evidence}"
        )
        load_after = Path("/proc/loadavg").read_text().split()[0]
        log(f"CSV export ({csv_rows:,} rows)")
        export = csv_export(app, query)
        peak_rss = peak_rss_of(app)
        log(
            f"throughput: wrk, {WRK_THREADS} threads, {WRK_CONNECTIONS} connections, "
            f"{args.throughput_duration} s each after {WRK_WARMUP} s of warm-up"
        )
        rates = throughput({"app": app, "baseline": baseline}, args.throughput_duration)
    except BaseException:
        baseline.stop()
        raise
    finally:
        app.stop()
    flush_redis()
    cached_app = serve(
        "config.wsgi:application", app_env(database, True), f"cached-{evidence}"
    )
    try:
        log("throughput: the app with its response cache warm, evidence list")
        cached = {
            (row["name"], row["page_size"]): row
            for row in throughput(
                {"app_response_cache": cached_app},
                args.throughput_duration,
                THROUGHPUT_LISTS[:1],
            )
        }
    finally:
        cached_app.stop()
        baseline.stop()
    for row in rates:
        row["ratio"] = round(row["app"]["rps"] / row["baseline"]["rps"], 3)
        warm = cached.get((row["name"], row["page_size"]))
        if warm:
            row["app_response_cache"] = warm["app_response_cache"]
            row["cached_ratio"] = round(
                warm["app_response_cache"]["rps"] / row["baseline"]["rps"], 3
            )
    before = before_run(evidence, args, database, targets_path) if args.before else None
    return {
        "evidence": evidence,
        "claims": claims,
        "studies": studies,
        "before": before,
        "generate_seconds": generated,
        "readers": readers,
        "load_average": {"before_readers": load_before, "after_readers": load_after},
        "queries": queries,
        "worker_peak_rss_mib": round(peak_rss, 1),
        "claim_page_cpu": page_cpu,
        "csv_export": export,
        "throughput": {
            "tool": "wrk",
            "threads": WRK_THREADS,
            "connections": WRK_CONNECTIONS,
            "warmup_seconds": WRK_WARMUP,
            "seconds": args.throughput_duration,
            "lists": rates,
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument(
        "--duration", type=int, default=60, help="seconds of the readers run"
    )
    parser.add_argument(
        "--throughput-duration",
        type=int,
        default=10,
        help="seconds of each wrk run (after 3 s of warm-up)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database", default=os.environ.get("BENCH_DATABASE", "atlas_perf_bench")
    )
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of an earlier version (git worktree add DIR COMMIT), "
        "measured beside this one on the same data",
    )
    args = parser.parse_args()
    if not args.database.startswith("atlas_perf"):
        parser.error("the benchmark database's name must start with atlas_perf")
    RAW.mkdir(parents=True, exist_ok=True)
    if not psql(
        "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'"
    ):
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", args.database], check=True
        )
    env = app_env(args.database, False)
    manage(env, "collectstatic", "--noinput", "-v0")
    if args.before:
        args.before = args.before.resolve()
        manage(
            app_env(args.database, False, root=args.before, name="before"),
            "collectstatic", "--noinput", "-v0", root=args.before,
        )  # fmt: skip
    report = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(args.database),
        "duration": args.duration,
        "sizes": [],
    }
    for evidence in [int(size) for size in args.sizes.split(",")]:
        report["sizes"].append(run_size(evidence, args, args.database))
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    (output / "results.md").write_text(markdown(report))
    plot(report, output / "latency.png")
    log(f"written: {output}/results.md, results.json, latency.png")


if __name__ == "__main__":
    main()
