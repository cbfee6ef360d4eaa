"""Each role's to-dos on the home page, with counts: what is waiting for this person today.

Every to-do is one aggregate query (a count, never rows loaded into Python), so the home page costs
the same whatever the size of the organisation.

A public-welfare worker (staff type 公益性岗位, DOMAIN.md §8) writes no quarterly targets and no
monthly summaries: their to-do is the year's 个人述职. Anyone may be a rater of a 民主测评, so the
papers to fill are counted for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Min, Q, Subquery
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import periods
from accounts.models import Department, User
from accounts.selectors import (
    Secondments,
    participants_of,
    pending_changes_to_decide,
    policy_for_organisation,
    secondments_of,
    without_head_at_work,
)
from accounts.text import join_list, join_sentences
from accounts.workflow import HANDED_IN_STATUSES, ReviewStatus
from evaluations.annual.models import AnnualResult
from evaluations.annual.selectors import years_outstanding
from evaluations.ballots.selectors import papers_to_fill
from evaluations.discipline.models import Inspection
from evaluations.grading.models import AppraisalQuarter, GradeState, QuarterState, SatisfactionScore
from evaluations.grading.selectors import (
    grades_to_confirm,
    grades_to_give,
    open_appraisal_quarters,
    regrades_waiting_for,
)
from evaluations.grading.services.grading import (
    DISCIPLINE_OPINION,
    INPUTS,
    NEWCOMERS,
    approval_blockers,
    discipline_opinion_wanted,
)
from evaluations.welfare.inbox import WELFARE
from evaluations.welfare.models import ConsequenceKind
from evaluations.welfare.selectors import (
    agreements_ending,
    notice_until,
    open_consequences,
    own_reports_to_hand_in,
    reports_awaiting_review,
)
from publicity.feedback.selectors import feedback_counts_for_talker, unconfirmed_count
from publicity.publication.selectors import (
    entries_to_republish,
    open_objections_count,
    own_entries_on_show,
    review_cases_due_count,
    review_cases_overdue_count,
)
from summaries.selectors import (
    DueMonth,
    recent_summaries,
    summaries_awaiting_review,
    summaries_owed,
    summary_month_due,
)
from targets.models import TargetSet
from targets.selectors import own_target_sets, target_sets_awaiting_review


@dataclass
class Todo:
    key: str  # names the to-do for tests and styling (data-testid="todo-<key>")
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class OwnPeriod:
    """The person's own documents of this period: this quarter's target set (if any) and the
    summary month due first. The home page's panel shows them and its to-dos count them: read once."""

    quarter: periods.Quarter
    target_set: TargetSet | None
    due: DueMonth
    # Earlier months' summaries past their deadline and not handed in (summaries.selectors.summaries_owed).
    owed: list[periods.Month]
    # (year, month) → the summary's id, of the recent months whose summary the reviewer returned.
    returned: dict[tuple[int, int], int]
    # Last quarter's set, with ``unassessed``: its items not yet self-assessed.
    last_target_set: TargetSet | None = None
    # Whether this quarter's targets and the due month's summary are asked of the person at all
    # (periods.is_due, as the targets and summaries pages decide it): not before their 参加考核日期.
    target_due: bool = True
    summary_due: bool = True
    # The person's secondments (挂职/援派): a period they are away for the whole of asks nothing of them.
    away: Secondments = Secondments()
    # The secondment (first day, last day or None) that leaves something of this period unasked, for
    # the home page to say why: the one today falls in, or last month's, while its summary would
    # still be the one due (a re-test read December's due on 3 December with no word of November away).
    seconded: tuple[date, date | None] | None = None


def own_period(user: User, *, today: date, policy) -> OwnPeriod:
    policy = periods.person_policy(policy, user)
    quarter = periods.Quarter.of(today)
    known = recent_summaries(owner=user, today=today)
    # Seconded out for a whole month (quarter): the host appraises them, their home asks nothing of it
    # (a user test's seconded person read three months' summaries as to do).
    away = secondments_of(person=user)
    due = summary_month_due(owner=user, today=today, policy=policy, known=known, away=away)
    # One per person and quarter (one_target_set_per_quarter): this quarter's and the last, in one read.
    sets = {(s.year, s.quarter): s for s in own_target_sets(owner=user, quarters=[quarter, quarter.previous()])}
    owed = summaries_owed(
        known=known, today=today, policy=policy, before=(due.year, due.month), organisation_id=user.organisation_id
    )
    return OwnPeriod(
        quarter=quarter,
        target_set=sets.get((quarter.year, quarter.quarter)),
        due=due,
        owed=[month for month in owed if not away.through(month)],
        returned={key: s.pk for key, s in known.items() if s is not None and s.status == ReviewStatus.RETURNED},
        last_target_set=sets.get((quarter.previous().year, quarter.previous().quarter)),
        target_due=periods.is_due(policy, quarter) and not away.through(quarter),
        summary_due=due.owed,
        away=away,
        seconded=_secondment_said(away, today=today, policy=policy, asked=periods.is_due(policy, quarter)),
    )


def _secondment_said(away: Secondments, *, today: date, policy, asked: bool) -> tuple[date, date | None] | None:
    """The secondment the home page names beside this period's work (:attr:`OwnPeriod.seconded`)."""
    quarter, last_month = periods.Quarter.of(today), periods.Month.of(today).previous()
    current = away.on(today)
    if current is not None and (away.through(quarter) or away.through(periods.Month.of(today))):
        return current
    if asked and away.through(last_month) and today <= periods.summary_deadline(policy, last_month):
        return away.on(last_month.last_day)
    return None


def todos_for(user: User, *, today: date, own: OwnPeriod | None = None) -> list[Todo]:
    """The person's to-dos for every role they hold, those with nothing to do left out. ``own``:
    the person's :func:`own_period` when the caller has read it already."""
    if not user.organisation_id:
        return []
    policy = policy_for_organisation(organisation_id=user.organisation_id)
    todos: list[Todo] = []
    # Not a public-welfare worker's (targets.rules): their year is one 述职, below.
    if user.has_perm("targets.write_targets"):
        # A newcomer's own start (入职、调入) stands in for the organisation's.
        own_policy = periods.person_policy(policy, user)
        own = own or own_period(user, today=today, policy=own_policy)
        todos += _own_documents(own, own_policy, today)
        todos += _summaries_owed(own)
        todos.append(_last_quarter(user, own, own_policy))
    if user.has_perm("evaluations.view_own_welfare"):
        todos += _welfare_report(user, today, policy)
    todos.append(_ballot_papers(user))
    if user.has_perm("summaries.use_review_inbox"):
        waiting = target_sets_awaiting_review(reviewer=user).count() + summaries_awaiting_review(reviewer=user).count()
        todos.append(Todo("review", _("待审核的目标和小结"), waiting, reverse("review")))
        # A public-welfare worker's 述职 waits in the same inbox, under its own kind.
        reports = reports_awaiting_review(reviewer=user).count()
        todos.append(
            Todo("review-welfare", _("待审核的公益性岗位述职"), reports, f"{reverse('review')}?kind={WELFARE}")
        )
    if user.has_perm("evaluations.grading_work"):
        todos += _grading(user)
    if user.has_perm("publicity.record_feedback"):
        todos += _feedback_talks(user, today)
    if user.has_perm("publicity.lodge_objection") and user.has_perm("publicity.view_publications"):
        todos.append(_own_results_on_show(user, today))
    if user.has_perm("publicity.view_own_feedback"):
        todos.append(
            Todo(
                "feedback-confirm",
                _("待确认的结果反馈"),
                unconfirmed_count(person=user),
                reverse("publicity:feedback_mine"),
            )
        )
    if user.has_perm("evaluations.approve_quarter"):
        todos += _agency_head(user, today)
    if user.has_perm("evaluations.open_quarter"):
        todos += _hr(user, today, policy)
    if user.has_perm("accounts.manage_departments"):
        todos.append(_departments_without_head(user))
    if user.has_perm("publicity.manage_review_cases"):
        todos += _publication(user, today)
    if user.has_perm("evaluations.record_inspection"):
        todos += _inspector(user, today, policy)
    if user.has_perm("evaluations.manage_welfare"):
        todos += _welfare(user, today, policy)
    if user.has_perm("accounts.view_pending_changes"):
        # A grant of a role or a reset waits for this second person (the bell says it once).
        todos.append(
            Todo(
                "pending-changes",
                _("待确认的权限变更和密码重置"),
                pending_changes_to_decide(user=user),
                reverse("accounts:pending_changes"),
            )
        )
    return [todo for todo in todos if todo.count]


def _short_date(day: date) -> str:
    """A to-do's deadline as the reader writes a day of the year, as the home page's own work beside
    it: 10月10日, Oct 10."""
    return date_format(day, pgettext("month and day, a date format", "n月j日"))


def _own_documents(own: OwnPeriod, policy, today: date) -> list[Todo]:
    """The person's own target set and monthly summary, while not handed in. A target set past its
    deadline is still accepted (recorded as late): the label says it is overdue."""
    quarter, due = own.quarter, own.due
    # Before a go-live date still to come (Policy.started_on), nothing is asked yet.
    handed_in = not own.target_due or (own.target_set is not None and own.target_set.status in HANDED_IN_STATUSES)
    summary_missing = own.summary_due and (due.summary is None or due.summary.status not in HANDED_IN_STATUSES)
    target_deadline = periods.target_deadline(policy, quarter)
    # A document begun is linked itself (a returned one, where its reason stands; a draft, to go
    # on writing); one not begun, its list, where it is started.
    targets_url, summary_url = reverse("targets:my_targets"), reverse("summaries:list")
    if own.target_set is not None:
        targets_url = reverse("targets:detail", args=[own.target_set.pk])
    if due.summary is not None:
        summary_url = reverse("summaries:detail", args=[due.summary.pk])
    if own.target_set is not None and own.target_set.status == ReviewStatus.RETURNED:
        # Sent back by the reviewer: to rework, whatever the deadline said.
        targets_label = _("%(quarter)s目标已退回，请修改后重新提交")
    elif today > target_deadline:
        targets_label = _("%(quarter)s目标已逾期未提交（%(deadline)s截止）")
    else:
        targets_label = _("%(quarter)s目标待提交（%(deadline)s截止）")
    if due.summary is not None and due.summary.status == ReviewStatus.RETURNED:
        summary_label = _("%(month)s月小结已退回，请修改后重新提交")
    else:
        summary_label = _("%(month)s月小结待提交（%(deadline)s截止）")
    return [
        Todo(
            "targets",
            targets_label % {"quarter": quarter.label, "deadline": _short_date(target_deadline)},
            0 if handed_in else 1,
            targets_url,
        ),
        Todo(
            "summary",
            # Never past its deadline: summary_month_due moves on to this month once last month's passed.
            summary_label % {"month": due.month, "deadline": _short_date(due.deadline)},
            1 if summary_missing else 0,
            summary_url,
        ),
    ]


def _last_quarter(user: User, own: OwnPeriod, policy) -> Todo:
    """The quarter just ended, until its results are approved and closed: its targets not handed in
    (still taken, late: its grading cannot be approved without them), or its approved items not yet
    self-assessed (完成 / 部分完成 / 未完成, what the grader reads)."""
    quarter, target_set = own.quarter.previous(), own.last_target_set
    if not periods.is_due(policy, quarter) or own.away.through(quarter):
        return Todo("last-quarter", "", 0, "")
    if target_set is None or target_set.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
        label, count = _("%(quarter)s目标未提交，请补填（逾期仍可提交）"), 1
    elif target_set.status == ReviewStatus.APPROVED:
        label, count = _("%(quarter)s目标完成情况待自评"), target_set.unassessed
    else:
        count = 0  # handed in, waiting for the reviewer
    if count and periods.is_period_locked(user.organisation_id, quarter):
        count = 0
    if not count:
        return Todo("last-quarter", "", 0, "")
    url = reverse("targets:detail", args=[target_set.pk]) if target_set else reverse("targets:my_targets")
    return Todo("last-quarter", label % {"quarter": quarter.label}, count, url)


def _summaries_owed(own: OwnPeriod) -> list[Todo]:
    """Earlier months' summaries past their deadline and not handed in: still taken, late, so still
    to do — a new month must not hide them. Those the reviewer returned are said apart (a user test
    read a summary handed in on time, then returned, as 未交), linked to the one to rework."""
    returned = [m for m in own.owed if (m.year, m.month) in own.returned]
    missing = [m for m in own.owed if (m.year, m.month) not in own.returned]
    missing_url = f"{reverse('summaries:list')}?year={missing[0].year}" if missing else reverse("summaries:list")
    returned_url = (
        reverse("summaries:detail", args=[own.returned[(returned[0].year, returned[0].month)]])
        if returned
        else reverse("summaries:list")
    )
    return [
        Todo(
            "summaries-returned",
            _("以前月份被退回的小结：%(months)s（请修改后重新提交）")
            % {"months": join_list((m.label for m in returned), limit=3)},
            len(returned),
            returned_url,
        ),
        Todo(
            "summaries-owed",
            _("以前月份未交的小结：%(months)s（过期仍可提交）")
            % {"months": join_list((m.label for m in missing), limit=3)},
            len(missing),
            missing_url,
        ),
    ]


def _grading(user: User) -> list[Todo]:
    url = reverse("evaluations:grading")
    # Sent back for regrading after an objection: waiting whether or not a quarter is open.
    regrades = [Todo("regrade", _("因异议退回重评的等次"), regrades_waiting_for(user=user).count(), url)]
    todos = []
    # Each quarter open for grading, the latest first (usually one): an earlier one still open has
    # its own to-dos, leading to it (a re-test found it on nobody's page once a later one opened).
    for index, appraisal_quarter in enumerate(open_appraisal_quarters(organisation=user.organisation)):
        to_give = grades_to_give(evaluator=user, appraisal_quarter=appraisal_quarter, waiting=True)
        to_confirm = grades_to_confirm(leader=user, appraisal_quarter=appraisal_quarter).filter(state=GradeState.GRADED)
        label = appraisal_quarter.period.label
        pk = appraisal_quarter.pk
        suffix, link = ("", url) if index == 0 else (f"-{pk}", f"{url}?quarter={pk}")
        todos += [
            Todo(f"grade{suffix}", _("%(quarter)s待评鉴人数") % {"quarter": label}, to_give.count(), link),
            Todo(f"confirm{suffix}", _("%(quarter)s待确认的等次") % {"quarter": label}, to_confirm.count(), link),
        ]
    return [*todos, *regrades]


def _feedback_talks(user: User, today: date) -> list[Todo]:
    # Both numbers come from one count over the locked grades of the people this person talks with.
    counts = feedback_counts_for_talker(talker=user, today=today)
    url = reverse("publicity:feedback") + "?show=pending"
    return [
        Todo("feedback-overdue", _("逾期未记录的结果反馈谈话"), counts.overdue, url),
        Todo("feedback-talks", _("定等后待记录的结果反馈谈话"), counts.to_record - counts.overdue, url),
    ]


# What may stand in the way of an approval once every grade is given and confirmed.
AFTER_GRADING = (INPUTS, DISCIPLINE_OPINION, NEWCOMERS)


def _agency_head(user: User, today: date) -> list[Todo]:
    todos = []
    awaiting = list(
        AppraisalQuarter.objects.filter(organisation_id=user.organisation_id, state=QuarterState.OPEN).order_by(
            "year", "quarter"
        )[:4]
    )
    for appraisal_quarter in awaiting:
        if appraisal_quarter.period.last_day < today:
            # Ready, or still being graded (the label says which, the page lists what stands in the
            # way): one quarter to approve. The number of kinds of obstacle, counted here before, read
            # as people or items beside the home page's counts of people (a go-live test).
            blockers = approval_blockers(appraisal_quarter=appraisal_quarter, with_names=False)
            if blockers and all(blocker.waits_for == DISCIPLINE_OPINION for blocker in blockers):
                label = _("%(quarter)s评鉴已完成，待纪委意见后审批")
            elif blockers and all(blocker.waits_for in AFTER_GRADING for blocker in blockers):
                # Graded and confirmed: what is left is the staff's own documents, people not yet
                # listed in the quarter (HR's 补充列入) and perhaps the discipline office's opinion,
                # said as the page says it (a re-test read 评鉴进行中 beside 已评鉴60人，已确认60人).
                label = _("%(quarter)s评鉴已完成，尚不能审批：%(first)s")
            elif blockers:
                label = _("%(quarter)s评鉴进行中，尚不能审批")
            else:
                label = _("%(quarter)s评鉴结果待审批")
            todos.append(
                Todo(
                    f"approve-{appraisal_quarter.pk}",
                    label
                    % {
                        "quarter": appraisal_quarter.period.label,
                        # Every document blocker (targets and summaries), and the discipline office's
                        # opinion when it is awaited too, as the page lists them (a user test read the
                        # staff's documents alone while the opinion was also missing).
                        "first": join_sentences(b for b in blockers if b.waits_for in AFTER_GRADING),
                    },
                    1,
                    reverse("evaluations:quarter_approve", args=[appraisal_quarter.pk]),
                )
            )
    # The committee decides the year's grades (考核委员会); last year's until all are decided.
    undecided = (
        AnnualResult.objects.filter(
            organisation_id=user.organisation_id, year__in=[today.year - 1, today.year], decided_grade=""
        )
        .values("year")
        .annotate(n=Count("pk"))
        .order_by("year")
    )
    undecided = list(undecided)
    # Only a year whose quarters are all approved can be decided (DOMAIN §7): before that, no to-do.
    outstanding = years_outstanding(organisation_id=user.organisation_id, years=[row["year"] for row in undecided])
    for row in undecided:
        if outstanding[row["year"]]:
            continue
        todos.append(
            Todo(
                f"annual-{row['year']}",
                _("%(year)s年度考核等次待考核委员会确定") % {"year": row["year"]},
                row["n"],
                reverse("evaluations:annual", args=[row["year"]]),
            )
        )
    return todos


def _hr(user: User, today: date, policy) -> list[Todo]:
    ended = periods.Quarter.of(today).previous()
    # A quarter that ended before the organisation began in the system has nothing to grade.
    ended_due = periods.is_due(policy, ended)
    quarters = AppraisalQuarter.objects.filter(organisation_id=user.organisation_id)
    counts = quarters.aggregate(
        ended_opened=Count("pk", filter=Q(year=ended.year, quarter=ended.quarter)),
        # Approved: its inputs can no longer change, so nothing is left to import for it.
        ended_approved=Count("pk", filter=Q(year=ended.year, quarter=ended.quarter, state=QuarterState.APPROVED)),
        to_roll_up=Count("pk", filter=Q(state=QuarterState.APPROVED, rolled_up_at__isnull=True)),
    )
    survey_entered = SatisfactionScore.objects.filter(
        organisation_id=user.organisation_id, year=ended.year, quarter=ended.quarter
    ).exists()
    return [
        Todo(
            "open-quarter",
            _("%(quarter)s待开放评鉴") % {"quarter": ended.label},
            0 if counts["ended_opened"] or not ended_due else 1,
            reverse("evaluations:quarters"),
        ),
        Todo("roll-up", _("已审批待汇总的季度"), counts["to_roll_up"], reverse("evaluations:rollup")),
        Todo(
            "survey",
            _("%(quarter)s满意度测评结果待导入") % {"quarter": ended.label},
            0 if survey_entered or counts["ended_approved"] or not ended_due else 1,
            reverse("evaluations:satisfaction_list"),
        ),
    ]


def _departments_without_head(user: User) -> Todo:
    """Departments whose people nobody reviews or grades: no head at work (one count query)."""
    departments = Department.objects.filter(organisation_id=user.organisation_id)
    return Todo(
        "departments-without-head",
        _("缺少科室负责人的科室（其人员的目标、小结无人审核，也无人评鉴）"),
        without_head_at_work(departments).count(),
        reverse("accounts:department_list") + "?lacks_head=true",
    )


def _own_results_on_show(user: User, today: date) -> Todo:
    # A user test: staff learnt of the window from the bell alone and had to find themselves among
    # everyone on the list. One line: its list filtered to the person; several: the board.
    lists = own_entries_on_show(person=user, today=today)
    url = reverse("publicity:board")
    if len(lists) == 1:
        url = reverse("publicity:publication_detail", args=lists) + "?" + urlencode({"q": user.get_full_name()})
    return Todo("own-results-on-show", _("本人考核结果正在公示（可查看或提出异议）"), len(lists), url)


def _publication(user: User, today: date) -> list[Todo]:
    # Objections wait for HR's answer (the entry stays unlocked until then); 复核/申诉 cases have
    # statutory deadlines. One count query each.
    republish, first = entries_to_republish(organisation_id=user.organisation_id)
    republish_url = reverse("publicity:publication_detail", args=[first]) if first else reverse("publicity:board")
    return [
        Todo(
            "objections",
            _("待处理的异议"),
            open_objections_count(organisation_id=user.organisation_id, handler=user),
            reverse("publicity:objections"),
        ),
        Todo(
            "review-cases-overdue",
            _("已逾期未作决定的复核申诉案件"),
            review_cases_overdue_count(organisation_id=user.organisation_id, today=today),
            reverse("publicity:review_cases"),
        ),
        Todo(
            "review-cases",
            _("临近期限的复核申诉案件"),
            review_cases_due_count(organisation_id=user.organisation_id, today=today),
            reverse("publicity:review_cases"),
        ),
        # A line sent back after an objection, regraded and confirmed: HR publishes it again (or the
        # daily job does); a user test's HR heard nothing of it.
        Todo(
            "republish",
            _("重新评定后待重新公示的条目"),
            republish,
            republish_url,
        ),
    ]


def _inspector(user: User, today: date, policy) -> list[Todo]:
    done = Inspection.objects.filter(
        organisation_id=user.organisation_id, date__year=today.year, date__month=today.month
    ).count()
    # An organisation where nobody takes part in the appraisal (a bureau that only oversees) owes
    # no inspections (discipline_check judges its months alike).
    required = policy.inspections_per_month if participants_of(organisation=user.organisation).exists() else 0
    todos = [
        Todo(
            "inspections",
            _("本月还需开展纪律作风检查（规定每月%(required)s次）") % {"required": policy.inspections_per_month},
            max(required - done, 0),
            reverse("evaluations:inspections"),
        )
    ]
    if policy.discipline_review_step:
        # The quarters whose grades all stand confirmed and wait for the 纪委意见 (at most four).
        open_quarters = AppraisalQuarter.objects.filter(
            organisation_id=user.organisation_id, state=QuarterState.OPEN
        ).order_by("year", "quarter")[:4]
        for appraisal_quarter in open_quarters:
            wanted = discipline_opinion_wanted(appraisal_quarter=appraisal_quarter, policy=policy)
            if wanted in ("opinion", "stale"):
                label = (
                    _("%(quarter)s待记录纪委意见")
                    if wanted == "opinion"
                    else _("%(quarter)s评鉴或检查发现有变动，须重新记录纪委意见")
                )
                todos.append(
                    Todo(
                        f"discipline-opinion-{appraisal_quarter.pk}",
                        label % {"quarter": appraisal_quarter.period.label},
                        1,
                        reverse("evaluations:quarters") + f"?q={appraisal_quarter.pk}",
                    )
                )
    return todos


def _welfare(user: User, today: date, policy) -> list[Todo]:
    """The consequences of final public-welfare results, one to-do per kind with its nearest
    deadline (one aggregate query), and the post agreements ending within the policy's notice
    period or ended without renewal (one count)."""
    counts = open_consequences(organisation_id=user.organisation_id).aggregate(
        **{f"n_{kind}": Count("pk", filter=Q(kind=kind)) for kind in ConsequenceKind.values},
        **{f"due_{kind}": Min("due_on", filter=Q(kind=kind)) for kind in ConsequenceKind.values},
    )
    url = reverse("evaluations:welfare_consequences")
    todos = []
    for kind, label in ConsequenceKind.choices:
        due = counts[f"due_{kind}"]
        text = _("公益性岗位%(kind)s（最近期限%(due)s）") % {"kind": label, "due": due.isoformat() if due else ""}
        if due is not None and due < today:
            text = _("公益性岗位%(kind)s（已逾期，期限%(due)s）") % {"kind": label, "due": due.isoformat()}
        todos.append(Todo(f"welfare-{kind.replace('_', '-')}", text, counts[f"n_{kind}"], url))
    ending = agreements_ending(organisation_id=user.organisation_id, until=notice_until(today=today, policy=policy))
    todos.append(
        Todo(
            "welfare-agreements-ending",
            _("公益性岗位上岗协议即将到期或已到期"),
            ending.count(),
            f"{reverse('evaluations:welfare_posts')}?ending=1",
        )
    )
    return todos


def _welfare_report(user: User, today: date, policy) -> list[Todo]:
    """The worker's 个人述职 not handed in, with its last day (one aggregate query: the window's, or
    later where the unit opened the year after it); a returned one says so, one past the last day
    says it is overdue (still accepted, recorded late)."""
    counts = own_reports_to_hand_in(user=user).aggregate(
        n=Count("pk"),
        first=Min("pk"),
        first_year=Min("year"),
        returned_year=Min("year", filter=Q(status=ReviewStatus.RETURNED)),
        # The opening of the first year waiting (HR may open a year left over after the next).
        opened_on=Min(Subquery(own_reports_to_hand_in(user=user).order_by("year", "pk").values("opened_on")[:1])),
    )
    if not counts["n"]:
        return []
    if counts["returned_year"] is not None:
        label = _("%(year)s年度个人述职已退回，请修改后重新提交") % {"year": counts["returned_year"]}
    else:
        last = periods.welfare_report_deadline(policy, counts["first_year"], counts["opened_on"])
        if today > last:
            label = _("%(year)s年度个人述职已逾期未提交（%(deadline)s截止）")
        else:
            label = _("%(year)s年度个人述职待提交（%(deadline)s截止）")
        label = label % {"year": counts["first_year"], "deadline": _short_date(last)}
    # One 述职 waiting: the to-do opens it; several (a year left over): the worker's years.
    url = (
        reverse("evaluations:welfare_report", args=[counts["first"]])
        if counts["n"] == 1
        else reverse("evaluations:welfare_mine")
    )
    return [Todo("welfare-report", label, counts["n"], url)]


def _ballot_papers(user: User) -> Todo:
    """The 民主测评 papers waiting for the person, civil servants' and public-welfare workers'
    ballots alike (one aggregate query): one opens its paper, several the list of their ballots."""
    counts = papers_to_fill(user=user).aggregate(n=Count("pk"), first_ballot=Min("ballot_id"))
    url = (
        reverse("evaluations:ballot_paper", args=[counts["first_ballot"]])
        if counts["n"] == 1
        else reverse("evaluations:my_ballots")
    )
    return Todo("ballots", _("待填写的测评票"), counts["n"], url)
