"""The app run as in production, for everything that drives it from outside:
the tests that need real processes (tests/test_outage.py, test_freshness.py,
test_replica.py, ...), the API fuzzer (.ci/fuzz.py), the soak (.ci/soak.py,
whose parts are in harness/soak/) and the benchmarks (bench/).

One environment (``production_env``, plus ``NO_RATE_LIMITS`` for load), one
way to start gunicorn and know it is ready (``Gunicorn``), one way to run
``manage.py`` (``manage``) and to get a throwaway PostgreSQL database or
cluster (harness/postgres.py), so that these tools cannot drift apart.

A package of its own at the top, not under tests/: .ci and bench are not
tests, and import it as they import the apps (with the checkout on sys.path).
"""

from harness.app import (
    NO_RATE_LIMITS,
    ROOT,
    Gunicorn,
    free_port,
    local_env,
    manage,
    production_env,
)
from harness.postgres import PostgresCluster, ScratchDatabase, StreamingReplicaPair

__all__ = [
    "NO_RATE_LIMITS",
    "ROOT",
    "Gunicorn",
    "PostgresCluster",
    "ScratchDatabase",
    "StreamingReplicaPair",
    "free_port",
    "local_env",
    "manage",
    "production_env",
]
