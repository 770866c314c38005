#!/bin/sh
# Runs once, when the primary's data folder is first made (the postgres
# image's /docker-entrypoint-initdb.d): lets the standby of the scaled
# profile stream the WAL, with the same password as the app.
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
