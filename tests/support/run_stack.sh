#!/usr/bin/env bash
# `make run-stack`: the production shape on one machine — Redis, a Celery worker, Celery beat
# and gunicorn — all in the foreground of this script; Ctrl-C (or any one of them dying)
# stops all of them.
#
# Assumptions:
# - Run from the repository root with the virtualenv in .venv (the Makefile sees to both),
#   and migrations, messages and static files already done (the Makefile's prerequisites).
# - redis-server is installed (Debian package redis-server). It gets its own port
#   (REDIS_PORT, default 6390, not 6379 so a system Redis is left alone), no persistence,
#   and its pid file and log under ./var/ (git-ignored).
# - The database is whatever DATABASE_URL says; by default the SQLite file db.sqlite3 in WAL
#   mode, which the settings make safe for a few gunicorn workers and one Celery worker.
# - DEBUG keeps its default (on) unless set: with DEBUG=0 you must also set SECRET_KEY, and
#   SECURE_SSL_REDIRECT=0 unless a TLS proxy sits in front. gunicorn does not serve static
#   files itself: WhiteNoise does, from ./staticfiles (collectstatic ran before this).
# - gunicorn listens on 127.0.0.1:8000 (BIND), WEB_CONCURRENCY workers (default 2); the worker
#   runs CELERY_CONCURRENCY processes (default 2); beat reads its schedule from the database
#   (django_celery_beat DatabaseScheduler, set in the settings).
set -euo pipefail

BIN=${BIN:-.venv/bin}
REDIS_PORT=${REDIS_PORT:-6390}
BIND=${BIND:-127.0.0.1:8000}
VAR=${VAR:-var}

mkdir -p "$VAR"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
# The settings default the result backend to the broker URL.

pids=()
stop_all() {
    trap - EXIT INT TERM
    echo "run-stack: stopping…" >&2
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    # Celery's warm shutdown lets a running task finish; give everything 20 s.
    for _ in $(seq 1 40); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.5
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    echo "run-stack: stopped." >&2
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "run-stack: something already answers on port $REDIS_PORT (REDIS_PORT=... to choose another)" >&2
    trap - EXIT
    exit 1
fi
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$PWD/$VAR" --pidfile "$PWD/$VAR/redis.pid" --logfile "$PWD/$VAR/redis.log"
for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
done
echo "run-stack: redis on 127.0.0.1:$REDIS_PORT" >&2

"$BIN/celery" -A appraisal_site worker --loglevel=INFO --concurrency="${CELERY_CONCURRENCY:-2}" &
pids+=($!)
# --pidfile= (empty): no pid file, so a crash leaves nothing that stops the next start.
"$BIN/celery" -A appraisal_site beat --loglevel=INFO --pidfile= \
    --scheduler django_celery_beat.schedulers:DatabaseScheduler &
pids+=($!)
"$BIN/gunicorn" appraisal_site.wsgi --bind "$BIND" --workers "${WEB_CONCURRENCY:-2}" --timeout 60 \
    --access-logfile - &
pids+=($!)
echo "run-stack: http://$BIND/ (Ctrl-C stops everything)" >&2

# Wait until one of them exits (or Ctrl-C); the EXIT trap then stops the others.
status=0
wait -n "${pids[@]}" || status=$?
echo "run-stack: a process exited (status $status)" >&2
exit $status
