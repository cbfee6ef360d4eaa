"""Deadline and review reminders (Celery beat; each also has a management command).

Set-based: one query finds everyone to remind, one bulk insert writes the notifications.
The unique (recipient, dedupe_key) constraint makes a reminder go out once per person per
deadline, however many times the task runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jobs, periods
from accounts.models import Job, Notification, Organisation, User
from accounts.selectors import on_long_leave, participants_of, policy_for_organisation, seconded_through
from accounts.services import notify_many
from accounts.text import in_site_language
from accounts.workflow import ReviewStatus, handed_in, met_the_deadline, reviewer_id_expression
from targets.models import TargetSet

from .models import MonthlySummary
from .review import INBOX_KINDS, roster_people

# The public paths of the pages a reminder links to (bookmarkable contract paths).
TARGETS_URL = "/targets/"
SUMMARIES_URL = "/summaries/"
REVIEW_URL = "/review/"


@dataclass(frozen=True)
class ReminderRun:
    targets: int = 0
    summaries: int = 0
    reviewers: int = 0
    # Past the deadline and still owed: once a week (:data:`OVERDUE_EVERY_DAYS`).
    targets_overdue: int = 0
    summaries_overdue: int = 0


# After a deadline, what is still owed is asked for again once a week, from the day after it (a user
# test's quarter targets were overdue for two months and nobody was told again).
OVERDUE_EVERY_DAYS = 7


def send_deadline_reminders(*, organisation: Organisation, today: date) -> ReminderRun:
    """Remind people who have not submitted, from N days before a deadline until the deadline;
    not those on long leave that day."""
    policy = policy_for_organisation(organisation_id=organisation.pk)
    window = timedelta(days=policy.reminder_days_before)
    # Not those away on long leave today (a user test: a person on leave since November was told to
    # hand in December's summary); their home page and the roster still show what they owe.
    people = participants_of(organisation=organisation).exclude(on_long_leave(today))
    counts = {"targets": 0, "summaries": 0}

    current = periods.Quarter.of(today)
    year, quarter = current.year, current.quarter
    due = periods.target_deadline(policy, current)
    if due - window <= today <= due:
        submitted = TargetSet.objects.filter(handed_in(), organisation=organisation, year=year, quarter=quarter)
        # Not a newcomer who began after the organisation's deadline: theirs is later
        # (periods.person_policy), their home page says when.
        # Nor one seconded out for the whole quarter: the host appraises them (seconded_through).
        pending = (
            people.exclude(pk__in=submitted.values("owner_id"))
            .exclude(appraisal_start__gt=due)
            .exclude(seconded_through(current))
            .values_list("pk", flat=True)
        )
        with in_site_language():
            message = _("请在%(date)s前提交%(year)s年第%(q)s季度目标。") % {
                "date": f"{due.month}月{due.day}日",  # as the home page says it (no leading zero)
                "year": year,
                "q": quarter,
            }
            counts["targets"] = notify_many(
                [Notification(recipient_id=pk, message=message, url=TARGETS_URL) for pk in pending],
                dedupe_key=f"targets-due:{year}-Q{quarter}",
            )

    last_month = periods.Month.of(today).previous()
    due = periods.summary_deadline(policy, last_month)
    if due - window <= today <= due and periods.is_due(policy, last_month):
        submitted = MonthlySummary.objects.filter(
            handed_in(), organisation=organisation, year=last_month.year, month=last_month.month
        )
        # Not a newcomer who began after the month ended (periods.person_policy): nothing was asked.
        pending = (
            people.exclude(pk__in=submitted.values("owner_id"))
            .filter(periods.due_for_people(last_month))
            .exclude(seconded_through(last_month))
            .values_list("pk", flat=True)
        )
        with in_site_language():
            message = _("请在%(date)s前提交%(month)s月工作小结。") % {
                "date": f"{due.month}月{due.day}日",  # as the home page says it (no leading zero)
                "month": last_month.month,
            }
            counts["summaries"] = notify_many(
                [Notification(recipient_id=pk, message=message, url=SUMMARIES_URL) for pk in pending],
                dedupe_key=f"summary-due:{last_month.year}-{last_month.month:02d}",
            )
    counts.update(_overdue(organisation, people, policy, today))
    return ReminderRun(**counts)


def _overdue(organisation: Organisation, people, policy, today: date) -> dict[str, int]:
    """The weekly reminder of the quarter's targets and last month's summary to whoever is past
    their own deadline (periods.past_deadline_people) and has not handed it in (a returned one
    included, unless it was handed in on time: the review round is not their delay), from the day
    after the deadline; not those seconded out for the period."""
    quarter, month = periods.Quarter.of(today), periods.Month.of(today).previous()
    targets_due, summary_due = periods.target_deadline(policy, quarter), periods.summary_deadline(policy, month)
    with in_site_language():
        targets = _("您的%(year)s年第%(q)s季度目标已过截止日期（%(date)s），请尽快提交。") % {
            "year": quarter.year,
            "q": quarter.quarter,
            "date": f"{targets_due.month}月{targets_due.day}日",
        }
        summaries = _("您的%(year)s年%(month)s月工作小结已过截止日期（%(date)s），请尽快提交。") % {
            "year": month.year,
            "month": month.month,
            "date": f"{summary_due.month}月{summary_due.day}日",
        }
    remind = partial(_remind_overdue, organisation=organisation, people=people, policy=policy, today=today)
    return {
        "targets_overdue": remind(quarter, targets_due, TargetSet, {"quarter": quarter.quarter}, targets, TARGETS_URL),
        "summaries_overdue": remind(
            month, summary_due, MonthlySummary, {"month": month.month}, summaries, SUMMARIES_URL
        ),
    }


def _remind_overdue(
    period,
    due: date,
    model,
    key: dict,
    message: str,
    url: str,
    *,
    organisation: Organisation,
    people,
    policy,
    today: date,
) -> int:
    """:func:`_overdue` for one document: the period's, due on ``due``; once a week (its dedupe key
    counts the weeks since the day after the deadline)."""
    if today <= due:
        return 0
    # Not one handed in on time and returned since: it is not overdue (accounts.workflow).
    handed = model.objects.filter(met_the_deadline(), organisation=organisation, year=period.year, **key)
    pending = (
        people.filter(periods.past_deadline_people(policy, period, today))
        .exclude(pk__in=handed.values("owner_id"))
        .exclude(seconded_through(period))
        .values_list("pk", flat=True)
    )
    week = (today - due - timedelta(days=1)).days // OVERDUE_EVERY_DAYS
    return notify_many(
        [Notification(recipient_id=pk, message=message, url=url) for pk in pending],
        dedupe_key=f"{model._meta.model_name}-overdue:{period.year}-{'-'.join(map(str, key.values()))}:w{week}",
    )


@dataclass(frozen=True)
class Owing:
    """Whom 催交 on the roster would tell: the people of the roster's month (and department) who
    owe the month's summary, and those who owe the quarter's targets."""

    summaries: list[User]
    targets: list[User]

    @property
    def people(self) -> list[User]:
        return list({person.pk: person for person in [*self.summaries, *self.targets]}.values())


def roster_owing(*, viewer: User, year: int, month: int, department_id: int | None) -> Owing:
    """Of the people the roster lists for ``viewer`` (their departments, or ``department_id``), those
    who owe the month's summary (its last day has come) or the quarter's targets (it has begun): none
    handed in, a returned one included, asked of them (a newcomer's start, the organisation's, a
    whole period seconded out excuse it) and not away on long leave today, as the reminders. Two
    queries."""
    policy, today = policy_for_organisation(organisation_id=viewer.organisation_id), periods.today()
    month_period = periods.Month(year, month)
    quarter = month_period.quarter
    people = roster_people(viewer=viewer, year=year, month=month, department_id=department_id).filter(is_active=True)
    people = people.exclude(on_long_leave(today))
    owing = {}
    for name, period, model, key in (
        ("summaries", month_period, MonthlySummary, {"month": month}),
        ("targets", quarter, TargetSet, {"quarter": quarter.quarter}),
    ):
        begun = today >= period.last_day if name == "summaries" else period.has_begun(today)
        if not begun or not periods.is_due(policy, period):
            owing[name] = []
            continue
        handed = model.objects.filter(handed_in(), owner=OuterRef("pk"), year=year, **key)
        owing[name] = list(
            people.filter(~Exists(handed), periods.due_for_people(period)).exclude(seconded_through(period))
        )
    return Owing(**owing)


def roster_urge(*, viewer: User, year: int, month: int, department_id: int | None) -> ReminderRun:
    """催交: tell each person :func:`roster_owing` finds what they owe, in ``viewer``'s name, at once
    (bell and e-mail); once a day per person and document, however often it is pressed. Returns how
    many were told of each."""
    owing = roster_owing(viewer=viewer, year=year, month=month, department_id=department_id)
    today, quarter = periods.today(), periods.Month(year, month).quarter.quarter
    told = {}
    with in_site_language():
        values = {"name": viewer.get_full_name(), "year": year, "month": month, "q": quarter}
        for name, people, message, url, key in (
            (
                "summaries",
                owing.summaries,
                _("%(name)s提醒您：请尽快提交%(year)s年%(month)s月工作小结。") % values,
                SUMMARIES_URL,
                f"urge-summary:{year}-{month:02d}:{today}",
            ),
            (
                "targets",
                owing.targets,
                _("%(name)s提醒您：请尽快提交%(year)s年第%(q)s季度目标。") % values,
                TARGETS_URL,
                f"urge-targets:{year}-Q{quarter}:{today}",
            ),
        ):
            told[name] = notify_many(
                [Notification(recipient=person, message=message, url=url) for person in people], dedupe_key=key
            )
    return ReminderRun(**told)


def send_review_reminders(*, organisation: Organisation, today: date) -> ReminderRun:
    """Remind each reviewer, once a day, of items waiting longer than the policy allows.

    The reminder is an entry of the reviewer's daily digest (``digest=True``), not a notice of its
    own: a reviewer who is also told of new items to review that day gets one message, not two.
    """
    policy = policy_for_organisation(organisation_id=organisation.pk)
    cutoff = timezone.make_aware(
        timezone.datetime.combine(today - timedelta(days=policy.review_reminder_days), timezone.datetime.min.time())
    )
    waiting: dict[int, int] = {}
    # Every kind the review inbox lists (targets, summaries, the welfare 述职), each waiting for the
    # reviewer the inbox shows it to (accounts.workflow).
    for model in (kind.model for kind in INBOX_KINDS.values()):
        rows = (
            model.objects.filter(organisation=organisation, status=ReviewStatus.SUBMITTED, submitted_at__lt=cutoff)
            .annotate(reviewer_id_=reviewer_id_expression())
            .values("reviewer_id_")
            .annotate(n=Count("pk"))
            .filter(~Q(reviewer_id_=None))
        )
        for row in rows:
            waiting[row["reviewer_id_"]] = waiting.get(row["reviewer_id_"], 0) + row["n"]
    with in_site_language():
        created = notify_many(
            [
                Notification(
                    recipient_id=reviewer_id,
                    message=_("您有%(n)s项材料（目标、小结或公益性岗位述职）待审核已超过%(days)s天。")
                    % {"n": n, "days": policy.review_reminder_days},
                    url=REVIEW_URL,
                )
                for reviewer_id, n in waiting.items()
            ],
            dedupe_key=f"review-waiting:{today.isoformat()}",
            digest=True,
        )
    return ReminderRun(reviewers=created)


# The scheduled runs, one job per organisation (accounts.jobs), for the day in their parameters; HR
# follows them.
DEADLINE_REMINDERS = "summaries.deadline_reminders"
REVIEW_REMINDERS = "summaries.review_reminders"


@jobs.kind(DEADLINE_REMINDERS, gettext_lazy("提交截止提醒"), "summaries.view_every_roster")
def run_deadline_reminders(job: Job, report: jobs.Report) -> dict:
    run = send_deadline_reminders(organisation=job.organisation, today=date.fromisoformat(job.params["today"]))
    return {
        "targets": run.targets,
        "summaries": run.summaries,
        "targets_overdue": run.targets_overdue,
        "summaries_overdue": run.summaries_overdue,
    }


@jobs.kind(REVIEW_REMINDERS, gettext_lazy("审核逾期提醒"), "summaries.view_every_roster")
def run_review_reminders(job: Job, report: jobs.Report) -> dict:
    run = send_review_reminders(organisation=job.organisation, today=date.fromisoformat(job.params["today"]))
    return {"reviewers": run.reviewers}
