#!/usr/bin/env python3
"""Soak test: readers, API clients and curators' writes together on PostgreSQL.

    .venv/bin/python .ci/soak.py                    # 120 s of load (make soak)
    SOAK_SECONDS=600 .venv/bin/python .ci/soak.py   # a longer run

What it does and checks: harness/soak/__init__.py. Its parts: the command
line (cli.py), HTTP clients (client.py), the ledger (ledger.py), writers
(writers.py), readers (readers.py), the oracle (oracle.py) and the run
(run.py); the database and the server come from the shared harness.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

try:
    import django  # noqa: F401
except ImportError:  # started with a Python outside the project's virtualenv
    for candidate in (
        Path(os.environ.get("VIRTUAL_ENV", "/nonexistent")) / "bin" / "python",
        ROOT / ".venv" / "bin" / "python",
    ):
        if candidate.exists() and Path(sys.executable) != candidate:
            os.execv(candidate, [str(candidate), *sys.argv])
    sys.exit("Run this with the project's virtualenv Python (make soak does).")

sys.path.insert(0, str(ROOT))

from harness.soak.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
