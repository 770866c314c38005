"""gunicorn settings; gunicorn reads this file from its working directory.

The Dockerfile, docker-compose.yml and a bare ``gunicorn config.wsgi`` all
serve with these; command-line options override them.
"""

import os

# Threads, not gunicorn's sync workers: a sync worker serves one connection
# at a time, so a client that sends its request slowly holds the whole
# process (two such clients held both workers for 30 s, until the worker
# timeout). A gthread worker waits for a connection's first bytes in its
# poller and hands it to a thread only then, so a slow client holds one
# thread of WEB_CONCURRENCY x GUNICORN_THREADS. nginx in front (every
# docker-compose.yml profile, deploy/nginx.conf) buffers whole requests
# with short header timeouts, so that none reaches a thread slowly.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Each thread may hold a database connection (CONN_MAX_AGE): 2 x 8 per
# container stays well under PostgreSQL's 100 in the scaled profile.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A request still running after this is killed with its worker.
timeout = 30
graceful_timeout = 30
# Idle kept-alive connections are closed after this.
keepalive = 5
# Request heads: at most 50 header lines of 8 KB (gunicorn's defaults are
# 100 and 8 KB); nginx refuses larger ones first.
limit_request_fields = 50

# gunicorn's control socket lives at one path per user, so every server on a
# machine (the outage test, the benchmark's app and baseline, the soak, a
# second deployment) would compete for it. Nothing here uses it: process
# managers and signals control the servers.
control_socket_disable = True
