"""Publishing results (结果公示), objections (异议), locking (定等) and 复核/申诉 cases.

The window is counted in working days from the calendar (accounts.periods: statutory holidays,
调休 make-up days, HR's overrides). Grades change only through evaluations' services: this room
asks them to lock (``grades_lock``), to send a grade back (``grade_reopen_for_regrading``); it
never writes a grade itself.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import periods
from accounts.audit import audit_reason, record_event
from accounts.models import Notification, Organisation, User
from accounts.selectors import hr_admin_roles, policy_for_organisation, taking_part
from accounts.services import notify, notify_many
from accounts.storage import private_storage
from accounts.text import in_site_language
from accounts.textlimits import check_text_limits
from evaluations.annual.locking import annual_results_lock, keep_the_share
from evaluations.annual.models import AnnualGrade, AnnualResult
from evaluations.annual.services import (
    annual_reopen_for_decision,
    annual_year_close_by_the_rules,
    excellent_status_counted,
)
from evaluations.grading.models import AppraisalQuarter, GradeState, QuarterGrade, QuarterState
from evaluations.grading.services.locking import appraisal_quarter_lock, grade_reopen_for_regrading, grades_lock
from evaluations.welfare import services as welfare_services
from summaries.services import attachment_content_type, attachment_limit, attachment_too_large_message

from ..dingtalk.models import DingTalkKind
from ..dingtalk.services import dingtalk_publication_event
from .models import (
    EntryState,
    Objection,
    ObjectionState,
    Publication,
    PublicationEntry,
    PublicationKind,
    publication_title,
)

# --- The window ------------------------------------------------------------------------------


def publication_window(*, organisation_id: int, starts: date) -> tuple[date, date]:
    """The window of the organisation's policy: its first working day on or after ``starts``, and
    the last of ``publication_working_days`` working days."""
    days = policy_for_organisation(organisation_id=organisation_id).publication_working_days
    end = periods.add_working_days(starts, days, organisation_id)
    first = starts
    while not periods.is_working_day(first, organisation_id):
        first += timedelta(days=1)
    return first, end


def working_days_left(*, organisation_id: int, ends_on: date, today: date | None = None) -> int:
    """Working days left in a window, today included (0 once it has ended)."""
    return periods.working_days_between(today or periods.today(), ends_on, organisation_id)


# --- Publishing --------------------------------------------------------------------------------


def _check_publisher(actor: User, organisation_id: int) -> None:
    if not actor.has_perm("publicity.publish_results") or actor.organisation_id != organisation_id:
        raise PermissionDenied(_("只有本单位人事干部可以发布公示。"))


def _push(publication: Publication, kind: str) -> None:
    # Never blocks publication: the push records a message and sends it after commit; the key
    # makes each event of a publication go out once, however often the daily job runs.
    event = {
        DingTalkKind.PUBLICATION_OPENED: "opened",
        DingTalkKind.PUBLICATION_CLOSED: "closed",
        DingTalkKind.WINDOW_REMINDER: "reminder",
    }[kind]
    # The work group's message, in the site's language whoever's 定等 or publication sent it (a review).
    with in_site_language():
        _push_event(publication, kind, event)


def _push_event(publication: Publication, kind: str, event: str) -> None:
    dingtalk_publication_event(
        organisation_id=publication.organisation_id,
        kind=kind,
        subject=publication.title,
        window_start=publication.starts_on,
        window_end=publication.ends_on,
        key=f"publication:{publication.pk}:{event}",
        path=publication.get_absolute_url(),
    )


def _notify_staff(publication: Publication) -> None:
    """Everyone of the organisation who may read the board (not the separated administrators), on
    the bell at once (not in the evening's digest): the publication opens a window of a few
    working days in which to object."""
    people = taking_part(organisation_id=publication.organisation_id).values_list("pk", flat=True)
    # Published on a day off, the window opens on the next working day: 已发布, not 正在公示 (a user test).
    with in_site_language():
        message = (
            _("%(title)s正在公示（%(start)s至%(end)s），如有异议请在公示期内提出。")
            if publication.starts_on <= periods.today()
            else _("%(title)s已发布，公示期为%(start)s至%(end)s，如有异议请在公示期内提出。")
        ) % {
            "title": publication.title,
            "start": publication.starts_on.isoformat(),
            "end": publication.ends_on.isoformat(),
        }
        notify_many(
            [Notification(recipient_id=pk, message=message, url=publication.get_absolute_url()) for pk in people],
            dedupe_key=f"publication-opened:{publication.pk}",
        )


@transaction.atomic
def publication_open_quarter(
    *, actor: User, appraisal_quarter: AppraisalQuarter, today: date | None = None
) -> Publication:
    """HR publishes an approved quarter: every graded person's line, for the policy's window."""
    quarter = AppraisalQuarter.objects.select_for_update(of=("self",)).get(pk=appraisal_quarter.pk)
    _check_publisher(actor, quarter.organisation_id)
    if quarter.state != QuarterState.APPROVED:
        raise ValidationError(_("季度结果经主要负责人审批后才能公示。"))
    if Publication.objects.filter(appraisal_quarter=quarter).exists():
        raise ValidationError(_("本季度结果已经公示过。"))
    with in_site_language():
        publication = _publication_create(
            actor=actor,
            organisation_id=quarter.organisation_id,
            kind=PublicationKind.QUARTER,
            year=quarter.year,
            title=publication_title(kind=PublicationKind.QUARTER, year=quarter.year, quarter=quarter.quarter),
            today=today,
            appraisal_quarter=quarter,
        )
        rows = list(
            QuarterGrade.objects.filter(appraisal_quarter=quarter)
            .exclude(grade="")
            .order_by("-composite_score", "department__name", "person__full_name", "pk")
        )
        ranked = [row for row in rows if row.composite_score is not None]
        ranks = {row.pk: index for index, row in enumerate(ranked, start=1)}
        entries = [
            _entry(publication, row, quarter_grade=row, grade_label=row.get_grade_display(), rank=ranks.get(row.pk))
            for row in rows
        ]
        return _publish(publication, entries, actor=actor)


def _publication_create(*, actor: User, organisation_id: int, today: date | None, **fields) -> Publication:
    """The publication row (``fields``: its kind, year, title …), open from ``today`` for the
    policy's window; its entries follow."""
    start, end = publication_window(organisation_id=organisation_id, starts=today or periods.today())
    return Publication.objects.create(
        organisation_id=organisation_id,
        starts_on=start,
        ends_on=end,
        published_by=actor,
        published_at=periods.now(),
        **fields,
    )


def _entry(publication: Publication, row, **fields) -> PublicationEntry:
    """The entry of one graded ``row`` (a quarter grade or an annual result); its window is the publication's."""
    return PublicationEntry(
        publication=publication,
        person_id=row.person_id,
        department_id=row.department_id,
        score=row.composite_score,
        window_starts_on=publication.starts_on,
        window_ends_on=publication.ends_on,
        **fields,
    )


def _publish(publication: Publication, entries: list[PublicationEntry], *, actor: User) -> Publication:
    """Store the entries and announce the publication: the audit record, DingTalk, every staff member."""
    PublicationEntry.objects.bulk_create(entries)
    record_event(event="publication_opened", obj=publication, actor=actor, detail={"entries": len(entries)})
    _push(publication, DingTalkKind.PUBLICATION_OPENED)
    _notify_staff(publication)
    return publication


@transaction.atomic
def publication_open_annual(
    *, actor: User, organisation: Organisation, year: int, today: date | None = None
) -> Publication:
    """HR publishes the year's decided 优秀 list (at least the policy's window of working days)."""
    _check_publisher(actor, organisation.pk)
    results = AnnualResult.objects.filter(organisation=organisation, year=year)
    if not results.exists() or results.filter(decided_grade="").exists():
        raise ValidationError(_("%(year)s年度等次尚未全部确定，不能公示优秀名单。") % {"year": year})
    if Publication.objects.filter(organisation=organisation, kind=PublicationKind.ANNUAL_EXCELLENT, year=year).exists():
        raise ValidationError(_("%(year)s年度优秀名单已经公示过。") % {"year": year})
    # Within the quota of the year's share (a user test cut the share after the committee decided:
    # a list over the quota was published and locked with no word).
    status = excellent_status_counted(organisation=organisation, year=year)
    if status.over:
        raise ValidationError(
            _(
                "%(year)s年度已确定优秀%(used)s人，超出优秀名额%(quota)s人（确定等次的%(graded)s人的%(percent)s%%，"
                "向下取整）：请考核委员会调整后再公示优秀名单。"
            )
            % {"year": year, **status.figures}
        )
    # The share the list was decided under is the year's from now on: a later change of the policy
    # does not move the quota of a published list.
    keep_the_share(organisation_id=organisation.pk, year=year)
    with in_site_language():
        publication = _publication_create(
            actor=actor,
            organisation_id=organisation.pk,
            kind=PublicationKind.ANNUAL_EXCELLENT,
            year=year,
            title=publication_title(kind=PublicationKind.ANNUAL_EXCELLENT, year=year),
            today=today,
        )
        excellent = list(
            results.filter(decided_grade=AnnualGrade.EXCELLENT).order_by(
                "rank", "department__name", "person__full_name"
            )
        )
        entries = [
            _entry(publication, row, annual_result=row, grade_label=row.get_decided_grade_display(), rank=row.rank)
            for row in excellent
        ]
        return _publish(publication, entries, actor=actor)


@transaction.atomic
def publication_open_welfare(
    *, actor: User, organisation: Organisation, year: int, today: date | None = None
) -> Publication:
    """HR publishes (张榜公示) the public-welfare results the unit has decided (集体研究) and not yet
    published: each worker's grade and whether the agreement is renewed, for the policy's window,
    with the objection channel of every publication. A unit decides in batches, so a year may have
    several welfare publications."""
    _check_publisher(actor, organisation.pk)
    # One publisher at a time per organisation: two at once numbered the same batch (the second
    # answered 500 on the constraint) and would list the same workers; the second now waits, then
    # finds them published.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    decided = list(
        welfare_services.welfare_publishable(organisation_id=organisation.pk, year=year).order_by(
            "department__name", "owner__full_name", "pk"
        )
    )
    if not decided:
        raise ValidationError(_("%(year)s年度没有待公示的公益性岗位考核结果。") % {"year": year})
    # The year's first, second … (a worker decided late is published on their own): the title says
    # which; one_welfare_publication_per_batch refuses a second publication of the same batch.
    batch = _next_welfare_batch(organisation_id=organisation.pk, year=year)
    with in_site_language():
        publication = _publication_create(
            actor=actor,
            organisation_id=organisation.pk,
            kind=PublicationKind.WELFARE,
            year=year,
            batch=batch,
            title=publication_title(kind=PublicationKind.WELFARE, year=year, batch=batch),
            today=today,
        )
        renew, no_renew = _("续签"), _("不续签")
        entries = [
            PublicationEntry(
                publication=publication,
                person_id=row.owner_id,
                department_id=row.department_id,
                welfare_assessment=row,
                grade_label=f"{row.get_grade_display()} · {renew if row.renew else no_renew}",
                window_starts_on=publication.starts_on,
                window_ends_on=publication.ends_on,
            )
            for row in decided
        ]
        welfare_services.welfare_assessments_mark_published(
            actor=actor, assessment_ids=[row.pk for row in decided], source=publication.title
        )
        return _publish(publication, entries, actor=actor)


@dataclass(frozen=True)
class WelfareBatch:
    """A year's public-welfare results HR may publish now: how many workers (decided, not yet
    published) and which batch of the year it would be (the title's 第2批 …)."""

    year: int
    count: int
    batch: int

    @property
    def title(self) -> str:
        return publication_title(kind=PublicationKind.WELFARE, year=self.year, batch=self.batch)


def _next_welfare_batch(*, organisation_id: int, year: int) -> int:
    return (
        Publication.objects.filter(organisation_id=organisation_id, kind=PublicationKind.WELFARE, year=year).count() + 1
    )


def publishable_welfare(*, organisation_id: int) -> list[WelfareBatch]:
    """Years with public-welfare results decided and not yet published, newest first, each with
    the number of workers and the batch it would be (two queries)."""
    counts = welfare_services.welfare_publishable_counts(organisation_id=organisation_id)
    published = dict(
        Publication.objects.filter(organisation_id=organisation_id, kind=PublicationKind.WELFARE, year__in=counts)
        .values("year")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("year", "n")
    )
    return [
        WelfareBatch(year=year, count=counts[year], batch=published.get(year, 0) + 1)
        for year in sorted(counts, reverse=True)
    ]


def publishable_quarters(*, organisation_id: int):
    """Approved quarters of the organisation not yet published, newest first."""
    published = Publication.objects.filter(appraisal_quarter_id=OuterRef("pk"))
    return (
        AppraisalQuarter.objects.filter(organisation_id=organisation_id, state=QuarterState.APPROVED)
        .exclude(Exists(published))
        .order_by("-year", "-quarter")
    )


def publishable_years(*, organisation_id: int) -> list[int]:
    """Years whose annual results are all decided and whose 优秀 list is not yet published; not a
    year whose every result is already locked (定等 before the system: entered from the paper
    records, nothing left to publish)."""
    years = set(
        AnnualResult.objects.filter(organisation_id=organisation_id, locked_at__isnull=True)
        .values_list("year", flat=True)
        .distinct()
    )
    undecided = set(
        AnnualResult.objects.filter(organisation_id=organisation_id, decided_grade="").values_list("year", flat=True)
    )
    done = set(
        Publication.objects.filter(organisation_id=organisation_id, kind=PublicationKind.ANNUAL_EXCELLENT).values_list(
            "year", flat=True
        )
    )
    return sorted(years - undecided - done, reverse=True)


def quarters_in_window(*, organisation_id: int) -> dict[int, list[int]]:
    """Year → the quarters whose published results are not yet locked (定等: in their window, or
    held by an objection still open): an objection may still change a grade, and with it who
    qualifies for the year's 优秀 (a user test's list went up while its third quarter's window was
    open; an upheld objection then left a listed 优秀 without the 好 quarters it was decided on)."""
    waiting: dict[int, list[int]] = {}
    for year, quarter in (
        Publication.objects.filter(
            organisation_id=organisation_id, kind=PublicationKind.QUARTER, closed_at__isnull=True
        )
        .order_by("year", "appraisal_quarter__quarter")
        .values_list("year", "appraisal_quarter__quarter")
    ):
        waiting.setdefault(year, []).append(quarter)
    return waiting


def entry_may_republish(entry: PublicationEntry) -> bool:
    """An entry sent back is published again once its regraded grade is confirmed again; a year's
    line once the committee has decided 优秀 again."""
    if entry.state != EntryState.REGRADING:
        return False
    if entry.annual_result_id:
        return entry.annual_result.decided_grade == AnnualGrade.EXCELLENT
    grade = entry.quarter_grade
    return grade is not None and grade.reopened_at is None and grade.state == GradeState.CONFIRMED


def _record_grade_after(entry: PublicationEntry, grade_label: str, reason: str) -> None:
    """Keep on the objections the entry's change answers — the one that sent it back and any still
    unanswered — the grade it changed to, beside the grade each questioned (``Objection.grade_label``);
    one given a grade by an earlier regrade keeps it. A handful of rows, each saved (audited)."""
    answered_by_it = entry.objections.filter(regraded_label="").filter(
        Q(sent_back_at__isnull=False) | Q(answered_at__isnull=True)
    )
    with audit_reason(reason):
        for objection in answered_by_it:
            objection.regraded_label = grade_label
            objection.save(update_fields=["regraded_label"])


def entries_follow_decision(result_ids: list[int]) -> None:
    """A year's line sent back to the committee and decided other than 优秀 (the committee's decide
    page or 采用全部建议) leaves the list at once, and the person and those who objected are told —
    not at the next locking job (a user test read 已退回考核委员会重新确定 on the board, and the
    person heard nothing, until 定等). 优秀 again waits for HR's 重新公示 (or the job), as before."""
    entries = PublicationEntry.objects.filter(
        annual_result_id__in=result_ids, state=EntryState.REGRADING
    ).select_related("annual_result", "person", "publication")
    for entry in entries:
        _entry_withdraw_if_decided_otherwise(entry)


def _entry_withdraw_if_decided_otherwise(entry: PublicationEntry) -> bool:
    """A year's line sent back to the committee and decided other than 优秀 leaves the list (已撤下);
    the person and those who objected are told. Whether it did."""
    result = entry.annual_result
    if entry.state != EntryState.REGRADING or result is None or result.decided_grade in ("", AnnualGrade.EXCELLENT):
        return False
    entry.state = EntryState.WITHDRAWN
    with in_site_language():
        reason = _("委员会重新确定为“%(grade)s”，撤下优秀公示") % {"grade": result.get_decided_grade_display()}
        with audit_reason(reason):
            entry.save(update_fields=["state"])
        _record_grade_after(entry, result.get_decided_grade_display(), reason)
        values = {"person": entry.person, "title": entry.publication.title, "grade": result.get_decided_grade_display()}
        message = _("%(person)s的%(title)s经委员会重新确定为“%(grade)s”，已从公示名单撤下。") % values
        told = {entry.person_id} if entry.person.is_active else set()
        if told:
            # The person in the second person (a user test read of themselves by name).
            yours = _("您的%(title)s经考核委员会重新确定为“%(grade)s”，已从公示名单撤下。") % values
            notify(recipient=entry.person, message=yours, url=entry.publication.get_absolute_url())
        for objection in entry.objections.select_related("objector"):
            if objection.objector.is_active and objection.objector_id not in told:
                told.add(objection.objector_id)
                notify(recipient=objection.objector, message=message, url=objection.get_absolute_url())
    return True


@transaction.atomic
def entry_republish(*, actor: User | None, entry: PublicationEntry, today: date | None = None) -> PublicationEntry:
    """Publish a regraded entry again, for a window of its own (HR's button, or the daily job)."""
    entry = (
        PublicationEntry.objects.select_for_update(of=("self",))
        .select_related("quarter_grade", "annual_result", "publication")
        .get(pk=entry.pk)
    )
    if actor is not None and not actor.has_perm("publicity.republish_entry", entry):
        if actor.has_perm("publicity.manage_publication", entry.publication):
            raise PermissionDenied(_("这是您本人的结果，您须回避，请由其他人事干部重新公示。"))
        raise PermissionDenied(_("只有本单位人事干部可以重新公示。"))
    if not entry_may_republish(entry):
        if entry.state != EntryState.REGRADING:
            # Done already (another tab, another HR person, the daily job): said as it is.
            raise ValidationError(_("该条目已重新公示或已处理完毕，无需再次重新公示。"), code="already")
        if entry.annual_result_id:
            raise ValidationError(_("该条目尚未经委员会重新确定为优秀，不能重新公示。"))
        raise ValidationError(_("该条目尚未重评并经分管领导确认，不能重新公示。"))
    start, end = publication_window(organisation_id=entry.publication.organisation_id, starts=today or periods.today())
    # The board's line, the objection's record and the audit reason: stored, in the site's language.
    with in_site_language():
        if entry.annual_result_id:
            entry.grade_label = entry.annual_result.get_decided_grade_display()
        else:
            grade = entry.quarter_grade
            entry.grade_label = grade.get_grade_display()
            entry.score = grade.composite_score
        entry.state = EntryState.PUBLISHED
        entry.window_starts_on, entry.window_ends_on = start, end
        entry.republished_at = periods.now()
        with audit_reason(_("重评后重新公示")):
            entry.save()
        _record_grade_after(entry, entry.grade_label, _("重评后重新公示"))
    # The publication is not over while one of its entries is published again.
    Publication.objects.filter(pk=entry.publication_id).update(closed_at=None)
    with in_site_language():
        if entry.person.is_active:
            notify(
                recipient=entry.person,
                message=_("您的%(title)s经重新评鉴为“%(grade)s”，已重新公示（%(start)s至%(end)s）。")
                % {
                    "title": entry.publication.title,
                    "grade": entry.grade_label,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                },
                url=entry.publication.get_absolute_url(),
            )
        # Those who objected hear of it too (the person, if they objected to their own, once: above).
        for objection in entry.objections.select_related("objector").exclude(objector_id=entry.person_id):
            if objection.objector.is_active:
                notify(
                    recipient=objection.objector,
                    message=_("%(person)s的%(title)s已重新评定并重新公示（%(start)s至%(end)s）。")
                    % {
                        "person": entry.person,
                        "title": entry.publication.display_title,
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                    },
                    url=objection.get_absolute_url(),
                )
    return entry


# --- Objections --------------------------------------------------------------------------------


def hr_of(organisation_id: int):
    return hr_admin_roles(organisation_id).values_list("user_id", flat=True)


def _store_attachment(objection: Objection, uploaded: UploadedFile) -> None:
    """The summaries' attachment rules: not empty, the policy's size limit, the type by content."""
    policy = policy_for_organisation(organisation_id=objection.organisation_id)
    if not uploaded.size:
        raise ValidationError({"attachment": _("文件“%(name)s”是空的（0 字节）。") % {"name": uploaded.name}})
    if uploaded.size > attachment_limit(policy):
        raise ValidationError({"attachment": attachment_too_large_message(policy)})
    content_type = attachment_content_type(uploaded)
    if content_type is None:
        raise ValidationError(
            {"attachment": _("不支持此文件类型（按文件内容判断）。只能上传 PDF、图片（PNG/JPEG/GIF）或 Office 文档。")}
        )
    name = os.path.basename((uploaded.name or "").replace("\\", "/"))[:200] or _("附件")
    objection.attachment_name, objection.attachment_type = name, content_type
    stored = get_valid_filename(f"{uuid.uuid4().hex}{os.path.splitext(name)[1].lower()}")
    objection.attachment.save(stored, uploaded, save=False)


def objection_window_refusal(*, entry: PublicationEntry, day: date) -> str | None:
    """Why nobody may object to ``entry`` on ``day``, or None while its window is open: before the
    window, the day it opens; after it, that it has ended. The objection page says the same words."""
    if entry.is_open_on(day):
        return None
    dates = {"start": entry.window_starts_on.isoformat(), "end": entry.window_ends_on.isoformat()}
    if entry.state == EntryState.PUBLISHED and day < entry.window_starts_on:
        return _("公示期为%(start)s至%(end)s，尚未开始，%(start)s起可以提出异议。") % dates
    if entry.state == EntryState.PUBLISHED:
        return _("公示期为%(start)s至%(end)s，已经结束，不能再提出异议。") % dates
    # Off the board while its window lasts (a user test was told 不在公示期内 beside 还剩4个工作日).
    if entry.state == EntryState.REGRADING:
        return _("该结果已退回重评，已撤下公示；重评后的结果将重新公示，届时可以提出异议。")
    if entry.state == EntryState.WITHDRAWN:
        return _("该结果已撤下公示，不能再对其提出异议；重新确定的结果将另行公示。")
    return _("公示期为%(start)s至%(end)s，现在不在公示期内，不能提出异议。") % dates


class ObjectionStillOpen(ValidationError):
    """The person's earlier objection to the entry is not answered yet; ``objection`` is that one."""

    def __init__(self, objection: Objection) -> None:
        self.objection = objection
        super().__init__(
            _("您已于%(lodged)s对该结果提出异议，人事部门尚未答复，不能重复提出；请查看该异议的办理进度。")
            % {"lodged": timezone.localtime(objection.lodged_at).strftime("%Y-%m-%d %H:%M")},
            code="objection_still_open",
        )


def unanswered_objection_of(*, entry: PublicationEntry, objector: User) -> Objection | None:
    """The person's unanswered objection to the entry's grade as published now: one that sent the
    grade back for regrading concerned the grade before, so the new grade may be objected to."""
    return (
        Objection.objects.filter(entry=entry, objector=objector, sent_back_at__isnull=True)
        .exclude(state=ObjectionState.ANSWERED)
        .order_by("lodged_at", "pk")
        .first()
    )


@transaction.atomic
def objection_lodge(
    *, actor: User, entry: PublicationEntry, text: str, uploaded: UploadedFile | None = None, today: date | None = None
) -> Objection:
    """A staff member objects to an entry during its window (refused outside it, with the dates).

    One open objection per person and entry (the constraint ``one_open_objection_per_objector_entry``):
    a second one while the first is unanswered — the form sent again after going Back — is refused
    with :class:`ObjectionStillOpen`, which names the first. Once it is answered the person may object
    again while the window lasts: the answer closes that matter, and one who finds it wanting has no
    other way to say so before the result is locked."""
    entry = PublicationEntry.objects.select_related("publication").get(pk=entry.pk)
    if not actor.has_perm("publicity.lodge_objection") or actor.organisation_id != entry.publication.organisation_id:
        raise PermissionDenied(_("只有本单位人员可以对公示结果提出异议。"))
    if (refusal := objection_window_refusal(entry=entry, day=today or periods.today())) is not None:
        raise ValidationError(refusal, code="outside_window")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写异议内容。")})
    if (existing := unanswered_objection_of(entry=entry, objector=actor)) is not None:
        raise ObjectionStillOpen(existing)
    objection = Objection(
        organisation_id=entry.publication.organisation_id,
        entry=entry,
        objector=actor,
        text=text,
        # The grade it questions, as published now (a regrade publishes the entry with another).
        grade_label=entry.grade_label,
        lodged_at=periods.now(),
    )
    check_text_limits(objection, "text")
    if uploaded is not None:
        _store_attachment(objection, uploaded)
    stored = objection.attachment.name
    try:
        with transaction.atomic():
            objection.save()
    except (IntegrityError, ValueError):
        if stored:
            private_storage.delete(stored)
        # Two submissions at once (a double click): the other one was stored first.
        if (existing := unanswered_objection_of(entry=entry, objector=actor)) is not None:
            raise ObjectionStillOpen(existing) from None
        raise
    # Which list it is on (a user test handled objections to a quarter's and to the year's lists at once).
    with in_site_language():
        # In the site's language, whatever the publisher's (the stored title keeps theirs).
        said = {"objector": actor, "person": entry.person, "title": entry.publication.display_title}
        if entry.person_id == actor.pk:
            message = _("%(objector)s对公示中其本人的%(title)s提出了异议。") % said
        else:
            message = _("%(objector)s对公示中%(person)s的%(title)s提出了异议。") % said
        handlers = set(hr_of(objection.organisation_id))
        concerned = {objection.objector_id, entry.person_id}
        if handlers - concerned:
            handlers -= concerned  # those it concerns recuse themselves (回避): told only as the objector is
        notify_many(
            [
                Notification(recipient_id=pk, message=message, url=objection.get_absolute_url())
                for pk in sorted(handlers)
            ],
            dedupe_key=f"objection-lodged:{objection.pk}",
        )
    return objection


def _locked_objection(objection: Objection, actor: User) -> Objection:
    locked = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("entry__publication", "entry__person")
        .get(pk=objection.pk)
    )
    if not actor.has_perm("publicity.handle_objection", locked):
        if actor.has_perm("publicity.manage_publication", locked.entry.publication):
            raise PermissionDenied(_("本异议涉及您本人，您须回避，请由其他人事干部办理。"))
        raise PermissionDenied(_("只有本单位人事干部可以办理异议。"))
    return locked


# How much of HR's answer a notification quotes: a phone screen's glance; the page it links to has it all.
ANSWER_EXCERPT_LENGTH = 100


def _tell_objector(objection: Objection, message, **params: object) -> None:
    """Tell the objector of a step, naming the objection (the day it was lodged, whose result on which
    publication): one person's two objections must not read the same."""
    params |= {
        "lodged": timezone.localtime(objection.lodged_at).strftime("%Y-%m-%d"),
        "person": objection.entry.person,
        "title": objection.entry.publication.title,
    }
    with in_site_language():
        notify(recipient=objection.objector, message=message % params, url=objection.get_absolute_url())


def answer_excerpt(answer: str) -> str:
    """The start of an answer, on one line, for a notification (“…” where it is cut)."""
    line = " ".join(answer.split())
    return line if len(line) <= ANSWER_EXCERPT_LENGTH else line[: ANSWER_EXCERPT_LENGTH - 1] + "…"


def _move(objection: Objection, *, actor: User, expected: tuple[str, ...], new_state: str, reason: str = "") -> None:
    if objection.state not in expected:
        raise ValidationError(
            _("异议当前状态为“%(state)s”，不能办理此步骤。") % {"state": objection.get_state_display()}
        )
    objection.state = new_state
    objection.handled_by = actor
    with audit_reason(reason):
        objection.save()


def _set_required_text(objection: Objection, field: str, value: str, *, missing: str) -> str:
    """Put HR's text (trimmed, within its limit) in ``field``; an empty one is refused with ``missing``."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: missing})
    setattr(objection, field, value)
    check_text_limits(objection, field)
    return value


@transaction.atomic
def objection_accept(*, actor: User, objection: Objection) -> Objection:
    """受理: HR takes the objection up; the objector is told."""
    objection = _locked_objection(objection, actor)
    objection.accepted_at = periods.now()
    _move(objection, actor=actor, expected=(ObjectionState.LODGED,), new_state=ObjectionState.ACCEPTED)
    _tell_objector(objection, gettext_lazy("您于%(lodged)s对%(person)s的%(title)s提出的异议已受理。"))
    return objection


@transaction.atomic
def objection_verify(*, actor: User, objection: Objection, notes: str) -> Objection:
    """核实: HR records what the verification found."""
    objection = _locked_objection(objection, actor)
    notes = _set_required_text(objection, "notes", notes, missing=_("请填写核实情况。"))
    objection.verified_at = periods.now()
    _move(objection, actor=actor, expected=(ObjectionState.ACCEPTED,), new_state=ObjectionState.VERIFIED, reason=notes)
    return objection


@transaction.atomic
def objection_send_back(*, actor: User, objection: Objection, reason: str) -> Objection:
    """HR sends the entry back to its evaluator for regrading (via evaluations), with the reason.
    The entry is out of the list until it is regraded, confirmed and published again."""
    objection = _locked_objection(objection, actor)
    if objection.state not in (ObjectionState.ACCEPTED, ObjectionState.VERIFIED):
        raise ValidationError(_("异议受理后、答复前才能退回重评。"))
    entry = (
        PublicationEntry.objects.select_for_update(of=("self",))
        .select_related("quarter_grade", "annual_result", "welfare_assessment")
        .get(pk=objection.entry_id)
    )
    if entry.state != EntryState.PUBLISHED:
        raise ValidationError(_("该条目已退回重评或已定等。"))
    # What the line becomes: off the list until published again (a year's 优秀, a quarter's grade),
    # or for good (a public-welfare result is decided again and published in a batch of its own).
    state = EntryState.REGRADING
    if entry.welfare_assessment is not None:
        welfare_services.welfare_reopen_for_decision(actor=actor, assessment=entry.welfare_assessment, reason=reason)
        told = gettext_lazy("您的%(title)s因异议已退回集体研究，重新研究后将另行公示。")
        state = EntryState.WITHDRAWN
    elif entry.annual_result is not None:
        # A year's 优秀: the committee decides again (谁管理谁认定); 优秀 again puts it back on the list.
        annual_reopen_for_decision(result=entry.annual_result, actor=actor, reason=reason)
        told = gettext_lazy("您的%(title)s因异议已退回考核委员会重新确定，确定为优秀的将重新公示。")
    else:
        grade_reopen_for_regrading(grade=entry.quarter_grade, actor=actor, reason=reason)
        told = gettext_lazy("您的%(title)s因异议已退回评鉴人重新评鉴，重评后将重新公示。")
    # The person whose result it is hears that it is being decided again (the board says so too).
    with in_site_language():
        if entry.person.is_active:
            notify(
                recipient=entry.person,
                message=told % {"title": entry.publication.title},
                url=entry.publication.get_absolute_url(),
            )
    entry.state = state
    with audit_reason(reason):
        entry.save(update_fields=["state"])
    objection.send_back_reason = reason.strip()
    objection.sent_back_at = periods.now()
    objection.handled_by = actor
    with audit_reason(reason):
        objection.save()
    return objection


@transaction.atomic
def objection_answer(*, actor: User, objection: Objection, answer: str) -> Objection:
    """答复: HR answers the objector; the objection is closed and no longer holds the entry's lock.

    Only after 核实 (DOMAIN.md §6: 受理 → 核实 → 答复): an answer with no verification recorded
    would close the objection on nothing HR can show for it. That holds after a send-back too: the
    verification then records what the regrading found."""
    objection = _locked_objection(objection, actor)
    if objection.state == ObjectionState.ACCEPTED:
        raise ValidationError(_("请先记录核实情况，核实后才能答复。"))
    answer = _set_required_text(objection, "answer", answer, missing=_("请填写答复内容。"))
    objection.answered_at = periods.now()
    _move(
        objection,
        actor=actor,
        expected=(ObjectionState.VERIFIED,),
        new_state=ObjectionState.ANSWERED,
        reason=answer,
    )
    _tell_objector(
        objection,
        gettext_lazy("您于%(lodged)s对%(person)s的%(title)s提出的异议已答复：%(answer)s"),
        answer=answer_excerpt(answer),
    )
    return objection


# --- Locking (定等) ------------------------------------------------------------------------------


def window_closes_soon(*, publication: Publication, today: date) -> bool:
    """The window's last working day (the day the work group is reminded): today is a working day
    inside the window and no working day is left after it."""
    return (
        publication.starts_on <= today <= publication.ends_on
        and periods.is_working_day(today, publication.organisation_id)
        and working_days_left(organisation_id=publication.organisation_id, ends_on=publication.ends_on, today=today)
        <= 1
    )


def _open_objection() -> Exists:
    return Exists(Objection.objects.filter(entry_id=OuterRef("pk")).exclude(state=ObjectionState.ANSWERED))


def _due_for_lock(day: date) -> Q:
    return Q(state=EntryState.PUBLISHED, window_ends_on__lt=day) & ~_open_objection()


def entries_due_for_lock(entries: QuerySet[PublicationEntry], *, day: date) -> QuerySet[PublicationEntry]:
    """Of ``entries``, the lines that stand 定等 on ``day``: published, their window over before it,
    no objection open on them (such a line waits for the answer). The locking job locks these; the
    pages that say where a result stands today read the same rule (``selectors.welfare_final_by_date``),
    so they need not wait for the job."""
    return entries.filter(_due_for_lock(day))


def entries_waiting_for_lock(entries: QuerySet[PublicationEntry], *, day: date) -> QuerySet[PublicationEntry]:
    """Of ``entries``, the lines 定等 on ``day`` leaves waiting: neither locked nor withdrawn, and not
    due (:func:`entries_due_for_lock`) — an objection open, sent back for regrading, or published
    again for a window not over yet. What the board counts as waiting is what locking leaves, so it
    says the same before the job has run as after (a line published again whose window has passed
    is due, not waiting)."""
    return entries.exclude(state__in=[EntryState.LOCKED, EntryState.WITHDRAWN]).exclude(_due_for_lock(day))


@transaction.atomic
def publication_lock_due(*, publication: Publication, today: date | None = None) -> dict:
    """Lock the entries of one publication whose window has closed, except those with an open
    objection (they wait for the answer) and those sent back (they wait for re-publication).
    Safe to run twice; the grades are locked through evaluations."""
    day = today or periods.today()
    publication = Publication.objects.select_for_update(of=("self",)).get(pk=publication.pk)
    # A regraded entry that its leader has confirmed again goes back on the list by itself.
    republished = 0
    regrading = publication.entries.filter(state=EntryState.REGRADING).select_related(
        "quarter_grade", "annual_result", "person", "publication"
    )
    for entry in regrading:
        if entry_may_republish(entry):
            entry_republish(actor=None, entry=entry, today=day)
            republished += 1
        else:
            # A year's line decided otherwise leaves the list.
            _entry_withdraw_if_decided_otherwise(entry)
    due = list(entries_due_for_lock(publication.entries.all(), day=day).order_by("pk"))
    source = publication.lock_reason
    if due:
        if publication.kind == PublicationKind.QUARTER:
            grades_lock(
                appraisal_quarter=publication.appraisal_quarter,
                grade_ids=[entry.quarter_grade_id for entry in due],
                source=source,
            )
        elif publication.kind == PublicationKind.WELFARE:
            welfare_services.welfare_assessments_finalise(
                assessment_ids=[entry.welfare_assessment_id for entry in due], source=source, today=day
            )
        else:
            annual_results_lock(result_ids=[entry.annual_result_id for entry in due], source=source)
    now = periods.now()
    with audit_reason(source):
        for entry in due:
            entry.state, entry.locked_at = EntryState.LOCKED, now
            entry.save(update_fields=["state", "locked_at"])
    if publication.ends_on < day:
        _push(publication, DingTalkKind.PUBLICATION_CLOSED)
    elif window_closes_soon(publication=publication, today=day):
        _push(publication, DingTalkKind.WINDOW_REMINDER)
    remaining = publication.entries.exclude(state__in=[EntryState.LOCKED, EntryState.WITHDRAWN]).count()
    year_locked = 0
    if not remaining and publication.closed_at is None:
        publication.closed_at = now
        with audit_reason(source):
            publication.save(update_fields=["closed_at"])
        if publication.kind == PublicationKind.QUARTER:
            appraisal_quarter_lock(appraisal_quarter=publication.appraisal_quarter, source=source)
        elif publication.kind == PublicationKind.ANNUAL_EXCELLENT:
            # The year's close: its other decided results are locked with the list, not only its 优秀.
            # (Not a decision the rules now forbid: left for the committee, who are told.)
            year_locked = annual_year_close_by_the_rules(
                organisation_id=publication.organisation_id, year=publication.year, source=source
            )
        record_event(event="publication_locked", obj=publication, detail={"entries": publication.entries.count()})
    return {"locked": len(due), "republished": republished, "waiting": remaining, "year_locked": year_locked}


def publication_may_lock(publication: Publication, today: date) -> bool:
    """HR may lock the publication (:func:`publication_lock`): not yet closed, its window over."""
    return publication.closed_at is None and today > publication.ends_on


def publication_lock(*, actor: User, publication: Publication, today: date | None = None) -> dict:
    """HR's 定等 of one publication once its window has closed, without waiting for the daily job:
    the same work (:func:`publication_lock_due`), so the entries with an open objection or sent back
    for regrading still wait."""
    day = today or periods.today()
    if not actor.has_perm("publicity.manage_publication", publication):
        raise PermissionDenied(_("只有本单位人事干部可以定等。"))
    if publication.closed_at is not None:
        raise ValidationError(_("该公示已定等。"))
    if not publication_may_lock(publication, day):
        raise ValidationError(
            _("公示期至%(date)s，期满后才能定等。") % {"date": publication.ends_on.strftime("%Y-%m-%d")}
        )
    # What the lock stores — the audit reasons, the lines' records, the notices — in the site's
    # language, as the daily job writes it (a re-test read English reasons in the Chinese audit log).
    with in_site_language():
        return publication_lock_due(publication=publication, today=day)


def publications_lock_due(*, organisation_id: int, today: date | None = None) -> dict:
    """Every publication of the organisation not yet wholly locked (the job's and the command's work)."""
    totals = {"publications": 0, "locked": 0, "republished": 0, "waiting": 0}
    pending = Publication.objects.filter(organisation_id=organisation_id, closed_at__isnull=True).order_by("pk")
    for publication in pending:
        outcome = publication_lock_due(publication=publication, today=today)
        totals["publications"] += 1
        for key in ("locked", "republished", "waiting"):
            totals[key] += outcome[key]
    return totals
