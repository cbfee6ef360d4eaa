"""Recording and confirming feedback talks, confirming the annual result, and the reminders of
talks overdue (结果反馈 · 谈心谈话 · 二级反馈, DOMAIN.md §6–§7, seed 002)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jobs, periods
from accounts.audit import audit_reason
from accounts.models import Job, Organisation, User
from accounts.services import notify
from accounts.text import in_site_language
from accounts.textlimits import MEDIUM, SHORT, check_length
from evaluations.annual.models import AnnualResult
from evaluations.grading.models import QuarterGrade

from . import selectors
from .models import AnnualConfirmation, FeedbackTalk


@dataclass(frozen=True)
class TalkData:
    """A talk as the talker typed it."""

    talked_on: date
    content: str
    reasons: str = ""
    shortcomings: str = ""
    improvements: str = ""


def _field_label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _check_talk(*, grade: QuarterGrade, data: TalkData) -> TalkData:
    """The talk's rules: the fields its grade requires, lengths, and a date between locking and today."""
    data = TalkData(
        talked_on=data.talked_on,
        content=(data.content or "").strip(),
        reasons=(data.reasons or "").strip(),
        shortcomings=(data.shortcomings or "").strip(),
        improvements=(data.improvements or "").strip(),
    )
    errors: dict[str, str] = {}
    if not data.content:
        errors["content"] = _("请填写谈话内容。")
    grade_label = grade.get_grade_display()
    texts = selectors.talk_texts_for(grade.grade)
    if "reasons" in texts and not data.reasons:
        errors["reasons"] = _("等次为“%(grade)s”，请写明评为该等次的原因（正面反馈）。") % {"grade": grade_label}
    if "shortcomings" in texts and not data.shortcomings:
        errors["shortcomings"] = _("等次为“%(grade)s”，请指出存在的不足。") % {"grade": grade_label}
    if "improvements" in texts and not data.improvements:
        errors["improvements"] = _("等次为“%(grade)s”，请写明改进方向。") % {"grade": grade_label}
    # A text written for another grade (a stale form after a review changed the grade, a hand-made
    # request) is refused, not stored where the person would read it as said about their grade.
    for name in selectors.GRADE_TEXTS:
        if name not in texts and getattr(data, name):
            errors[name] = _("等次为“%(grade)s”的谈话不填写“%(field)s”。") % {
                "grade": grade_label,
                "field": _field_label(FeedbackTalk, name),
            }
    locked_on = timezone.localtime(grade.locked_at, periods.CHINA_TZ).date()
    if data.talked_on is None:
        errors["talked_on"] = _("请填写谈话日期。")
    elif data.talked_on > periods.today():
        errors["talked_on"] = _("谈话日期不能晚于今天。")
    elif data.talked_on < locked_on:
        errors["talked_on"] = _("谈话在定等之后进行，日期不能早于%(date)s。") % {"date": locked_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    check_length(data.content, limit=MEDIUM, label=_field_label(FeedbackTalk, "content"), field="content")
    for name in ("reasons", "shortcomings", "improvements"):
        check_length(getattr(data, name), limit=SHORT, label=_field_label(FeedbackTalk, name), field=name)
    return data


# The code of the refusal given when a page confirmed, or a form saved, what was changed since it
# was opened: the view shows the new content with what the person typed.
CHANGED_SINCE_SEEN = "changed_since_seen"


@transaction.atomic
def feedback_talk_record(
    *, actor: User, grade: QuarterGrade, data: TalkData, based_on: str | None = None
) -> FeedbackTalk:
    """Record (or correct, until the person confirms it) the talk about a locked quarter grade.

    Refused: for someone other than the grade's talker (the supervising leader, or the head by
    policy), before the grade is locked, for a grade not given, without the content, for 好
    without the reasons, for 一般/较差 without the shortcomings and the improvement, with a text
    its grade does not have (:func:`selectors.talk_texts_for`), with a date before locking or in
    the future, from a form opened on another version of the talk (``based_on``:
    :func:`talk_seen_token` of the talk the form showed, "" for none; code :data:`CHANGED_SINCE_SEEN`:
    another tab saved since), and once the person has confirmed the talk — unless a recorded review (定等后复核)
    changed the grade since: then the talker records the talk about the grade as it now stands over
    the earlier one (the audit trail keeps it), and the person confirms again. The person is told
    on the bell.
    """
    if not actor.has_perm("publicity.record_feedback_for", grade):
        raise PermissionDenied
    # Re-read under a row lock: two submissions of the same form create one talk.
    grade = QuarterGrade.objects.select_for_update().select_related("department", "appraisal_quarter").get(pk=grade.pk)
    if grade.locked_at is None:
        raise ValidationError(_("该季度等次尚未定等；定等后才能记录结果反馈谈话。"))
    if not grade.grade:
        raise ValidationError(_("该季度尚未评定等次，不能记录结果反馈谈话。"))
    data = _check_talk(grade=grade, data=data)
    now = periods.now()
    talk = FeedbackTalk.objects.filter(quarter_grade=grade).first()
    created = talk is None
    if talk is None:
        talk = FeedbackTalk(
            organisation_id=grade.department.organisation_id, quarter_grade=grade, person_id=grade.person_id
        )
    elif talk.is_confirmed and talk.grade == grade.grade:
        raise ValidationError(_("本人已确认这次谈话记录，不能再修改。"))
    before = None if created else talk_seen_token(talk)
    if based_on is not None and based_on != (before or ""):
        raise ValidationError(
            _(
                "谈话记录已在其他页面保存过（%(when)s）。您填写的内容未保存，仍在下方；现在的记录见上方，再次保存将以您填写的内容替换它。"
            )
            % {"when": _local(talk.recorded_at) if talk.recorded_at else ""},
            code=CHANGED_SINCE_SEEN,
        )
    if not created and talk.grade != grade.grade:
        talk.confirmed_at, talk.opinion = None, ""
    talk.grade = grade.grade
    talk.talked_on = data.talked_on
    talk.content = data.content
    talk.reasons = data.reasons
    talk.shortcomings = data.shortcomings
    talk.improvements = data.improvements
    talk.recorded_by = actor
    talk.recorded_at = now
    if before is not None and talk_seen_token(talk) == before:
        # Saved again as it was (Back, then 保存): nothing changed, nothing for the person to read again.
        talk.refresh_from_db()
        return talk
    talk.save()
    with in_site_language():
        quarter = grade.appraisal_quarter.period.label
        notify(
            recipient=grade.person,
            message=(
                _("%(who)s记录了与您的%(quarter)s结果反馈谈话，请阅读并确认。")
                if created
                else _("%(who)s修改了与您的%(quarter)s结果反馈谈话记录，请阅读并确认。")
            )
            % {"who": actor.full_name or actor.username, "quarter": quarter},
            url=talk.get_absolute_url(),
        )
    return talk


def talk_seen_token(talk: FeedbackTalk) -> str:
    """What the person's page showed of the talk, sent back with the confirmation so that a talk the
    talker changed meanwhile (another tab, the form still open) is not confirmed unread. A digest of
    the texts shown rather than the record time: saving the same words again changes nothing read."""
    shown = [
        talk.grade,
        talk.talked_on.isoformat() if talk.talked_on else "",
        talk.recorded_by_id,
        talk.content,
        talk.reasons,
        talk.shortcomings,
        talk.improvements,
    ]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:32]


def _confirmation_opinion(actor: User, perm: str, record, opinion: str, kept_by: type) -> str:
    """What a person's confirmation of ``record`` checks first: their right (``perm``), and that the
    opinion, stripped and returned, fits the field of ``kept_by`` that keeps it."""
    if not actor.has_perm(perm, record):
        raise PermissionDenied
    opinion = (opinion or "").strip()
    check_length(opinion, limit=SHORT, label=_field_label(kept_by, "opinion"), field="opinion")
    return opinion


@transaction.atomic
def feedback_talk_confirm(
    *, actor: User, talk: FeedbackTalk, opinion: str = "", seen: str | None = None
) -> FeedbackTalk:
    """The person confirms (确认) they have read the talk, with their opinion if they give one.

    ``seen`` is :func:`talk_seen_token` of the talk as the person's page showed it (by default, of
    ``talk`` as the caller holds it). Refused for anyone but the person, a second time, and when the
    talker has changed the talk since it was read (code :data:`CHANGED_SINCE_SEEN`): the person
    confirms only what they read, and when a recorded review changed the grade since the talk (the
    talker talks again first). The talker hears of it in the daily digest."""
    opinion = _confirmation_opinion(actor, "publicity.confirm_feedback_talk", talk, opinion, FeedbackTalk)
    if seen is None:
        seen = talk_seen_token(talk)
    talk = FeedbackTalk.objects.select_for_update().select_related("quarter_grade__appraisal_quarter").get(pk=talk.pk)
    if talk.about_an_earlier_grade:
        raise ValidationError(
            _("您的季度等次经复核已改为“%(grade)s”，这次谈话是就原等次进行的；请等谈话人重新谈话并记录后再确认。")
            % {"grade": talk.quarter_grade.get_grade_display()}
        )
    if talk.is_confirmed:
        raise ValidationError(_("您已于%(when)s确认这次谈话记录。") % {"when": _local(talk.confirmed_at)})
    if seen != talk_seen_token(talk):
        raise ValidationError(_("谈话记录已被修改，请阅读最新内容后再确认。"), code=CHANGED_SINCE_SEEN)
    talk.confirmed_at = periods.now()
    talk.opinion = opinion
    talk.save()
    with in_site_language():
        notify(
            recipient=talk.recorded_by,
            message=_("%(who)s已确认%(quarter)s结果反馈谈话记录%(opinion)s。")
            % {
                "who": actor.full_name or actor.username,
                "quarter": talk.quarter_grade.appraisal_quarter.period.label,
                "opinion": _("（附本人意见）") if opinion else "",
            },
            url=talk.get_absolute_url(),
            digest=True,
        )
    return talk


def _local(moment) -> str:
    return timezone.localtime(moment, periods.CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def annual_seen_token(annual_result: AnnualResult) -> str:
    """What the person's page showed of the annual result: the decided grade they sign for."""
    return annual_result.decided_grade


@transaction.atomic
def annual_result_confirm(
    *, actor: User, annual_result: AnnualResult, opinion: str = "", seen: str | None = None
) -> AnnualConfirmation:
    """The person signs (签字确认) their annual result on screen, with their opinion if any.

    ``seen`` is :func:`annual_seen_token` of the result as the person's page showed it (by default,
    of ``annual_result`` as the caller holds it). Refused for anyone but the person, before the
    committee has decided the grade, when the grade was changed since the page showed it (code
    :data:`CHANGED_SINCE_SEEN`: a grade is signed only as read), and a second time for the same
    grade; asked again after a recorded review changed the grade.
    """
    opinion = _confirmation_opinion(
        actor, "publicity.confirm_annual_result", annual_result, opinion, AnnualConfirmation
    )
    if seen is None:
        seen = annual_seen_token(annual_result)
    annual_result = AnnualResult.objects.select_for_update().get(pk=annual_result.pk)
    if not annual_result.decided_grade:
        raise ValidationError(_("考核委员会尚未确定%(year)s年度等次，暂不能确认。") % {"year": annual_result.year})
    existing = AnnualConfirmation.objects.select_for_update().filter(annual_result=annual_result).first()
    now = periods.now()
    if existing is not None and existing.grade == annual_result.decided_grade:
        raise ValidationError(
            _("您已于%(when)s确认%(year)s年度考核结果。")
            % {"when": _local(existing.confirmed_at), "year": annual_result.year}
        )
    if seen != annual_seen_token(annual_result):
        raise ValidationError(
            _("%(year)s年度考核等次已变更为“%(grade)s”，请阅读最新结果后再确认。")
            % {"year": annual_result.year, "grade": annual_result.get_decided_grade_display()},
            code=CHANGED_SINCE_SEEN,
        )
    if existing is not None:
        # A recorded review (or the committee, before the year was locked) changed the grade after
        # the person had confirmed it: they confirm the new grade. The row is updated, so the audit
        # trail keeps the earlier grade, opinion and time.
        existing.grade, existing.opinion, existing.confirmed_at = annual_result.decided_grade, opinion, now
        with audit_reason(_("等次变更后重新确认")):
            existing.save(update_fields=["grade", "opinion", "confirmed_at"])
        return existing
    return AnnualConfirmation.objects.create(
        organisation_id=annual_result.organisation_id,
        annual_result=annual_result,
        person_id=annual_result.person_id,
        grade=annual_result.decided_grade,
        opinion=opinion,
        confirmed_at=now,
    )


# --- Reminders of overdue talks -----------------------------------------------------------------

FEEDBACK_REMINDERS = "publicity.feedback_reminders"


def feedback_reminders_send(*, organisation: Organisation, today: date) -> int:
    """Tell every talker, in their daily digest, how many talks of a locked quarter are overdue
    (not recorded ``feedback_talk_working_days`` working days after locking). Once per talker and
    quarter however often it runs; returns how many reminders were new."""
    policy = selectors.policy_for_organisation(organisation_id=organisation.pk)
    waiting: dict[tuple[int, int], list[QuarterGrade]] = defaultdict(list)
    for grade in selectors.overdue_grades(organisation_id=organisation.pk, today=today):
        talker = selectors.talker_id(
            department=grade.department, person_id=grade.person_id, by=policy.feedback_talk_by, headed=grade.headed
        )
        if talker is not None:
            waiting[(talker, grade.appraisal_quarter_id)].append(grade)
    talkers = User.objects.in_bulk({talker for talker, _quarter in waiting}, field_name="pk")
    sent = 0
    for (talker_id, quarter_id), grades in sorted(waiting.items()):
        talker = talkers.get(talker_id)
        if talker is None or not talker.is_active:
            continue
        with in_site_language():
            quarter = grades[0].appraisal_quarter.period.label
            with transaction.atomic():
                created = notify(
                    recipient=talker,
                    message=_("%(quarter)s定等已超过%(days)s个工作日，尚有%(n)s人的结果反馈谈话未记录。")
                    % {"quarter": quarter, "days": policy.feedback_talk_working_days, "n": len(grades)},
                    url=reverse("publicity:feedback"),
                    dedupe_key=f"feedback-overdue:{quarter_id}:{talker_id}",
                    digest=True,
                )
        sent += created is not None
    return sent


@jobs.kind(FEEDBACK_REMINDERS, gettext_lazy("结果反馈谈话逾期提醒"), "publicity.record_feedback", "publicity:feedback")
def run_feedback_reminders_job(job: Job, report: jobs.Report) -> dict:
    """The reminders job's runner: one organisation, today by the calendar."""
    sent = feedback_reminders_send(organisation=job.organisation, today=periods.today())
    report(100, _("已提醒%(n)s人次。") % {"n": sent})
    return {"reminded": sent}
