#!/usr/bin/env bash
# `make stack-check`: start the whole stack (tests/support/run_stack.sh) on a throwaway
# PostgreSQL cluster and free ports, all state in a temporary directory; seed a small
# organisation; sign in over HTTP, have the worker roll a quarter up, download an export
# (tests/support/stack_check.py); stop everything and delete the directory, whatever happens.
# On failure the logs of every part are printed. Prints how long it took.
set -euo pipefail

BIN=${BIN:-.venv/bin}
here=$(cd "$(dirname "$0")" && pwd)
started=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/appraisal-stack.XXXXXX")
# The postgres user must reach its cluster inside.
chmod 755 "$work"
mkdir -p "$work/logs"
cleanup() {
    status=$?
    if [ $status -ne 0 ]; then
        for log in "$work"/logs/*.log "$work"/var/postgres/postgres.log; do
            [ -f "$log" ] || continue
            echo "----- $log (last 40 lines)" >&2
            tail -n 40 "$log" >&2
        done
    fi
    rm -rf "$work"
    echo "stack-check: $(( $(date +%s) - started )) s, $([ $status -eq 0 ] && echo passed || echo FAILED)" >&2
    exit $status
}
trap cleanup EXIT

port() { "$BIN/python" "$here/services.py"; }
web_port=$(port)
export -n DATABASE_URL 2>/dev/null || true
unset DATABASE_URL
export VAR="$work/var" STACK_LOGS="$work/logs" PG_FAST=1 DEBUG=1 LOG_FORMAT=json \
    PG_PORT=$(port) REDIS_PORT=$(port) BIND="127.0.0.1:$web_port" \
    WEB_CONCURRENCY=2 CELERY_CONCURRENCY=1 \
    MEDIA_ROOT="$work/media" PRIVATE_FILES_ROOT="$work/private" \
    STACK_SEED="" \
    STACK_CHECK="$BIN/python $here/stack_check.py check http://127.0.0.1:$web_port $work/logs"
BIN=$BIN "$here/run_stack.sh"
