"""The benchmark's report: results.md and the latency chart, from the results."""

# Endpoint names as locust reports them, in table order.
ENDPOINTS = [
    "API claims list",
    "API claim detail",
    "API evidence list (type, design)",
    "API studies search",
    "page /claims/",
    "page /claims/<slug>/",
    "page /claims/<slug>/ (5 largest claims)",
]


def markdown(report):
    m = report["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {report['date']} with `make bench` (bench/run.py). Machine: {m['cpu']}, "
        f"{m['cores']} cores, {m['ram_gib']} GiB RAM; PostgreSQL {m['postgresql']}; "
        f"Python {m['python']}. App and baseline: gunicorn as gunicorn.conf.py "
        "configures it (2 workers of 8 threads) each; "
        "locust on the same machine, loopback.",
        "",
    ]
    for size in report["sizes"]:
        lines += [
            f"## {size['evidence']:,} evidence links "
            f"({size['claims']:,} claims, {size['studies']:,} studies)",
            "",
            f"Readers: 50 users waiting 0.5–1.5 s, {report['duration']} s. "
            f"Worker peak RSS: {size['worker_peak_rss_mib']} MiB. Load average "
            f"{size['load_average']['before_readers']} before the run, "
            f"{size['load_average']['after_readers']} after (2 cores).",
            "",
            "| endpoint | requests | errors | p50 ms | p95 ms | p99 ms | req/s | queries (first / later) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in [*ENDPOINTS, "Aggregated"]:
            row = size["readers"].get(name)
            if not row:
                continue
            q = size["queries"].get(name)
            queries = f"{q['first']} / {q['later']}" if q else ""
            lines.append(
                f"| {name} | {row['requests']} | {row['errors']} | {row['p50_ms']:g} | "
                f"{row['p95_ms']:g} | {row['p99_ms']:g} | {row['rps']:g} | {queries} |"
            )
        q = size["queries"]["API evidence list, cursor"]
        lines.append(
            f"| API evidence list, cursor (queries only) | | | | | | | {q['first']} / {q['later']} |"
        )
        t = size["throughput"]
        app, base, cached = t["app"], t["baseline"], t["app_response_cache"]
        e = size["csv_export"]
        q = size["queries"]["CSV export"]
        lines += [
            "",
            "Evidence list throughput, 4 users without waiting:",
            "",
            "| server | req/s | p50 ms | p95 ms | errors | share of baseline |",
            "|---|---:|---:|---:|---:|---:|",
            f"| raw psycopg + orjson baseline | {base['rps']:g} | {base['p50_ms']:g} | {base['p95_ms']:g} | {base['errors']} | 100% |",
            f"| app, no response cache | {app['rps']:g} | {app['p50_ms']:g} | {app['p95_ms']:g} | {app['errors']} | {100 * app['rps'] / base['rps']:.0f}% |",
            f"| app, response cache warm | {cached['rps']:g} | {cached['p50_ms']:g} | {cached['p95_ms']:g} | {cached['errors']} | {100 * cached['rps'] / base['rps']:.0f}% |",
            "",
            f"CSV export: {e['rows']:,} rows ({e['megabytes']} MB) in {e['seconds']} s "
            f"({e['rows_per_second']:,} rows/s), {q['later']} queries; worker RSS "
            f"{e['worker_rss_before_mib']} → peak {e['worker_rss_peak_mib']} MiB "
            f"(growth {e['worker_rss_growth_mib']} MiB).",
            f"Data generated in {size['generate_seconds']} s.",
            "",
        ]
    sizes = report["sizes"]
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        lines += [
            f"## Cost growth: p95 at {last['evidence']:,} ÷ p95 at {first['evidence']:,} links",
            "",
            "| endpoint | p95 small | p95 large | ratio |",
            "|---|---:|---:|---:|",
        ]
        for name in ENDPOINTS:
            a, b = first["readers"].get(name), last["readers"].get(name)
            if a and b:
                lines.append(
                    f"| {name} | {a['p95_ms']:g} | {b['p95_ms']:g} | {b['p95_ms'] / a['p95_ms']:.2f} |"
                )
        lines.append("")
    lines.append("![p95 latency against data size](latency.png)")
    return "\n".join(lines) + "\n"


def plot(report, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [size["evidence"] for size in report["sizes"]]
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    for name in ENDPOINTS:
        values = [
            size["readers"].get(name, {}).get("p95_ms") for size in report["sizes"]
        ]
        if all(v is not None for v in values):
            left.plot(sizes, values, marker="o", label=name)
    left.set(
        xscale="log", xlabel="evidence links", ylabel="p95 latency (ms)",
        title="p95 latency, 50 readers waiting 0.5–1.5 s",
    )  # fmt: skip
    left.axhline(50, color="grey", linestyle=":", linewidth=1)
    left.axhline(80, color="grey", linestyle="--", linewidth=1)
    left.legend(fontsize=7)
    for key, label in [
        ("baseline", "raw psycopg + orjson"),
        ("app", "app, no response cache"),
        ("app_response_cache", "app, response cache warm"),
    ]:
        values = [size["throughput"][key]["rps"] for size in report["sizes"]]
        right.plot(sizes, values, marker="o", label=label)
    right.set(
        xscale="log", xlabel="evidence links", ylabel="requests/s",
        title="Evidence list throughput, 4 users, no wait",
    )  # fmt: skip
    right.set_ylim(bottom=0)
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
