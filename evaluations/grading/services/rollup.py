"""The quarterly roll-up: one QuarterResult per graded person and one DepartmentQuarterStats per department.

Set-based on purpose. A per-person loop over 100 000 staff took about a minute on SQLite and two on
PostgreSQL (ENVIRONMENT.md). Here one ``INSERT … SELECT`` joins the grade rows to one ``GROUP BY``
per source (target items, monthly summaries, service events) and a second one groups the results
by department; both are plain SQL that SQLite (3.24+) and PostgreSQL accept. The number of queries
does not depend on the number of staff, and no row passes through Python.

Idempotent: the (quarter, person) primary key and the unique (quarter, department) are the upsert keys
(``ON CONFLICT … DO UPDATE … WHERE`` a figure differs, so a row's ``computed_at`` is when its figures
last changed and an unchanged row is not written again), and rows of people or departments no longer in the quarter are
deleted, so a task redelivered under ``acks_late`` writes the same rows again. The results' new
figures are compared with the stored row before the upsert (as the year roll-up does), so only new
or changed rows reach ``ON CONFLICT``; a rerun over unchanged sources neither writes nor locks a row.

A first run (the quarter holds no result row yet) skips both: a plain ``INSERT … SELECT``
(:data:`FRESH_RESULTS_SQL`); on PostgreSQL the department stats are grouped from the rows that
insert returns, in the same statement (:data:`FIRST_RUN_SQL`), not read back from the table.
Whether a quarter has rows is looked up after the roll-up has taken its lock on the quarter
(:data:`LOCK_SQL`), so two concurrent runs cannot both take that path.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jobs, periods
from accounts.models import Job, Organisation, User
from accounts.selectors import policies_for_organisations
from accounts.workflow import HANDED_IN_STATUSES
from targets.models import Completion

from ..models import (
    AppraisalQuarter,
    Grade,
    QuarterGrade,
    QuarterResult,
    ServiceEventKind,
)


class Flag:
    """What the results page highlights about a person's quarter (stored in QuarterResult.flags)."""

    NOT_GRADED = "not_graded"
    NO_TARGETS = "no_targets"
    SUMMARY_MISSING = "summary_missing"
    LATE_SUMMARIES = "late_summaries"
    UNHANDLED_COMPLAINT = "unhandled_complaint"


FLAG_LABELS = {
    Flag.NOT_GRADED: gettext_lazy("未评鉴"),
    Flag.NO_TARGETS: gettext_lazy("无季度目标"),
    Flag.SUMMARY_MISSING: gettext_lazy("月小结缺交"),
    Flag.LATE_SUMMARIES: gettext_lazy("月小结迟交"),
    Flag.UNHANDLED_COMPLAINT: gettext_lazy("投诉未处理"),
}


@dataclass(frozen=True)
class RollupStats:
    people: int
    departments: int
    months_due: int
    computed_at: datetime
    # Result rows inserted or changed by this run (a rerun over unchanged sources: 0).
    rewritten: int = 0


def _flag_conditions(missing: str) -> list[tuple[str, str]]:
    return [
        (Flag.NOT_GRADED, "g.grade = ''"),
        # Not of someone the quarter asks no targets of (a newcomer's later start, a secondment all
        # quarter: the grade row counts their targets as approved, services.documents).
        (Flag.NO_TARGETS, "COALESCE(t.items, 0) = 0 AND NOT g.targets_approved"),
        (Flag.SUMMARY_MISSING, f"{missing} > 0"),
        (Flag.LATE_SUMMARIES, "COALESCE(m.late, 0) > 0"),
        (Flag.UNHANDLED_COMPLAINT, "COALESCE(e.unhandled, 0) > 0"),
    ]


def _flags_sql(missing: str) -> str:
    """The flags as a JSON array built in SQL, in a fixed order (SQLite: JSON text; PostgreSQL: jsonb).

    On PostgreSQL each row's flags are a number (one bit per flag that applies) that picks one of the
    32 possible arrays from a constant ``jsonb[]``: the same jsonb as building an array of the
    flags and converting it for every row (``to_jsonb(array_remove(ARRAY[…], NULL))``, itself
    cheaper than parsing a JSON text per row, which it replaced), for less: at 100 000 people the
    results' ``SELECT`` into a bare table took 0.80 → 0.73 s of the server's CPU, best of 7
    (median 0.91 → 0.86; constant flags, a lower bound, 0.65; bench/RESULTS.md)."""
    conditions = _flag_conditions(missing)
    if connection.vendor == "postgresql":
        bits = " + ".join(
            f"CASE WHEN {condition} THEN {1 << n} ELSE 0 END" for n, (_flag, condition) in enumerate(conditions)
        )
        arrays = ", ".join(
            "'" + json.dumps([flag for n, (flag, _condition) in enumerate(conditions) if mask & 1 << n]) + "'"
            for mask in range(1 << len(conditions))
        )
        return f"(CAST(ARRAY[{arrays}] AS jsonb[]))[1 + {bits}]"
    items = " || ".join(f"CASE WHEN {condition} THEN '\"{flag}\",' ELSE '' END" for flag, condition in conditions)
    return f"'[' || RTRIM({items}, ',') || ']'"


def _missing_sql(due_mask: int) -> str:
    """How many of the quarter's months due (``due_mask``: a bit per month, as the grade row's
    ``summary_months``) the person has not handed in: the months whose bit the row lacks. The row's
    bits count a newcomer's months before they began as done (services.documents), so nothing is
    missing of those; read from the row, the statement joins no person."""
    months = [f"CASE WHEN (g.summary_months & {1 << i}) = 0 THEN 1 ELSE 0 END" for i in range(3) if due_mask & 1 << i]
    return f"({' + '.join(months)})" if months else "0"


# The new figures of every grade row (``n``) against the stored result (``r``, a hash or merge join
# on (quarter, person)): only the rows that are new or differ reach the upsert. A rerun over
# unchanged sources then writes nothing and ``ON CONFLICT`` meets no row; before, it met every one
# of them (speculative insertion, an index probe and a row lock for each, to write nothing: about
# 3 s of a rerun at 100 000 people on PostgreSQL). The upsert's own WHERE stays, for a row written by
# a concurrent run between the read and the write.
NEW_FIGURES_SQL = """
SELECT
    g.appraisal_quarter_id, g.person_id, g.department_id, g.grade AS final_grade, g.composite_score,
    COALESCE(t.items, 0) AS target_items, COALESCE(t.done, 0) AS target_items_done,
    CASE WHEN t.items > 0 THEN ROUND(t.done * 100.0 / t.items, 2) END AS completion_rate,
    COALESCE(m.on_time, 0) AS summaries_on_time, COALESCE(m.late, 0) AS summaries_late,
    {missing} AS summaries_missing,
    COALESCE(e.praise, 0) AS praise_count, COALESCE(e.complaints, 0) AS complaint_count, {flags} AS flags
FROM evaluations_quartergrade g
JOIN evaluations_appraisalquarter q ON q.id = g.appraisal_quarter_id
LEFT JOIN (
    SELECT s.organisation_id, s.owner_id,
        COUNT(*) AS items, SUM(CASE WHEN i.completion = %(done)s THEN 1 ELSE 0 END) AS done
    FROM targets_targetitem i JOIN targets_targetset s ON s.id = i.target_set_id
    WHERE {s_organisations} AND s.year = %(year)s AND s.quarter = %(quarter)s
    GROUP BY s.organisation_id, s.owner_id
) t ON t.organisation_id = q.organisation_id AND t.owner_id = g.person_id
LEFT JOIN (
    SELECT organisation_id, owner_id,
        SUM(CASE WHEN is_late THEN 0 ELSE 1 END) AS on_time, SUM(CASE WHEN is_late THEN 1 ELSE 0 END) AS late
    FROM summaries_monthlysummary
    WHERE {organisations} AND year = %(year)s AND month IN (%(m1)s, %(m2)s, %(m3)s)
        AND status IN (%(handed_in_1)s, %(handed_in_2)s)
    GROUP BY organisation_id, owner_id
) m ON m.organisation_id = q.organisation_id AND m.owner_id = g.person_id
LEFT JOIN (
    SELECT organisation_id, person_id,
        SUM(CASE WHEN kind = %(praise)s THEN 1 ELSE 0 END) AS praise,
        SUM(CASE WHEN kind = %(complaint)s THEN 1 ELSE 0 END) AS complaints,
        SUM(CASE WHEN kind = %(complaint)s AND (handled IS NULL OR NOT handled) THEN 1 ELSE 0 END) AS unhandled
    FROM evaluations_serviceevent
    WHERE {organisations} AND date BETWEEN %(first_day)s AND %(last_day)s
    GROUP BY organisation_id, person_id
) e ON e.organisation_id = q.organisation_id AND e.person_id = g.person_id
WHERE {quarters}
"""

RESULTS_SQL = """
INSERT INTO evaluations_quarterresult (
    appraisal_quarter_id, person_id, {columns}, computed_at
)
SELECT n.appraisal_quarter_id, n.person_id, {new_values}, %(now)s
FROM ({new_figures}) n
LEFT JOIN evaluations_quarterresult r ON r.appraisal_quarter_id = n.appraisal_quarter_id AND r.person_id = n.person_id
WHERE r.person_id IS NULL OR {differs}
ON CONFLICT (appraisal_quarter_id, person_id) DO UPDATE SET
    {updates}, computed_at = excluded.computed_at
WHERE {changed}
RETURNING appraisal_quarter_id
"""

# A first run (no result row of the group's quarters yet, seen under the roll-up's lock): every
# grade row's figures are new, so a plain insert, without the comparison with stored rows and
# without ON CONFLICT's speculative insertion (a pre-check of the unique index, then the insert
# and its confirmation, for each of 100 000 rows). Nothing comes back: every grade row is written,
# so the rows written per quarter are its grade rows, counted after.
FRESH_RESULTS_SQL = """
INSERT INTO evaluations_quarterresult (
    appraisal_quarter_id, person_id, {columns}, computed_at
)
SELECT n.appraisal_quarter_id, n.person_id, {new_values}, %(now)s
FROM ({new_figures}) n
"""

# The quarters of the roll-up that hold a result row already (one index probe each).
STORED_SQL = """
SELECT q.id FROM evaluations_appraisalquarter q
WHERE {quarters} AND EXISTS (SELECT 1 FROM evaluations_quarterresult r WHERE r.appraisal_quarter_id = q.id)
"""

# Concurrent roll-ups of a quarter run one after the other (PostgreSQL; SQLite's writers are
# serialised by BEGIN IMMEDIATE): a transaction-scoped advisory lock per quarter, in id order,
# taken before the roll-up decides whether the quarter has results yet. Without it two first runs
# could both see none and the second's plain insert would fail on the unique (quarter, person).
# The first key names the quarterly roll-up among advisory locks; it blocks nothing but another
# roll-up of the same quarter (grading, approval and the pages take no advisory lock).
LOCK_KEY = 0x51524F4C  # "QROL"
LOCK_SQL = "SELECT COUNT(pg_advisory_xact_lock(%(lock_key)s, id)) FROM unnest(CAST(%(quarters)s AS integer[])) AS id"

# A department's figures from its people's result rows (``GROUP BY`` quarter and department).
STATS_FIGURES = """
    SUM(CASE WHEN final_grade = %(uncertain)s THEN 0 ELSE 1 END) AS participants,
    SUM(CASE WHEN final_grade = %(good)s THEN 1 ELSE 0 END) AS good,
    SUM(CASE WHEN final_grade = %(fairly_good)s THEN 1 ELSE 0 END) AS fairly_good,
    SUM(CASE WHEN final_grade = %(average)s THEN 1 ELSE 0 END) AS average,
    SUM(CASE WHEN final_grade = %(poor)s THEN 1 ELSE 0 END) AS poor,
    SUM(CASE WHEN final_grade = %(uncertain)s THEN 1 ELSE 0 END) AS uncertain,
    SUM(CASE WHEN final_grade = '' THEN 1 ELSE 0 END) AS ungraded,
    CASE WHEN SUM(summaries_on_time + summaries_late + summaries_missing) > 0 THEN
        ROUND(SUM(summaries_on_time) * 100.0 / SUM(summaries_on_time + summaries_late + summaries_missing), 2)
    END AS summaries_on_time_rate
"""

STATS_INSERT = """
INSERT INTO evaluations_departmentquarterstats (
    appraisal_quarter_id, department_id, participants, good, fairly_good, average, poor, uncertain, ungraded,
    summaries_on_time_rate, computed_at
)
"""

STATS_UPSERT = """
ON CONFLICT (appraisal_quarter_id, department_id) DO UPDATE SET
    participants = excluded.participants, good = excluded.good, fairly_good = excluded.fairly_good,
    average = excluded.average, poor = excluded.poor, uncertain = excluded.uncertain,
    ungraded = excluded.ungraded, summaries_on_time_rate = excluded.summaries_on_time_rate,
    computed_at = excluded.computed_at
WHERE {changed}
"""

STATS_SQL = (
    STATS_INSERT
    + """
SELECT appraisal_quarter_id, department_id, {figures}, %(now)s
FROM evaluations_quarterresult
WHERE {quarters}
GROUP BY appraisal_quarter_id, department_id
"""
    + STATS_UPSERT
)

# A first run on PostgreSQL (no result row of the group's quarters yet): the plain insert of the
# results, the department stats and the counts in one statement. The stats are grouped from the
# rows the insert returns, not read back from the result table; a department's stats row that no
# result names is deleted as in :data:`STALE_STATS_SQL` (the two sets of stats rows cannot meet:
# the upsert writes only the departments of the new results, the delete only the others). Each
# quarter's people and departments come back with it. At 100 000 people this replaces the insert
# and four statements after it (the counts, the stats, the stale stats, their count), which read
# the 100 000 new rows twice more (bench/RESULTS.md).
FIRST_RUN_SQL = (
    """
WITH written AS (
{insert}
RETURNING appraisal_quarter_id, department_id, final_grade, summaries_on_time, summaries_late, summaries_missing
), departments AS (
    SELECT appraisal_quarter_id, department_id, COUNT(*) AS people, {figures}
    FROM written
    GROUP BY appraisal_quarter_id, department_id
), stats AS (
"""
    + STATS_INSERT
    + """
SELECT appraisal_quarter_id, department_id, {columns}, %(now)s FROM departments
"""
    + STATS_UPSERT
    + """
), stale AS (
    DELETE FROM evaluations_departmentquarterstats d
    WHERE {quarters} AND NOT EXISTS (
        SELECT 1 FROM departments s
        WHERE s.appraisal_quarter_id = d.appraisal_quarter_id AND s.department_id = d.department_id
    )
)
SELECT appraisal_quarter_id, CAST(SUM(people) AS integer), COUNT(*) FROM departments GROUP BY appraisal_quarter_id
"""
)

RESULT_COLUMNS = [
    "department_id",
    "final_grade",
    "composite_score",
    "target_items",
    "target_items_done",
    "completion_rate",
    "summaries_on_time",
    "summaries_late",
    "summaries_missing",
    "praise_count",
    "complaint_count",
    "flags",
]
STATS_COLUMNS = [
    "participants",
    "good",
    "fairly_good",
    "average",
    "poor",
    "uncertain",
    "ungraded",
    "summaries_on_time_rate",
]

# Each quarter's grade rows and result rows, in one statement (index-only counts).
PEOPLE_SQL = """
SELECT appraisal_quarter_id, 'people', COUNT(*) FROM evaluations_quartergrade WHERE {quarters}
GROUP BY appraisal_quarter_id
UNION ALL
SELECT appraisal_quarter_id, 'results', COUNT(*) FROM evaluations_quarterresult WHERE {quarters}
GROUP BY appraisal_quarter_id
"""

DEPARTMENTS_SQL = """
SELECT appraisal_quarter_id, COUNT(*) FROM evaluations_departmentquarterstats WHERE {quarters}
GROUP BY appraisal_quarter_id
"""

# Stats of a department no result names any more. NOT IN over the DISTINCT (quarter, department)
# pairs: a few thousand, which PostgreSQL hashes once. A NOT EXISTS on (quarter, department) found
# no index to probe and scanned the quarter's results once per stats row (20 s at 100 000 people
# in 3 059 departments); the pairs are never NULL, so NOT IN means NOT EXISTS here.
STALE_STATS_SQL = """
DELETE FROM evaluations_departmentquarterstats
WHERE {quarters} AND (appraisal_quarter_id, department_id) NOT IN (
    SELECT DISTINCT appraisal_quarter_id, department_id FROM evaluations_quarterresult WHERE {quarters}
)
"""


def _any(column: str, name: str, values: list[int], params: dict) -> str:
    """``column`` is one of ``values``: one array parameter on PostgreSQL (one plan whatever the
    count), an ``IN`` list of named parameters on SQLite (which has no arrays)."""
    if connection.vendor == "postgresql":
        params[name] = list(values)
        return f"{column} = ANY(%({name})s)"
    params.update({f"{name}_{n}": value for n, value in enumerate(values)})
    return f"{column} IN ({', '.join(f'%({name}_{n})s' for n in range(len(values)))})"


def _distinct(left: str, right: str) -> str:
    operator = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return f"{left} {operator} {right}"


def _results_sql(*, fresh: bool = False, **parts: str) -> str:
    """:data:`RESULTS_SQL` (``fresh``: :data:`FRESH_RESULTS_SQL`) with its column lists and
    comparisons filled in, and ``parts`` in the new figures' statement."""
    common = {
        "columns": ", ".join(RESULT_COLUMNS),
        "new_values": ", ".join(f"n.{column}" for column in RESULT_COLUMNS),
        "new_figures": NEW_FIGURES_SQL.format(**parts),
    }
    if fresh:
        return FRESH_RESULTS_SQL.format(**common)
    return RESULTS_SQL.format(
        **common,
        differs=" OR ".join(_distinct(f"r.{column}", f"n.{column}") for column in RESULT_COLUMNS),
        updates=", ".join(f"{column} = excluded.{column}" for column in RESULT_COLUMNS),
        changed=_changed("evaluations_quarterresult", RESULT_COLUMNS),
    )


def _changed(table: str, columns: list[str]) -> str:
    """The upsert's condition to rewrite a row: one of its figures differs (NULL-safe).

    A rerun over unchanged sources then writes nothing: at 100 000 people rewriting identical rows
    was about 1.2 s of a 1.9 s rerun on PostgreSQL (new row versions, index entries, WAL).
    """
    return " OR ".join(_distinct(f"{table}.{column}", f"excluded.{column}") for column in columns)


def rollup_quarter(
    *,
    appraisal_quarter: AppraisalQuarter,
    today: date | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> RollupStats:
    """Compute and store every person's and department's results for the quarter; safe to rerun.

    Monthly summaries count only for months whose deadline has passed on ``today`` (default: the
    date in China), so rolling up a quarter still under way does not report this month as missing.
    Progress is reported before the write transaction, so a polling page sees it committed.
    """
    stats = rollup_quarters(appraisal_quarters=[appraisal_quarter], today=today, on_progress=on_progress)
    return stats[appraisal_quarter.pk]


def rollup_quarters(
    *,
    appraisal_quarters: Sequence[AppraisalQuarter],
    today: date | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict[int, RollupStats]:
    """:func:`rollup_quarter` for many organisations' quarters at once, by appraisal quarter id.

    The same statements, each covering every quarter given (a province's 401 organisations: about
    eight statements, not eight per organisation; the per-statement round trips, not the rows,
    were most of a province's roll-up). Each quarter's rows, figures and counts are exactly those
    of rolling it up alone: the sources are matched on the quarter's organisation as well as the
    person, and months due follow each organisation's policy. Quarters of different periods, or
    whose policies make different months due, take one results statement per such group.
    """
    report = on_progress or (lambda percent: None)
    quarters = {appraisal_quarter.pk: appraisal_quarter for appraisal_quarter in appraisal_quarters}
    if not quarters:
        return {}
    policies = policies_for_organisations(organisation_ids={q.organisation_id for q in quarters.values()})
    today = today or periods.today()
    months_due: dict[int, int] = {}
    groups: dict[tuple[int, int, int], list[AppraisalQuarter]] = defaultdict(list)
    for pk, appraisal_quarter in quarters.items():
        policy = policies[appraisal_quarter.organisation_id]
        year = appraisal_quarter.year
        # Months whose deadline has passed, and none that ended before the organisation began in
        # the system: a bit per month of the quarter.
        due_mask = sum(
            1 << i
            for i, month in enumerate(periods.Month(year, m) for m in appraisal_quarter.period.months)
            if periods.summary_deadline(policy, month) < today and periods.is_due(policy, month)
        )
        months_due[pk] = due_mask.bit_count()
        groups[(year, appraisal_quarter.quarter, due_mask)].append(appraisal_quarter)
    now = timezone.now()
    ops = connection.ops
    constants = {
        "now": ops.adapt_datetimefield_value(now),
        "done": Completion.DONE,
        # accounts.workflow.handed_in(): submitted or approved, never a returned summary.
        "handed_in_1": HANDED_IN_STATUSES[0],
        "handed_in_2": HANDED_IN_STATUSES[1],
        "praise": ServiceEventKind.PRAISE,
        "complaint": ServiceEventKind.COMPLAINT,
        **{grade.name.lower(): grade.value for grade in Grade},
    }
    rewritten: dict[int, int] = dict.fromkeys(quarters, 0)
    counts: dict[tuple[int, str], int] = {}
    fresh_quarters: list[int] = []
    # Quarters whose stats and counts came back with their first run's statement (PostgreSQL).
    settled: list[int] = []
    report(10)
    with transaction.atomic(), connection.cursor() as cursor:
        ids = sorted(quarters)
        if connection.vendor == "postgresql":
            # The results statement groups the target items, summaries and service events per person
            # (100 000 groups each in one organisation): under the default 4 MB two of those hash
            # aggregates spilt to disk in five batches. For this transaction only, as the year's.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(LOCK_SQL, {"lock_key": LOCK_KEY, "quarters": ids})
        params = {}
        cursor.execute(STORED_SQL.format(quarters=_any("q.id", "quarters", ids, params)), params)
        stored = {pk for (pk,) in cursor.fetchall()}
        for (year, quarter, due_mask), group in groups.items():
            period = periods.Quarter(year, quarter)
            months = period.months
            params = {
                **constants,
                "year": year,
                "quarter": quarter,
                "m1": months[0],
                "m2": months[1],
                "m3": months[2],
                "months_due": due_mask.bit_count(),
                "first_day": ops.adapt_datefield_value(period.first_day),
                "last_day": ops.adapt_datefield_value(period.last_day),
            }
            organisation_ids = sorted({q.organisation_id for q in group})
            group_ids = sorted(q.pk for q in group)
            fresh = not any(pk in stored for pk in group_ids)
            sql = _results_sql(
                fresh=fresh,
                missing=_missing_sql(due_mask),
                flags=_flags_sql(_missing_sql(due_mask)),
                quarters=_any("g.appraisal_quarter_id", "quarters", group_ids, params),
                s_organisations=_any("s.organisation_id", "organisations", organisation_ids, params),
                organisations=_any("organisation_id", "organisations", organisation_ids, params),
            )
            if fresh and connection.vendor == "postgresql":
                cursor.execute(
                    FIRST_RUN_SQL.format(
                        insert=sql,
                        figures=STATS_FIGURES,
                        columns=", ".join(STATS_COLUMNS),
                        changed=_changed("evaluations_departmentquarterstats", STATS_COLUMNS),
                        quarters=_any("d.appraisal_quarter_id", "quarters", group_ids, params),
                    ),
                    params,
                )
                for pk, people, departments in cursor.fetchall():
                    counts[(pk, "people")] = rewritten[pk] = people
                    counts[(pk, "departments")] = departments
                settled += group_ids
            elif fresh:
                cursor.execute(sql, params)
                fresh_quarters += group_ids
            elif connection.vendor == "postgresql":
                # The written rows counted per quarter in the database (no row comes back to Python).
                cursor.execute(
                    f"WITH written AS ({sql}) SELECT appraisal_quarter_id, COUNT(*) FROM written "
                    "GROUP BY appraisal_quarter_id",
                    params,
                )
                rewritten.update(cursor.fetchall())
            else:
                cursor.execute(sql, params)
                for (pk,) in cursor.fetchall():
                    rewritten[pk] += 1
        report(60)
        rest = [pk for pk in ids if pk not in settled]
        if rest:
            counts.update(_stats_and_counts(cursor, rest, constants))
        # A fresh quarter's rows written are its grade rows (the plain insert wrote one for each).
        rewritten.update({pk: counts.get((pk, "people"), 0) for pk in fresh_quarters})
        AppraisalQuarter.objects.filter(pk__in=ids).update(rolled_up_at=now)
    for appraisal_quarter in quarters.values():
        appraisal_quarter.rolled_up_at = now
    report(100)
    return {
        pk: RollupStats(
            people=counts.get((pk, "people"), 0),
            departments=counts.get((pk, "departments"), 0),
            months_due=months_due[pk],
            computed_at=now,
            rewritten=rewritten[pk],
        )
        for pk in quarters
    }


def _stats_and_counts(cursor, ids: list[int], constants: dict) -> dict[tuple[int, str], int]:
    """After the results of quarters ``ids`` are written: their stale results deleted, their
    department stats written and their stale stats deleted; each quarter's grade rows ("people"),
    results and department stats counted."""
    params = dict(constants)
    in_quarters = _any("appraisal_quarter_id", "quarters", ids, params)
    # A result must not outlive its grade row. After the upsert every grade row has its result,
    # so a quarter holds stale results only if it has more results than grade rows: two index
    # counts, and the anti-join (a second pass over both tables, about 1 s at 100 000 people)
    # only for such a quarter. NOT EXISTS, not NOT IN: a NOT IN over more ids than PostgreSQL
    # can hash in work_mem is checked once per row (the year roll-up's took minutes).
    cursor.execute(PEOPLE_SQL.format(quarters=in_quarters), params)
    counts = {(pk, what): count for pk, what, count in cursor.fetchall()}
    stale = [pk for pk in ids if counts.get((pk, "results"), 0) > counts.get((pk, "people"), 0)]
    if stale:
        QuarterResult.objects.filter(appraisal_quarter__in=stale).exclude(
            Exists(
                QuarterGrade.objects.filter(
                    appraisal_quarter_id=OuterRef("appraisal_quarter_id"), person_id=OuterRef("person_id")
                )
            )
        ).delete()
    cursor.execute(
        STATS_SQL.format(
            figures=STATS_FIGURES,
            quarters=in_quarters,
            changed=_changed("evaluations_departmentquarterstats", STATS_COLUMNS),
        ),
        params,
    )
    # Nor department stats their department's people.
    cursor.execute(STALE_STATS_SQL.format(quarters=in_quarters), params)
    cursor.execute(DEPARTMENTS_SQL.format(quarters=in_quarters), params)
    counts.update({(pk, "departments"): count for pk, count in cursor.fetchall()})
    return counts


# --- Jobs ----------------------------------------------------------------------------------

ROLLUP_QUARTER = "evaluations.rollup_quarter"


def _job_params(appraisal_quarter: AppraisalQuarter) -> dict:
    return {"appraisal_quarter": appraisal_quarter.pk}


def rollup_job_request(*, appraisal_quarter: AppraisalQuarter, actor: User) -> Job:
    """HR asks for a roll-up: a pending background job, run once the caller's transaction commits.

    An unreachable broker leaves the row pending with a message (accounts.jobs); the sweeper
    enqueues it later, so the request neither fails nor is lost.
    """
    if actor.organisation_id != appraisal_quarter.organisation_id or not actor.has_perm("evaluations.run_rollup"):
        raise PermissionDenied(_("只有本单位人事干部可以运行季度汇总。"))
    return jobs.job_request(
        kind=ROLLUP_QUARTER,
        organisation=appraisal_quarter.organisation,
        params=_job_params(appraisal_quarter),
        requested_by=actor,
    )


def rollup_request_once(*, appraisal_quarter: AppraisalQuarter, requested_by: User | None) -> Job:
    """Roll the quarter up again once this transaction commits, coalesced with a roll-up of it
    already waiting: what changed its results (an approval after an early roll-up, a regrade, a
    review after 定等) asks for it, not HR."""
    return jobs.job_request_once(
        kind=ROLLUP_QUARTER,
        organisation=appraisal_quarter.organisation,
        params=_job_params(appraisal_quarter),
        requested_by=requested_by,
    )


def rollup_quarter_now(*, appraisal_quarter: AppraisalQuarter) -> Job:
    """Roll up now, in this process, recorded as a roll-up job (the schedule and the command)."""
    return jobs.job_run_here(
        kind=ROLLUP_QUARTER, organisation=appraisal_quarter.organisation, params=_job_params(appraisal_quarter)
    )


@transaction.atomic
def rollup_fan_out(*, appraisal_quarters: Iterable[AppraisalQuarter]) -> list[Job]:
    """One roll-up job per appraisal quarter (one per organisation), each its own task once this
    commits: several workers roll a province's organisations up side by side, each job shows on
    its organisation's page, and a failure retries only its own organisation. A job of the same
    quarter still waiting to be enqueued is reused; the jobs are written and sent in a fixed number
    of statements (:func:`accounts.jobs.job_request_many`).
    """
    return jobs.job_request_many(
        kind=ROLLUP_QUARTER,
        requests=[
            (appraisal_quarter.organisation_id, _job_params(appraisal_quarter))
            for appraisal_quarter in appraisal_quarters
        ],
    )


def rollup_message(summary: dict) -> str:
    """What a finished roll-up job says (its page says it in the reader's language, from the summary)."""
    return _("已汇总%(people)s人、%(departments)s个科室。") % {
        "people": summary["people"],
        "departments": summary["departments"],
    }


@jobs.kind(ROLLUP_QUARTER, gettext_lazy("季度汇总"), "evaluations.run_rollup", "evaluations:rollup", rollup_message)
def run_rollup_job(job: Job, report: jobs.Report) -> dict:
    """The roll-up job's runner: roll up the quarter named in its params, reporting progress."""
    appraisal_quarter = AppraisalQuarter.objects.filter(
        pk=job.params.get("appraisal_quarter"), organisation_id=job.organisation_id
    ).first()
    if appraisal_quarter is None:
        raise jobs.JobError(_("该考核季度已不存在。"))
    # Only the start is reported on its own: the roll-up's later steps run in its transaction, and
    # the 100 % comes with the message below (each report is a statement of its own).
    report(10)
    stats = rollup_quarter(appraisal_quarter=appraisal_quarter)
    summary = {"people": stats.people, "departments": stats.departments, "months_due": stats.months_due}
    report(100, rollup_message(summary))
    return summary


# --- Which quarters are due ----------------------------------------------------------------


def quarters_due_for_rollup(*, organisation: Organisation, today: date) -> list[AppraisalQuarter]:
    """The organisation's just-ended quarter, once its grading deadline has passed, if it changed
    since its last roll-up (:func:`quarters_due_for_rollups` for one organisation)."""
    return quarters_due_for_rollups(today=today, organisation_ids=[organisation.pk])


def quarters_due_for_rollups(*, today: date, organisation_ids: Iterable[int] | None = None) -> list[AppraisalQuarter]:
    """The just-ended quarter of every active organisation (or of ``organisation_ids``), once its
    organisation's grading deadline has passed, if it changed since its last roll-up: in two
    queries whatever the number of organisations (the quarters with their last change, the
    policies), not two per organisation.

    "Changed" means a grade was given or confirmed, or the quarter approved, after ``rolled_up_at``.
    """
    ended = periods.Quarter.of(today).previous()
    quarters = AppraisalQuarter.objects.filter(year=ended.year, quarter=ended.quarter)
    if organisation_ids is None:
        quarters = quarters.filter(organisation__is_active=True)
    else:
        quarters = quarters.filter(organisation_id__in=list(organisation_ids))
    quarters = list(
        quarters.annotate(last_graded=Max("grades__graded_at"), last_confirmed=Max("grades__confirmed_at")).order_by(
            "organisation_id", "pk"
        )
    )
    policies = policies_for_organisations(organisation_ids={q.organisation_id for q in quarters})
    due = []
    for appraisal_quarter in quarters:
        if today <= periods.grading_deadline(policies[appraisal_quarter.organisation_id], ended):
            continue
        changes = [
            moment
            for moment in (
                appraisal_quarter.last_graded,
                appraisal_quarter.last_confirmed,
                appraisal_quarter.approved_at,
            )
            if moment is not None
        ]
        last_change = max(changes, default=None)
        if appraisal_quarter.rolled_up_at is None or (last_change and last_change > appraisal_quarter.rolled_up_at):
            due.append(appraisal_quarter)
    return due
