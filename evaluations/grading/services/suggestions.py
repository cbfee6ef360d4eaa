"""The grade the grading page suggests for each person (DOMAIN.md §4); the evaluator decides.

Who is not graded comes first: a participant under investigation (立案审查, the staff register's
special status or the discipline room's record) on some day of the quarter, or whose long leave
(特殊状态 长期休假) covers more than the policy's ``uncertain_leave_share_percent`` of the quarter's
days, is suggested 不确定等次 with the reason spelled out. Otherwise, with the score model on, the
score bands within the 好 quota (:func:`.scores.suggested_grades`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts import periods
from accounts.models import Policy, StaffStatus, StaffStatusKind
from accounts.selectors import policy_for_organisation

from ...discipline.selectors import Span, investigations_during, merge_span
from ..models import AppraisalQuarter, Grade, QuarterGrade, UncertainReason
from . import quota, scores


@dataclass(frozen=True)
class LongLeave:
    """A person's long leave within one quarter, when it covers more than the policy allows."""

    days: int
    quarter_days: int
    limit_percent: int

    grade = Grade.UNCERTAIN
    uncertain_reason = UncertainReason.LONG_LEAVE

    @property
    def share_percent(self) -> str:
        """The share of the quarter's days on leave, to one decimal, without a trailing “.0”."""
        share = (Decimal(self.days * 100) / Decimal(self.quarter_days)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{share:f}".removesuffix(".0")

    @property
    def explanation(self) -> str:
        return _("休假%(days)s天，占本季度%(share)s%%，超过规定的%(limit)s%%，建议定为不确定等次。") % {
            "days": self.days,
            "share": self.share_percent,
            "limit": self.limit_percent,
        }


def _days_covered(spans: list[tuple[date, date]]) -> int:
    """Days covered by the spans (inclusive), counting a day of overlapping spans once."""
    total, covered_until = 0, None
    for start, end in sorted(spans):
        if covered_until is not None and start <= covered_until:
            start = covered_until + timedelta(days=1)
        if start <= end:
            total += (end - start).days + 1
            covered_until = end
    return total


def _statuses_in_quarter(
    *, organisation_id: int, period: periods.Quarter, person_ids: Iterable[int] | None, kinds: Iterable[str]
) -> list[tuple[int, str, date, date | None]]:
    """(person id, kind, start, end) of the special statuses of ``kinds`` that overlap the quarter,
    for the organisation's people (or ``person_ids``). One query."""
    # No order: the default (the person's organisation, department, 工号 …) joined four tables.
    statuses = (
        StaffStatus.objects.filter(
            user__organisation_id=organisation_id, kind__in=list(kinds), start_date__lte=period.last_day
        )
        .exclude(end_date__lt=period.first_day)
        .order_by()
    )
    if person_ids is not None:
        statuses = statuses.filter(user_id__in=list(person_ids))
    return list(statuses.values_list("user_id", "kind", "start_date", "end_date"))


def long_leave_in_quarter(
    *,
    organisation_id: int,
    year: int,
    quarter: int,
    person_ids: Iterable[int] | None = None,
    policy: Policy | None = None,
    statuses: list[tuple[int, str, date, date | None]] | None = None,
) -> dict[int, LongLeave]:
    """person id → their long leave, for the people of the organisation (or of ``person_ids``) whose
    长期休假 covers more than ``policy.uncertain_leave_share_percent`` of the quarter's days.

    A leave without an end date runs to the quarter's end; overlapping leaves count each day once.
    One query (two when the policy is not given; none with ``statuses``, read already).
    """
    policy = policy or policy_for_organisation(organisation_id=organisation_id)
    period = periods.Quarter(year, quarter)
    first, last = period.first_day, period.last_day
    if statuses is None:
        statuses = _statuses_in_quarter(
            organisation_id=organisation_id, period=period, person_ids=person_ids, kinds=[StaffStatusKind.LONG_LEAVE]
        )
    spans_of: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for person_id, kind, start, end in statuses:
        if kind == StaffStatusKind.LONG_LEAVE:
            spans_of[person_id].append((max(start, first), min(end or last, last)))
    length = (last - first).days + 1
    limit = policy.uncertain_leave_share_percent
    result = {}
    for person_id, spans in spans_of.items():
        days = _days_covered(spans)
        if days * 100 > length * limit:
            result[person_id] = LongLeave(days=days, quarter_days=length, limit_percent=limit)
    return result


def investigations_in_quarter(
    *,
    organisation_id: int,
    year: int,
    quarter: int,
    person_ids: Iterable[int] | None,
    statuses: list[tuple[int, str, date, date | None]] | None = None,
) -> dict[int, Span]:
    """person id → (the day their 立案审查 began, the day it ended; None while open), for those of
    ``person_ids`` (None: the organisation's people) under investigation on some day of the quarter:
    a 立案审查 special status of the staff register or one recorded with the sanctions (HR may record
    it in either). One query (two without ``statuses``, read already)."""
    period = periods.Quarter(year, quarter)
    person_ids = None if person_ids is None else list(person_ids)
    found = investigations_during(
        person_ids=person_ids, organisation_id=organisation_id, first_day=period.first_day, last_day=period.last_day
    )
    if statuses is None:
        statuses = _statuses_in_quarter(
            organisation_id=organisation_id,
            period=period,
            person_ids=person_ids,
            kinds=[StaffStatusKind.UNDER_INVESTIGATION],
        )
    for person_id, kind, start, end in statuses:
        if kind == StaffStatusKind.UNDER_INVESTIGATION:
            merge_span(found, person_id, start, end)
    return found


def investigation_explanation(since: date, until: date | None = None) -> str:
    """The grading card's words; with the day the case ended, when it has (a re-test read a
    立案审查 recorded as a special status, ended, as if still open)."""
    if until is not None:
        return _("%(date)s至%(end)s立案审查，建议定为不确定等次（原因：立案审查）。") % {
            "date": since.isoformat(),
            "end": until.isoformat(),
        }
    return _("自%(date)s起立案审查，建议定为不确定等次（原因：立案审查）。") % {"date": since.isoformat()}


@dataclass(frozen=True)
class UncertainBasis:
    """What the staff register says of a person's quarter that bears on 不确定等次 (DOMAIN.md §4:
    long leave beyond the policy's share of the quarter, or 立案审查): the reasons it supports, the
    grading card's words, and what leaves no other grade — an open case (``open_since``, the day it
    began) or long leave beyond the share (``leave``)."""

    reasons: tuple[str, ...]
    explanation: str
    open_since: date | None = None
    leave: LongLeave | None = None

    @property
    def required(self) -> bool:
        return self.open_since is not None or self.leave is not None

    def refusal(self, name: str) -> str:
        """What a grade other than 不确定等次 for ``name`` is told ("" when another may stand)."""
        if self.open_since is not None:
            return _("%(person)s自%(date)s起立案审查，尚未结案：只能定为不确定等次。") % {
                "person": name,
                "date": self.open_since.isoformat(),
            }
        if self.leave is not None:
            return _("%(person)s本季度休假%(days)s天，占%(share)s%%，超过规定的%(limit)s%%：只能定为不确定等次。") % {
                "person": name,
                "days": self.leave.days,
                "share": self.leave.share_percent,
                "limit": self.leave.limit_percent,
            }
        return ""


def uncertain_bases(
    *,
    appraisal_quarter: AppraisalQuarter,
    person_ids: Iterable[int] | None,
    policy: Policy | None = None,
    statuses: list[tuple[int, str, date, date | None]] | None = None,
) -> dict[int, UncertainBasis]:
    """person id → their :class:`UncertainBasis`, for the people of ``person_ids`` (None: the
    organisation's) with one in the quarter. Two queries (three without ``policy``, one with
    ``statuses``, the register's statuses of the quarter read already): the register's long leave
    and 立案审查, and the 立案审查 recorded with the sanctions."""
    organisation_id, period = appraisal_quarter.organisation_id, appraisal_quarter.period
    policy = policy or policy_for_organisation(organisation_id=organisation_id)
    person_ids = None if person_ids is None else list(person_ids)
    if statuses is None:
        statuses = _statuses_in_quarter(
            organisation_id=organisation_id,
            period=period,
            person_ids=person_ids,
            kinds=[StaffStatusKind.LONG_LEAVE, StaffStatusKind.UNDER_INVESTIGATION],
        )
    where = {"organisation_id": organisation_id, "year": period.year, "quarter": period.quarter}
    on_leave = long_leave_in_quarter(**where, person_ids=person_ids, policy=policy, statuses=statuses)
    investigated = investigations_in_quarter(**where, person_ids=person_ids, statuses=statuses)
    today, result = periods.today(), {}
    for person_id in {*on_leave, *investigated}:
        leave, span = on_leave.get(person_id), investigated.get(person_id)
        reasons = (UncertainReason.INVESTIGATION,) * bool(span) + (UncertainReason.LONG_LEAVE,) * bool(leave)
        explanation = investigation_explanation(*span) if span else leave.explanation
        # Not graded while the case is open (DOMAIN.md §5); once closed, the quarter may be graded.
        # (Closed today is closed: HR cannot record a closing day after today.)
        open_since = span[0] if span and (span[1] is None or span[1] > today) else None
        result[person_id] = UncertainBasis(reasons, explanation, open_since, leave)
    return result


def _no_register(name: str) -> str:
    return _(
        "不确定等次只适用于病事假超过考核期规定比例或立案审查的人员，人员管理中没有%(person)s本季度的此类登记。"
        "如确有其事，请组织人事部门先登记特殊状态（长期休假或立案审查）。"
    ) % {"person": name}


def uncertain_rule(*, row: QuarterGrade, grade: str, uncertain_reason: str = "", field: str | None = None) -> str:
    """Refuse what the staff register rules out (DOMAIN.md §4), as every path to a grade asks it
    (the evaluator's, the leader's change, HR's review after locking): 不确定等次 for someone with
    neither long leave beyond the policy's share nor 立案审查 recorded in the quarter, or for a reason
    the register does not support; another grade where the register leaves only 不确定等次 (a user
    test took people out of the 好 quota's base, and on to an 优秀 suggestion, with an unrecorded
    立案审查; and graded 好 someone on leave all quarter). The refusal is at ``field`` of the form
    when given. Returns the 不确定 reason to store: the one given, else the register's ("" for
    another grade)."""
    basis = uncertain_bases(appraisal_quarter=row.appraisal_quarter, person_ids=[row.person_id]).get(row.person_id)
    # Named, not 此人: 全部确认 lists the refusals of several cards (a re-test read 此人 there).
    name = row.person.get_full_name()
    if grade != Grade.UNCERTAIN:
        if basis is not None and basis.required:
            raise ValidationError({field: basis.refusal(name)} if field else basis.refusal(name))
        return ""
    if basis is None:
        refusal = _no_register(name)
        raise ValidationError({field: refusal} if field else refusal)
    if uncertain_reason and uncertain_reason not in basis.reasons:
        registered = "、".join(str(UncertainReason(reason).label) for reason in basis.reasons)
        refusal = _("%(person)s本季度登记的是：%(reasons)s。请按登记选择原因。") % {
            "person": name,
            "reasons": registered,
        }
        raise ValidationError({"uncertain_reason": refusal} if field else refusal)
    return uncertain_reason or basis.reasons[0]


@dataclass(frozen=True)
class Suggestion:
    grade: str
    explanation: str = ""
    # Why 不确定等次, when that is the suggestion (UncertainReason).
    uncertain_reason: str = ""


def register_of(
    *, appraisal_quarter: AppraisalQuarter, rows: list[QuarterGrade], policy: Policy
) -> tuple[dict[int, UncertainBasis], dict[int, str]]:
    """What the staff register says of the people of ``rows`` in the quarter: their
    :class:`UncertainBasis` (long leave beyond the share, 立案审查) and, for the 挂职/援派, the words
    that the host organisation appraises them (DOMAIN.md §2; a user test graded a seconded person
    with nothing said). Two queries: the register's statuses, and the 立案审查 of the sanctions."""
    statuses = _statuses_in_quarter(
        organisation_id=appraisal_quarter.organisation_id,
        period=appraisal_quarter.period,
        person_ids=[row.person_id for row in rows],
        kinds=[StaffStatusKind.LONG_LEAVE, StaffStatusKind.UNDER_INVESTIGATION, StaffStatusKind.SECONDED],
    )
    bases = uncertain_bases(
        appraisal_quarter=appraisal_quarter,
        person_ids=[row.person_id for row in rows],
        policy=policy,
        statuses=statuses,
    )
    seconded = {}
    # The latest secondment of the quarter, with its end when it has one (a review: several read at random).
    for person_id, kind, start, end in sorted(statuses, key=lambda status: status[2]):
        if kind == StaffStatusKind.SECONDED:
            seconded[person_id] = (
                _("挂职/援派（%(date)s至%(end)s）：该期间由接收单位考核，请参考接收单位的考核意见评定等次。")
                % {"date": start.isoformat(), "end": end.isoformat()}
                if end
                else _("挂职/援派（自%(date)s起）：由接收单位考核，请依据接收单位的考核意见评定等次。")
                % {"date": start.isoformat()}
            )
    return bases, seconded


def register_notes(*, appraisal_quarter: AppraisalQuarter, rows: list[QuarterGrade], policy: Policy) -> dict[int, str]:
    """person id → what the register says of them for a card that shows a grade already given (the
    leader's confirmation cards): the status's words, and where it rules out the grade given, the
    refusal its confirmation will meet (a re-test: the leader learnt it only when 确认 was refused)."""
    bases, seconded = register_of(appraisal_quarter=appraisal_quarter, rows=rows, policy=policy)
    notes = {}
    for row in rows:
        basis, host = bases.get(row.person_id), seconded.get(row.person_id, "")
        said = [basis.explanation] if basis is not None and row.grade in ("", Grade.UNCERTAIN) else []
        if basis is not None and row.grade not in ("", Grade.UNCERTAIN):
            said.append(basis.refusal(row.person.get_full_name()))
        elif basis is None and row.grade == Grade.UNCERTAIN:
            said.append(_no_register(row.person.get_full_name()))
        if text := " ".join(filter(None, [*said, host])):
            notes[row.person_id] = text
    return notes


def grade_suggestions(
    *,
    appraisal_quarter: AppraisalQuarter,
    rows: list[QuarterGrade],
    policy: Policy,
    pools: list[quota.PoolStatus] | None = None,
) -> dict[int, Suggestion]:
    """person id → the suggested grade for the people of ``rows`` (none for people without one).

    不确定等次 under investigation or for long leave beyond the policy's share; else, with the score model on, the
    suggestion within the quota (``pools``: the quarter's :func:`.quota.quota_status`, if read
    already), or the band stored with the person's scores.
    """
    bases, seconded = register_of(appraisal_quarter=appraisal_quarter, rows=rows, policy=policy)
    by_score = (
        scores.suggested_grades_of(appraisal_quarter=appraisal_quarter, rows=rows, policy=policy, pools=pools)
        if policy.score_model_enabled
        else {}
    )
    result = {}
    for row in rows:
        host = seconded.get(row.person_id, "")
        if (basis := bases.get(row.person_id)) is not None:
            explanation = " ".join(filter(None, (basis.explanation, host)))
            result[row.person_id] = Suggestion(
                grade=Grade.UNCERTAIN, explanation=explanation, uncertain_reason=basis.reasons[0]
            )
        elif (grade := by_score.get(row.person_id) or row.suggested_grade) or host:
            result[row.person_id] = Suggestion(grade=grade or "", explanation=host)
    return result


_REASON_OF_STATUS = {
    StaffStatusKind.LONG_LEAVE: UncertainReason.LONG_LEAVE,
    StaffStatusKind.UNDER_INVESTIGATION: UncertainReason.INVESTIGATION,
}


def grades_resting_on_status(status: StaffStatus) -> list[str]:
    """What removing ``status`` leaves behind (accounts.services.status_removal_notes): each
    不确定等次 given for it in a quarter it reaches — in an open quarter, a grade the register will
    no longer bear out (approval waits for it: ``approval_blockers``); in an approved one, a grade
    that stays until its review after 定等."""
    reason = _REASON_OF_STATUS.get(status.kind)
    if reason is None:
        return []
    rows = (
        QuarterGrade.objects.filter(person_id=status.user_id, grade=Grade.UNCERTAIN, uncertain_reason=reason)
        .select_related("appraisal_quarter")
        .order_by("appraisal_quarter__year", "appraisal_quarter__quarter")
    )
    # Another entry of the same kind still covering a quarter bears its grade out (a duplicate removed).
    others = list(
        StaffStatus.objects.filter(user_id=status.user_id, kind=status.kind)
        .exclude(pk=status.pk)
        .values_list("start_date", "end_date")
    )

    def reaches(start, end, period) -> bool:
        return start <= period.last_day and (end is None or end >= period.first_day)

    notes = []
    for row in rows:
        period = row.appraisal_quarter.period
        if not reaches(status.start_date, status.end_date, period) or any(
            reaches(start, end, period) for start, end in others
        ):
            continue
        said = {"quarter": period.label}
        notes.append(
            _("删除后，%(quarter)s已评的“不确定等次”将与人员登记不符：须由分管领导调整或退回重新评鉴，方可审批。")
            % said
            if row.appraisal_quarter.is_open
            else _("%(quarter)s已审批的“不确定等次”以此状态为依据：删除后该等次不变，如需更改，请办理定等后复核。")
            % said
        )
    return notes
