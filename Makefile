# 平时考核系统 — the two commands:
#
#   make run         the embedded default: SQLite, tasks in-process, DEBUG on, demo data,
#                    http://127.0.0.1:8000 (Django's runserver)
#   make test        everything CI checks (.ci/run calls exactly this)
#
# and a few more: run-stack (PostgreSQL + Redis + Celery worker + beat + gunicorn, like production),
# test-sqlite (= test-sqlite-main + test-one-database), test-postgres, test-broker, test-e2e,
# stack-check, restore-drill, lint, check-migrations, clean.
#
# Assumptions: Debian 12 (apt-get, dpkg), Python 3.11 as `python3.11` (PYTHON=... to
# change), run as root or as a user with sudo for the apt-get step, which only happens
# when a package is missing. Everything Python goes into ./.venv.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3.11
# A shell that sets PYTHONDONTWRITEBYTECODE (this machine's does) makes every Python process compile
# the project from source and pytest rewrite every test module's asserts again: 13 s of a whole
# suite's 18 s collection, once per xdist worker and per run (bench/RESULTS.md, "make test time,
# bytecode"). The cached files are ignored by git and removed by make clean.
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
PYTEST := $(PY) -m pytest
# Parallel test processes for the SQLite and PostgreSQL runs (pytest-xdist); 0 = no xdist.
TEST_PROCESSES ?= 2
XDIST := $(if $(filter 0,$(TEST_PROCESSES)),-p no:xdist,-n $(TEST_PROCESSES))
PYTEST_ARGS ?=

# System packages. Running needs CJK fonts (PDFs), gettext (compilemessages) and Pango for
# WeasyPrint; the tests also need the real services, the browser, and LibreOffice to open every
# workbook the application writes (tests/test_workbooks_in_libreoffice.py), and Debian's nginx to
# check deploy/nginx/appraisal.conf with `nginx -t` (tests/test_deploy.py; installing it starts nothing
# where policy-rc.d forbids, and the test runs no server).
RUN_PACKAGES := fonts-noto-cjk fonts-hanazono gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_PACKAGES := $(RUN_PACKAGES) redis-server postgresql chromium-headless-shell poppler-utils libreoffice-calc-nogui nginx
# make test's first part (the SQLite and PostgreSQL runs) needs only these; the others (the
# broker, the browser, LibreOffice: the second part's) are installed in the background meanwhile.
FIRST_PACKAGES := $(RUN_PACKAGES) postgresql poppler-utils nginx
LATER_PACKAGES := $(filter-out $(FIRST_PACKAGES),$(TEST_PACKAGES))

# Tests that need something other than the database the run is about.
NOT_SERVICES := not e2e and not broker
# The files the small parts (browser, broker, one_database) collect: importing the whole suite to
# deselect all but a few files cost each of them ~8 s of CPU. A file is found by its marker's name
# in it; tests/conftest.py fails the run of the whole suite if a test marked so lies elsewhere
# (e2e: only under tests/e2e), so no marked test is left out.
E2E_FILES := tests/e2e
BROKER_FILES = $(shell grep -rlE 'mark\.broker' tests --include='test_*.py' | LC_ALL=C sort)
ONE_DATABASE_FILES = $(shell grep -rl one_database tests --include='test_*.py' | LC_ALL=C sort)

.PHONY: help
help:
	@echo "make run          install what is missing, migrate, load the demo, serve on http://127.0.0.1:8000"
	@echo "make run-stack    the same on PostgreSQL behind gunicorn, with Redis, a Celery worker and beat; Ctrl-C stops all"
	@echo "make test         the whole suite on SQLite and on PostgreSQL, broker and browser tests, stack check, restore drill, ruff, migrations check"
	@echo "make stack-check  start the stack on a throwaway PostgreSQL, sign in over HTTP, a roll-up by the worker, an export; stop all"
	@echo "make restore-drill  back up a throwaway database (deploy/backup.sh), restore it, compare rows and the audit log"
	@echo "make bench        the province benchmarks and the load bench (small; BENCH_SCALE=province for 100 000 staff), see bench/RESULTS.md"
	@echo "make clean        remove the virtualenv, caches, compiled messages and test results (keeps the database)"

# --- Installation ------------------------------------------------------------

.PHONY: system-packages system-packages-test
system-packages:
	@tests/support/apt_ensure.sh $(RUN_PACKAGES)

system-packages-test:
	@tests/support/apt_ensure.sh $(TEST_PACKAGES)

# The virtualenv is a file target: rebuilt only when pyproject.toml changes. The project
# itself is not an installable package ([tool.setuptools] packages = []): its dependencies
# are installed from the list in pyproject.toml and manage.py runs from this directory.
$(VENV)/.installed: pyproject.toml tests/support/requirements.py
	@if ! command -v $(PYTHON) >/dev/null; then echo "$(PYTHON) not found (PYTHON=... to choose one)" >&2; exit 1; fi
	@$(MAKE) --no-print-directory python-venv-package
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PYTHON) tests/support/requirements.py test > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.txt
	@touch $@

.PHONY: venv messages python-venv-package
venv: $(VENV)/.installed

# Debian's own python3.11 needs python3.11-venv for `-m venv` (ensurepip).
python-venv-package:
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || tests/support/apt_ensure.sh $(notdir $(PYTHON))-venv

# No .po files yet is fine (nothing to do); --ignore keeps Django's own catalogues in
# .venv out of it.
messages: $(VENV)/.installed
	$(MANAGE) compilemessages --ignore=$(VENV) -v0

# --- Running -----------------------------------------------------------------

.PHONY: run run-stack prepare
prepare: system-packages $(VENV)/.installed messages
	$(MANAGE) migrate --noinput

# DEBUG defaults to on, so the demo organisation is loaded into an empty database.
run: prepare
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) runserver 127.0.0.1:8000

# Assumptions are listed at the top of tests/support/run_stack.sh: a PostgreSQL cluster in
# ./var/postgres on PG_PORT (default 5439, created on first start), Redis on REDIS_PORT (default
# 6390), state under ./var/, gunicorn on 127.0.0.1:8000. It migrates, and loads the demo while
# DEBUG is on (seed_demo refuses otherwise, rightly).
run-stack: system-packages $(VENV)/.installed messages
	@tests/support/apt_ensure.sh redis-server postgresql
	$(MANAGE) collectstatic --noinput -v0
	BIN=$(BIN) tests/support/run_stack.sh

# --- Tests -------------------------------------------------------------------

.PHONY: test test-setup test-sqlite test-sqlite-main test-one-database test-postgres test-broker test-e2e stack-check restore-drill lint check-migrations
# A failing part does not stop the others (make -k), so one CI run reports every failure, and
# the run fails if any part failed. SKIP_SETUP keeps the inner make from checking packages and
# compiling messages a second time. The SQLite and PostgreSQL runs come first, one after the
# other (each keeps both cores busy with TEST_PROCESSES workers). The browser tests then run in
# one process that leaves about half of the machine idle (it mostly waits for the browser), so
# the other parts run beside them, one after the other (beside-e2e): lint, the migrations check,
# the stack check, the restore drill (after the stack check: it reuses the schema the stack check
# cached in var/schema-cache), the broker tests and the SQLite run's tests marked one_database
# (test-one-database: one process, like the others here, so the browser tests share the machine
# with one other process as before; run in the first part, they took half of its time on both
# cores while the browser tests' half of the machine stayed idle). Each part's output is printed
# whole when it ends (--output-sync).
#
# On a machine without the packages (CI's clean image), the Debian packages the first part needs are
# installed first (one apt-get at a time: FIRST_PACKAGES and python3.11-venv), then the others
# (LATER_PACKAGES) in the background while pip fills .venv and the first part runs; the second part
# waits for them (their output: var/apt-later.log). With everything installed this costs nothing.
TEST_SETUP := $(if $(SKIP_SETUP),,test-setup)
test:
	@start=$$(date +%s); \
	status=0; \
	tests/support/apt_ensure.sh $(FIRST_PACKAGES); \
	$(MAKE) --no-print-directory python-venv-package; \
	mkdir -p var; \
	tests/support/apt_ensure.sh $(LATER_PACKAGES) > var/apt-later.log 2>&1 & later=$$!; \
	$(MAKE) --no-print-directory messages; \
	$(MAKE) --no-print-directory --keep-going SKIP_SETUP=1 test-sqlite-main test-postgres || status=$$?; \
	if ! wait $$later; then \
	  cat var/apt-later.log >&2; \
	  echo "make test: installing $(LATER_PACKAGES) failed; the browser, broker and LibreOffice tests cannot run" >&2; \
	  exit 1; \
	fi; \
	cat var/apt-later.log; \
	$(MAKE) --no-print-directory --keep-going --jobs=2 --output-sync=target SKIP_SETUP=1 \
	  test-e2e beside-e2e || status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s, $$([ $$status -eq 0 ] && echo passed || echo FAILED)"; \
	exit $$status

test-setup: system-packages-test $(VENV)/.installed messages

.PHONY: beside-e2e
beside-e2e:
	@status=0; \
	for part in lint check-migrations stack-check restore-drill test-broker test-one-database; do \
	  $(MAKE) --no-print-directory SKIP_SETUP=1 $$part || status=$$?; \
	done; \
	exit $$status

# make test installs LibreOffice: the workbook test (one_database) fails rather than skips without it.
test-sqlite test-one-database: export LIBREOFFICE_REQUIRED := 1
test-sqlite test-sqlite-main: export NGINX_REQUIRED := 1

# (a) Everything but the browser and broker tests, on SQLite (in-memory test database), in two
# runs: the tests marked one_database (the demo story, the permission table, the LibreOffice
# round trip; make test runs them in one process beside the browser tests) and the rest, with
# TEST_PROCESSES workers.
test-sqlite: test-sqlite-main test-one-database

test-sqlite-main: $(TEST_SETUP)
	env -u DATABASE_URL $(PYTEST) $(XDIST) -m "$(NOT_SERVICES) and not postgres and not one_database" $(PYTEST_ARGS)

test-one-database: $(TEST_SETUP)
	env -u DATABASE_URL $(PYTEST) -p no:xdist -m "$(NOT_SERVICES) and not postgres and one_database" $(PYTEST_ARGS) $(ONE_DATABASE_FILES)

# (b) The same on a real PostgreSQL 15, started for this run and removed afterwards, but for the
# tests marked one_database (the demo story and the permission table) or engine_neutral (who may
# open what, sign-in security, bad periods in URLs, outbound HTTP): decided in Python, the same on
# every database; so is any test that asks for no database (tests/conftest.py marks it). The rest (grading, roll-ups, jobs, locks, counters, imports, exports, query
# plans: the SQL the application composes and the documents it writes) runs on both.
test-postgres: $(TEST_SETUP)
	PYTHON=$(PY) tests/support/with_postgres.sh $(PYTEST) $(XDIST) -m "$(NOT_SERVICES) and not one_database and not engine_neutral" $(PYTEST_ARGS)

# (c) A real Redis and Celery worker (the tests start and stop both).
test-broker: $(TEST_SETUP)
	env -u DATABASE_URL $(PYTEST) -p no:xdist -m broker $(PYTEST_ARGS) $(BROKER_FILES)

# (d) The browser tests: Debian's Chromium driven by Playwright against a live server. One at a
# time: two workers (two browsers and servers on 2 cores) made page loads miss their timeouts.
test-e2e: $(TEST_SETUP)
	env -u DATABASE_URL E2E_REQUIRED=1 $(PYTEST) -p no:xdist -m e2e $(PYTEST_ARGS) $(E2E_FILES)

# (e) The deployed stack on this machine (PostgreSQL, Redis, worker, beat, gunicorn on free ports,
# all state in a temporary directory): sign in over HTTP, a roll-up done by the worker, an
# export downloaded; everything stopped and removed afterwards, also on failure.
stack-check: $(TEST_SETUP)
	BIN=$(BIN) tests/support/stack_check.sh

# (f) The backup restores: deploy/backup.sh's pg_dump -Fc of a throwaway database with data and
# uploads, restored into a new database; row counts per table and the audit log's checksum compared.
restore-drill: $(TEST_SETUP)
	PYTHON=$(PY) tests/support/with_postgres.sh env BIN=$(BIN) tests/support/restore_drill.sh

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

check-migrations: $(VENV)/.installed
	env -u DATABASE_URL $(MANAGE) makemigrations --check --dry-run

# --- Benchmarks ----------------------------------------------------------------

.PHONY: bench bench-province bench-pages bench-load
# make bench                        the small province (CI-sized, a few minutes), the pages' query counts
#                                   and the load bench on a province of 2 000 (20 s phases)
# make bench BENCH_SCALE=province   400 organisations, 100 000 staff + 5 000 (prints its progress; long),
#                                   the load bench on the province of 100 000 (60 s phases)
# Each part runs on its own throwaway PostgreSQL 15 and prints a table; the whole run is kept in
# var/bench/last-run.txt (paste it into bench/RESULTS.md with the command). Another bench adds
# itself as a target and to BENCH_PARTS (BENCH_PARTS += bench-exports).
BENCH_SCALE ?= small
BENCH_PAGES_STAFF ?= 10000
BENCH_PARTS := bench-province bench-pages bench-load
BENCH_DIR := var/bench
# The load bench's locust (pyproject's bench extra) in a virtualenv of its own: gevent and Flask stay
# out of the application's.
BENCH_VENV := var/bench-venv
BENCH_LOAD_ARGS := $(if $(filter province,$(BENCH_SCALE)),--staff 100000 --seconds 60,--staff 2000 --seconds 20)

bench: $(TEST_SETUP)
	@mkdir -p $(BENCH_DIR)
	@{ echo "make bench BENCH_SCALE=$(BENCH_SCALE), $$(date -u '+%Y-%m-%d %H:%M UTC'), commit $$(git rev-parse --short HEAD)"; \
	  echo "load average at the start: $$(cut -d' ' -f1-3 /proc/loadavg) ($$(nproc) cores)"; } > $(BENCH_DIR)/last-run.txt
	@for part in $(BENCH_PARTS); do \
	  $(MAKE) --no-print-directory SKIP_SETUP=1 $$part 2>&1 | tee $(BENCH_DIR)/$$part.txt; \
	  cat $(BENCH_DIR)/$$part.txt >> $(BENCH_DIR)/last-run.txt; \
	done
	@echo "the whole run: $(BENCH_DIR)/last-run.txt"

bench-province: $(TEST_SETUP)
	PYTHON=$(PY) tests/support/with_postgres.sh $(PY) bench/province_bench.py --scale $(BENCH_SCALE)

bench-pages: $(TEST_SETUP)
	PYTHON=$(PY) tests/support/with_postgres.sh $(PY) bench/pages_bench.py --staff $(BENCH_PAGES_STAFF) --repeat 1

$(BENCH_VENV)/.installed: pyproject.toml tests/support/requirements.py
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(PYTHON) tests/support/requirements.py --only bench > $(BENCH_VENV)/requirements.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(BENCH_VENV)/requirements.txt
	@touch $@

bench-load: $(TEST_SETUP) $(BENCH_VENV)/.installed
	LOCUST=$(BENCH_VENV)/bin/locust PYTHON=$(PY) tests/support/with_postgres.sh $(PY) bench/load_bench.py \
	  --shape province --pages $(BENCH_LOAD_ARGS)

# --- Housekeeping --------------------------------------------------------------

.PHONY: clean
# Keeps db.sqlite3 and var/media, var/private (your data); `rm db.sqlite3*` for a fresh demo.
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results staticfiles var/redis.pid var/redis.log var/schema-cache var/bench-venv
	find . -path ./.git -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf
	find locale -name '*.mo' -delete
