"""创新突破 (innovative achievements): proposed by a leader, confirmed or rejected by HR, audited.

A confirmed achievement of the year puts the person on the award-candidate list beside the year's
优秀 (:func:`evaluations.annual.services.annual_use_lists`): the seed's agency draws its 评先树优
candidates "from the year's 优秀 and from those whose work made an innovative breakthrough".
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import periods
from accounts.audit import audit_reason
from accounts.models import Organisation, Role, User
from accounts.sent_again import refuse_sent_again
from accounts.services import notify
from accounts.text import in_site_language
from accounts.textlimits import check_length

from .models import Achievement, AchievementState

TITLE_LIMIT = Achievement._meta.get_field("title").max_length


def achievements_for(*, actor: User, year: int) -> QuerySet[Achievement]:
    """The year's achievements the actor may read: HR and the agency head the whole organisation's,
    a supervising leader those of the departments they supervise, and those they proposed."""
    rows = Achievement.objects.filter(organisation_id=actor.organisation_id, year=year).select_related(
        "person", "department", "proposed_by", "decided_by"
    )
    if not (actor.has_role(Role.HR_ADMIN) or actor.has_role(Role.AGENCY_HEAD)):
        rows = rows.filter(Q(department__supervising_leader=actor) | Q(proposed_by=actor))
    return rows.order_by("state", "-proposed_at", "-pk")


def proposable_people(*, actor: User) -> QuerySet[User]:
    """Whom the actor may propose an achievement for (the form's choices)."""
    people = User.objects.filter(
        organisation_id=actor.organisation_id, is_active=True, department__isnull=False
    ).exclude(pk=actor.pk)
    if not actor.has_role(Role.AGENCY_HEAD):
        people = people.filter(department__supervising_leader=actor)
    return people.select_related("department").order_by("department__sort_order", "employee_number", "pk")


@transaction.atomic
def achievement_propose(*, actor: User, person: User, year: int, title: str, description: str = "") -> Achievement:
    """A leader proposes an innovative achievement of ``person`` in ``year``; HR is told."""
    if not actor.has_perm("evaluations.propose_achievements") or not actor.has_perm(
        "evaluations.propose_achievement_for", person
    ):
        raise PermissionDenied(_("只有分管领导（本人分管科室人员）或主要负责人可以提出创新突破，且不能为本人提出。"))
    title, description = title.strip(), description.strip()
    if not title:
        raise ValidationError({"title": _("请填写创新突破事项。")})
    check_length(title, limit=TITLE_LIMIT, label=_("创新突破事项"), field="title")
    check_length(
        description,
        limit=Achievement._meta.get_field("description").max_length,
        label=_("具体内容"),
        field="description",
    )
    achievement = Achievement(
        organisation_id=person.organisation_id,
        person=person,
        department_id=person.department_id,
        year=year,
        title=title,
        description=description,
        proposed_by=actor,
        proposed_at=periods.now(),
    )
    refuse_sent_again(
        achievement,
        fields=("person", "year", "title", "description"),
        by="proposed_by",
        actor=actor,
        made_at="proposed_at",
        what=pgettext("the record a form sent again would make", "创新突破"),
        clock=periods.now,
    )
    with audit_reason(_("提出创新突破")):
        achievement.save()
    for hr in User.objects.filter(
        organisation_id=person.organisation_id,
        is_active=True,
        role_assignments__organisation_id=person.organisation_id,
        role_assignments__role=Role.HR_ADMIN,
    ).distinct():
        with in_site_language():
            notify(
                recipient=hr,
                message=_("%(leader)s提出了%(person)s的创新突破，待确认。")
                % {"leader": actor.get_full_name(), "person": person.get_full_name()},
            )
    return achievement


@transaction.atomic
def achievement_decide(*, actor: User, achievement: Achievement, confirm: bool, note: str = "") -> Achievement:
    """HR confirms or rejects a proposed achievement (a rejection needs a reason); audited
    old → new state with the note. A decided achievement is not decided again."""
    if not actor.has_perm("evaluations.decide_achievement") or actor.organisation_id != achievement.organisation_id:
        raise PermissionDenied(_("只有本单位组织人事部门可以确认创新突破。"))
    if not actor.has_perm("evaluations.decide_this_achievement", achievement):
        raise PermissionDenied(_("不能确认本人的创新突破或本人提出的创新突破。"))
    note = note.strip()
    if not confirm and not note:
        raise ValidationError({"note": _("不予确认须说明理由。")})
    check_length(note, limit=Achievement._meta.get_field("decision_note").max_length, label=_("确认意见"), field="note")
    locked = Achievement.objects.select_for_update().get(pk=achievement.pk)
    if locked.state != AchievementState.PROPOSED:
        raise ValidationError(_("该创新突破已确认或不予确认，不能再次处理。"))
    locked.state = AchievementState.CONFIRMED if confirm else AchievementState.REJECTED
    locked.decided_by = actor
    locked.decided_at = periods.now()
    locked.decision_note = note
    with audit_reason(note or (_("确认创新突破") if confirm else _("不予确认创新突破"))):
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    with in_site_language():
        notify(
            recipient=locked.proposed_by,
            message=(_("创新突破“%(title)s”已确认。") if confirm else _("创新突破“%(title)s”未予确认。"))
            % {"title": locked.title},
        )
    return locked


def confirmed_achievers(*, organisation: Organisation, year: int) -> QuerySet[Achievement]:
    """The achievements of the year HR confirmed (for the award-candidate list)."""
    return Achievement.objects.filter(organisation=organisation, year=year, state=AchievementState.CONFIRMED)
