#!/usr/bin/env bash
# `nginx -t` on deploy/nginx.conf (there is no Docker engine to run it in).
# The upstream's compose host name is swapped for the loopback address, which
# nginx can resolve here; everything else is checked as deployed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nginx >/dev/null 2>&1; then
    echo "ERROR: nginx is needed to check deploy/nginx.conf (Debian: apt-get install nginx)." >&2
    exit 1
fi
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
sed -E 's/server web:8000;/server 127.0.0.1:8000;/' deploy/nginx.conf > "$workdir/nginx.conf"
nginx -t -q -e stderr -p "$workdir/" -c "$workdir/nginx.conf"
echo "deploy/nginx.conf: nginx -t passed ($(nginx -v 2>&1))"
