#!/usr/bin/env bash
# Bring the new, empty PostgreSQL database at DATABASE_URL to the current schema, fast:
#
#   DATABASE_URL=postgres://... tests/support/migrate_cached.sh
#
# `manage.py migrate` from nothing takes 12–50 s here (mostly Python working out each
# migration's state); restoring a dump of a database that has just been migrated takes about
# a second. So the first run migrates and saves `pg_dump -Fc` of the result in SCHEMA_CACHE
# (default ./var/schema-cache, git-ignored) under a key made of every migration file, the
# installed packages and the PostgreSQL version; later runs with the same key restore it.
# SCHEMA_CACHE= (empty) always migrates. Only for throwaway databases (make stack-check,
# make restore-drill): a database with data in it is migrated the ordinary way.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must name the new database}"
BIN=${BIN:-.venv/bin}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SCHEMA_CACHE=${SCHEMA_CACHE-var/schema-cache}

if [ -z "$SCHEMA_CACHE" ]; then
    exec "$BIN/python" manage.py migrate --noinput -v0
fi

key=$({
    "$PGBIN/postgres" -V
    ls "$BIN/../lib/"python*/site-packages
    find . -path ./.venv -prune -o -path ./var -prune -o -path '*/migrations/*.py' -type f -print |
        LC_ALL=C sort | xargs cat
} | sha256sum | cut -c1-16)
dump="$SCHEMA_CACHE/schema-$key.dump"

if [ -f "$dump" ]; then
    "$PGBIN/pg_restore" --no-owner --exit-on-error --dbname="$DATABASE_URL" "$dump"
    echo "migrate_cached: schema restored from $dump" >&2
else
    "$BIN/python" manage.py migrate --noinput -v0
    mkdir -p "$SCHEMA_CACHE"
    # Older keys are of migrations that no longer exist.
    rm -f "$SCHEMA_CACHE"/schema-*.dump
    "$PGBIN/pg_dump" --format=custom --file="$dump.partial" --dbname="$DATABASE_URL"
    mv "$dump.partial" "$dump"
    echo "migrate_cached: migrated; schema saved in $dump" >&2
fi
