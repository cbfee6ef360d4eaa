#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster:
#
#   tests/support/with_postgres.sh COMMAND [ARGS...]
#
# initdb on a fresh temporary directory, start it on a free port on 127.0.0.1 with trust
# authentication (tests only: nothing else can reach it), create the database `appraisal`,
# export DATABASE_URL=postgres://postgres@127.0.0.1:PORT/appraisal, run the command, and
# stop and delete the cluster afterwards whatever happens (failure, Ctrl-C). The command's
# exit status is returned.
#
# initdb and pg_ctl refuse to run as root: as root they run as the `postgres` user (created
# by the Debian package) on a directory that user owns. Durability is switched off (fsync,
# full_page_writes): the data is thrown away anyway, and it makes the test run faster.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PYTHON=${PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$PGBIN/initdb" ]; then
    echo "with_postgres.sh: $PGBIN/initdb not found (apt-get install postgresql)" >&2
    exit 2
fi

if [ "$(id -u)" -eq 0 ]; then
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/appraisal-pg.XXXXXX")
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$workdir"
data="$workdir/data"
started=""

cleanup() {
    if [ -n "$started" ]; then
        as_pg "$PGBIN/pg_ctl" stop -D "$data" -m immediate -s >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$("$PYTHON" "$here/services.py")
as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale -N >"$workdir/initdb.log" 2>&1 || {
    cat "$workdir/initdb.log" >&2
    exit 1
}
started=1
as_pg "$PGBIN/pg_ctl" start -D "$data" -w -t 60 -s -l "$workdir/postgres.log" -o "\
 -c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$workdir'\
 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" || {
    cat "$workdir/postgres.log" >&2
    exit 1
}
"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres appraisal

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/appraisal"
echo "with_postgres.sh: PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$port" >&2
status=0
"$@" || status=$?
exit $status
