"""Make sure the browser tests can run: Debian's Chromium and axe-core.

Called by ``make test``. Installs what is missing when it can (apt-get as
root, npm); otherwise stops with the command that would install it, because
the browser tests are part of the suite and are never skipped.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"


def fail(message, command):
    bar = "!" * 78
    sys.stderr.write(
        f"\n{bar}\nThe browser tests cannot run: {message}\n"
        f"Install it with:\n    {command}\nthen run `make test` again.\n{bar}\n\n"
    )
    sys.exit(1)


def ensure_chromium():
    if CHROMIUM.exists():
        return
    command = "apt-get update && apt-get install -y chromium"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        fail(f"Chromium is not installed at {CHROMIUM}.", f"sudo sh -c '{command}'")
    print("Installing Debian's Chromium for the browser tests (apt-get)...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(["sh", "-c", f"({command}) >/dev/null"], env=env)
    if result.returncode != 0 or not CHROMIUM.exists():
        fail("installing Chromium with apt-get failed.", command)


def ensure_axe():
    if AXE.exists():
        return
    npm = shutil.which("npm")
    command = f"npm install --prefix {HERE} --no-audit --no-fund"
    if not npm:
        fail(
            "npm is not installed, and it is needed to fetch axe-core.",
            "apt-get install -y npm",
        )
    print("Installing axe-core for the accessibility scans (npm)...", flush=True)
    result = subprocess.run(
        [npm, "install", "--prefix", str(HERE), "--no-audit", "--no-fund", "--silent"]
    )
    if result.returncode != 0 or not AXE.exists():
        fail("installing axe-core with npm failed.", command)


if __name__ == "__main__":
    ensure_chromium()
    ensure_axe()
