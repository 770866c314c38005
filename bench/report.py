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


def _cell(run):
    return f"{run['rps']:g} ({run['p50_ms']:g} / {run['p99_ms']:g} ms)"


def throughput_table(t):
    """The wrk table: each list and page size, the app against the baseline."""
    lines = [
        f"Throughput: wrk, closed loop, {t['threads']} threads, {t['connections']} "
        f"connections, {t['seconds']} s each after {t['warmup_seconds']} s of "
        "warm-up; app and baseline in the same minutes. Cells: req/s (p50 / p99 "
        "latency).",
        "",
        "| list | page size | baseline | app, no response cache | app ÷ baseline "
        "| app, response cache warm | cached ÷ baseline | errors (app / baseline) "
        "| same body |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in t["lists"]:
        cached = row.get("app_response_cache")
        lines.append(
            f"| {row['name']} | {row['page_size']} | {_cell(row['baseline'])} | "
            f"{_cell(row['app'])} | {100 * row['ratio']:.0f}% | "
            + (
                f"{_cell(cached)} | {100 * row['cached_ratio']:.0f}% | "
                if cached
                else " | | "
            )
            + f"{row['app']['errors']} / {row['baseline']['errors']} | "
            f"{'yes' if row.get('same_body') else 'NO'} |"
        )
    return lines


def before_after_tables(size):
    """The earlier checkout (``--before``) against this one, same data and
    minutes: readers' latencies, then each list's throughput ÷ baseline."""
    before = size["before"]
    lines = [
        "Before → after, readers (50 users): p50 / p95 / p99 ms.",
        "",
        "| endpoint | before | after | p95 after ÷ before |",
        "|---|---:|---:|---:|",
    ]
    for name in [*ENDPOINTS, "Aggregated"]:
        a, b = before["readers"].get(name), size["readers"].get(name)
        if a and b:
            lines.append(
                f"| {name} | {a['p50_ms']:g} / {a['p95_ms']:g} / {a['p99_ms']:g} | "
                f"{b['p50_ms']:g} / {b['p95_ms']:g} / {b['p99_ms']:g} | "
                f"{b['p95_ms'] / a['p95_ms']:.2f} |"
            )
    lines += [
        "",
        "Before → after, throughput (wrk as above): app req/s and app ÷ baseline.",
        "",
        "| list | page size | baseline | before | after |",
        "|---|---:|---:|---:|---:|",
    ]
    earlier = {(row["name"], row["page_size"]): row for row in before["throughput"]}
    for row in size["throughput"]["lists"]:
        old = earlier.get((row["name"], row["page_size"]))
        if not old:
            continue
        base = row["baseline"]["rps"]
        lines.append(
            f"| {row['name']} | {row['page_size']} | {base:g} | "
            f"{old['app']['rps']:g} ({100 * old['app']['rps'] / base:.0f}%) | "
            f"{row['app']['rps']:g} ({100 * row['app']['rps'] / base:.0f}%) |"
        )
    return lines


def evidence_rates(size):
    """The evidence list at 20 a page: ``{server: req/s}``."""
    row = next(
        row
        for row in size["throughput"]["lists"]
        if row["name"] == "evidence list" and row["page_size"] == 20
    )
    return {
        key: row[key]["rps"]
        for key in ("baseline", "app", "app_response_cache")
        if key in row
    }


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
        e = size["csv_export"]
        q = size["queries"]["CSV export"]
        cpu = size.get("claim_page_cpu")
        if cpu:
            before_cpu = (size.get("before") or {}).get("claim_page_cpu") or {}
            lines += [
                "",
                "Claim page CPU per request (bench/claim_page_cpu.py, Django's test "
                "client, 30 requests after warm-up): median / max ms.",
                "",
                "| claim | links | before | after |",
                "|---|---:|---:|---:|",
            ]
            for name, row in cpu.items():
                old = before_cpu.get(name)
                lines.append(
                    f"| {name} | {row['links']:,} | "
                    + (f"{old['median_ms']:g} / {old['max_ms']:g}" if old else "")
                    + f" | {row['median_ms']:g} / {row['max_ms']:g} |"
                )
        lines += ["", *throughput_table(size["throughput"]), ""]
        if size.get("before"):
            lines += [*before_after_tables(size), ""]
        lines += [
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
        values = [evidence_rates(size).get(key) for size in report["sizes"]]
        right.plot(sizes, values, marker="o", label=label)
    right.set(
        xscale="log", xlabel="evidence links", ylabel="requests/s",
        title="Evidence list throughput (20 a page), wrk, 4 connections",
    )  # fmt: skip
    right.set_ylim(bottom=0)
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
