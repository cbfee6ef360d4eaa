"""Writes of the public-welfare-post assessment (DOMAIN.md §8): the post agreement, the year's
assessments, each step as one transition, and the consequences of a final result.

The 述职 is a reviewed document (accounts.workflow: the worker hands it in, the unit approves or
returns it); the steps after it move ``stage`` forward one at a time, each checked against the
actor's right and the current stage, and audited (who, when, old → new). Publication (张榜公示)
and 定等 are asked for by publicity (publicity.publication), which imports this module, never
the reverse.
"""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accounts import periods, workflow
from accounts.audit import acting_as, audit_reason, record_event
from accounts.models import Department, Notification, Organisation, Policy, Role, RoleAssignment, StaffType, User
from accounts.selectors import policy_for_organisation
from accounts.services import notify_many
from accounts.storage import private_storage
from accounts.text import in_site_language
from accounts.textlimits import check_length, check_text_limits
from summaries.services import attachment_content_type, attachment_limit, attachment_too_large_message

from ..ballots import services as ballot_services
from ..ballots.models import WELFARE_PURPOSE, Ballot, BallotScale, BallotState, BallotSubject
from . import selectors
from .models import (
    ConsequenceKind,
    WelfareAssessment,
    WelfareConsequence,
    WelfareGrade,
    WelfarePost,
    WelfareStage,
)

# --- The post agreement ------------------------------------------------------------------------


def _check_manager(actor: User, organisation_id: int) -> None:
    if not actor.has_perm("evaluations.manage_welfare") or actor.organisation_id != organisation_id:
        raise PermissionDenied(_("只有本单位人事干部可以管理公益性岗位。"))


@transaction.atomic
def welfare_post_save(
    *,
    actor: User,
    person: User,
    post_name: str,
    agreement_start: date,
    agreement_end: date,
    monthly_subsidy: Decimal,
) -> WelfarePost:
    """HR records (or updates) a worker's post agreement with the unit."""
    _check_manager(actor, person.organisation_id)
    if person.staff_type != StaffType.PUBLIC_WELFARE:
        raise ValidationError({"person": _("该人员的人员类别不是公益性岗位，请先在人员管理中修改。")})
    # Typed dates within reason (a user test's agreement ran from 1900 to 9999): begun since 2000,
    # and ending by the end of the second year after the one it began in (a one-year agreement,
    # 上岗协议期限为一年, renewed yearly; a re-test's three-year one, 2026–2028, is taken).
    periods.check_plausible_date(agreement_start, label=_("协议开始日期"), field="agreement_start")
    periods.check_plausible_date(
        agreement_end, around=agreement_start.year + 1, label=_("协议截止日期"), field="agreement_end"
    )
    if agreement_end < agreement_start:
        raise ValidationError({"agreement_end": _("协议截止日期不能早于开始日期。")})
    if monthly_subsidy is None or monthly_subsidy < 0:
        raise ValidationError({"monthly_subsidy": _("岗位补贴不能为负数。")})
    post = WelfarePost.objects.filter(person=person).first() or WelfarePost(
        person=person, organisation_id=person.organisation_id
    )
    post.post_name = post_name.strip()
    post.agreement_start, post.agreement_end = agreement_start, agreement_end
    post.monthly_subsidy = monthly_subsidy
    check_text_limits(post)
    with acting_as(actor):
        post.save()
    return post


@transaction.atomic
def welfare_post_record_absence(*, actor: User, post: WelfarePost, since: date | None, note: str) -> WelfarePost:
    """HR records that the worker was found absent from the post since ``since`` (人员不在岗), or
    clears it (``since`` None). The results export flags the person: the subsidy stops."""
    _check_manager(actor, post.organisation_id)
    note = (note or "").strip()
    if since is not None and not note:
        raise ValidationError({"note": _("请说明不在岗的情况。")})
    post = WelfarePost.objects.select_for_update().get(pk=post.pk)
    # A day still to come, or outside the agreement, stopped the subsidy at once (user tests).
    if since is not None:
        if since > periods.today():
            refusal = _("不在岗起始日期不能晚于今天：发现不在岗后再记录。")
        elif since < post.agreement_start:
            refusal = _("不在岗起始日期不能早于协议开始日期（%(date)s）。") % {"date": post.agreement_start.isoformat()}
        elif since > post.agreement_end:
            refusal = _("不在岗起始日期不能晚于协议截止日期（%(date)s）。") % {"date": post.agreement_end.isoformat()}
        else:
            refusal = ""
        if refusal:
            raise ValidationError({"since": refusal})
    post.absent_since, post.absent_note = since, note if since else ""
    check_text_limits(post, "absent_note")
    with acting_as(actor), audit_reason(note or _("恢复在岗")):
        post.save(update_fields=["absent_since", "absent_note"])
    return post


# --- Opening the year --------------------------------------------------------------------------


def welfare_window_refusal(*, organisation_id: int, year: int, today: date) -> str | None:
    """Why the year's assessment cannot be opened today (None when it can): not before the window,
    and not for a year before last (a user test opened 2025's in 2027 and every worker was asked
    for a 述职 of it); last year's may still be opened late, in the new year."""
    first, _last = periods.welfare_window(policy_for_organisation(organisation_id=organisation_id), year)
    if today < first:
        return _("%(year)s年度公益性岗位考核自%(date)s起开始，届时方可开展。") % {
            "year": year,
            "date": first.isoformat(),
        }
    if year < today.year - 1:
        return _("%(year)s年度已过去，不能再开展该年度的公益性岗位考核。") % {"year": year}
    return None


def welfare_open_refusal(*, organisation_id: int, year: int, today: date) -> str | None:
    """Why 开展本年度考核 has nothing to do today (None when it has): before the window, or every
    current worker of the unit has the year's assessment already (or the unit has no worker)."""
    refusal = welfare_window_refusal(organisation_id=organisation_id, year=year, today=today)
    if refusal:
        return refusal
    if selectors.posts_to_open(organisation_id=organisation_id, year=year).exists():
        return None
    opened = WelfareAssessment.objects.filter(organisation_id=organisation_id, year=year).count()
    if opened:
        return _("%(year)s年度考核已为本单位全部%(count)s名公益性岗位人员开展，没有尚未纳入的人员。") % {
            "year": year,
            "count": opened,
        }
    return _("本单位没有在岗的公益性岗位人员，请先在“岗位与协议”中登记。")


@transaction.atomic
def welfare_assessments_open(*, actor: User, organisation: Organisation, year: int, today: date | None = None) -> int:
    """HR opens the year's assessment (from the first day of the policy's window): one assessment
    for each worker whose post is current. Safe to run twice; returns how many were created."""
    _check_manager(actor, organisation.pk)
    today = today or periods.today()
    refusal = welfare_window_refusal(organisation_id=organisation.pk, year=year, today=today)
    if refusal:
        raise ValidationError(refusal, code="window")
    posts = list(selectors.posts_to_open(organisation_id=organisation.pk, year=year).select_related("person"))
    WelfareAssessment.objects.bulk_create(
        [
            WelfareAssessment(
                organisation=organisation,
                owner=post.person,
                department_id=post.person.department_id,
                owner_department_id=post.person.department_id,
                post=post,
                year=year,
                opened_on=today,
            )
            for post in posts
        ],
        ignore_conflicts=True,
    )
    record_event(event="welfare_opened", obj=organisation, actor=actor, detail={"year": year, "workers": len(posts)})
    with in_site_language():
        message = _("%(year)s年度公益性岗位考核已开始，请填写个人述职。") % {"year": year}
        notify_many(
            [
                Notification(recipient_id=post.person_id, message=message, url=reverse("evaluations:welfare_mine"))
                for post in posts
            ],
            dedupe_key=f"welfare-opened:{year}",
        )
    return len(posts)


# --- 个人述职: the reviewed document ------------------------------------------------------------


def _locked(assessment: WelfareAssessment) -> WelfareAssessment:
    return (
        WelfareAssessment.objects.select_for_update(of=("self",))
        .select_related("owner__department", "department", "organisation", "post", "ballot_subject__ballot")
        .get(pk=assessment.pk)
    )


@transaction.atomic
def welfare_report_save(
    *,
    actor: User,
    assessment: WelfareAssessment,
    text: str,
    uploaded: UploadedFile | None = None,
    version: int | None = None,
) -> WelfareAssessment:
    """The worker types the self-report and/or uploads it (a scan, a Word file), while it is a
    draft or returned. The upload is checked as a summary's attachment is (size by policy, type by
    content); a new one replaces the old."""
    locked = workflow.lock(assessment, version)
    workflow.check_owner_may_edit(locked, actor)
    locked.report_text = (text or "").strip()
    check_text_limits(locked, "report_text")
    old_file = locked.report_file.name if locked.report_file else ""
    if uploaded is not None:
        policy = policy_for_organisation(organisation_id=locked.organisation_id)
        if not uploaded.size:
            raise ValidationError({"report_file": _("上传的文件是空的。")}, code="empty")
        if uploaded.size > attachment_limit(policy):
            raise ValidationError({"report_file": attachment_too_large_message(policy)}, code="too_large")
        content_type = attachment_content_type(uploaded)
        if content_type is None:
            raise ValidationError(
                {"report_file": _("不支持此文件类型（按文件内容判断）。只能上传 PDF、图片或 Office 文档。")}
            )
        extension = os.path.splitext(uploaded.name or "")[1].lower()[:10]
        locked.report_file.save(get_valid_filename(f"{uuid.uuid4().hex}{extension}"), uploaded, save=False)
        locked.report_file_name = os.path.basename(uploaded.name or "")[:200]
        locked.report_content_type = content_type
        if old_file:
            transaction.on_commit(lambda: private_storage.delete(old_file))
    locked.version += 1
    with acting_as(actor):
        locked.save()
    return locked


def report_deadline(assessment: WelfareAssessment, policy: Policy | None = None) -> date:
    """The last day of the assessment's 述职 (``periods.welfare_report_deadline``): the window's,
    or later where the unit opened the year after the window's first day."""
    policy = policy or policy_for_organisation(organisation_id=assessment.organisation_id)
    return periods.welfare_report_deadline(policy, assessment.year, assessment.opened_on)


def _report_is_late(assessment: WelfareAssessment, now: datetime) -> bool:
    return periods.today(now) > report_deadline(assessment)


def _check_report_written(assessment: WelfareAssessment, now: datetime) -> None:
    if not assessment.report_text and not assessment.report_file:
        raise ValidationError(_("请填写述职内容或上传述职材料后再提交。"), code="empty_report")


def welfare_report_submit(*, actor: User, assessment: WelfareAssessment, version: int | None = None):
    """The worker hands the 述职 in (lateness against the window's last day is recorded)."""
    with acting_as(actor):
        return workflow.submit(
            assessment, actor, is_late=_report_is_late, version=version, prepare=_check_report_written
        )


def _report_accepted(assessment: WelfareAssessment) -> None:
    if assessment.stage == WelfareStage.REPORT:
        assessment.stage = WelfareStage.INTERVIEW
        assessment.save(update_fields=["stage"])


def welfare_report_approve(*, actor: User, assessment: WelfareAssessment, version: int | None = None):
    """The unit accepts the 述职: the assessment moves on to 谈话."""
    with acting_as(actor):
        return workflow.approve(assessment, actor, version=version, on_decided=_report_accepted)


def welfare_report_return(*, actor: User, assessment: WelfareAssessment, reason: str, version: int | None = None):
    """The unit returns the 述职 with a reason; the worker reworks it and hands it in again."""
    with acting_as(actor):
        return workflow.return_(assessment, actor, reason, version=version)


# --- The unit's steps --------------------------------------------------------------------------


def _check_step(actor: User, assessment: WelfareAssessment, stage: str, *, step: str | None = None) -> None:
    """The unit's right, and the assessment at ``stage`` for the step ``step`` (default: that stage's
    own; 集体研究 is recorded at the stage 民主测评 too, once the ballot is closed)."""
    if not actor.has_perm("evaluations.conduct_welfare", assessment):
        raise PermissionDenied(_("只有本单位人事干部或主要负责人可以办理考核环节。"))
    if assessment.stage != stage:
        raise ValidationError(
            _("该考核当前处于“%(current)s”环节，不能办理“%(step)s”。")
            % {"current": assessment.get_stage_display(), "step": WelfareStage(step or stage).label},
            code="wrong_stage",
        )


@transaction.atomic
def welfare_interview_record(*, actor: User, assessment: WelfareAssessment, notes: str) -> WelfareAssessment:
    """谈话: the unit records the interview notes; the assessment moves on to 民主测评."""
    locked = _locked(assessment)
    _check_step(actor, locked, WelfareStage.INTERVIEW)
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({"notes": _("请填写谈话记录。")})
    check_length(
        notes, limit=WelfareAssessment._meta.get_field("interview_notes").max_length, label=_("谈话记录"), field="notes"
    )
    locked.interview_notes = notes
    locked.interviewed_by, locked.interviewed_at = actor, periods.now()
    locked.stage = WelfareStage.RATING
    locked.version += 1
    with acting_as(actor), audit_reason(_("谈话")):
        locked.save()
    return locked


BALLOT_PURPOSE = WELFARE_PURPOSE


def welfare_raters(*, organisation_id: int, exclude: set[int]) -> tuple[list[User], list[User]]:
    """The unit's raters by default (DOMAIN.md §8): its leaders (主要负责人, 分管领导) and the heads of
    its 科室, without the people being rated."""
    leader_ids = set(
        RoleAssignment.objects.filter(
            organisation_id=organisation_id, role__in=[Role.AGENCY_HEAD, Role.SUPERVISING_LEADER], user__is_active=True
        ).values_list("user_id", flat=True)
    )
    head_ids = set(
        Department.objects.filter(organisation_id=organisation_id, is_active=True, head__is_active=True).values_list(
            "head_id", flat=True
        )
    )
    people = User.objects.in_bulk((leader_ids | head_ids) - exclude)
    leaders = [people[pk] for pk in sorted(leader_ids - exclude)]
    heads = [people[pk] for pk in sorted(head_ids - leader_ids - exclude)]
    return leaders, heads


@transaction.atomic
def welfare_ballot_open(*, actor: User, assessments: list[WelfareAssessment], service_users: int) -> Ballot:
    """民主测评: open one ballot (evaluations.ballots) rating the given workers — one worker from
    their page, or every worker at this step of the unit at once — by the unit's leaders, the
    heads of its 科室 and ``service_users`` service users (single-use codes HR prints; the number
    within the policy's bounds, default 2–4). The scale is 满意/基本满意/不满意/不了解."""
    if not assessments:
        raise ValidationError(_("没有处于民主测评环节的人员。"))
    organisation_id = assessments[0].organisation_id
    locked = list(
        WelfareAssessment.objects.select_for_update(of=("self",))
        .filter(pk__in=[a.pk for a in assessments])
        .select_related("owner", "organisation")
        .order_by("department_id", "owner__employee_number", "pk")
    )
    for assessment in locked:
        _check_step(actor, assessment, WelfareStage.RATING)
        if assessment.organisation_id != organisation_id:
            raise PermissionDenied(_("只能为本单位人员发起民主测评。"))
        if assessment.ballot_subject_id is not None:
            raise ValidationError(
                _("%(name)s的民主测评已经发起。") % {"name": assessment.owner.get_full_name()}, code="ballot_exists"
            )
    policy = policy_for_organisation(organisation_id=organisation_id)
    low, high = policy.welfare_service_users_min, policy.welfare_service_users_max
    if not low <= service_users <= high:
        raise ValidationError(
            {"service_users": _("服务对象须为%(low)s至%(high)s人。") % {"low": low, "high": high}},
            code="service_users",
        )
    workers = [assessment.owner for assessment in locked]
    leaders, heads = welfare_raters(organisation_id=organisation_id, exclude={w.pk for w in workers})
    year = locked[0].year
    if len(locked) == 1:
        title = _("%(year)s年度公益性岗位民主测评（%(name)s）") % {"year": year, "name": workers[0].get_full_name()}
    else:
        title = _("%(year)s年度公益性岗位民主测评（%(count)s人）") % {"year": year, "count": len(locked)}
    ballot = ballot_services.ballot_open(
        actor=actor,
        organisation=locked[0].organisation,
        title=title[:100],
        year=year,
        subjects=workers,
        raters=heads,
        leaders=leaders,
        service_user_codes=service_users,
        scale=BallotScale.SATISFACTION,
        purpose=BALLOT_PURPOSE,
        # A service user content with every worker of the unit answers 满意 throughout: a real
        # paper, not a careless one, on a ballot rating a unit's workers side by side.
        void_identical=False,
    )
    subjects = dict(BallotSubject.objects.filter(ballot=ballot).values_list("person_id", "pk"))
    with acting_as(actor), audit_reason(ballot.title):
        for assessment in locked:
            assessment.ballot_subject_id = subjects[assessment.owner_id]
            assessment.version += 1
            assessment.save(update_fields=["ballot_subject", "version"])
    return ballot


def welfare_ballot_all_refusal(*, organisation_id: int, year: int) -> str | None:
    """Why 为民主测评环节的全部人员发起测评 has nobody to rate (None when it has): nobody is at
    民主测评, or everyone there stands on a ballot already (running, or ended and awaiting 集体研究)."""
    progress = selectors.rating_progress(organisation_id=organisation_id, year=year)
    if progress["without_ballot"]:
        return None
    if not progress["rating"]:
        return _("没有处于民主测评环节的人员。")
    if progress["ballot_open"]:
        return _(
            "处于民主测评环节的%(count)s人均已发起民主测评（%(open)s人测评中），无需重复发起；测评结束后即可集体研究。"
        ) % {"count": progress["rating"], "open": progress["ballot_open"]}
    return _("处于民主测评环节的%(count)s人的民主测评均已结束，请在各人页面记录集体研究结果。") % {
        "count": progress["rating"]
    }


@transaction.atomic
def welfare_ballot_open_all(*, actor: User, organisation: Organisation, year: int, service_users: int) -> Ballot:
    """One 民主测评 for every worker of the unit at that step without one yet (:func:`welfare_ballot_open`);
    refused, saying why, when there is nobody left to rate."""
    refusal = welfare_ballot_all_refusal(organisation_id=organisation.pk, year=year)
    if refusal:
        raise ValidationError(refusal, code="nobody_to_rate")
    waiting = list(
        selectors.assessments_for_unit(organisation_id=organisation.pk, year=year, stage=WelfareStage.RATING).filter(
            ballot_subject__isnull=True
        )
    )
    return welfare_ballot_open(actor=actor, assessments=waiting, service_users=service_users)


def _check_ballot_closed(assessment: WelfareAssessment) -> None:
    subject = assessment.ballot_subject
    if subject is None:
        raise ValidationError(_("请先进行民主测评。"), code="no_ballot")
    if subject.ballot.state != BallotState.CLOSED:
        raise ValidationError(_("民主测评尚未结束，结束后方可集体研究。"), code="ballot_open")


def renewal_asked(*, grade: str) -> bool:
    """Whether the 集体研究 must say if the post agreement is renewed: for every grade but 不合格,
    which is never renewed."""
    return grade != WelfareGrade.UNQUALIFIED


@transaction.atomic
def welfare_decision_record(
    *, actor: User, assessment: WelfareAssessment, grade: str, renew: bool | None, notes: str
) -> WelfareAssessment:
    """集体研究: the unit records the collective decision — 合格 / 基本合格 / 不合格 and whether the
    post agreement is renewed. 不合格 is never renewed (``renew`` may be left unanswered); for the
    other grades the renewal must be answered explicitly (``None`` is refused, never read as 不续签).
    It may be recorded again (corrected) until it is published."""
    locked = _locked(assessment)
    stage = WelfareStage.DECISION if locked.stage == WelfareStage.DECISION else WelfareStage.RATING
    _check_step(actor, locked, stage, step=WelfareStage.DECISION)
    _check_ballot_closed(locked)
    if grade not in WelfareGrade.values:
        raise ValidationError({"grade": _("请选择考核等次。")})
    if grade == WelfareGrade.UNQUALIFIED and renew:
        raise ValidationError({"renew": _("考核不合格的，不予续签上岗协议。")})
    if renew is None and renewal_asked(grade=grade):
        raise ValidationError({"renew": _("请选择是否续签上岗协议。")})
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({"notes": _("请填写集体研究意见。")})
    check_length(
        notes,
        limit=WelfareAssessment._meta.get_field("decision_notes").max_length,
        label=_("集体研究意见"),
        field="notes",
    )
    locked.grade, locked.renew, locked.decision_notes = grade, bool(renew), notes
    locked.decided_by, locked.decided_at = actor, periods.now()
    locked.stage = WelfareStage.DECISION
    locked.version += 1
    with acting_as(actor), audit_reason(notes):
        locked.save()
    return locked


# --- 张榜公示 and 定等 (asked for by publicity) ---------------------------------------------------


@transaction.atomic
def welfare_reopen_for_decision(*, actor: User, assessment: WelfareAssessment, reason: str) -> WelfareAssessment:
    """An objection upheld during 张榜公示 (publicity's 退回): the result goes back to 集体研究, where
    the unit records its decision again (:func:`welfare_decision_record`), and HR publishes the new
    one in a batch of its own. A user test upheld an objection to a 不合格 and found no way on."""
    locked = _locked(assessment)
    if locked.organisation_id != actor.organisation_id or not actor.has_perm("evaluations.manage_welfare"):
        raise PermissionDenied(_("只有本单位人事干部可以公示考核结果。"))
    if locked.stage != WelfareStage.PUBLISHED:
        raise ValidationError(_("只有公示中的考核结果可以退回集体研究。"))
    locked.stage, locked.published_at = WelfareStage.DECISION, None
    locked.sent_back_at, locked.sent_back_reason = periods.now(), (reason or "").strip()
    check_text_limits(locked, "sent_back_reason")
    locked.version += 1
    with acting_as(actor), audit_reason(reason):
        locked.save(update_fields=["stage", "published_at", "sent_back_at", "sent_back_reason", "version"])
    return locked


def welfare_publishable(*, organisation_id: int, year: int) -> QuerySet[WelfareAssessment]:
    """The year's assessments with a collective decision, not yet published."""
    return WelfareAssessment.objects.filter(organisation_id=organisation_id, year=year, stage=WelfareStage.DECISION)


def welfare_publishable_counts(*, organisation_id: int) -> dict[int, int]:
    """Each year with decided results not yet published, and how many (one grouped query)."""
    return dict(
        WelfareAssessment.objects.filter(organisation_id=organisation_id, stage=WelfareStage.DECISION)
        .values("year")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("year", "count")
    )


@transaction.atomic
def welfare_assessments_mark_published(*, actor: User, assessment_ids: list[int], source: str) -> int:
    """集体研究 → 张榜公示 for the assessments publicity has just put on a publication."""
    now = periods.now()
    rows = list(
        WelfareAssessment.objects.select_for_update()
        .filter(pk__in=assessment_ids, stage=WelfareStage.DECISION)
        .order_by("pk")
    )
    with acting_as(actor), audit_reason(source):
        for row in rows:
            if row.organisation_id != actor.organisation_id or not actor.has_perm("evaluations.manage_welfare"):
                raise PermissionDenied(_("只有本单位人事干部可以公示考核结果。"))
            row.stage, row.published_at = WelfareStage.PUBLISHED, now
            row.version += 1
            row.save(update_fields=["stage", "published_at", "version"])
    return len(rows)


def consequence_kinds(*, grade: str, previous_grade: str | None) -> list[str]:
    """What a final grade asks for: 基本合格 → 诫勉谈话; 不合格 → 不续签, or after a 不合格 the year
    before (two consecutive) → 解除劳动合同."""
    if grade == WelfareGrade.BASICALLY_QUALIFIED:
        return [ConsequenceKind.ADMONITION]
    if grade == WelfareGrade.UNQUALIFIED:
        if previous_grade == WelfareGrade.UNQUALIFIED:
            return [ConsequenceKind.TERMINATION]
        return [ConsequenceKind.NO_RENEWAL]
    return []


def renewed_agreement_end(*, end: date, year: int) -> date:
    """Where a post agreement renewed (续签) by the ``year`` assessment ends: a year after its
    current end — the assessment is annual, so is the renewed term — unless it already runs past
    the year after ``year`` or reaches its end (HR extended it by hand, or it was not yet up for
    renewal), which is kept."""
    if end >= date(year + 1, 12, 31):
        return end
    try:
        return end.replace(year=end.year + 1)
    except ValueError:  # 29 February
        return end.replace(year=end.year + 1, day=28)


def _renew_agreements(rows: list[WelfareAssessment]) -> None:
    """Extend the agreement of every final result decided 续签 (audited, old → new end)."""
    renewed = {row.post_id: row for row in rows if row.renew}
    posts = WelfarePost.objects.select_for_update().filter(pk__in=renewed, terminated_on__isnull=True).order_by("pk")
    for post in posts:
        year = renewed[post.pk].year
        new_end = renewed_agreement_end(end=post.agreement_end, year=year)
        if new_end == post.agreement_end:
            continue
        post.agreement_end = new_end
        with audit_reason(_("%(year)s年度考核确定续签上岗协议") % {"year": year}):
            post.save(update_fields=["agreement_end"])


@transaction.atomic
def welfare_assessments_finalise(*, assessment_ids: list[int], source: str, today: date | None = None) -> int:
    """张榜公示 → 已定, after the publication window closed without an open objection (publicity's
    locking job). Each consequence goes on HR's to-do list with its deadline (working days, policy);
    a result decided 续签 extends the post agreement (:func:`renewed_agreement_end`). Safe to run twice."""
    day = today or periods.today()
    now = periods.now()
    rows = list(
        WelfareAssessment.objects.select_for_update(of=("self",))
        .filter(pk__in=assessment_ids, stage=WelfareStage.PUBLISHED)
        .order_by("pk")
    )
    previous = {
        (owner_id, year): grade
        for owner_id, year, grade in WelfareAssessment.objects.filter(
            owner_id__in=[row.owner_id for row in rows], stage=WelfareStage.FINAL
        ).values_list("owner_id", "year", "grade")
    }
    consequences = []
    with audit_reason(source):
        for row in rows:
            row.stage, row.finalised_at = WelfareStage.FINAL, now
            row.version += 1
            row.save(update_fields=["stage", "finalised_at", "version"])
            days = policy_for_organisation(organisation_id=row.organisation_id).welfare_consequence_working_days
            due = periods.add_working_days(day, days, row.organisation_id)
            for kind in consequence_kinds(grade=row.grade, previous_grade=previous.get((row.owner_id, row.year - 1))):
                consequences.append(
                    WelfareConsequence(organisation_id=row.organisation_id, assessment=row, kind=kind, due_on=due)
                )
        _renew_agreements(rows)
    WelfareConsequence.objects.bulk_create(consequences, ignore_conflicts=True)
    return len(rows)


# --- Consequences ------------------------------------------------------------------------------


@transaction.atomic
def welfare_consequence_complete(*, actor: User, consequence: WelfareConsequence, note: str) -> WelfareConsequence:
    """HR records that a consequence was carried out (the admonition talk held, the agreement not
    renewed, the contract terminated), with a note. A termination ends the post."""
    locked = (
        WelfareConsequence.objects.select_for_update(of=("self",))
        .select_related("assessment__post")
        .get(pk=consequence.pk)
    )
    if not actor.has_perm("evaluations.complete_welfare_consequence", locked):
        raise PermissionDenied(_("只有本单位人事干部可以办理考核结果处理。"))
    if locked.done_at is not None:
        raise ValidationError(_("该事项已办理。"), code="done")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写办理记录。")})
    check_length(note, limit=WelfareConsequence._meta.get_field("note").max_length, label=_("办理记录"), field="note")
    locked.done_at, locked.done_by, locked.note = periods.now(), actor, note
    with acting_as(actor), audit_reason(note):
        locked.save(update_fields=["done_at", "done_by", "note"])
        if locked.kind == ConsequenceKind.TERMINATION:
            post = locked.assessment.post
            post.terminated_on = periods.today()
            post.save(update_fields=["terminated_on"])
    return locked
