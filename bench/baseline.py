"""The baseline: the API lists' JSON from one plain psycopg query and orjson,
no Django. Served by gunicorn like the app, it shows how close the app gets to
the cost of the data itself (bench/README.md).

    gunicorn bench.baseline:application --workers 2

Understands ``/api/v1/evidence/`` with ``evidence_type``, ``design``, ``page``
and ``page_size``, and answers the same JSON as the app, byte for byte (every
field, the study in brief, links, the effect, ``next``/``previous`` keeping
the query's parameters as the app's do), with a count cached per filter as the
app does. tests/test_bench_baseline.py holds the two bodies equal.

The effect of a link is computed with the plain functions of
:mod:`evidence.meta_analysis` (numbers in, numbers out; no Django), the same
arithmetic the app uses; everything else is written out here.
"""

import os
from urllib.parse import parse_qs, urlencode

import orjson
import psycopg2

from evidence.meta_analysis import (
    CONTINUOUS_MEASURES,
    Z_95,
    effect_log_or,
    effect_log_rr,
    effect_md,
    effect_reported,
    effect_smd,
)

DSN = os.environ.get(
    "BASELINE_DSN", "dbname=atlas_perf_bench host=127.0.0.1 user=postgres"
)
_connection = None
_counts = {}

UNNAMED_CURATOR = "Evidence Atlas curator"
MAX_PAGE_SIZE = 100
PAGE_SIZE = 20

EVIDENCE_QUERY = """
SELECT e.id, c.slug, e.claim_id, e.study_id, e.evidence_type, e.direction,
       e.finding, e.quote, e.risk_of_bias, e.indirectness,
       e.indirectness_reasons::text, e.imprecision, e.inconsistency,
       e.publication_bias, e.large_effect, e.dose_response, e.outcome,
       e.comparator, e.timepoint, e.effect_measure, e.mean_treatment,
       e.sd_treatment, e.mean_control, e.sd_control, e.events_treatment,
       e.events_control, e.n_treatment, e.n_control, e.reported_estimate,
       e.reported_ci_low, e.reported_ci_high, e.status, e.review_comment,
       e.retraction_reason, e.added_by_id, u.first_name, u.last_name, e.created,
       e.updated, s.title, s.authors::text, s.authors_et_al, s.year, s.journal,
       s.design, s.population, s.sample_size, s.dose, s.doi, s.pmid, s.url,
       s.retracted, s.retraction_date, s.retraction_url
FROM evidence_evidence e
JOIN evidence_claim c ON c.id = e.claim_id
JOIN studies_study s ON s.id = e.study_id
LEFT JOIN accounts_user u ON u.id = e.added_by_id
WHERE e.status = 'published' AND c.status = 'published'
  AND s.status = 'published' {where}
ORDER BY e.created DESC, e.id DESC
LIMIT %s OFFSET %s
"""
EVIDENCE_COUNT = """
SELECT count(*) FROM evidence_evidence e
JOIN evidence_claim c ON c.id = e.claim_id
JOIN studies_study s ON s.id = e.study_id
WHERE e.status = 'published' AND c.status = 'published'
  AND s.status = 'published' {where}
"""


def cursor():
    global _connection
    if _connection is None or _connection.closed:
        # UTC, as Django's connections are: timestamps come back in it.
        _connection = psycopg2.connect(DSN, options="-c TimeZone=UTC")
        _connection.autocommit = True
    return _connection.cursor()


def nullable(value):
    """Optional text stored as "" is null in the API (core/nulls.py)."""
    return value or None


def citation(title, authors, et_al, year, journal):
    lead_year = f"({year or 'n.d.'})."
    title = title.rstrip(".") + "."
    if authors:
        shown = (
            f"{authors[0]}, {authors[1]}, et al."
            if len(authors) > 3
            else ", ".join(authors) + (", et al." if et_al else "")
        )
        lead = [f"{shown} {lead_year}", title]
    else:
        lead = [title, lead_year]
    if journal:
        lead.append(journal.rstrip(".") + ".")
    return " ".join(lead)


def timestamp(value):
    # The API's one format: UTC, six digits of microseconds, Z (the
    # connection's time zone is UTC, as Django sets it).
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def effect(measure, mean_t, sd_t, mean_c, sd_c, ev_t, ev_c, n_t, n_c, est, low, high):
    """The link's effect as the API shows it (evidence/effects.py's rules)."""
    if not measure:
        return None
    if est is not None:
        result = effect_reported(
            measure=measure, estimate=est, ci_low=low, ci_high=high
        )
    elif measure in CONTINUOUS_MEASURES:
        compute = effect_smd if measure == "smd" else effect_md
        result = compute(
            mean_treatment=mean_t,
            sd_treatment=sd_t,
            n_treatment=n_t,
            mean_control=mean_c,
            sd_control=sd_c,
            n_control=n_c,
        )
    else:
        compute = effect_log_rr if measure == "log_rr" else effect_log_or
        result = compute(
            events_treatment=ev_t, n_treatment=n_t, events_control=ev_c, n_control=n_c
        )
    estimate, se = result.estimate, result.se
    return {
        "measure": result.measure,
        "estimate": estimate,
        "se": se,
        "ci_low": estimate - Z_95 * se,
        "ci_high": estimate + Z_95 * se,
    }


def page_of(params):
    """``(page, page size)`` from the query (valid input assumed)."""
    page = int(params.get("page", ["1"])[0])
    size = min(MAX_PAGE_SIZE, int(params.get("page_size", [str(PAGE_SIZE)])[0]))
    return page, size


def with_page(base, query, page):
    """DRF's next/previous link: the request's URL with ``page`` replaced
    (removed for page 1), its parameters sorted."""
    params = parse_qs(query, keep_blank_values=True)
    params.pop("page", None)
    if page != 1:
        params["page"] = [str(page)]
    encoded = urlencode(sorted(params.items()), doseq=True)
    return f"{base}?{encoded}" if encoded else base


def paginated(environ, host, count, page, size, results):
    query = environ.get("QUERY_STRING", "")
    base = host + environ["PATH_INFO"]
    pages = max(1, -(-count // size))
    return orjson.dumps(
        {
            "count": count,
            "next": with_page(base, query, page + 1) if page < pages else None,
            "previous": with_page(base, query, page - 1) if page > 1 else None,
            "results": results,
        }
    )


def counted(cur, key, sql, args):
    if key not in _counts:
        cur.execute(sql, args)
        _counts[key] = cur.fetchone()[0]
    return _counts[key]


def evidence_list(environ, params, host):
    where, args = [], []
    if "evidence_type" in params:
        where.append("e.evidence_type = ANY(%s)")
        args.append(params["evidence_type"])
    if "design" in params:
        where.append("s.design = ANY(%s)")
        args.append(params["design"])
    where_sql = "".join(f" AND {clause}" for clause in where)
    page, size = page_of(params)
    with cursor() as cur:
        key = ("evidence", where_sql, repr(args))
        count = counted(cur, key, EVIDENCE_COUNT.format(where=where_sql), args)
        cur.execute(
            EVIDENCE_QUERY.format(where=where_sql), [*args, size, (page - 1) * size]
        )
        rows = cur.fetchall()
    api = f"{host}/api/v1/"
    results = []
    for (
        pk, slug, claim_id, study_id, evidence_type, direction, finding, quote,
        risk_of_bias, indirectness, indirectness_reasons, imprecision,
        inconsistency, publication_bias, large_effect, dose_response, outcome,
        comparator, timepoint, effect_measure, mean_treatment, sd_treatment,
        mean_control, sd_control, events_treatment, events_control, n_treatment,
        n_control, reported_estimate, reported_ci_low, reported_ci_high, status,
        review_comment, retraction_reason, added_by_id, first, last, created,
        updated, title, authors, et_al, year, journal, design, population,
        sample_size, dose, doi, pmid, url, retracted, retraction_date,
        retraction_url,
    ) in rows:  # fmt: skip
        authors = orjson.loads(authors)  # JSON as text: one decoder, whoever connects
        source = (
            f"https://doi.org/{doi}"
            if doi
            else f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
            if pmid
            else url
        )
        claim_link = f"{api}claims/{slug}/"
        study_link = f"{api}studies/{study_id}/"
        results.append(
            {
                "id": pk,
                "claim": slug,
                "claim_id": claim_id,
                "claim_link": claim_link,
                "study": study_id,
                "study_brief": {
                    "id": study_id,
                    "citation": citation(title, authors, et_al, year, journal),
                    "title": title,
                    "year": year,
                    "journal": nullable(journal),
                    "design": nullable(design),
                    "population": nullable(population),
                    "sample_size": sample_size,
                    "dose": nullable(dose),
                    "doi": nullable(doi),
                    "pmid": nullable(pmid),
                    "retracted": retracted,
                    "retraction_date": retraction_date.isoformat()
                    if retraction_date
                    else None,
                    "retraction_url": nullable(retraction_url),
                    "links": {
                        "self": study_link,
                        "html": f"{host}/studies/{study_id}/",
                        "evidence": f"{api}evidence/?study={study_id}",
                        "source": source,
                    },
                },
                "evidence_type": evidence_type,
                "direction": direction,
                "finding": finding,
                "quote": nullable(quote),
                "risk_of_bias": risk_of_bias,
                "indirectness": indirectness,
                "indirectness_reasons": orjson.loads(indirectness_reasons),
                "imprecision": imprecision,
                "inconsistency": inconsistency,
                "publication_bias": publication_bias,
                "large_effect": large_effect,
                "dose_response": dose_response,
                "outcome": nullable(outcome),
                "comparator": nullable(comparator),
                "timepoint": nullable(timepoint),
                "effect_measure": nullable(effect_measure),
                "mean_treatment": mean_treatment,
                "sd_treatment": sd_treatment,
                "mean_control": mean_control,
                "sd_control": sd_control,
                "events_treatment": events_treatment,
                "events_control": events_control,
                "n_treatment": n_treatment,
                "n_control": n_control,
                "reported_estimate": reported_estimate,
                "reported_ci_low": reported_ci_low,
                "reported_ci_high": reported_ci_high,
                "effect": effect(
                    effect_measure,
                    mean_treatment,
                    sd_treatment,
                    mean_control,
                    sd_control,
                    events_treatment,
                    events_control,
                    n_treatment,
                    n_control,
                    reported_estimate,
                    reported_ci_low,
                    reported_ci_high,
                ),  # fmt: skip
                "status": status,
                "review_comment": nullable(review_comment),
                "retraction_reason": nullable(retraction_reason),
                "added_by": None
                if added_by_id is None
                else f"{first} {last}".strip() or UNNAMED_CURATOR,
                "links": {
                    "self": f"{api}evidence/{pk}/",
                    "claim": claim_link,
                    "study": study_link,
                },
                "created": timestamp(created),
                "updated": timestamp(updated),
            }
        )
    return paginated(environ, host, count, page, size, results)


ROUTES = {"/api/v1/evidence/": evidence_list}


def application(environ, start_response):
    handler = ROUTES.get(environ["PATH_INFO"])
    if handler is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not found"]
    params = parse_qs(environ.get("QUERY_STRING", ""))
    scheme = environ.get("wsgi.url_scheme", "http")
    host = f"{scheme}://{environ.get('HTTP_HOST', 'localhost')}"
    body = handler(environ, params, host)
    if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:  # as core/renderers.py
        body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
            b"\xe2\x80\xa9", b"\\u2029"
        )
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]
