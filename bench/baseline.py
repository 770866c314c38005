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
import threading
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
_connection = None  # a test's own connection, else one per thread
_local = threading.local()
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
    """A cursor on this thread's connection (gunicorn's gthread workers serve
    several requests at once, as Django gives each thread its own
    connection), or on ``_connection`` when a test sets it."""
    if _connection is not None:
        return _connection.cursor()
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        # UTC, as Django's connections are: timestamps come back in it.
        connection = psycopg2.connect(DSN, options="-c TimeZone=UTC")
        connection.autocommit = True
        _local.connection = connection
    return connection.cursor()


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


# --- The claims list ----------------------------------------------------------

CLAIM_QUERY = """
SELECT id, slug, statement, description, topic, status, review_comment,
       retraction_reason, verdict_direction, verdict_text, certainty,
       certainty_computed, verdict_direction_computed, certainty_steps::text,
       direction_override, certainty_override, certainty_override_reason,
       profile_counts::text, strength_score, strength, effect_favours_claim,
       meta_analyses::text, version, created, updated
FROM evidence_claim
WHERE status = 'published' {where}
ORDER BY {order}
LIMIT %s OFFSET %s
"""
CLAIM_COUNT = "SELECT count(*) FROM evidence_claim WHERE status = 'published' {where}"
CLAIM_ORDERINGS = {
    "statement": "statement",
    "certainty": "certainty_rank",
    "strength": "strength_score",
    "evidence_count": "evidence_count",
    "updated": "updated",
}
EVIDENCE_TYPES = ("controlled", "self_report", "anecdotal")
DIRECTIONS = ("supports", "contradicts", "mixed")
TYPE_LABELS = {
    "controlled": "Controlled",
    "self_report": "Self-report",
    "anecdotal": "Anecdotal",
}
TYPE_WEIGHTS = {"controlled": 1.0, "self_report": 0.25, "anecdotal": 0.05}
TYPE_CEILINGS = {"controlled": 100, "self_report": 50, "anecdotal": 20}
STRENGTH_BANDS = (
    (60, "strong", "Strong support"),
    (35, "moderate", "Moderate support"),
    (10, "weak", "Weak support"),
    (-9, "inconclusive", "Inconclusive"),
    (-34, "weak_against", "Weak evidence against"),
    (-59, "moderate_against", "Moderate evidence against"),
    (-100, "strong_against", "Strong evidence against"),
)
STRENGTH_LABELS = {"none": "No evidence", **{k: v for _, k, v in STRENGTH_BANDS}}
WEIGHTS_IN_WORDS = "a controlled link weighs 1, self-report 0.25, anecdotal 0.05"
POOLED_FIELDS = (
    "measure", "k", "participants", "estimate", "se", "ci_low", "ci_high", "tau2",
    "i2", "q", "q_df", "q_p", "prediction_low", "prediction_high", "method",
)  # fmt: skip


def _weight(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def evidence_summary(stored_counts, stored_score, stored_strength):
    """A claim's evidence summary from its stored counts, as evidence/profile.py
    words it on every read."""
    table = {etype: dict.fromkeys(DIRECTIONS, 0) for etype in EVIDENCE_TYPES}
    for etype, row in (stored_counts or {}).items():
        for direction, number in (row or {}).items():
            if etype in table and direction in table[etype]:
                table[etype][direction] = int(number or 0)
    by_type = {etype: sum(table[etype].values()) for etype in EVIDENCE_TYPES}
    by_direction = {
        direction: sum(table[etype][direction] for etype in EVIDENCE_TYPES)
        for direction in DIRECTIONS
    }
    total = sum(by_type.values())
    if total == 0:
        strength, label, contested = "none", "No evidence", False
        reasons = ["No published evidence is linked to this claim yet."]
    else:
        weight_for = weight_against = 0.0
        for etype, row in table.items():
            weight = TYPE_WEIGHTS[etype]
            weight_for += weight * (row["supports"] + row["mixed"] / 2)
            weight_against += weight * (row["contradicts"] + row["mixed"] / 2)
        weight_all = weight_for + weight_against
        balance = (weight_for - weight_against) / weight_all
        confidence = weight_all / (weight_all + 2.0)
        raw_score = 100 * balance * confidence
        winning = "supports" if balance >= 0 else "contradicts"
        best = next(
            (
                etype
                for etype in EVIDENCE_TYPES
                if table[etype][winning] + table[etype]["mixed"] > 0
            ),
            EVIDENCE_TYPES[-1],
        )
        ceiling = TYPE_CEILINGS[best]
        score = round(max(-ceiling, min(ceiling, raw_score)))
        strength, label = next(
            ((key, text) for bound, key, text in STRENGTH_BANDS if score >= bound),
            STRENGTH_BANDS[-1][1:],
        )
        minority_share = min(weight_for, weight_against) / weight_all
        contested = minority_share >= 0.25
        plural = "published link" if total == 1 else "published links"
        reasons = [
            f"{total} {plural}: "
            + ", ".join(
                f"{by_type[etype]} {TYPE_LABELS[etype].lower()}"
                for etype in EVIDENCE_TYPES
                if by_type[etype]
            )
            + "."
        ]
        for etype in EVIDENCE_TYPES:
            row = table[etype]
            if by_type[etype]:
                parts = [
                    f"{row[direction]} {word}"
                    for direction, word in (
                        ("supports", "support"),
                        ("contradicts", "contradict"),
                        ("mixed", "mixed"),
                    )
                    if row[direction]
                ]
                reasons.append(f"{TYPE_LABELS[etype]} evidence: {', '.join(parts)}.")
        reasons.append(
            f"Weighted, {_weight(weight_for)} for and {_weight(weight_against)} "
            f"against ({WEIGHTS_IN_WORDS}; a mixed finding counts half each way)."
        )
        if contested:
            reasons.append(
                f"{round(minority_share * 100)}% of the weighted evidence points the "
                "other way, which pulls the strength towards zero."
            )
        if confidence < 0.5:
            reasons.append(
                "Little evidence in total, so even a one-sided balance gives a low "
                "strength."
            )
        if abs(raw_score) > ceiling:
            side = "supporting" if winning == "supports" else "contradicting"
            reasons.append(
                f"Capped at {ceiling}: the best evidence on the {side} side is "
                f"{TYPE_LABELS[best].lower()}, which alone cannot make it stronger."
            )
    return {
        "total": total,
        "counts": table,
        "by_type": by_type,
        "by_direction": by_direction,
        "strength": {
            "key": stored_strength or strength,
            "label": STRENGTH_LABELS.get(stored_strength, label),
            "score": stored_score,
            "contested": contested,
            "reasons": reasons,
        },
    }


def order_by(params, orderings, default):
    """ORDER BY of ``?ordering=`` (the primary key last, as the app's
    StableOrderingFilter), else the model's default."""
    given = [
        name
        for value in params.get("ordering", [])
        for name in value.split(",")
        if name.strip()
    ]
    if not given:
        return default
    terms = []
    for name in given:
        column = orderings[name.lstrip("-")]
        terms.append(f"{column} DESC" if name.startswith("-") else column)
    return ", ".join([*terms, "id"])


def claims_list(environ, params, host):
    where, args = [], []
    if "topic" in params:
        where.append("topic = ANY(%s)")
        args.append(params["topic"])
    where_sql = "".join(f" AND {clause}" for clause in where)
    order = order_by(params, CLAIM_ORDERINGS, "topic, statement")
    page, size = page_of(params)
    with cursor() as cur:
        key = ("claims", where_sql, repr(args))
        count = counted(cur, key, CLAIM_COUNT.format(where=where_sql), args)
        cur.execute(
            CLAIM_QUERY.format(where=where_sql, order=order),
            [*args, size, (page - 1) * size],
        )
        rows = cur.fetchall()
    api = f"{host}/api/v1/"
    results = []
    for (
        pk, slug, statement, description, topic, status, review_comment,
        retraction_reason, verdict_direction, verdict_text, certainty,
        certainty_computed, direction_computed, steps, direction_override,
        certainty_override, certainty_override_reason, counts, score, strength,
        effect_favours_claim, meta_analyses, version, created, updated,
    ) in rows:  # fmt: skip
        results.append(
            {
                "id": pk,
                "slug": slug,
                "statement": statement,
                "description": nullable(description),
                "topic": topic,
                "status": status,
                "review_comment": nullable(review_comment),
                "retraction_reason": nullable(retraction_reason),
                "verdict": {
                    "direction": verdict_direction,
                    "certainty": certainty,
                    "text": verdict_text,
                },
                "certainty": certainty,
                "certainty_detail": {
                    "computed": certainty_computed,
                    "direction_computed": direction_computed,
                    "steps": orjson.loads(steps),
                    "override": {
                        "level": certainty_override,
                        "reason": certainty_override_reason,
                    }
                    if certainty_override
                    else None,
                },
                "direction_override": nullable(direction_override),
                "certainty_override": nullable(certainty_override),
                "certainty_override_reason": nullable(certainty_override_reason),
                "evidence_summary": evidence_summary(
                    orjson.loads(counts), score, strength
                ),
                "effect_favours_claim": nullable(effect_favours_claim),
                "meta_analyses": [
                    {
                        **{name: entry[name] for name in POOLED_FIELDS},
                        "links": entry["links"],
                    }
                    for entry in orjson.loads(meta_analyses)
                ],
                "version": version,
                "links": {
                    "self": f"{api}claims/{slug}/",
                    "html": f"{host}/claims/{slug}/",
                    "evidence": f"{api}evidence/?claim={slug}",
                    "versions": f"{api}claims/{slug}/versions/",
                    "statement": f"{api}claims/{slug}/statement/",
                },
                "created": timestamp(created),
                "updated": timestamp(updated),
            }
        )
    return paginated(environ, host, count, page, size, results)


# --- The studies list ---------------------------------------------------------
# ``?q=`` (the stemmed full-text search of studies/search.py) is not
# reproduced: the baseline serves the plain list and ``design``.

STUDY_QUERY = """
SELECT id, title, authors::text, authors_et_al, year, journal, volume, issue,
       pages, doi, pmid, url, abstract, design, design_detail, population,
       population_detail, sample_size, dose, retracted, retraction_date,
       retraction_url, status, review_comment, withdrawal_reason,
       ever_published, entry_method, entry_source, created, updated
FROM studies_study
WHERE status = 'published' {where}
ORDER BY year DESC, title
LIMIT %s OFFSET %s
"""
STUDY_COUNT = "SELECT count(*) FROM studies_study WHERE status = 'published' {where}"
# The published links of a page's studies, as each study's ``claims``.
STUDY_CLAIMS = """
SELECT e.study_id, c.slug, c.statement, e.evidence_type, e.direction, e.id
FROM evidence_evidence e
JOIN evidence_claim c ON c.id = e.claim_id
JOIN studies_study s ON s.id = e.study_id
WHERE e.study_id = ANY(%s) AND e.status = 'published'
  AND c.status = 'published' AND s.status = 'published'
ORDER BY c.statement
"""


def authors_display(authors, et_al):
    if not authors:
        return ""
    if len(authors) > 3:
        return f"{authors[0]}, {authors[1]}, et al."
    shown = ", ".join(authors)
    return f"{shown}, et al." if et_al else shown


def studies_list(environ, params, host):
    where, args = [], []
    if "design" in params:
        where.append("design = ANY(%s)")
        args.append(params["design"])
    where_sql = "".join(f" AND {clause}" for clause in where)
    page, size = page_of(params)
    with cursor() as cur:
        key = ("studies", where_sql, repr(args))
        count = counted(cur, key, STUDY_COUNT.format(where=where_sql), args)
        cur.execute(
            STUDY_QUERY.format(where=where_sql), [*args, size, (page - 1) * size]
        )
        rows = cur.fetchall()
        claims = {row[0]: [] for row in rows}
        if claims:
            cur.execute(STUDY_CLAIMS, [list(claims)])
            api = f"{host}/api/v1/"
            for study_id, slug, statement, etype, direction, link_id in cur:
                claims[study_id].append(
                    {
                        "claim": slug,
                        "statement": statement,
                        "evidence_type": etype,
                        "direction": direction,
                        "evidence_id": link_id,
                        "link": f"{api}claims/{slug}/",
                    }
                )
    api = f"{host}/api/v1/"
    results = []
    for (
        pk, title, authors, et_al, year, journal, volume, issue, pages, doi, pmid,
        url, abstract, design, design_detail, population, population_detail,
        sample_size, dose, retracted, retraction_date, retraction_url, status,
        review_comment, withdrawal_reason, ever_published, entry_method,
        entry_source, created, updated,
    ) in rows:  # fmt: skip
        authors = orjson.loads(authors)
        source = (
            f"https://doi.org/{doi}"
            if doi
            else f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
            if pmid
            else url
        )
        results.append(
            {
                "id": pk,
                "title": title,
                "authors": authors,
                "authors_et_al": et_al,
                "authors_display": authors_display(authors, et_al),
                "citation": citation(title, authors, et_al, year, journal),
                "year": year,
                "journal": nullable(journal),
                "volume": nullable(volume),
                "issue": nullable(issue),
                "pages": nullable(pages),
                "doi": nullable(doi),
                "pmid": nullable(pmid),
                "url": nullable(url),
                "abstract": nullable(abstract),
                "design": nullable(design),
                "design_detail": nullable(design_detail),
                "population": nullable(population),
                "population_detail": nullable(population_detail),
                "sample_size": sample_size,
                "dose": nullable(dose),
                "retracted": retracted,
                "retraction_date": retraction_date.isoformat()
                if retraction_date
                else None,
                "retraction_url": nullable(retraction_url),
                "status": status,
                "review_comment": nullable(review_comment),
                "withdrawal_reason": nullable(withdrawal_reason),
                "ever_published": ever_published,
                "entry_method": entry_method,
                "entry_source": nullable(entry_source),
                "created": timestamp(created),
                "updated": timestamp(updated),
                "links": {
                    "self": f"{api}studies/{pk}/",
                    "html": f"{host}/studies/{pk}/",
                    "evidence": f"{api}evidence/?study={pk}",
                    "source": source,
                },
                "claims": claims[pk],
            }
        )
    return paginated(environ, host, count, page, size, results)


ROUTES = {
    "/api/v1/evidence/": evidence_list,
    "/api/v1/claims/": claims_list,
    "/api/v1/studies/": studies_list,
}


def application(environ, start_response):
    if environ["PATH_INFO"] == "/healthz":  # the harness waits for it
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
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
