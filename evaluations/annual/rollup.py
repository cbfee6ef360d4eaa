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

    def __init__(self, params: dict, prefix: str) -> None:
        self.params = params
        self.prefix = prefix
        self.count = 0

    def _literal(self, text: str, *, escape: bool) -> str:
        if escape:
            text = json.dumps(text, ensure_ascii=False)[1:-1]
        self.count += 1
        name = f"{self.prefix}{self.count}"
        self.params[name] = text
        return f"%({name})s"

    def sql(self, template: str, *, escape: bool = True, **values: str) -> str:
        """``template % values`` in SQL; each value is a SQL expression giving an integer or text."""
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


def json_array(elements: list[tuple[str, str]]) -> str:
    """A JSON array of the elements (SQL condition, SQL string of already escaped text) that apply."""
    items = " || ".join(
        f"CASE WHEN {condition} THEN '\"' || {text} || '\",' ELSE '' END" for condition, text in elements
    )
    array = f"'[' || RTRIM({items}, ',') || ']'"
    return f"CAST({array} AS jsonb)" if connection.vendor == "postgresql" else array


def json_append(column: str, text: str) -> str:
    """``column`` (a JSON array) with one more string element."""
    if connection.vendor == "postgresql":
        return f"{column} || jsonb_build_array({text})"
    return f"json_insert({column}, '$[#]', {text})"


def not_distinct(left: str, right: str) -> str:
    return f"{left} IS NOT DISTINCT FROM {right}" if connection.vendor == "postgresql" else f"{left} IS {right}"


# Per person over the year's grade rows; ``latest`` numbers a person's rows from the last quarter.
AGGREGATE_SQL = """
SELECT
    r.person_id,
    MAX(CASE WHEN r.latest = 1 THEN r.department_id END) AS department_id,
    SUM(CASE WHEN r.grade IN (%(good)s, %(fairly_good)s, %(average)s, %(poor)s) THEN 1 ELSE 0 END) AS graded,
    SUM(CASE WHEN r.grade = %(good)s THEN 1 ELSE 0 END) AS good,
    SUM(CASE WHEN r.grade = %(average)s THEN 1 ELSE 0 END) AS average,
    SUM(CASE WHEN r.grade = %(poor)s THEN 1 ELSE 0 END) AS poor,
    SUM(CASE WHEN r.grade = %(uncertain)s THEN 1 ELSE 0 END) AS uncertain,
    SUM(r.cents) AS cents,
    COUNT(r.cents) AS scored
FROM (
    SELECT g.person_id, g.department_id, g.grade,
        CASE WHEN g.grade IN (%(good)s, %(fairly_good)s, %(average)s, %(poor)s)
            THEN CAST(ROUND(g.composite_score * 100) AS INTEGER) END AS cents,
        ROW_NUMBER() OVER (PARTITION BY g.person_id ORDER BY q.quarter DESC) AS latest
    FROM evaluations_quartergrade g
    JOIN evaluations_appraisalquarter q ON q.id = g.appraisal_quarter_id
    WHERE q.organisation_id = %(organisation)s AND q.year = %(year)s
) r
GROUP BY r.person_id
"""

# The average in cents, rounded half to even (a.cents and a.scored are integers, cents ≥ 0).
_Q = "(a.cents / a.scored)"
_R = f"(a.cents - {_Q} * a.scored)"
AVERAGE_CENTS = (
    f"CASE WHEN a.scored = 0 THEN NULL WHEN 2 * {_R} > a.scored THEN {_Q} + 1 "
    f"WHEN 2 * {_R} = a.scored THEN {_Q} + ({_Q} %% 2) ELSE {_Q} END"
)

UPSERT_SQL = """
INSERT INTO evaluations_annualresult (
    organisation_id, person_id, department_id, year, graded_quarters, good_quarters,
    average_or_below_quarters, average_quarters, composite_score, eligible_excellent, rank,
    suggested_grade, suggestion_reasons, decided_grade, decision_reason, computed_at
)
SELECT
    %(organisation)s, a.person_id, a.department_id, %(year)s, a.graded, a.good,
    a.average + a.poor, a.average, {score}, {eligible}, NULL,
    CASE WHEN a.graded = 0 THEN %(not_graded)s
        WHEN a.average >= %(average_threshold)s THEN %(basically_competent)s
        ELSE %(competent)s END,
    {reasons}, '', '', %(now)s
FROM ({aggregate}) a
WHERE 1 = 1
ON CONFLICT (person_id, year) DO UPDATE SET
    organisation_id = excluded.organisation_id, department_id = excluded.department_id,
    graded_quarters = excluded.graded_quarters, good_quarters = excluded.good_quarters,
    average_or_below_quarters = excluded.average_or_below_quarters, average_quarters = excluded.average_quarters,
    composite_score = excluded.composite_score, eligible_excellent = excluded.eligible_excellent,
    rank = excluded.rank, suggested_grade = excluded.suggested_grade,
    suggestion_reasons = excluded.suggestion_reasons, computed_at = excluded.computed_at
"""

RANK_SQL = """
UPDATE evaluations_annualresult SET
    rank = ranked.position,
    suggested_grade = CASE WHEN ranked.position <= %(quota)s THEN %(excellent)s ELSE suggested_grade END,
    suggestion_reasons = CASE WHEN ranked.position <= %(quota)s THEN {placed} ELSE {beyond} END
FROM (
    SELECT r.id, ROW_NUMBER() OVER (
        ORDER BY r.good_quarters DESC, COALESCE(r.composite_score, -1) DESC,
            COALESCE(NULLIF(u.employee_number, ''), %(last_number)s){collate}, r.person_id
    ) AS position
    FROM evaluations_annualresult r JOIN accounts_user u ON u.id = r.person_id
    WHERE r.organisation_id = %(organisation)s AND r.year = %(year)s AND r.computed_at = %(now)s
        AND r.eligible_excellent
) ranked
WHERE evaluations_annualresult.id = ranked.id
"""


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


def upsert_sql(params: dict, *, average_threshold: int, good_share_percent: int, forbids_below: bool) -> str:
    """The statement of step 1 (see the module docstring); adds its parameters to ``params``."""
    from django.utils.translation import gettext as _

    text = Text(params, "t")
    params.update(average_threshold=average_threshold, good_share=good_share_percent, forbids=int(forbids_below))
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
    competent = "a.graded > 0 AND a.average < %(average_threshold)s"
    few_good = "a.good * 100 <= a.graded * %(good_share)s"
    some_below = f"%(forbids)s = 1 AND {below} > 0"
    share = _("“好”的季度未超过已评季度的%(percent)s%%") % {"percent": good_share_percent}
    blockers = (
        f"CASE WHEN {few_good} THEN {text.sql(share.replace('%', '%%'))} ELSE '' END"
        f" || CASE WHEN {few_good} AND {some_below} THEN '；' ELSE '' END"
        f" || CASE WHEN {some_below} THEN {text.sql(_('有“一般”或“较差”等次'))} ELSE '' END"
    )
    reasons = json_array(
        [
            ("a.graded > 0", f"({record})"),
            ("a.graded = 0", text.sql(_("全年没有已评定等次的季度，不确定年度等次"))),
            (
                "a.graded > 0 AND a.average >= %(average_threshold)s",
                text.sql(
                    _("“一般”季度%(count)s个，达到%(threshold)s个，建议基本称职"),
                    count="a.average",
                    threshold="%(average_threshold)s",
                ),
            ),
            (
                f"{competent} AND a.good > 0 AND (({few_good}) OR ({some_below}))",
                text.sql(_("不具备优秀资格：%(why)s"), why=f"({blockers})"),
            ),
            (
                f"{competent} AND a.poor > 0",
                text.sql(_("有%(count)s个季度为“较差”，政策未规定据此降低等次，请委员会审议"), count="a.poor"),
            ),
        ]
    )
    eligible = f"({competent} AND NOT ({few_good}) AND NOT ({some_below}))"
    return UPSERT_SQL.format(
        score=f"({AVERAGE_CENTS}) / 100.0", eligible=eligible, reasons=reasons, aggregate=AGGREGATE_SQL
    )


def rank_sql(params: dict) -> str:
    """The statement of step 3: rank the eligible, 优秀 for the first ``%(quota)s``."""
    from django.utils.translation import gettext as _

    text = Text(params, "r")
    placed = text.sql(
        _("具备优秀资格，排第%(rank)s（名额%(quota)s人）"), escape=False, rank="ranked.position", quota="%(quota)s"
    )
    beyond = text.sql(
        _("超出优秀名额（名额%(quota)s人，排第%(rank)s）"), escape=False, rank="ranked.position", quota="%(quota)s"
    )
    return RANK_SQL.format(
        placed=json_append("suggestion_reasons", placed),
        beyond=json_append("suggestion_reasons", beyond),
        collate=collate_codepoints(),
    )


def tie_sql(params: dict) -> str:
    """A tie across the quota line (the last place and the first beyond it have the same count of 好
    and average score) is named in the reasons of everyone with that record."""
    from django.utils.translation import gettext as _

    text = Text(params, "x")
    tie = text.sql(_("与名额线上的人员“好”的季度数和平均综合得分相同，按工号排序，请委员会审议"), escape=False)
    this_run = "{t}.organisation_id = %(organisation)s AND {t}.year = %(year)s AND {t}.computed_at = %(now)s"
    # The line is found once (a derived table joined to the update), not once per updated row.
    return f"""
UPDATE evaluations_annualresult SET suggestion_reasons = {json_append("suggestion_reasons", tie)}
FROM (
    SELECT a.good_quarters AS good, a.composite_score AS score
    FROM evaluations_annualresult a, evaluations_annualresult b
    WHERE {this_run.format(t="a")} AND {this_run.format(t="b")}
        AND a.rank = %(quota)s AND b.rank = %(quota)s + 1
        AND a.good_quarters = b.good_quarters AND {not_distinct("a.composite_score", "b.composite_score")}
) line
WHERE {this_run.format(t="evaluations_annualresult")} AND evaluations_annualresult.eligible_excellent
    AND evaluations_annualresult.good_quarters = line.good
    AND {not_distinct("evaluations_annualresult.composite_score", "line.score")}
"""


SNAPSHOT = "annual_rollup_before"

SNAPSHOT_SQL = f"""
CREATE TEMPORARY TABLE {SNAPSHOT} AS
SELECT person_id, suggested_grade FROM evaluations_annualresult
WHERE organisation_id = %(organisation)s AND year = %(year)s
"""

CHANGED_SQL = f"""
SELECT r.person_id FROM evaluations_annualresult r LEFT JOIN {SNAPSHOT} b ON b.person_id = r.person_id
WHERE r.organisation_id = %(organisation)s AND r.year = %(year)s AND r.computed_at = %(now)s
    AND (b.person_id IS NULL OR b.suggested_grade <> r.suggested_grade)
ORDER BY r.person_id
"""

GRADED_PEOPLE_SQL = """
SELECT COUNT(*) FROM evaluations_annualresult
WHERE organisation_id = %(organisation)s AND year = %(year)s AND computed_at = %(now)s
    AND COALESCE(NULLIF(decided_grade, ''), suggested_grade) <> %(not_graded)s
"""
