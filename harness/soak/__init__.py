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
