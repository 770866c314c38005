"""The soak's command line, with defaults from SOAK_* variables."""

import argparse
import os

import harness.soak


def options():
    parser = argparse.ArgumentParser(description=harness.soak.__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument(
        "--seconds", type=float, default=float(env("SOAK_SECONDS", "120"))
    )
    parser.add_argument(
        "--database", default=env("SOAK_DATABASE", "evidence_atlas_soak")
    )
    parser.add_argument(
        "--postgres",
        default=env("SOAK_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="server URL without a database name",
    )
    parser.add_argument(
        "--redis",
        default=env("SOAK_REDIS_URL", "redis://127.0.0.1:6379/12"),
        help="shared cache of the workers, as in production; empty for none",
    )
    parser.add_argument("--readers", type=int, default=int(env("SOAK_READERS", "3")))
    parser.add_argument("--api-clients", type=int, default=int(env("SOAK_API", "3")))
    parser.add_argument("--curators", type=int, default=int(env("SOAK_CURATORS", "2")))
    parser.add_argument("--editors", type=int, default=int(env("SOAK_EDITORS", "2")))
    parser.add_argument("--workers", type=int, default=int(env("SOAK_WORKERS", "3")))
    parser.add_argument("--threads", type=int, default=int(env("SOAK_THREADS", "4")))
    parser.add_argument("--seed", type=int, default=int(env("SOAK_SEED", "0")) or None)
    parser.add_argument(
        "--progress", type=float, default=float(env("SOAK_PROGRESS", "5"))
    )
    return parser.parse_args()
