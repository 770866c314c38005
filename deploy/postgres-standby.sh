#!/bin/sh
# The scaled profile's read replica: on first start, copy the primary with
# pg_basebackup -R (which writes the standby's connection settings), then run
# as a hot standby that streams the primary's WAL (core/db_router.py sends
# it the reads; README, "Scaling out").
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -h db -U "$POSTGRES_USER" -q; do sleep 1; done
    PGPASSWORD="$POSTGRES_PASSWORD" pg_basebackup -h db -U "$POSTGRES_USER" \
        -D "$PGDATA" -R -X stream --checkpoint=fast
    chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
