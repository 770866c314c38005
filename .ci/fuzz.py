#!/usr/bin/env python3
"""Fuzz the REST API against its own OpenAPI schema with schemathesis.

Builds a fresh PostgreSQL database with the seed data, serves the app with
gunicorn as in production (DEBUG off) on a free loopback port, and runs
``st run`` against the schema the app serves, with a bounded number of
examples per operation: first as an editor over every operation, then as a
curator over the writes to claims and evidence links, so that writes are
fuzzed as well as reads. Exits non-zero when schemathesis finds a failure or
the server logs an error.

    python .ci/fuzz.py [--database NAME] [--max-examples N] [--seed N]

Defaults from the environment: FUZZ_DATABASE (evidence_atlas_fuzz, dropped
and created again on each run), FUZZ_MAX_EXAMPLES (25), FUZZ_SEED (random),
FUZZ_CHECKS (see CHECKS), FUZZ_REPORT_DIR (no JUnit reports).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import (  # noqa: E402
    NO_RATE_LIMITS,
    Gunicorn,
    ScratchDatabase,
    manage,
    production_env,
)

SCHEMATHESIS = Path(sys.executable).parent / "st"
CONFIG = ROOT / ".ci" / "schemathesis.toml"

# Run in `manage.py shell` on the seeded database: the fuzzer's users and
# tokens, and what the seed lacks (pending revisions, a release) so that every
# operation has something to find. Prints the tokens and identifiers as JSON.
#
# The editor is in both curation groups: curators create and change, editors
# also publish, retract, rename and delete. Each token gets an id far above
# the ones the fuzzer guesses or creates, so that a fuzzed
# DELETE /api/v1/auth/tokens/{id}/ revokes one of the run's own new tokens,
# never the one the run is using.
SETUP = """
import json
from django.contrib.auth.models import Group
from accounts.models import ApiToken, User
from accounts.roles import roles_sync
from evidence.models import Claim, ClaimVersion, Evidence, Release, Revision, Status
from evidence.releases import release_make
from evidence.workflow import item_save_or_revise
from studies.models import Study

roles_sync()
editor = User.objects.create_user("fuzz-editor", password=None)
editor.groups.set(Group.objects.filter(name__in=["Curators", "Editors"]))
curator = User.objects.create_user("fuzz-curator", password=None)
curator.groups.set(Group.objects.filter(name="Curators"))
for claim in Claim.objects.filter(status=Status.PUBLISHED).order_by("pk")[:5]:
    item_save_or_revise(
        instance=claim,
        changes={"description": claim.description + " Revised."},
        user=curator,
    )
release_make()
keys = {}
for role, holder in (("editor", editor), ("curator", curator)):
    token, keys[role] = ApiToken.issue(user=holder, name="fuzz")
    ApiToken.objects.filter(id=token.pk).update(id=9_000_000_000_000 + token.pk)
print(json.dumps({
    **keys,
    "slugs": list(Claim.objects.values_list("slug", flat=True)),
    "studies": list(Study.objects.values_list("pk", flat=True)),
    "ids": sorted(
        set(Study.objects.values_list("pk", flat=True))
        | set(Evidence.objects.values_list("pk", flat=True))
        | set(Revision.objects.values_list("pk", flat=True))
    ),
    "versions": sorted(
        {str(n) for n in ClaimVersion.objects.values_list("number", flat=True)}
    ),
    "releases": list(Release.objects.values_list("name", flat=True)),
}))
"""

# How often a generated identifier is one that exists (the rest are made up).
KNOWN_IDENTIFIER_PROBABILITY = 0.5


def log(message):
    print(f"[fuzz {time.strftime('%H:%M:%S')}] {message}", flush=True)


def schemathesis_config(found, path):
    """.ci/schemathesis.toml, plus identifiers that exist: half the generated
    ones are drawn from them, else nearly every request to /claims/{slug}/
    would be a 404."""
    dictionaries = {
        name: found[name]
        for name in ("slugs", "studies", "ids", "versions", "releases")
    }
    bindings = {
        "path.slug": "slugs",
        "path.id": "ids",
        "path.number": "versions",
        "path.name": "releases",
        "body.claim": "slugs",
        "body.study": "studies",
    }
    lines = [CONFIG.read_text()]
    # JSON arrays of strings and integers are TOML arrays.
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    lines += [
        f'"{key}" = {{ dictionary = "{name}", probability = {KNOWN_IDENTIFIER_PROBABILITY} }}'
        for key, name in bindings.items()
    ]
    path.write_text("\n".join(lines) + "\n")


# What every response must be: no server error, a documented status, content
# type and headers, a body that matches the schema; plus the stateful checks
# (a deleted resource is gone, a created one is there, auth is not ignored,
# undocumented methods get 405 with Allow).
#
# Not positive_data_acceptance and negative_data_rejection: they take "the
# schema allows it" as "the server must accept it" and the reverse, and so
# flag rules that OpenAPI 3.0 cannot state (a study id or claim slug that
# must exist, one link per claim and study, a certainty override that needs
# a reason, a retraction that needs a date) and DRF's documented coercion of
# input (a JSON number accepted for a string field). Run them with
# FUZZ_CHECKS=all to see those.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
    "missing_required_header",
]


# The second pass: a curator's writes to claims, evidence links and studies,
# which take other paths than an editor's (a change to published work is held
# as a suggested revision, 202; publishing and deleting are refused, 403).
CURATOR_PASS = [
    "--include-path-regex",
    "^/api/v1/(claims|evidence|studies)/",
    "--include-method-regex",
    "^(POST|PUT|PATCH|DELETE)$",
]


def schemathesis(url, token, args, scratch, name, *extra):
    """Run ``st run`` with ``token``; True when it found nothing."""
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(scratch / "schemathesis.toml"),
        "run",
        f"{url}/api/v1/schema/?format=json",
        "--checks",
        args.checks,
        "--max-examples",
        str(args.max_examples),
        "--header",
        f"Authorization: Token {token}",
        # One worker: with several, hypothesis describes its strategies with
        # ast.parse in parallel threads, which on Python 3.11 fails now and
        # then with "AST constructor recursion depth mismatch" (CPython
        # gh-106905), a tool error that fails the run.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
        *extra,
    ]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.report_dir:
        command += [
            "--report",
            "junit",
            "--report-junit-path",
            str(Path(args.report_dir).resolve() / f"fuzz-{name}.xml"),
        ]
    return subprocess.run(command, cwd=scratch).returncode == 0


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("FUZZ_DATABASE", "evidence_atlas_fuzz"),
        help="PostgreSQL database to drop and create (FUZZ_DATABASE)",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=int(os.environ.get("FUZZ_MAX_EXAMPLES", "25")),
        help="test cases per API operation and phase (FUZZ_MAX_EXAMPLES)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else None,
        help="schemathesis' random seed, to repeat a run (FUZZ_SEED)",
    )
    parser.add_argument(
        "--checks",
        default=os.environ.get("FUZZ_CHECKS", ",".join(CHECKS)),
        help="schemathesis checks (FUZZ_CHECKS)",
    )
    parser.add_argument(
        "--report-dir",
        default=os.environ.get("FUZZ_REPORT_DIR"),
        help="write JUnit reports here (FUZZ_REPORT_DIR)",
    )
    args = parser.parse_args()
    if "fuzz" not in args.database:
        # It is dropped: never someone's working or CI database.
        parser.error(f"the database name must contain 'fuzz' (got {args.database})")
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="atlas-fuzz-") as scratch:
        scratch = Path(scratch)
        database = ScratchDatabase(args.database)
        env = production_env(
            scratch,
            **NO_RATE_LIMITS,
            DATABASE_URL=database.url,
            # One process (with threads): its in-memory cache then sees every
            # write, as a shared Redis does in production.
            REDIS_URL="",
        )
        log(f"fresh database {args.database}")
        database.recreate()
        log("migrate, seed, collectstatic")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        log("the fuzzer's users and tokens, pending revisions, a release")
        output = manage(env, "shell", "-c", SETUP, capture=True)
        found = json.loads(output.strip().splitlines()[-1])
        schemathesis_config(found, scratch / "schemathesis.toml")

        server = Gunicorn(env, workers=1, threads=4, log_path=scratch / "gunicorn.log")
        with server:
            log(f"gunicorn on {server.url}")
            log(f"pass 1, as an editor: every operation, {args.max_examples} examples")
            passed = schemathesis(server.url, found["editor"], args, scratch, "editor")
            log("pass 2, as a curator: writes to claims and evidence links")
            passed &= schemathesis(
                server.url, found["curator"], args, scratch, "curator", *CURATOR_PASS
            )
            # Read before stopping: workers log their exit when told to stop.
            errors = server.logged_errors()

        if errors:
            log(f"the server logged {len(errors)} error(s); its log ends with:")
            print(server.log_path.read_text(errors="replace")[-20_000:], flush=True)
        minutes, seconds = divmod(round(time.monotonic() - started), 60)
        failed = not passed or errors
        log(f"{'FAILED' if failed else 'passed'} in {minutes}m{seconds:02d}s")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
