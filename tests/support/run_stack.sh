#!/usr/bin/env bash
# `make run-stack`: the production shape on one machine — PostgreSQL, Redis, a Celery worker,
# Celery beat and gunicorn — all in the foreground of this script; Ctrl-C (or any one of them
# dying) stops all of them. `make stack-check` runs it in check mode (tests/support/stack_check.sh).
#
# Assumptions:
# - Run from the repository root with the virtualenv in .venv, messages compiled and static files
#   collected (the Makefile's prerequisites). PostgreSQL 15's server binaries (Debian package
#   postgresql) and redis-server are installed.
# - State lives under VAR (default ./var/, git-ignored): the PostgreSQL cluster in VAR/postgres
#   (created on first start, kept between runs; owned by the `postgres` user when run as root,
#   since initdb and pg_ctl refuse root), Redis's pid file and log. PostgreSQL listens on
#   127.0.0.1:PG_PORT (default 5439) and its socket in VAR/postgres, Redis on REDIS_PORT (default
#   6390, no persistence): not the default ports, so a system PostgreSQL or Redis is left alone.
#   With DATABASE_URL set, that database is used and no cluster is started.
# - Migrations run against it here; STACK_SEED (a command) then fills it — by default the demo
#   (seed_demo --if-empty) while DEBUG is on, nothing when it is off (seed_demo refuses, rightly).
# - DEBUG keeps its default (on) unless set: with DEBUG=0 you must also set SECRET_KEY, and
#   SECURE_SSL_REDIRECT=0 unless a TLS proxy sits in front.
# - gunicorn runs with deploy/gunicorn.conf.py on BIND (default 127.0.0.1:8000), WEB_CONCURRENCY
#   workers (default 2 here, the conf's own default is 2 × cores + 1); the worker runs
#   CELERY_CONCURRENCY processes (default 2); beat reads its schedule from the database.
# - Check mode: STACK_CHECK (a command) runs once everything is started; the script then stops
#   everything and exits with its status. STACK_LOGS=DIR sends each part's output to
#   DIR/{postgres,worker,beat,web}.log instead of the terminal.
set -euo pipefail

BIN=${BIN:-.venv/bin}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
REDIS_PORT=${REDIS_PORT:-6390}
PG_PORT=${PG_PORT:-5439}
export BIND=${BIND:-127.0.0.1:8000}
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
export LOG_FORMAT=${LOG_FORMAT:-json}
VAR=${VAR:-var}
STACK_LOGS=${STACK_LOGS:-}

mkdir -p "$VAR"
VAR=$(cd "$VAR" && pwd)
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
# The settings default the result backend to the broker URL.

if [ "$(id -u)" -eq 0 ]; then
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

log_to() {  # where a part's output goes: a file in check mode, the terminal otherwise
    if [ -n "$STACK_LOGS" ]; then echo "$STACK_LOGS/$1.log"; else echo /dev/stdout; fi
}

pids=()
pg_data=""
new_database=""
redis_started=""
say() {  # a line to the terminal, which may be gone (a lost ssh session): never fatal
    # (stdout to the terminal first, then the shell's own "write error" to nowhere)
    echo "$*" >&2 2>/dev/null || true
}
stop_all() {
    # Once stopping, a second Ctrl-C, a hang-up or a closed pipe does not cut the stop short (an
    # operator test: PostgreSQL and Redis were left running, orphaned).
    trap '' INT TERM HUP PIPE
    trap - EXIT
    set +e
    # A child signalled before it dropped the inherited traps (start, below) just ends.
    [ "$BASHPID" = "$$" ] || exit 143
    say "run-stack: stopping…"
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    # Celery's warm shutdown lets a running task finish; give everything 20 s.
    for _ in $(seq 1 80); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.25
    done
    say "run-stack: every process stopped (the stack ran ${SECONDS} s)"
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    [ -n "$redis_started" ] && { redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; }
    [ -n "$pg_data" ] && { as_pg "$PGBIN/pg_ctl" stop -D "$pg_data" -m fast -s >/dev/null 2>&1 || true; }
    say "run-stack: stopped."
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The terminal lost (ssh dropped, window closed): stop everything, as Ctrl-C does; gunicorn would
# take the hang-up as "reload" and go on serving without a worker or beat.
trap 'exit 129' HUP

# --- PostgreSQL -------------------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
    if [ ! -x "$PGBIN/initdb" ]; then
        echo "run-stack: $PGBIN/initdb not found (apt-get install postgresql)" >&2
        exit 1
    fi
    if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
        echo "run-stack: something already answers on port $PG_PORT (PG_PORT=... to choose another)" >&2
        exit 1
    fi
    pg_dir="$VAR/postgres"
    mkdir -p "$pg_dir"
    if ! as_pg test -x "$VAR"; then
        echo "run-stack: the postgres user cannot reach $VAR (a parent directory is private); VAR=... to choose another" >&2
        exit 1
    fi
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pg_dir"
    if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
        as_pg "$PGBIN/initdb" -D "$pg_dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale \
            >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; exit 1; }
    fi
    # The cluster already running (another run-stack on this VAR, on another port): refused, and
    # left alone — stopping it on the way out took the other stack's database down.
    if as_pg "$PGBIN/pg_ctl" status -D "$pg_dir/data" >/dev/null 2>&1; then
        echo "run-stack: the PostgreSQL cluster in $pg_dir is already running (another run-stack?); VAR=... for a second stack" >&2
        exit 1
    fi
    # PG_FAST=1 (the check's throwaway cluster): no durability, the data is thrown away anyway.
    fast=""
    [ "${PG_FAST:-0}" = 1 ] && fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    as_pg "$PGBIN/pg_ctl" start -D "$pg_dir/data" -w -t 60 -s -l "$pg_dir/postgres.log" -o "\
 -c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories='$pg_dir' $fast" || {
        cat "$pg_dir/postgres.log" >&2
        # Stopped on the way out only if it did start (a timeout), never one that was not ours.
        as_pg "$PGBIN/pg_ctl" status -D "$pg_dir/data" >/dev/null 2>&1 && pg_data="$pg_dir/data"
        exit 1
    }
    pg_data="$pg_dir/data"
    if [ -z "$("$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'appraisal'")" ]; then
        "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres appraisal
        new_database=1
    fi
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/appraisal"
    echo "run-stack: PostgreSQL on 127.0.0.1:$PG_PORT, data in $pg_data" >&2
fi

# --- Redis ------------------------------------------------------------------------------------
if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "run-stack: something already answers on port $REDIS_PORT (REDIS_PORT=... to choose another)" >&2
    exit 1
fi
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$VAR" --pidfile "$VAR/redis.pid" --logfile "$VAR/redis.log"
redis_started=1
for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
done
echo "run-stack: redis on 127.0.0.1:$REDIS_PORT (${SECONDS} s)" >&2

# --- The database's schema and data -----------------------------------------------------------
echo "run-stack: migrating…" >&2
if [ -n "$new_database" ]; then
    # A database created just now: restored from the schema cache when the migrations have not changed.
    BIN=$BIN PGBIN=$PGBIN tests/support/migrate_cached.sh
else
    "$BIN/python" manage.py migrate --noinput -v0
fi
echo "run-stack: migrated (${SECONDS} s)" >&2
if [ -z "${STACK_SEED+set}" ]; then
    case "${DEBUG:-1}" in
        0 | false | False | FALSE | no | off | n) STACK_SEED="" ; echo "run-stack: DEBUG is off: demo data not loaded" >&2 ;;
        *) STACK_SEED="$BIN/python manage.py seed_demo --if-empty" ;;
    esac
fi
[ -n "$STACK_SEED" ] && $STACK_SEED
echo "run-stack: starting worker, beat and gunicorn (${SECONDS} s)" >&2

# --- The application's processes ---------------------------------------------------------------
# Each in the background, its output where log_to says; the child drops this script's traps
# before it becomes the program, so a signal in between cannot run stop_all in the child.
start() {
    local log
    log=$(log_to "$1")
    shift
    (trap - EXIT INT TERM HUP; exec "$@" >>"$log" 2>&1) &
    pids+=($!)
}
start worker "$BIN/celery" -A appraisal_site worker --loglevel=INFO --concurrency="${CELERY_CONCURRENCY:-2}" \
    --hostname "worker@%h"
# --pidfile= (empty): no pid file, so a crash leaves nothing that stops the next start.
start beat "$BIN/celery" -A appraisal_site beat --loglevel=INFO --pidfile= \
    --scheduler django_celery_beat.schedulers:DatabaseScheduler
start web "$BIN/gunicorn" appraisal_site.wsgi --config deploy/gunicorn.conf.py

if [ -n "${STACK_CHECK:-}" ]; then
    status=0
    $STACK_CHECK || status=$?
    exit $status
fi

echo "run-stack: http://$BIND/ (Ctrl-C stops everything)" >&2
# Wait until one of them exits (or Ctrl-C); the EXIT trap then stops the others.
status=0
wait -n "${pids[@]}" || status=$?
echo "run-stack: a process exited (status $status)" >&2
exit $status
