"""Where the year roll-up's first run goes, on a province already seeded (PostgreSQL only).

    DATABASE_URL=postgres://… .venv/bin/python bench/year_profile.py

on a database :mod:`province` has seeded (``DATABASE_URL=… .venv/bin/python bench/province.py
--scale single``). Prints, each the fastest of ``--runs`` on an emptied and vacuumed result table:

  * the bare floor (:data:`province_bench.YEAR_FLOOR_SQL` into an unindexed scratch table) and the
    table floor (the same figures into ``evaluations_annualresult``), then the table floor again
    with each of the table's foreign keys, and each of its secondary indexes, dropped for that
    transaction only (rolled back: the schema is left as it was) — what each costs per insert;
  * the roll-up's first run and rerun (``rollup_years`` over every organisation) with every
    statement timed (an execute wrapper): which statement the difference lives in.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from province import YEAR, setup_django  # noqa: E402
from province_bench import FLOOR_TABLES, YEAR_FLOOR_SQL, YEAR_TABLE_FLOOR_SQL, empty_results  # noqa: E402


class Rollback(Exception):
    pass


def timed_insert(sql: str, params: dict, *, before: list[str] = (), runs: int) -> float:
    """The fastest of ``runs`` executions of ``sql`` into the emptied result table, commit included,
    after the ``before`` statements in the same transaction; rolled back when ``before`` changed the
    schema (the time then stops before the rollback and includes the deferred checks)."""
    from django.db import connection, transaction

    best = float("inf")
    for _ in range(runs):
        empty_results()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in before:
                    cursor.execute(statement)
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
                if before:
                    raise Rollback
        except Rollback:
            pass
        else:
            seconds = time.perf_counter() - started
        best = min(best, seconds)
    empty_results()
    return best


def table_parts() -> tuple[list[str], list[str]]:
    """The result table's foreign-key constraints and secondary indexes, by name."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'evaluations_annualresult'::regclass "
            "AND contype = 'f' ORDER BY conname"
        )
        foreign_keys = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'evaluations_annualresult'::regclass AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1"
        )
        indexes = [row[0] for row in cursor.fetchall()]
    return foreign_keys, indexes


def profile_rollup(
    label: str, organisations, *, before: list[str] = (), keep: bool = True, shown: float = 0.05
) -> None:
    """Time the roll-up, statement by statement, the deferred checks forced before the time stops;
    ``before`` (schema changes) run first in the same transaction, rolled back unless ``keep``."""
    from django.db import connection, transaction

    from evaluations.annual.services import rollup_years

    spent: dict[str, float] = defaultdict(float)
    executed = 0

    def wrapper(execute, sql, params, many, context):
        nonlocal executed
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split())[:90]
            spent[key] += time.perf_counter() - started
            executed += 1

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for statement in before:
                    cursor.execute(statement)
            started = time.perf_counter()
            with connection.execute_wrapper(wrapper):
                rollup_years(organisations=organisations, year=YEAR)
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            total = time.perf_counter() - started
            if not keep:
                raise Rollback
    except Rollback:
        pass
    below = sum(seconds for seconds in spent.values() if seconds < shown)
    print(f"{label}: {total:.2f} s, {executed} statements; those of {shown * 1000:.0f} ms or more:", flush=True)
    for key, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        if seconds >= shown:
            print(f"    {seconds:6.3f}  {key}")
    print(f"    {below:6.3f}  (the other statements)")
    print(f"    {total - sum(spent.values()):6.3f}  (Python between the statements)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--skip-parts", action="store_true", help="only the roll-up's statements")
    parser.add_argument(
        "--shown-ms", type=float, default=50, help="list the statements that took this long or more (default 50)"
    )
    parser.add_argument(
        "--without", nargs="*", default=None, help="also time the first run without these foreign keys (name parts)"
    )
    args = parser.parse_args()
    shown = args.shown_ms / 1000
    setup_django(os.environ["DATABASE_URL"])
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Organisation

    params = {"year": YEAR, "now": connection.ops.adapt_datetimefield_value(timezone.now())}
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    if not args.skip_parts:
        table = "bench_floor_year"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} ({FLOOR_TABLES[table]})")
        best = float("inf")
        for _ in range(args.runs):
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table}")
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(YEAR_FLOOR_SQL.format(scope=""), params)
            best = min(best, time.perf_counter() - started)
        print(f"bare floor: {best:.2f} s", flush=True)
        sql = YEAR_TABLE_FLOOR_SQL.format(scope="")
        table_seconds = timed_insert(sql, params, runs=args.runs)
        print(f"table floor: {table_seconds:.2f} s", flush=True)
        foreign_keys, indexes = table_parts()
        drop_all = [f"ALTER TABLE evaluations_annualresult DROP CONSTRAINT {name}" for name in foreign_keys]
        seconds = timed_insert(sql, params, before=drop_all, runs=args.runs)
        print(f"  without any foreign key: {seconds:.2f} s (they cost {table_seconds - seconds:.2f} s)", flush=True)
        for name in foreign_keys:
            drop = [f"ALTER TABLE evaluations_annualresult DROP CONSTRAINT {name}"]
            seconds = timed_insert(sql, params, before=drop, runs=args.runs)
            print(f"  without {name}: {seconds:.2f} s", flush=True)
        for name in indexes:
            seconds = timed_insert(sql, params, before=[f"DROP INDEX {name}"], runs=args.runs)
            print(f"  without index {name}: {seconds:.2f} s", flush=True)
        drop_indexes = [f"DROP INDEX {name}" for name in indexes]
        seconds = timed_insert(sql, params, before=drop_all + drop_indexes, runs=args.runs)
        print(f"  without any foreign key or secondary index: {seconds:.2f} s", flush=True)
    organisations = list(Organisation.objects.order_by("pk"))
    empty_results()
    profile_rollup("first run", organisations, shown=shown)
    with connection.cursor() as cursor:
        # What the ranking had to do: the eligible, ranked for their organisation's 优秀 quota.
        cursor.execute(
            "SELECT COUNT(*), SUM(CASE WHEN eligible_excellent THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN suggested_grade = 'excellent' THEN 1 ELSE 0 END) FROM evaluations_annualresult"
        )
        people, eligible, excellent = cursor.fetchone()
    eligible, excellent = eligible or 0, excellent or 0
    print(f"    ({people:,} results: {eligible:,} eligible for 优秀, {excellent:,} suggested 优秀)", flush=True)
    if args.without is not None:
        foreign_keys, _indexes = table_parts()
        names = [name for name in foreign_keys if any(part in name for part in args.without)]
        empty_results()
        drop = [f"ALTER TABLE evaluations_annualresult DROP CONSTRAINT {name}" for name in names]
        profile_rollup(f"first run without {', '.join(names)}", organisations, before=drop, keep=False, shown=shown)
        empty_results()
        profile_rollup("first run again", organisations, shown=shown)
    profile_rollup("rerun", organisations, shown=shown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
