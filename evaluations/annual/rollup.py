"""The year roll-up's SQL: every person's suggestion written by the database, not a Python loop.

At 100 000 people the former roll-up (one ORM aggregate read into Python, a loop building each
person's suggestion, 100 client-side upsert batches, a 100 000-id ``IN`` list to delete stale rows)
took 16–17 s and 273 MB against a 0.40 s ``INSERT … SELECT`` floor, and failed outright under
server-side parameter binding (PostgreSQL allows 65 535 parameters). Here:

1. ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` writes everyone's counts, average score,
   suggestion and reasons (rules 3, 4 and 6 of :mod:`.services`, and whether 优秀 is open to them)
   from the grade rows in one statement. The reasons are the same translated sentences, cut at their
   placeholders and joined in SQL into the JSON array.
2. The few people a veto flag, a sanction or probation concerns are read back with subqueries (no
   id list) and go through the Python rules (:func:`.services._suggest_before_quota`), so those
   reasons stay in one place; they are never eligible for 优秀, so they do not enter the ranking.
3. One ``UPDATE … FROM`` ranks the eligible with ``ROW_NUMBER()`` and gives the first ``quota`` 优秀.

The average score is rounded half to even from the exact cents, as the ORM's ``Avg`` then
``Decimal.quantize`` did on PostgreSQL (on SQLite the ORM averaged binary floats first, so a score
of exactly x.xx5 could round down there; the SQL is exact on both).

Plain SQL that SQLite (3.33+: ``UPDATE … FROM``, window functions, JSON) and PostgreSQL accept; the
dialects differ only in how a JSON array is cast and appended to.
"""

from __future__ import annotations

import json
import re

from django.db import connection

from ..grading.models import Grade
from .models import AnnualGrade

PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


class Text:
    """A translated sentence with ``%(name)s`` placeholders, turned into a SQL string expression.

    The literal pieces travel as query parameters (JSON-escaped when the sentence becomes an element
    of a JSON array built by concatenation), the placeholders become SQL expressions.
    """

    def __init__(self, params: dict, prefix: str, *, escape: bool = True) -> None:
        self.params = params
        self.prefix = prefix
        self.count = 0
        self.escape = escape

    def _literal(self, text: str, *, escape: bool) -> str:
        if escape:
            text = json.dumps(text, ensure_ascii=False)[1:-1]
        self.count += 1
        name = f"{self.prefix}{self.count}"
        self.params[name] = text
        return f"%({name})s"

    def sql(self, template: str, *, escape: bool | None = None, **values: str) -> str:
        """``template % values`` in SQL; each value is a SQL expression giving an integer or text."""
        escape = self.escape if escape is None else escape
        parts, position = [], 0
        for match in PLACEHOLDER.finditer(template):
            literal = template[position : match.start()]
            position = match.end()
            if match.group(0) == "%%":
                parts.append(self._literal(literal + "%", escape=escape))
                continue
            if literal:
                parts.append(self._literal(literal, escape=escape))
            parts.append(f"CAST({values[match.group(1)]} AS TEXT)")
        if template[position:] or not parts:
            parts.append(self._literal(template[position:], escape=escape))
        return "(" + " || ".join(parts) + ")"


def escapes_json() -> bool:
    """Whether :func:`json_array` wants its texts JSON-escaped (SQLite builds the array as text;
    PostgreSQL builds it from an array of plain texts, without parsing JSON for every row)."""
    return connection.vendor != "postgresql"


def json_array(elements: list[tuple[str, str]]) -> str:
    """A JSON array of the elements (SQL condition, SQL string) that apply; the strings JSON-escaped
    where :func:`escapes_json` says so."""
    if connection.vendor == "postgresql":
        items = ", ".join(f"CASE WHEN {condition} THEN {text} END" for condition, text in elements)
        return f"to_jsonb(array_remove(ARRAY[{items}]::text[], NULL))"
    items = " || ".join(
        f"CASE WHEN {condition} THEN '\"' || {text} || '\",' ELSE '' END" for condition, text in elements
    )
    return f"'[' || RTRIM({items}, ',') || ']'"


def json_append(column: str, text: str) -> str:
    """``column`` (a JSON array) with one more string element."""
    if connection.vendor == "postgresql":
        return f"{column} || jsonb_build_array({text})"
    return f"json_insert({column}, '$[#]', {text})"


def not_distinct(left: str, right: str) -> str:
    return f"{left} IS NOT DISTINCT FROM {right}" if connection.vendor == "postgresql" else f"{left} IS {right}"


def grade_params() -> dict:
    return {
        **{grade.name.lower(): grade.value for grade in Grade},
        "excellent": AnnualGrade.EXCELLENT,
        "competent": AnnualGrade.COMPETENT,
        "basically_competent": AnnualGrade.BASICALLY_COMPETENT,
        "not_graded": AnnualGrade.NOT_GRADED,
        # Python's ranking put a missing employee number after every other (“\uffff”).
        "last_number": "\uffff",
    }


def collate_codepoints() -> str:
    """Employee numbers compare as Python strings do (by code point) on both databases."""
    return ' COLLATE "C"' if connection.vendor == "postgresql" else ""


STAGE = "annual_rollup_stage"


def distinct(left: str, right: str) -> str:
    return f"{left} IS DISTINCT FROM {right}" if connection.vendor == "postgresql" else f"{left} IS NOT {right}"


def id_list(ids) -> str:
    """Ids (organisations, people, result rows) inlined as integers (no parameter per id, whatever their number)."""
    return ", ".join(str(int(pk)) for pk in ids)


def policy_column(name: str) -> str:
    """The organisation's policy setting (``p`` is its ``accounts_policy`` row, if any), else the default."""
    from accounts.models import Policy

    default = Policy._meta.get_field(name).default
    if isinstance(default, bool):
        literal = ("TRUE" if default else "FALSE") if connection.vendor == "postgresql" else str(int(default))
    else:
        literal = str(int(default))
    return f"COALESCE(p.{name}, {literal})"


# Per person over the year's grade rows, in every organisation: one person, one result a year
# (``AnnualResult`` is unique on person and year). The result belongs to the organisation of the
# person's latest quarter (of two in the same quarter, the greater id), and counts every quarter of
# the year, wherever it was graded; ``moved`` marks the few graded in more than one organisation.
# Grouped by organisation and person, such a person had two rows here and the upsert met its row
# twice (PostgreSQL: "ON CONFLICT DO UPDATE command cannot affect row a second time"), and one
# roll-up per organisation left the row to whichever ran last. The department is the one of the
# person's latest quarter: the greatest quarter × 2³² + department id (0 for none) gives it without
# sorting every row (a window function's sort cost as much as the rest of the statement); for the
# moved, :data:`MOVED_DEPARTMENT_SQL` takes it from the owning organisation's latest row.
# ``{scope}`` limits the people to those graded in the roll-up's organisations (nothing when the
# roll-up covers every organisation with a quarter of the year).
AGGREGATE_SQL = """
SELECT
    CAST(MAX(CAST(q.quarter AS BIGINT) * 4294967296 + q.organisation_id) %% 4294967296 AS INTEGER)
        AS organisation_id,
    g.person_id,
    NULLIF(MAX(CAST(q.quarter AS BIGINT) * 4294967296 + COALESCE(g.department_id, 0)) %% 4294967296, 0)
        AS department_id,
    MIN(q.organisation_id) <> MAX(q.organisation_id) AS moved,
    COUNT(*) FILTER (WHERE {graded}) AS graded,
    COUNT(*) FILTER (WHERE g.grade = %(good)s) AS good,
    COUNT(*) FILTER (WHERE g.grade = %(average)s) AS average,
    COUNT(*) FILTER (WHERE g.grade = %(poor)s) AS poor,
    COUNT(*) FILTER (WHERE g.grade = %(uncertain)s) AS uncertain,
    SUM(CAST(ROUND(g.composite_score * 100) AS INTEGER)) FILTER (WHERE {graded}) AS cents,
    COUNT(g.composite_score) FILTER (WHERE {graded}) AS scored
FROM evaluations_quartergrade g
JOIN evaluations_appraisalquarter q ON q.id = g.appraisal_quarter_id
WHERE q.year = %(year)s{scope}
GROUP BY g.person_id
"""
SCOPE_SQL = """
    AND g.person_id IN (
        SELECT g2.person_id FROM evaluations_quartergrade g2
        JOIN evaluations_appraisalquarter q2 ON q2.id = g2.appraisal_quarter_id
        WHERE q2.organisation_id IN ({organisations}) AND q2.year = %(year)s
    )"""
# A grade row given one of the four grades (the only ones counted and averaged). The counts are
# aggregate FILTERs (PostgreSQL, SQLite 3.30+): the same integers as SUM(CASE … THEN 1 ELSE 0 END),
# and the score is rounded to cents once per row, not once for the sum and again for the count (at
# 100 000 people the grouping 1.76 → 1.58 s).
GRADED = "g.grade IN (%(good)s, %(fairly_good)s, %(average)s, %(poor)s)"

# The average in cents, rounded half to even (a.cents and a.scored are integers, cents ≥ 0).
_Q = "(a.cents / a.scored)"
_R = f"(a.cents - {_Q} * a.scored)"
AVERAGE_CENTS = (
    f"CASE WHEN a.scored = 0 THEN NULL WHEN 2 * {_R} > a.scored THEN {_Q} + 1 "
    f"WHEN 2 * {_R} = a.scored THEN {_Q} + ({_Q} %% 2) ELSE {_Q} END"
)

# Step 1: everyone's figures, suggestion and reasons, into a temporary table (no index, no
# foreign key, not logged), with the committee's decision and the suggestion stored before.
# The suggestion, its reasons and the eligibility depend only on the person's quarter counts and
# their organisation's policy: a few dozen combinations per organisation, so they are worked out
# once per combination (``k``) and joined to everyone. Built per person, the reasons' sentences
# (a dozen concatenations and casts, the JSON array) cost about a fifth of the statement at
# 100 000 people; the values are the same.
STAGE_SQL = """
CREATE TEMPORARY TABLE {stage} {on_commit} AS
WITH figures AS (
    SELECT a.*, COALESCE(r.decided_grade, '') AS decided,
        CASE WHEN r.organisation_id = a.organisation_id THEN r.suggested_grade END AS previous,
        r.id AS existing_id
    FROM ({aggregate}) a
    LEFT JOIN evaluations_annualresult r ON r.person_id = a.person_id AND r.year = %(year)s
), k AS MATERIALIZED (
    SELECT a.organisation_id, a.graded, a.good, a.average, a.poor, a.uncertain,
        {eligible} AS eligible,
        CASE WHEN a.graded = 0 THEN %(not_graded)s
            WHEN a.average + a.poor >= {threshold} THEN %(basically_competent)s
            ELSE %(competent)s END AS grade,
        {reasons} AS reasons
    FROM (SELECT DISTINCT organisation_id, graded, good, average, poor, uncertain FROM figures) a
    LEFT JOIN accounts_policy p ON p.organisation_id = a.organisation_id
)
SELECT
    a.organisation_id, a.person_id, a.department_id, a.moved, a.graded, a.good, a.average, a.poor, a.uncertain,
    {score} AS composite_score, k.eligible, CAST(NULL AS INTEGER) AS rank, k.grade, k.reasons,
    a.decided, a.previous, a.existing_id
FROM figures a
JOIN k ON k.organisation_id = a.organisation_id AND k.graded = a.graded AND k.good = a.good
    AND k.average = a.average AND k.poor = a.poor AND k.uncertain = a.uncertain
"""

# Step 3: the 优秀 quota of each organisation (its policy's share of the people given a grade,
# decided or else suggested, rounded down), the eligible ranked within their organisation, the first
# ``quota`` suggested 优秀, and a tie across the quota line named in the reasons of everyone with
# the record on the line. One statement over the temporary table.
RANK_SQL = """
WITH quotas AS (
    SELECT s.organisation_id,
        SUM(CASE WHEN COALESCE(NULLIF(s.decided, ''), s.grade) <> %(not_graded)s THEN 1 ELSE 0 END)
            * MAX(COALESCE(k.excellent_quota_percent, {quota_percent})) / 100 AS quota
    FROM {stage} s LEFT JOIN accounts_policy p ON p.organisation_id = s.organisation_id
    LEFT JOIN evaluations_annualrolluprun k ON k.organisation_id = s.organisation_id AND k.year = %(year)s
    GROUP BY s.organisation_id
), ranked AS (
    SELECT s.organisation_id, s.person_id, s.good, s.composite_score AS score, quotas.quota,
        ROW_NUMBER() OVER (
            PARTITION BY s.organisation_id
            ORDER BY s.good DESC, COALESCE(s.composite_score, -1) DESC,
                COALESCE(NULLIF(u.employee_number, ''), %(last_number)s){collate}, s.person_id
        ) AS position
    FROM {stage} s
    JOIN accounts_user u ON u.id = s.person_id
    JOIN quotas ON quotas.organisation_id = s.organisation_id
    WHERE s.eligible
), line AS (
    SELECT a.organisation_id, a.good, a.score
    FROM ranked a JOIN ranked b ON b.organisation_id = a.organisation_id AND b.position = a.position + 1
    WHERE a.position = a.quota AND a.good = b.good AND {same_score}
)
UPDATE {stage} SET
    rank = r.position,
    grade = CASE WHEN r.position <= r.quota THEN %(excellent)s ELSE grade END,
    reasons = CASE WHEN l.organisation_id IS NULL THEN {placed} ELSE {placed_tie} END
FROM ranked r LEFT JOIN line l ON l.organisation_id = r.organisation_id AND l.good = r.good AND {line_score}
WHERE {stage}.organisation_id = r.organisation_id AND {stage}.person_id = r.person_id
"""

# Per organisation: people, people given a grade, the eligible, whose suggestion changed (new, or
# another grade than before), and who has a result row of the year already (any organisation's:
# none anywhere, and the upsert may be a plain insert, :data:`FRESH_INSERT_SQL`); on PostgreSQL
# also the audit entry's list of the changed people (:data:`LISTED_SQL`).
CHANGED = "s.previous IS NULL OR s.previous <> s.grade"
STATS_SQL = """
SELECT s.organisation_id, COUNT(*),
    SUM(CASE WHEN COALESCE(NULLIF(s.decided, ''), s.grade) <> %(not_graded)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN s.eligible THEN 1 ELSE 0 END),
    SUM(CASE WHEN {changed} THEN 1 ELSE 0 END),
    SUM(CASE WHEN s.existing_id IS NULL THEN 0 ELSE 1 END){listed}
FROM {stage} s GROUP BY s.organisation_id
"""

# The audit entry's list of an organisation's changed people: their ids in order, comma-separated,
# cut at LISTED_CHARACTERS. The first CHANGED_LISTED of them are enough: 700 ids of one digit and
# their separators already pass the 2 000 characters. On PostgreSQL a column of STATS_SQL (the ids
# in order into an array, its first CHANGED_LISTED joined): at a province's first run
# :data:`CHANGED_SQL` sorted everyone in a window and sent 97 000 ids to Python to keep 2 000
# characters of each organisation's (0.26 s of the server's CPU and 0.15 s of Python's, against
# 401 short texts), and an ordered ``string_agg`` of every id cast to text still took 0.065 s at
# 100 000 people against the array's 0.035 (the same texts, bench/RESULTS.md).
LISTED_CHARACTERS = 2000
CHANGED_LISTED = 700
LISTED_SQL = (
    f",\n    LEFT(array_to_string((array_agg(s.person_id ORDER BY s.person_id) FILTER (WHERE {CHANGED}))"
    f"[1:{CHANGED_LISTED}], ', '), {LISTED_CHARACTERS})"
)

# SQLite (no ordered aggregate before 3.44): the first of each organisation's changed people,
# joined and cut in Python.
CHANGED_SQL = """
SELECT organisation_id, person_id FROM (
    SELECT s.organisation_id, s.person_id,
        ROW_NUMBER() OVER (PARTITION BY s.organisation_id ORDER BY s.person_id) AS position
    FROM {stage} s
    WHERE {changed}
) changed
WHERE position <= {listed}
ORDER BY organisation_id, person_id
"""

SUGGESTION_COLUMNS = {
    "organisation_id": "s.organisation_id",
    "department_id": "s.department_id",
    "graded_quarters": "s.graded",
    "good_quarters": "s.good",
    "average_or_below_quarters": "s.average + s.poor",
    "average_quarters": "s.average",
    "composite_score": "s.composite_score",
    "eligible_excellent": "s.eligible",
    "rank": "s.rank",
    "suggested_grade": "s.grade",
    "suggestion_reasons": "s.reasons",
}

# Step 4: the suggestions into the result table. A row whose suggestion columns all stay as they
# are is not rewritten (its ``computed_at`` stays when its suggestion was last written; the run's
# time goes to AnnualRollupRun). The committee's columns are never touched. In person order: the
# deferred foreign-key checks then read accounts_user in its key order, and the unique index grows
# at its end (at 100 000 new rows, the upsert and the checks at commit 10–15 % faster). Rows the stage
# found unchanged (a join on the result's id) never reach the ON CONFLICT, which locked each row it
# met even to write nothing; its own WHERE stays, for a row written by a concurrent run meanwhile.
UPSERT_SQL = """
INSERT INTO evaluations_annualresult (
    person_id, year, {columns}, decided_grade, decision_reason, computed_at
)
SELECT s.person_id, %(year)s, {values}, '', '', %(now)s
FROM {stage} s
LEFT JOIN evaluations_annualresult r ON r.id = s.existing_id
WHERE r.id IS NULL OR {differs}
ORDER BY s.person_id
ON CONFLICT (person_id, year) DO UPDATE SET
    {updates}, computed_at = excluded.computed_at
WHERE {changed}
"""


# Step 4 when nobody of the stage has a result row of the year (a first run): every row is new, so
# a plain insert — no join with the result table, no ON CONFLICT (whose speculative insertion,
# a pre-check of the unique index then the insert and its confirmation, cost each of the rows).
# The stage's ``existing_id`` was read after the roll-up's lock on its organisations
# (:data:`LOCK_SQL`), so no concurrent roll-up of them can have written one of these people since.
FRESH_INSERT_SQL = """
INSERT INTO evaluations_annualresult (
    person_id, year, {columns}, decided_grade, decision_reason, computed_at
)
SELECT s.person_id, %(year)s, {values}, '', '', %(now)s
FROM {stage} s
ORDER BY s.person_id
"""

# Concurrent roll-ups of an organisation's year run one after the other (PostgreSQL; SQLite's
# writers are serialised by BEGIN IMMEDIATE): a transaction-scoped advisory lock per organisation
# (in id order) and year, taken before the stage is built. A person's result is written only by a
# pass that includes the organisation owning it, so two passes that could write the same row share
# that organisation's lock. The first key names the year roll-up and its year; nothing else takes
# these locks, so they block no page or decision.
LOCK_KEY = 0x59520000  # "YR" and the year below
LOCK_SQL = (
    "SELECT COUNT(pg_advisory_xact_lock(%(lock_key)s, id)) FROM unnest(CAST(%(organisations)s AS integer[])) AS id"
)


def lock_params(organisation_ids, year: int) -> dict:
    return {"lock_key": LOCK_KEY + year, "organisations": sorted(int(pk) for pk in organisation_ids)}


def stage_sql(params: dict, organisation_ids, *, covering: bool = False) -> str:
    """The statement of step 1 for the organisations (see the module docstring); ``covering``: they
    are every organisation with a quarter of the year, so every grade row of the year is theirs."""
    from django.utils.translation import gettext as _

    text = Text(params, "t", escape=escapes_json())
    threshold = policy_column("basic_competent_average_quarters")
    good_share = policy_column("excellent_min_good_share_percent")
    forbids = policy_column("excellent_forbids_average_or_below")
    below = "a.average + a.poor"
    record = " || ".join(
        [
            text.sql(_("%(graded)s个季度中%(good)s个“好”"), graded="a.graded", good="a.good"),
            f"CASE WHEN {below} > 0 THEN {text.sql(_('，%(count)s个“一般”或“较差”'), count=below)} "
            f"ELSE {text.sql(_('，无一般以下等次'))} END",
            f"CASE WHEN a.uncertain > 0 THEN "
            f"{text.sql(_('（另有%(count)s个季度为不确定等次，不计入已评季度）'), count='a.uncertain')} ELSE '' END",
        ]
    )
    # A 较差 quarter counts towards the threshold as an 一般 does (it is worse, not better).
    competent = f"a.graded > 0 AND {below} < {threshold}"
    few_good = f"a.good * 100 <= a.graded * {good_share}"
    some_below = f"{forbids} AND {below} > 0"
    blockers = (
        f"CASE WHEN {few_good} THEN {text.sql(_('“好”的季度未超过已评季度的%(percent)s%%'), percent=good_share)} "
        "ELSE '' END"
        f" || CASE WHEN ({few_good}) AND ({some_below}) THEN '；' ELSE '' END"
        f" || CASE WHEN {some_below} THEN {text.sql(_('有“一般”或“较差”等次'))} ELSE '' END"
    )
    reasons = json_array(
        [
            ("a.graded > 0", f"({record})"),
            ("a.graded = 0", text.sql(_("全年没有已评定等次的季度，不确定年度等次"))),
            (
                f"a.graded > 0 AND {below} >= {threshold}",
                text.sql(
                    _("“一般”及以下季度%(count)s个，达到%(threshold)s个，建议基本称职"),
                    count=below,
                    threshold=threshold,
                ),
            ),
            (
                f"{competent} AND a.good > 0 AND (({few_good}) OR ({some_below}))",
                text.sql(_("不具备优秀资格：%(why)s"), why=f"({blockers})"),
            ),
            (
                "a.graded > 0 AND a.poor > 0",
                text.sql(_("有%(count)s个季度为“较差”，请委员会审议是否评为更低等次"), count="a.poor"),
            ),
        ]
    )
    eligible = f"({competent} AND NOT ({few_good}) AND NOT ({some_below}))"
    score = f"({AVERAGE_CENTS}) / 100.0"
    if connection.vendor == "postgresql":
        score = f"CAST({score} AS NUMERIC(5, 2))"
    scope = "" if covering else SCOPE_SQL.format(organisations=id_list(organisation_ids))
    aggregate = AGGREGATE_SQL.format(graded=GRADED, scope=scope)
    return STAGE_SQL.format(
        stage=STAGE,
        on_commit="ON COMMIT DROP" if connection.vendor == "postgresql" else "",
        score=score,
        eligible=eligible,
        threshold=threshold,
        reasons=reasons,
        aggregate=aggregate,
    )


def rank_sql(params: dict) -> str:
    """The statement of step 3: rank the eligible, 优秀 for the first ``quota`` of each organisation."""
    from django.utils.translation import gettext as _

    text = Text(params, "r")
    placed = text.sql(
        _("具备优秀资格，排第%(rank)s（名额%(quota)s人）"), escape=False, rank="r.position", quota="r.quota"
    )
    beyond = text.sql(
        _("超出优秀名额（名额%(quota)s人，排第%(rank)s）"), escape=False, rank="r.position", quota="r.quota"
    )
    tie = text.sql(_("与名额线上的人员“好”的季度数和平均综合得分相同，按工号排序，请委员会审议"), escape=False)
    appended = json_append("reasons", f"CASE WHEN r.position <= r.quota THEN {placed} ELSE {beyond} END")
    return RANK_SQL.format(
        stage=STAGE,
        quota_percent=policy_column("excellent_quota_percent"),
        collate=collate_codepoints(),
        same_score=not_distinct("a.score", "b.score"),
        line_score=not_distinct("l.score", "r.score"),
        placed=appended,
        placed_tie=json_append(appended, tie),
    )


def upsert_sql() -> str:
    return UPSERT_SQL.format(
        stage=STAGE,
        columns=", ".join(SUGGESTION_COLUMNS),
        values=", ".join(SUGGESTION_COLUMNS.values()),
        differs=" OR ".join(distinct(f"r.{column}", value) for column, value in SUGGESTION_COLUMNS.items()),
        updates=", ".join(f"{column} = excluded.{column}" for column in SUGGESTION_COLUMNS),
        changed=" OR ".join(
            distinct(f"evaluations_annualresult.{column}", f"excluded.{column}") for column in SUGGESTION_COLUMNS
        ),
    )


def fresh_insert_sql() -> str:
    return FRESH_INSERT_SQL.format(
        stage=STAGE, columns=", ".join(SUGGESTION_COLUMNS), values=", ".join(SUGGESTION_COLUMNS.values())
    )


def lists_changed() -> bool:
    """Whether :func:`stats_sql` lists each organisation's changed people (else :func:`changed_sql`)."""
    return connection.vendor == "postgresql"


def stats_sql() -> str:
    return STATS_SQL.format(stage=STAGE, changed=CHANGED, listed=LISTED_SQL if lists_changed() else "")


def changed_sql() -> str:
    return CHANGED_SQL.format(stage=STAGE, changed=CHANGED, listed=CHANGED_LISTED)


EXCEPTIONAL_SQL = """
SELECT organisation_id, person_id, department_id, graded, good, average, poor, uncertain, composite_score
FROM {stage} WHERE person_id IN ({people})
"""

EXCEPTION_UPDATE_SQL = """
UPDATE {stage} SET grade = x.grade, eligible = x.eligible, reasons = x.reasons
FROM ({rows}) x
WHERE {stage}.organisation_id = x.organisation_id AND {stage}.person_id = x.person_id
"""


def exceptional_sql(person_ids) -> str:
    return EXCEPTIONAL_SQL.format(stage=STAGE, people=id_list(person_ids))


def exception_update_sql() -> str:
    """One UPDATE for the people in its one parameter, a JSON array of [organisation id, person id,
    grade, eligible, reasons]: one pass over the temporary table (it has no index)."""
    if connection.vendor == "postgresql":
        rows = (
            "SELECT CAST(e->>0 AS INTEGER) AS organisation_id, CAST(e->>1 AS INTEGER) AS person_id, "
            "e->>2 AS grade, CAST(e->>3 AS BOOLEAN) AS eligible, e->4 AS reasons "
            "FROM jsonb_array_elements(CAST(%s AS jsonb)) e"
        )
    else:
        rows = (
            "SELECT json_extract(value, '$[0]') AS organisation_id, json_extract(value, '$[1]') AS person_id, "
            "json_extract(value, '$[2]') AS grade, json_extract(value, '$[3]') AS eligible, "
            "json_extract(value, '$[4]') AS reasons FROM json_each(%s)"
        )
    return EXCEPTION_UPDATE_SQL.format(stage=STAGE, rows=rows)


STALE_SQL = """
SELECT r.id, r.organisation_id
FROM (
    SELECT person_id FROM evaluations_annualresult
    WHERE organisation_id IN ({organisations}) AND year = %(year)s AND decided_grade = ''
    EXCEPT
    SELECT person_id FROM {stage}
) gone
JOIN evaluations_annualresult r ON r.person_id = gone.person_id AND r.year = %(year)s
"""

# The moved (graded in two organisations in the year): the department of their latest row in the
# organisation that owns their result. A handful of people, each found by the person's index.
MOVED_DEPARTMENT_SQL = """
UPDATE {stage} SET department_id = (
    SELECT g.department_id FROM evaluations_quartergrade g
    JOIN evaluations_appraisalquarter q ON q.id = g.appraisal_quarter_id
    WHERE g.person_id = {stage}.person_id AND q.organisation_id = {stage}.organisation_id
        AND q.year = %(year)s
    ORDER BY q.quarter DESC, g.id DESC LIMIT 1
)
WHERE moved
"""

# The other organisations the moved people of the roll-up were graded in (their sanctions and
# ballots count), then the people whose result another organisation owns leave the stage: that
# organisation's roll-up writes it.
MOVED_ORGANISATIONS_SQL = """
SELECT DISTINCT q.organisation_id FROM evaluations_quartergrade g
JOIN evaluations_appraisalquarter q ON q.id = g.appraisal_quarter_id
WHERE q.year = %(year)s AND q.organisation_id NOT IN ({organisations})
    AND g.person_id IN (SELECT person_id FROM {stage} WHERE moved)
"""

OWNED_ELSEWHERE_SQL = "DELETE FROM {stage} WHERE organisation_id NOT IN ({organisations})"

# The result rows this pass moves to another organisation (the person was graded there since) that
# carry the former organisation's committee decision: the stage's ``previous`` is empty for a row
# of another organisation, and only someone graded in two organisations can have one. A scan of
# the temporary table, no join: a pass with nobody moved finds nothing.
MOVED_DECIDED_SQL = """
SELECT existing_id FROM {stage}
WHERE moved AND decided <> '' AND previous IS NULL AND existing_id IS NOT NULL
"""

# Those whose decision was taken back count without one in their new organisation's quota.
UNDECIDE_SQL = "UPDATE {stage} SET decided = '' WHERE existing_id IN ({results})"


def moved_decided_sql() -> str:
    return MOVED_DECIDED_SQL.format(stage=STAGE)


def undecide_sql(result_ids) -> str:
    return UNDECIDE_SQL.format(stage=STAGE, results=id_list(result_ids))


def moved_department_sql() -> str:
    return MOVED_DEPARTMENT_SQL.format(stage=STAGE)


def moved_organisations_sql(organisation_ids) -> str:
    return MOVED_ORGANISATIONS_SQL.format(stage=STAGE, organisations=id_list(organisation_ids))


def owned_elsewhere_sql(organisation_ids) -> str:
    return OWNED_ELSEWHERE_SQL.format(stage=STAGE, organisations=id_list(organisation_ids))


def stale_sql(organisation_ids) -> str:
    """The undecided result rows of people with no grade row of the year any more: those rows EXCEPT
    everyone in the temporary table, whichever organisation owns their result now (a set operation,
    hashed or sorted); run before the people owned elsewhere leave the stage. As a NOT EXISTS,
    PostgreSQL planned a nested loop over the temporary table (no statistics) when the result table's
    statistics were older than its rows — minutes for a province."""
    return STALE_SQL.format(stage=STAGE, organisations=id_list(organisation_ids))
