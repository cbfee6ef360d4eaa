"""A province to benchmark against: many organisations of realistic sizes with a year of data.

``seed_province(...)`` fills the (migrated, empty) database Django is set up on:

  * ``organisations`` organisations whose sizes are drawn log-uniformly between 30 and 1 000 staff
    and scaled to total ``staff`` (default 400 and 100 000), plus one large organisation of
    ``large`` staff (default 5 000); each organisation's staff in departments of 5–60 people;
  * each organisation's four appraisal quarters of ``YEAR`` (Q1–Q3 approved, Q4 open) with a
    grade row per person and quarter (every grade, some 不确定等次 and ungraded, composite scores),
    a person's grades alike from quarter to quarter, as in a real office: about a quarter of the
    people are eligible for the year's 优秀 and the 20 % quota ranks them;
  * for ``QUARTER`` (the quarter the roll-up bench measures): an approved target set of two items
    per person, the three monthly summaries (some late, some drafts) and a service event for every
    fifth person;
  * for the year roll-up's exceptions: a probationer in every 200 people, a sanction in every 1 000.

Set-based: organisations, departments and people with ``bulk_create`` in batches; everything
derived from people (grades, targets, summaries, events) with one ``INSERT … SELECT`` each, whose
"random" values are arithmetic on the ids (deterministic, the same on SQLite and PostgreSQL). No
audit entries, signals or tasks. Progress goes to ``progress`` (print by default).

    from province import Scale, seed_province
    seed_province(**Scale.SMALL)          # 8 organisations, 2 000 staff + 1 000: CI-sized
    seed_province(**Scale.PROVINCE)       # 400 organisations, 100 000 staff + 5 000

Run as a script it seeds the database of ``DATABASE_URL`` (migrating it first):
``DATABASE_URL=… .venv/bin/python bench/province.py --scale small``.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEAR, QUARTER = 2026, 3
# The roll-up's "today": Q3 is over and its grading deadline has passed; every summary is due.
TODAY = date(2026, 11, 23)
BATCH = 5000
MIN_ORGANISATION, MAX_ORGANISATION = 30, 1000
MIN_DEPARTMENT, MAX_DEPARTMENT = 5, 60


class Scale:
    PROVINCE = {"organisations": 400, "staff": 100_000, "large": 5000}
    SMALL = {"organisations": 8, "staff": 2000, "large": 1000}
    # One organisation of 100 000: the size issue 13's "today" figures were measured at.
    SINGLE = {"organisations": 0, "staff": 0, "large": 100_000}
    # One organisation of 20 000: the same shape at a fifth of the size, for iterating on a shared
    # machine (seeded in about a minute); the 100 000 run confirms.
    SINGLE20 = {"organisations": 0, "staff": 0, "large": 20_000}
    NAMES = ("small", "province", "single", "single20")

    @classmethod
    def named(cls, name: str) -> dict:
        return {"province": cls.PROVINCE, "small": cls.SMALL, "single": cls.SINGLE, "single20": cls.SINGLE20}[name]


@dataclass(frozen=True)
class Province:
    organisations: int
    people: int
    departments: int
    largest: int
    seconds: float


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal_site.settings")
    import django

    django.setup()


def organisation_sizes(count: int, total: int, rng: random.Random) -> list[int]:
    """``count`` sizes between 30 and 1 000, log-uniform (many small bureaus, a few large), summing to ``total``."""
    if count == 0:
        return []
    low, high = math.log(MIN_ORGANISATION), math.log(MAX_ORGANISATION)
    raw = [math.exp(rng.uniform(low, high)) for _ in range(count)]
    factor = total / sum(raw)
    sizes = [min(max(round(size * factor), MIN_ORGANISATION), MAX_ORGANISATION) for size in raw]
    # Spread the rounding difference over the organisations that can take it.
    index = 0
    while (difference := total - sum(sizes)) and index < 100 * count:
        position = index % count
        step = 1 if difference > 0 else -1
        if MIN_ORGANISATION <= sizes[position] + step <= MAX_ORGANISATION:
            sizes[position] += step
        index += 1
    return sizes


def department_sizes(staff: int, rng: random.Random) -> list[int]:
    """Departments of 5–60 people making up ``staff``."""
    sizes = []
    left = staff
    while left > 0:
        size = rng.randint(MIN_DEPARTMENT, MAX_DEPARTMENT)
        if left - size < MIN_DEPARTMENT:
            size = left if left <= MAX_DEPARTMENT else left - MIN_DEPARTMENT
        sizes.append(size)
        left -= size
    return sizes


def _sql(params: dict) -> dict:
    """Parameters every statement below shares."""
    from django.db import connection
    from django.utils import timezone

    from evaluations.models import Grade

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return {
        "now": now,
        "year": YEAR,
        "quarter": QUARTER,
        **{grade.name.lower(): grade.value for grade in Grade},
        **params,
    }


# ``h`` picks the grade: 25 % 好 in every quarter, and a person's ``h`` moves by 3 from one quarter
# to the next, so the same people tend to be 好 all year. About 24 % of the people then qualify for
# 优秀 (more than half of their graded quarters 好, none 一般 or below), above the default 20 %
# quota: the year roll-up ranks them and draws the quota line. (A step of 29, used before 12-04,
# gave nobody more than two 好 quarters: nobody was eligible and the ranking never ran.)
GRADES_SQL = """
INSERT INTO evaluations_quartergrade (
    appraisal_quarter_id, person_id, department_id, is_leader_position, state, grade, uncertain_reason,
    comment, reason, composite_score, suggested_grade, evaluator_grade, evaluator_reason, change_reason,
    reopen_reason, return_reason, version, graded_at, confirmed_at, targets_approved, summary_months,
    employee_number, headed
)
SELECT x.quarter_id, x.person_id, x.department_id, FALSE, %(confirmed)s,
    CASE WHEN x.h < 25 THEN %(good)s WHEN x.h < 80 THEN %(fairly_good)s WHEN x.h < 92 THEN %(average)s
        WHEN x.h < 95 THEN %(poor)s WHEN x.h < 98 THEN %(uncertain)s ELSE '' END,
    CASE WHEN x.h >= 95 AND x.h < 98 THEN 'other' ELSE '' END,
    '', '', CASE WHEN x.h < 95 AND x.person_id %% 11 <> 0 THEN 60 + x.s / 100.0 END,
    '', '', '', '', '', '', 1, %(now)s, %(now)s, FALSE, 0, x.employee_number, FALSE
FROM (
    SELECT q.id AS quarter_id, u.id AS person_id, u.department_id, u.employee_number,
        (u.id * 37 + q.quarter * 3) %% 100 AS h, (u.id * 53 + q.quarter * 7) %% 4000 AS s
    FROM accounts_user u JOIN evaluations_appraisalquarter q ON q.organisation_id = u.organisation_id
    WHERE u.department_id IS NOT NULL AND u.organisation_id >= %(first_organisation)s AND q.year = %(year)s
) x
"""

TARGET_SETS_SQL = """
INSERT INTO targets_targetset (
    organisation_id, status, version, is_late, return_reason, created_at, updated_at,
    owner_id, department_id, year, quarter, submitted_at, reviewed_at
)
SELECT u.organisation_id, %(approved)s, 1, FALSE, '', %(now)s, %(now)s, u.id, u.department_id,
    %(year)s, %(quarter)s, %(now)s, %(now)s
FROM accounts_user u
WHERE u.department_id IS NOT NULL AND u.organisation_id >= %(first_organisation)s AND u.id %% 29 <> 0
"""

TARGET_ITEMS_SQL = """
INSERT INTO targets_targetitem (target_set_id, sort_order, content, kind, measures, completion, completion_note)
SELECT s.id, n.n, %(content)s, %(key)s, '',
    CASE (s.id + n.n) %% 4 WHEN 3 THEN %(partial)s ELSE %(done)s END, ''
FROM targets_targetset s CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2) n
WHERE s.year = %(year)s AND s.quarter = %(quarter)s AND s.organisation_id >= %(first_organisation)s
"""

SUMMARIES_SQL = """
INSERT INTO summaries_monthlysummary (
    organisation_id, status, version, return_reason, created_at, updated_at, owner_id, department_id,
    year, month, other_work, problems, next_month_plan, is_late, autosave_tab, autosave_seq, autosave_version,
    submitted_at
)
SELECT u.organisation_id, CASE WHEN (u.id + m.m) %% 10 = 0 THEN %(draft)s ELSE %(approved)s END, 1, '',
    %(now)s, %(now)s, u.id, u.department_id, %(year)s, m.m, '', '', '', (u.id * 7 + m.m) %% 10 = 0, '', 0, 0, %(now)s
FROM accounts_user u CROSS JOIN (SELECT 7 AS m UNION ALL SELECT 8 UNION ALL SELECT 9) m
WHERE u.department_id IS NOT NULL AND u.organisation_id >= %(first_organisation)s
"""

EVENTS_SQL = """
INSERT INTO evaluations_serviceevent (organisation_id, person_id, date, kind, description, handled, entered_at)
SELECT u.organisation_id, u.id, %(event_day)s, CASE WHEN u.id %% 3 = 0 THEN %(complaint)s ELSE %(praise)s END,
    %(description)s, CASE WHEN u.id %% 2 = 0 THEN TRUE END, %(now)s
FROM accounts_user u
WHERE u.department_id IS NOT NULL AND u.organisation_id >= %(first_organisation)s AND u.id %% 5 = 0
"""

PROBATION_SQL = """
INSERT INTO accounts_staffstatus (user_id, kind, start_date, note)
SELECT u.id, %(probation)s, %(probation_start)s, '' FROM accounts_user u
WHERE u.department_id IS NOT NULL AND u.organisation_id >= %(first_organisation)s AND u.id %% 200 = 7
"""

# ``roles=True``: everyone holds the staff role in their organisation, as a real register's people do
# (the load bench's pages read the role table; the roll-up benches keep the province as it was
# measured before).
ROLES_SQL = """
INSERT INTO accounts_roleassignment (user_id, organisation_id, role, granted_at)
SELECT u.id, u.organisation_id, %(staff_role)s, %(now)s FROM accounts_user u
WHERE u.department_id IS NOT NULL AND u.organisation_id >= %(first_organisation)s
"""

SANCTIONS_SQL = """
INSERT INTO evaluations_sanction (organisation_id, person_id, kind, decided_on, note, entered_at)
SELECT u.organisation_id, u.id, CASE WHEN u.id %% 2000 = 13 THEN %(demerit)s ELSE %(warning)s END,
    %(sanction_day)s, '', %(now)s
FROM accounts_user u
WHERE u.department_id IS NOT NULL AND u.organisation_id >= %(first_organisation)s AND u.id %% 1000 = 13
"""


def seed_province(
    *,
    organisations: int,
    staff: int,
    large: int,
    seed: int = 1,
    roles: bool = False,
    progress: Callable[[str], None] = print,
) -> Province:
    """Fill the database with a province (see the module docstring); returns what it made."""
    from auditlog.context import disable_auditlog
    from django.db import connection, transaction

    from accounts.models import Department, Organisation, Policy, Role, StaffStatusKind, User
    from accounts.workflow import ReviewStatus
    from evaluations.models import AppraisalQuarter, GradeState, QuarterState, SanctionKind, ServiceEventKind
    from targets.models import Completion, TargetKind

    rng = random.Random(seed)
    started = time.perf_counter()

    def say(text: str) -> None:
        progress(f"  [{time.perf_counter() - started:6.1f} s] {text}")

    sizes = organisation_sizes(organisations, staff, rng) + ([large] if large else [])
    with transaction.atomic(), disable_auditlog():
        orgs = Organisation.objects.bulk_create(
            Organisation(code=f"P{i:04d}", name=f"省直单位{i}" if i < organisations else "省大型单位")
            for i in range(len(sizes))
        )
        Policy.objects.bulk_create(Policy(organisation=organisation) for organisation in orgs)
        plan = []  # (organisation, department sizes)
        departments = []
        for organisation, size in zip(orgs, sizes, strict=True):
            parts = department_sizes(size, rng)
            plan.append((organisation, parts))
            departments += [
                Department(organisation=organisation, code=f"D{j:03d}", name=f"科室{j}", sort_order=j)
                for j in range(len(parts))
            ]
        departments = Department.objects.bulk_create(departments, batch_size=BATCH)
        say(f"{len(orgs)} organisations, {len(departments)} departments")

        def people():
            position = 0
            for organisation, parts in plan:
                for department_size in parts:
                    department = departments[position]
                    position += 1
                    for _ in range(department_size):
                        number = yield_number[0] = yield_number[0] + 1
                        yield User(
                            username=f"p{number:07d}",
                            full_name=f"人员{number}",
                            employee_number=f"{number:07d}",
                            organisation=organisation,
                            department=department,
                            password="!",
                        )

        yield_number = [0]
        batch: list = []
        made = 0
        total = sum(sizes)
        for user in people():
            batch.append(user)
            if len(batch) == BATCH:
                User.objects.bulk_create(batch)
                made += len(batch)
                batch = []
                if made % (BATCH * 4) == 0:
                    say(f"{made:,} / {total:,} people")
        User.objects.bulk_create(batch)
        made += len(batch)
        say(f"{made:,} people")

        AppraisalQuarter.objects.bulk_create(
            AppraisalQuarter(
                organisation=organisation,
                year=YEAR,
                quarter=quarter,
                state=QuarterState.APPROVED if quarter < 4 else QuarterState.OPEN,
            )
            for organisation in orgs
            for quarter in (1, 2, 3, 4)
        )
        params = _sql(
            {
                "confirmed": GradeState.CONFIRMED,
                "approved": ReviewStatus.APPROVED,
                "draft": ReviewStatus.DRAFT,
                "content": "完成本季度重点工作",
                "key": TargetKind.KEY,
                "done": Completion.DONE,
                "partial": Completion.PARTIAL,
                "praise": ServiceEventKind.PRAISE,
                "complaint": ServiceEventKind.COMPLAINT,
                "description": "窗口服务",
                "event_day": connection.ops.adapt_datefield_value(date(YEAR, 8, 1)),
                "probation": StaffStatusKind.PROBATION,
                "probation_start": connection.ops.adapt_datefield_value(date(YEAR, 6, 1)),
                "warning": SanctionKind.WARNING,
                "demerit": SanctionKind.DEMERIT,
                "sanction_day": connection.ops.adapt_datefield_value(date(YEAR, 5, 1)),
                "staff_role": Role.STAFF,
                # Only the organisations made here: the load bench seeds the province beside the demo.
                "first_organisation": orgs[0].pk,
            }
        )
        with connection.cursor() as cursor:
            for label, sql in [
                ("grade rows (4 quarters)", GRADES_SQL),
                (f"target sets (Q{QUARTER})", TARGET_SETS_SQL),
                ("target items", TARGET_ITEMS_SQL),
                ("monthly summaries (3 months)", SUMMARIES_SQL),
                ("service events", EVENTS_SQL),
                ("probationers", PROBATION_SQL),
                ("sanctions", SANCTIONS_SQL),
                *([("staff roles", ROLES_SQL)] if roles else []),
            ]:
                cursor.execute(sql, params)
                say(f"{cursor.rowcount:,} {label}")
        # What each grade row knows of its person's documents (the approval blockers and the
        # roll-up's missing summaries read it), set as the services keep it after every save.
        from evaluations.grading.services.documents import grade_documents_refresh
        from evaluations.models import QuarterGrade

        written = grade_documents_refresh(
            rows=QuarterGrade.objects.filter(
                appraisal_quarter__organisation_id__gte=orgs[0].pk, appraisal_quarter__year=YEAR
            )
        )
        say(f"{written:,} grade rows told of their documents")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    say("committed and analysed")
    return Province(
        organisations=len(orgs), people=made, departments=len(departments), largest=max(sizes), seconds=seconds
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=Scale.NAMES, default="small")
    args = parser.parse_args()
    setup_django(os.environ["DATABASE_URL"])
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    province = seed_province(**Scale.named(args.scale))
    print(province)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
