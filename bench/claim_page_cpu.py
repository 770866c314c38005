"""CPU time of the claim page, measured with Django's test client.

    DATABASE_URL=postgres://... python bench/claim_page_cpu.py [--profile DIR]

Against the configured database (make data with ``manage.py
generate_synthetic`` first), for the median published claim (by evidence
count) and the largest: one warm-up request each (caches under the data
version filled, as in the steady state), then ``--requests`` GETs of
``/claims/<slug>/``, each timed with ``time.process_time()`` (CPU of this
process: Django, templates, the database driver; not the database server).
Prints the median and the maximum in milliseconds. ``--profile DIR`` writes a
profile of ten more requests per claim to ``DIR/claim-page-median.txt`` and
``DIR/claim-page-largest.txt`` (pyinstrument text and HTML when installed,
cProfile's cumulative listing otherwise).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import django

# BENCH_APP_ROOT: another checkout to measure (bench/run.py --before).
APP_ROOT = os.environ.get("BENCH_APP_ROOT") or Path(__file__).resolve().parent.parent
sys.path.insert(0, str(APP_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production-like: DEBUG off (no query log), no HTTPS redirect for the client.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
os.environ.setdefault("NO_RATE_LIMITS", "1")
django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from evidence.models import Claim  # noqa: E402


def claims():
    """``{"median": slug, "largest": slug}`` among published claims."""
    published = list(
        Claim.objects.published()
        .order_by("evidence_count", "pk")
        .values_list("slug", "evidence_count")
    )
    if not published:
        sys.exit("No published claims: run manage.py generate_synthetic first.")
    median = published[(len(published) - 1) // 2]
    largest = published[-1]
    return {"median": median, "largest": largest}


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def measure(client, url, requests):
    get(client, url)  # warm-up: caches under the current data version
    get(client, url)
    times = []
    for _ in range(requests):
        start = time.process_time()
        get(client, url)
        times.append((time.process_time() - start) * 1000)
    return times


def profile(client, url, path: Path):
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler is not None:
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(10):
            get(client, url)
        profiler.stop()
        path.write_text(profiler.output_text(unicode=False, color=False))
        path.with_suffix(".html").write_text(profiler.output_html())
        return
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        get(client, url)
    prof.disable()
    out = io.StringIO()
    out.write(f"cProfile of 10 GETs of {url} (pyinstrument is not installed)\n\n")
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    path.write_text(out.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--profile", metavar="DIR", type=Path)
    parser.add_argument("--json", action="store_true", help="one JSON line")
    args = parser.parse_args()
    # No collectstatic here: plain static URLs instead of the manifest's.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    client = Client()
    results = {}
    for name, (slug, count) in claims().items():
        url = f"/claims/{slug}/"
        times = measure(client, url, args.requests)
        results[name] = {
            "links": count,
            "median_ms": round(statistics.median(times), 2),
            "max_ms": round(max(times), 2),
            "url": url,
        }
        if not args.json:
            print(
                f"{name:8} {count:6} links  median {statistics.median(times):6.1f} ms"
                f"  max {max(times):6.1f} ms  CPU  ({url})"
            )
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            profile(client, url, args.profile / f"claim-page-{name}.txt")

    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
