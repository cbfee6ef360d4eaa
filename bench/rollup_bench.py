"""How close is the quarterly roll-up to the cost of just reading its sources?

For each size, a fresh SQLite file in a temporary directory is migrated and filled with bulk
inserts (not timed): N staff in 8 departments, one QuarterGrade each, a TargetSet with 4 items,
the quarter's 3 monthly summaries (some late, some missing) and a service event for every fifth
person. Then it times

  * ``rollup_quarter`` — the first run (inserts) and a second run (upserts the same rows), and
  * the floor: one raw ``SELECT … GROUP BY`` per source (grades, target items, summaries,
    events), fetched completely — the reads the roll-up cannot avoid —

and prints seconds and the ratio roll-up / floor. A per-person loop would be ~50× the floor
(ENVIRONMENT.md: ~55 s at 100 000 staff on SQLite).

    .venv/bin/python bench/rollup_bench.py                  # 10 000 and 100 000
    .venv/bin/python bench/rollup_bench.py --sizes 1000     # quick check
"""

from __future__ import annotations

import argparse
import time

from benchdb import django_on_fresh_database, each_size_in_a_child
from benchrows import add_people, bench_organisation, bulk, per_owner, per_person

YEAR, QUARTER = 2026, 3


def build(size: int):
    """The rows the roll-up reads, inserted in bulk; returns the AppraisalQuarter."""
    import random
    from datetime import date

    from auditlog.context import disable_auditlog
    from django.db import transaction

    from accounts.models import User
    from evaluations.models import AppraisalQuarter, Grade, QuarterGrade, ServiceEvent
    from summaries.models import MonthlySummary
    from targets.models import Completion, TargetItem, TargetSet

    rng = random.Random(1)
    grades = [Grade.GOOD, Grade.FAIRLY_GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, ""]
    completions = [Completion.DONE, Completion.DONE, Completion.PARTIAL, Completion.NOT_DONE]
    with transaction.atomic(), disable_auditlog():
        organisation, departments = bench_organisation(8)
        add_people(size, organisation=organisation, department=lambda i: departments[i % 8])
        people = list(User.objects.filter(organisation=organisation).values_list("pk", "department_id"))
        quarter = AppraisalQuarter.objects.create(organisation=organisation, year=YEAR, quarter=QUARTER)
        per_person(QuarterGrade, people, appraisal_quarter=quarter, grade=lambda: rng.choice(grades))
        per_owner(TargetSet, people, organisation=organisation, year=YEAR, quarter=QUARTER, status="approved")
        set_ids = TargetSet.objects.filter(organisation=organisation).values_list("pk", flat=True)
        bulk(
            TargetItem,
            (
                TargetItem(target_set_id=set_id, content="目标事项", completion=rng.choice(completions))
                for set_id in set_ids.iterator()
                for _ in range(4)
            ),
        )
        # The quarter's three months, some summaries late and some not handed in.
        for month in (7, 8, 9):
            per_owner(
                MonthlySummary,
                people,
                organisation=organisation,
                year=YEAR,
                month=month,
                status=lambda: "approved" if rng.random() < 0.9 else "draft",
                is_late=lambda: rng.random() < 0.1,
            )
        bulk(
            ServiceEvent,
            (
                ServiceEvent(
                    organisation=organisation,
                    person_id=pk,
                    date=date(YEAR, 8, 1),
                    kind=rng.choice(["praise", "complaint"]),
                    description="窗口服务",
                    handled=rng.choice([True, False, None]),
                )
                for pk, _dept in people[::5]
            ),
        )
    return quarter


FLOOR_SQL = [
    "SELECT person_id, department_id, grade, composite_score FROM evaluations_quartergrade "
    "WHERE appraisal_quarter_id = %(quarter)s",
    "SELECT s.owner_id, COUNT(*), SUM(CASE WHEN i.completion = 'done' THEN 1 ELSE 0 END) "
    "FROM targets_targetitem i JOIN targets_targetset s ON s.id = i.target_set_id "
    "WHERE s.organisation_id = %(org)s AND s.year = %(year)s AND s.quarter = %(q)s GROUP BY s.owner_id",
    "SELECT owner_id, SUM(CASE WHEN is_late THEN 0 ELSE 1 END), SUM(CASE WHEN is_late THEN 1 ELSE 0 END) "
    "FROM summaries_monthlysummary WHERE organisation_id = %(org)s AND year = %(year)s "
    "AND month IN (7, 8, 9) AND status IN ('submitted', 'approved') GROUP BY owner_id",
    "SELECT person_id, COUNT(*) FROM evaluations_serviceevent WHERE organisation_id = %(org)s "
    "AND date BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY person_id",
]


def floor(quarter) -> float:
    from django.db import connection

    params = {"quarter": quarter.pk, "org": quarter.organisation_id, "year": YEAR, "q": QUARTER}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in FLOOR_SQL:
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - started


def run(size: int) -> tuple[float, float, float, float]:
    from datetime import date

    from django.core.management import call_command

    from evaluations.grading.services.rollup import rollup_quarter
    from evaluations.models import QuarterResult

    call_command("migrate", "--noinput", verbosity=0)
    started = time.perf_counter()
    quarter = build(size)
    setup = time.perf_counter() - started
    today = date(YEAR, 11, 23)
    floor_seconds = min(floor(quarter) for _ in range(2))
    started = time.perf_counter()
    rollup_quarter(appraisal_quarter=quarter, today=today)
    first = time.perf_counter() - started
    started = time.perf_counter()
    rollup_quarter(appraisal_quarter=quarter, today=today)
    second = time.perf_counter() - started
    assert QuarterResult.objects.filter(appraisal_quarter=quarter).count() == size
    return setup, floor_seconds, first, second


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    if len(args.sizes) > 1:
        return each_size_in_a_child(__file__, args.sizes)
    size = args.sizes[0]
    # SQLite only (ENVIRONMENT.md's figures), even when DATABASE_URL names a PostgreSQL server.
    with django_on_fresh_database("rollup-bench", postgres=False):
        setup, floor_seconds, first, second = run(size)
    print(
        f"staff {size:>7,}: setup {setup:6.1f} s | floor (4 GROUP BY reads) {floor_seconds:6.2f} s | "
        f"rollup_quarter first {first:6.2f} s (×{first / floor_seconds:.1f}), "
        f"rerun {second:6.2f} s (×{second / floor_seconds:.1f})",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
