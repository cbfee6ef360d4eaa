"""The province's roll-ups against their floors, measured in the same run.

A fresh database (``province_bench_<scale>`` on the PostgreSQL server of ``DATABASE_URL``, as
``tests/support/with_postgres.sh`` exports it, else a SQLite file in a temporary directory) is
migrated and seeded with :mod:`province` (progress printed). Then, every figure a ratio to a floor
timed just before it on the same rows, each roll-up and each floor the fastest of three runs (every
run's time printed beside it):

  * **quarterly roll-up** of every organisation's Q3 (``rollup_quarters``: one set-based roll-up of
    all the organisations' quarters, in this process), first run and rerun (nothing changed: no row
    rewritten), against one
    ``INSERT … SELECT … GROUP BY`` of the same per-person figures for the whole province into a
    scratch table. Targets: ≤ 2× the floor, ≤ 10 s.
  * **fan-out**: the same first run as one roll-up job per organisation (``rollup_fan_out``) through
    Redis to 1 and then 2 real Celery workers (``--workers``), from the request to the last job
    done; the speed-up of 2 workers over 1. The results are deleted before each run.
  * **year roll-up** (``rollup_years``: every organisation of the scope in one pass), first run and
    rerun, against one ``INSERT … SELECT … GROUP BY`` of the year's per-person counts and average
    score into a bare table, and (a second floor) into the result table itself. Target ≤ 3×.
    The peak resident memory the roll-ups added is printed too.

    tests/support/with_postgres.sh .venv/bin/python bench/province_bench.py --scale small
    tests/support/with_postgres.sh .venv/bin/python bench/province_bench.py --scale province
    tests/support/with_postgres.sh .venv/bin/python bench/province_bench.py --scale single20 --workers

Exit status 0 unless something failed: it prints figures and marks those over target, it does not
fail on them (the machine is shared; see bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from province import QUARTER, ROOT, TODAY, YEAR, Scale, seed_province, setup_django  # noqa: E402

QUARTER_FLOOR_SQL = """
INSERT INTO bench_floor_quarter
SELECT g.person_id, g.department_id, g.grade, g.composite_score, COALESCE(t.items, 0), COALESCE(t.done, 0),
    COALESCE(m.on_time, 0), COALESCE(m.late, 0), COALESCE(e.praise, 0), COALESCE(e.complaints, 0)
FROM evaluations_quartergrade g
JOIN evaluations_appraisalquarter q ON q.id = g.appraisal_quarter_id
LEFT JOIN (
    SELECT s.owner_id, COUNT(*) AS items, SUM(CASE WHEN i.completion = 'done' THEN 1 ELSE 0 END) AS done
    FROM targets_targetitem i JOIN targets_targetset s ON s.id = i.target_set_id
    WHERE s.year = %(year)s AND s.quarter = %(quarter)s {scope_s} GROUP BY s.owner_id
) t ON t.owner_id = g.person_id
LEFT JOIN (
    SELECT owner_id, SUM(CASE WHEN is_late THEN 0 ELSE 1 END) AS on_time,
        SUM(CASE WHEN is_late THEN 1 ELSE 0 END) AS late
    FROM summaries_monthlysummary WHERE year = %(year)s AND month IN (7, 8, 9) AND status IN ('submitted', 'approved')
        {scope_m}
    GROUP BY owner_id
) m ON m.owner_id = g.person_id
LEFT JOIN (
    SELECT person_id, SUM(CASE WHEN kind = 'praise' THEN 1 ELSE 0 END) AS praise,
        SUM(CASE WHEN kind = 'complaint' THEN 1 ELSE 0 END) AS complaints
    FROM evaluations_serviceevent WHERE date BETWEEN %(first_day)s AND %(last_day)s {scope_m} GROUP BY person_id
) e ON e.person_id = g.person_id
WHERE q.year = %(year)s AND q.quarter = %(quarter)s {scope}
"""

YEAR_FLOOR_SQL = """
INSERT INTO bench_floor_year
SELECT g.person_id, MAX(g.department_id),
    SUM(CASE WHEN g.grade IN ('good', 'fairly_good', 'average', 'poor') THEN 1 ELSE 0 END),
    SUM(CASE WHEN g.grade = 'good' THEN 1 ELSE 0 END),
    SUM(CASE WHEN g.grade = 'average' THEN 1 ELSE 0 END),
    SUM(CASE WHEN g.grade = 'poor' THEN 1 ELSE 0 END),
    AVG(g.composite_score)
FROM evaluations_quartergrade g JOIN evaluations_appraisalquarter q ON q.id = g.appraisal_quarter_id
WHERE q.year = %(year)s {scope}
GROUP BY g.person_id
"""

FLOOR_TABLES = {
    "bench_floor_quarter": "person_id integer, department_id integer, grade varchar(30), score numeric(5, 2), "
    "items integer, done integer, on_time integer, late integer, praise integer, complaints integer",
    "bench_floor_year": "person_id integer, department_id integer, graded integer, good integer, "
    "average integer, poor integer, score numeric(9, 4)",
}


def floor(table: str, sql: str, params: dict, *, cpu: list | None = None) -> float:
    """The fastest of :data:`RUNS` executions of ``sql`` into an emptied scratch table (not a
    temporary one: the same kind of table the roll-up writes, with its write-ahead log); ``cpu``
    gets each run's CPU seconds (:func:`cpu_seconds`)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} ({FLOOR_TABLES[table]})")

    def empty() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")

    return fastest(partial(execute_committed, sql, params), reset=empty, cpu=cpu)[0]


def execute_committed(sql: str, params: dict) -> None:
    """``sql`` in a transaction of its own, committed."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its PostgreSQL backend (Linux, a local server;
    this process alone elsewhere): unlike the wall time, hardly moved by other work on the machine."""
    from django.db import connection

    used = time.process_time()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return used


def add(rows: list, row: tuple) -> None:
    """Keep a row of the final table, and print it now (the province run is long)."""
    rows.append(row)
    label, seconds, floor_seconds, note = row
    ratio = f" = ×{seconds / floor_seconds:.2f} the floor" if floor_seconds else ""
    print(f"  {label}: {seconds:.2f} s{ratio} {note}", flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scopes():
    """(label, organisations, SQL restriction of a floor): the largest organisation alone, then all."""
    from django.db.models import Count

    from accounts.models import Organisation, User

    organisations = list(Organisation.objects.annotate(people=Count("members")).order_by("pk"))
    largest = max(organisations, key=lambda organisation: organisation.people)
    return [
        (f"largest organisation ({largest.people:,})", [largest], "AND q.organisation_id = %(organisation)s", largest),
        (f"province ({User.objects.count():,})", organisations, "", largest),
    ]


def empty_quarter_results() -> None:
    """No quarterly result or department stats rows, vacuumed on PostgreSQL: the same reset as the
    year's (:func:`empty_results`) and before each fan-out run. Without the vacuum the scope's first
    run inserted its 100 000 rows beside the 100 000 dead ones the previous scope's run had left
    (and no statistics), which no real first run of a quarter meets."""
    from django.db import connection

    from evaluations.models import DepartmentQuarterStats, QuarterResult

    QuarterResult.objects.all().delete()
    DepartmentQuarterStats.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE evaluations_quarterresult, evaluations_departmentquarterstats")


def quarterly(rows: list) -> None:
    from django.db import connection

    from accounts import periods
    from evaluations.grading.services.rollup import rollup_quarters
    from evaluations.models import AppraisalQuarter

    period = periods.Quarter(YEAR, QUARTER)
    for scope, organisations, restriction, largest in scopes():
        params = {
            "year": YEAR,
            "quarter": QUARTER,
            "organisation": largest.pk,
            "first_day": connection.ops.adapt_datefield_value(period.first_day),
            "last_day": connection.ops.adapt_datefield_value(period.last_day),
        }
        empty_quarter_results()
        quarters = list(
            AppraisalQuarter.objects.filter(year=YEAR, quarter=QUARTER, organisation__in=organisations).order_by(
                "organisation_id"
            )
        )
        floor_seconds = floor(
            "bench_floor_quarter",
            QUARTER_FLOOR_SQL.format(
                scope=restriction,
                scope_s=restriction.replace("q.", "s."),
                scope_m=restriction.replace("q.", ""),
            ),
            params,
        )
        add(rows, (f"quarterly floor, {scope}: 1 INSERT … SELECT … GROUP BY", floor_seconds, None, ""))
        for label, reset in (("first run", empty_quarter_results), ("rerun, nothing changed", None)):
            memory = peak_mb()
            # One set-based roll-up of every organisation's quarter (the same statements for 1 or 401).
            seconds, samples, stats = fastest(
                partial(rollup_quarters, appraisal_quarters=quarters, today=TODAY), reset=reset
            )
            rewritten = sum(one.rewritten for one in stats.values())
            target = "≤ 2× and ≤ 10 s" if label == "first run" else "≤ 2×"
            over = seconds > 2 * floor_seconds or seconds > 10
            add(
                rows,
                (
                    f"  quarterly roll-up, {label}: {len(quarters)} org., {rewritten:,} rows written",
                    seconds,
                    floor_seconds,
                    f"{target}{'  OVER' if over else ''}; runs {samples}; +{peak_mb() - memory:.0f} MB peak",
                ),
            )


RUNS = 3


def fastest(call, *, reset=None, cpu: list | None = None):
    """The fastest of :data:`RUNS` calls, ``reset`` before each (a first run: the results emptied):
    (seconds, every run's seconds as text, the fastest call's return value). The floors and the
    roll-ups alike: a roll-up timed once against a floor's best of three counted the machine's
    noise against the roll-up alone. ``cpu`` gets each run's CPU seconds."""
    best, result, samples = float("inf"), None, []
    for _ in range(RUNS):
        if reset:
            reset()
        used = cpu_seconds() if cpu is not None else 0.0
        started = time.perf_counter()
        value = call()
        seconds = time.perf_counter() - started
        if cpu is not None:
            cpu.append(cpu_seconds() - used)
        samples.append(seconds)
        if seconds < best:
            best, result = seconds, value
    return best, " / ".join(f"{seconds:.2f}" for seconds in samples), result


# A second year floor: the same per-person figures into the result table itself, with its indexes
# and deferred foreign keys (the bare table above has none); the rows are deleted again after.
YEAR_TABLE_FLOOR_SQL = """
INSERT INTO evaluations_annualresult (
    organisation_id, person_id, department_id, year, graded_quarters, good_quarters,
    average_or_below_quarters, average_quarters, composite_score, eligible_excellent, rank,
    suggested_grade, suggestion_reasons, decided_grade, decision_reason, computed_at
)
SELECT MAX(q.organisation_id), g.person_id, MAX(g.department_id), %(year)s,
    SUM(CASE WHEN g.grade IN ('good', 'fairly_good', 'average', 'poor') THEN 1 ELSE 0 END),
    SUM(CASE WHEN g.grade = 'good' THEN 1 ELSE 0 END),
    SUM(CASE WHEN g.grade IN ('average', 'poor') THEN 1 ELSE 0 END),
    SUM(CASE WHEN g.grade = 'average' THEN 1 ELSE 0 END),
    AVG(g.composite_score), FALSE, NULL, '', '[]', '', '', %(now)s
FROM evaluations_quartergrade g JOIN evaluations_appraisalquarter q ON q.id = g.appraisal_quarter_id
WHERE q.year = %(year)s {scope}
GROUP BY g.person_id
"""


def empty_results() -> None:
    """No result rows (plain SQL: the ORM would audit every deletion), vacuumed on PostgreSQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM evaluations_annualresult")
        cursor.execute("DELETE FROM evaluations_annualrolluprun")
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE evaluations_annualresult")


def table_floor(sql: str, params: dict, *, cpu: list | None = None) -> float:
    """The fastest of :data:`RUNS` executions of ``sql`` into the emptied result table, commit
    included; the table emptied again after."""
    seconds = fastest(partial(execute_committed, sql, params), reset=empty_results, cpu=cpu)[0]
    empty_results()
    return seconds


def year(rows: list) -> None:
    from django.db import connection
    from django.utils import timezone

    from evaluations.annual.services import rollup_years

    for scope, organisations, restriction, largest in scopes():
        empty_results()
        params = {
            "year": YEAR,
            "organisation": largest.pk,
            "now": connection.ops.adapt_datetimefield_value(timezone.now()),
        }
        # CPU seconds (this process and its backend; the least of each floor's runs) beside the wall
        # times: a ratio that the other work on a shared machine hardly moves (a diagnostic).
        floor_cpu: list[float] = []
        table_cpu: list[float] = []
        floor_seconds = floor("bench_floor_year", YEAR_FLOOR_SQL.format(scope=restriction), params, cpu=floor_cpu)
        add(
            rows,
            (f"year floor, {scope}: 1 INSERT … SELECT … GROUP BY", floor_seconds, None, f"CPU {min(floor_cpu):.2f} s"),
        )
        table_seconds = table_floor(YEAR_TABLE_FLOOR_SQL.format(scope=restriction), params, cpu=table_cpu)
        add(
            rows,
            (
                "  the same into the result table (indexes, foreign keys)",
                table_seconds,
                floor_seconds,
                f"CPU ×{min(table_cpu) / min(floor_cpu):.2f} the floor's",
            ),
        )
        for label, reset in (("first run", empty_results), ("rerun", None)):
            memory = peak_mb()
            used: list[float] = []
            # One pass over all the organisations of the scope (rollup_years), not one call each.
            seconds, samples, stats = fastest(
                partial(rollup_years, organisations=organisations, year=YEAR), reset=reset, cpu=used
            )
            people = sum(one.people for one in stats.values())
            over = seconds > 3 * floor_seconds
            add(
                rows,
                (
                    f"  year roll-up, {label}: {len(organisations)} org. in 1 pass, {people:,} people",
                    seconds,
                    floor_seconds,
                    f"≤ 3×{'  OVER' if over else ''}; runs {samples}; ×{seconds / table_seconds:.2f} the table "
                    f"floor; CPU ×{min(used) / min(floor_cpu):.2f} the floor's; +{peak_mb() - memory:.0f} MB peak",
                ),
            )


def start_workers(count: int, env: dict, logdir: Path) -> list[subprocess.Popen]:
    """``count`` solo-pool Celery workers, returned once each says it is ready."""
    processes = []
    for n in range(count):
        log_path = logdir / f"worker{n}.log"
        with open(log_path, "wb") as log:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "appraisal_site",
                        "worker",
                        "--pool=solo",
                        "--loglevel=INFO",
                        f"--hostname=bench{n}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            )
    deadline = time.monotonic() + 120
    for n, process in enumerate(processes):
        log_path = logdir / f"worker{n}.log"
        while b"ready." not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                stop_workers(processes)
                raise RuntimeError(f"worker {n} did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
    return processes


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def fan_out(rows: list, *, workers: list[int], env: dict, logdir: Path) -> None:
    from django.db.models import Count

    from accounts.models import Job
    from evaluations.grading.services.rollup import ROLLUP_QUARTER, rollup_fan_out
    from evaluations.models import AppraisalQuarter

    quarters = list(
        AppraisalQuarter.objects.filter(year=YEAR, quarter=QUARTER).select_related("organisation").order_by("pk")
    )
    single = None
    for count in workers:
        empty_quarter_results()
        Job.objects.filter(kind=ROLLUP_QUARTER).delete()
        processes = start_workers(count, env, logdir)
        try:
            started = time.perf_counter()
            jobs = rollup_fan_out(appraisal_quarters=quarters)  # enqueued as it commits
            ids = [job.pk for job in jobs]
            while True:
                states = dict(Job.objects.filter(pk__in=ids).values_list("state").annotate(n=Count("pk")))
                finished = states.get(Job.State.DONE, 0) + states.get(Job.State.FAILED, 0)
                if finished == len(ids):
                    break
                if time.perf_counter() - started > 1800:
                    raise RuntimeError(f"fan-out with {count} workers not finished after 30 min: {states}")
                time.sleep(0.05)
            seconds = time.perf_counter() - started
        finally:
            stop_workers(processes)
        failed = states.get(Job.State.FAILED, 0)
        single = single or seconds
        speed = (
            f"speed-up ×{single / seconds:.2f} over 1 worker" if count > 1 else "from the request to the last job done"
        )
        add(
            rows,
            (
                f"quarterly roll-up fanned out: {len(ids)} jobs, {count} Celery worker{'s' if count > 1 else ''}",
                seconds,
                None,
                speed + (f"; {failed} FAILED" if failed else ""),
            ),
        )


def print_table(rows: list, header: str) -> None:
    print(f"\n{header}\n")
    print(f"{'':<70}{'seconds':>9}{'× floor':>9}  target / note")
    for label, seconds, floor_seconds, note in rows:
        ratio = f"{seconds / floor_seconds:9.2f}" if floor_seconds else f"{'':>9}"
        print(f"{label:<70}{seconds:9.2f}{ratio}  {note}")
    print(flush=True)


def postgres_database(server_url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=Scale.NAMES, default="small")
    parser.add_argument(
        "--workers", type=int, nargs="*", default=[1, 2], help="worker counts for the fan-out (none: skip it)"
    )
    args = parser.parse_args()
    scale = Scale.named(args.scale)

    with tempfile.TemporaryDirectory(prefix="province-bench-") as tmp:
        tmpdir = Path(tmp)
        server_url = os.environ.get("DATABASE_URL", "")
        if server_url.startswith(("postgres://", "postgresql://")):
            database_url = postgres_database(server_url, f"province_bench_{args.scale}")
        else:
            database_url = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
        redis = None
        if args.workers:
            sys.path.insert(0, str(ROOT))
            from tests.support.services import RedisServer

            redis = RedisServer(tmpdir / "redis").start()
            os.environ["CELERY_BROKER_URL"] = os.environ["CELERY_RESULT_BACKEND"] = redis.url
        try:
            return run(args, scale, database_url, tmpdir)
        finally:
            if redis:
                redis.stop()


def run(args, scale: dict, database_url: str, tmpdir: Path) -> int:
    setup_django(database_url)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    started = time.perf_counter()
    if engine == "postgresql":
        # A schema dump restored (tests/support/migrate_cached.sh) instead of 40–90 s of migrations.
        env = dict(os.environ, DATABASE_URL=database_url, BIN=str(Path(sys.executable).parent))
        subprocess.run([str(ROOT / "tests/support/migrate_cached.sh")], cwd=ROOT, env=env, check=True)
    else:
        call_command("migrate", "--noinput", verbosity=0)
    print(
        f"{engine}: migrated in {time.perf_counter() - started:.0f} s; seeding the province ({args.scale}) …",
        flush=True,
    )
    province = seed_province(**scale)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM evaluations_quartergrade")
        (grade_rows,) = cursor.fetchone()
    load = os.getloadavg()
    rows: list = []
    quarterly(rows)
    year(rows)
    if args.workers:
        env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="appraisal_site.settings")
        fan_out(rows, workers=args.workers, env=env, logdir=tmpdir)
    header = (
        f"province ({args.scale}) on {engine}: {province.organisations} organisations "
        f"(largest {province.largest:,}), {province.departments:,} departments, {province.people:,} people, "
        f"{grade_rows:,} grade rows; seeded in {province.seconds:.0f} s.\n"
        f"Load average {load[0]:.1f} before the measurements, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)."
    )
    print_table(rows, header)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
