"""The baseline: the evidence list's JSON from one plain psycopg query and
orjson, no Django. Served by gunicorn like the app, it shows how close the
app gets to the cost of the data itself (bench/README.md).

    gunicorn bench.baseline:application --workers 2

Understands ``/api/v1/evidence/`` with ``evidence_type``, ``design``, ``page``
and ``page_size``; answers the same JSON as the app (same fields, links and
citation), with a count cached per filter as the app does.
"""

import os
from urllib.parse import parse_qs

import orjson
import psycopg2

DSN = os.environ.get(
    "BASELINE_DSN", "dbname=atlas_perf_bench host=127.0.0.1 user=postgres"
)
_connection = None
_counts = {}

QUERY = """
SELECT e.id, c.slug, e.study_id, s.title, s.authors, s.authors_et_al, s.year,
       s.journal, s.design, s.population, s.sample_size, s.dose, s.doi, s.pmid,
       s.url, s.retracted, s.retraction_date, s.retraction_url, e.evidence_type,
       e.direction, e.finding, e.quote, e.status, e.review_comment,
       e.retraction_reason, u.first_name, u.last_name, u.username, e.created,
       e.updated
FROM evidence_evidence e
JOIN evidence_claim c ON c.id = e.claim_id
JOIN studies_study s ON s.id = e.study_id
LEFT JOIN accounts_user u ON u.id = e.added_by_id
WHERE e.status = 'published' AND c.status = 'published' {where}
ORDER BY e.created DESC, e.id DESC
LIMIT %s OFFSET %s
"""
COUNT = """
SELECT count(*) FROM evidence_evidence e
JOIN evidence_claim c ON c.id = e.claim_id
JOIN studies_study s ON s.id = e.study_id
WHERE e.status = 'published' AND c.status = 'published' {where}
"""


def cursor():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect(DSN)
        _connection.autocommit = True
    return _connection.cursor()


def citation(title, authors, et_al, year, journal):
    if authors:
        names = authors
        shown = (
            f"{names[0]}, {names[1]}, et al."
            if len(names) > 3
            else ", ".join(names) + (", et al." if et_al else "")
        )
    lead_year = f"({year or 'n.d.'})."
    title = title.rstrip(".") + "."
    lead = [f"{shown} {lead_year}", title] if authors else [title, lead_year]
    if journal:
        lead.append(journal.rstrip(".") + ".")
    return " ".join(lead)


def timestamp(value):
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def application(environ, start_response):
    params = parse_qs(environ.get("QUERY_STRING", ""))
    where, args = [], []
    if "evidence_type" in params:
        where.append("e.evidence_type = ANY(%s)")
        args.append(params["evidence_type"])
    if "design" in params:
        where.append("s.design = ANY(%s)")
        args.append(params["design"])
    where_sql = "".join(f" AND {clause}" for clause in where)
    page = int(params.get("page", ["1"])[0])
    size = min(100, int(params.get("page_size", ["20"])[0]))
    host = f"http://{environ.get('HTTP_HOST', 'localhost')}"
    with cursor() as cur:
        key = (where_sql, repr(args))
        if key not in _counts:
            cur.execute(COUNT.format(where=where_sql), args)
            _counts[key] = cur.fetchone()[0]
        cur.execute(QUERY.format(where=where_sql), [*args, size, (page - 1) * size])
        rows = cur.fetchall()
    results = []
    for (
        pk, slug, study_id, title, authors, et_al, year, journal, design,
        population, sample_size, dose, doi, pmid, url, retracted, retraction_date,
        retraction_url, evidence_type, direction, finding, quote, status,
        review_comment, retraction_reason, first, last, username, created, updated,
    ) in rows:  # fmt: skip
        source = (
            f"https://doi.org/{doi}"
            if doi
            else f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
            if pmid
            else url
        )
        full = f"{first or ''} {last or ''}".strip()
        results.append(
            {
                "id": pk,
                "claim": slug,
                "claim_link": f"{host}/api/v1/claims/{slug}/",
                "study": study_id,
                "study_brief": {
                    "id": study_id,
                    "citation": citation(title, authors, et_al, year, journal),
                    "title": title,
                    "year": year,
                    "journal": journal,
                    "design": design,
                    "population": population,
                    "sample_size": sample_size,
                    "dose": dose,
                    "doi": doi,
                    "pmid": pmid,
                    "retracted": retracted,
                    "retraction_date": retraction_date.isoformat()
                    if retraction_date
                    else None,
                    "retraction_url": retraction_url,
                    "links": {
                        "self": f"{host}/api/v1/studies/{study_id}/",
                        "html": f"{host}/studies/{study_id}/",
                        "evidence": f"{host}/api/v1/evidence/?study={study_id}",
                        "source": source,
                    },
                },
                "evidence_type": evidence_type,
                "direction": direction,
                "finding": finding,
                "quote": quote,
                "status": status,
                "review_comment": review_comment,
                "retraction_reason": retraction_reason,
                "added_by": (full or username) if username else None,
                "created": timestamp(created),
                "updated": timestamp(updated),
            }
        )
    count = _counts[key]
    body = orjson.dumps(
        {
            "count": count,
            "next": None
            if page * size >= count
            else f"{host}/api/v1/evidence/?page={page + 1}",
            "previous": None
            if page == 1
            else f"{host}/api/v1/evidence/?page={page - 1}",
            "results": results,
        }
    )
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]
