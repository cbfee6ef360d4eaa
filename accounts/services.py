"""Writes to the organisation: people, departments, roles, policy, the working-day calendar.

Each function is one business step, atomic, and leaves an audit record (through
django-auditlog's signals on the saved rows).
"""

from __future__ import annotations

import logging
import math
import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import periods, selectors
from .audit import audit_reason
from .hooks import Hooks
from .models import (
    ADMIN_ROLES,
    DEPARTMENT_POSTS,
    PASSWORD_RESET_TWO_PERSON_ROLES,
    ROLE_CHANGE_SIDES,
    SEPARATED_ROLES,
    TWO_PERSON_ROLES,
    Department,
    DepartmentHeadship,
    DepartmentMembership,
    Notification,
    Organisation,
    PasswordHistory,
    PendingPasswordReset,
    PendingRoleChange,
    PeriodLock,
    Policy,
    Role,
    RoleAssignment,
    StaffStatus,
    User,
    WorkingDayOverride,
)
from .selectors import role_holders
from .text import in_site_language, join_list, join_sentences
from .textlimits import check_length

logger = logging.getLogger(__name__)


def generate_initial_password(*, organisation_id: int | None = None) -> str:
    """A random password that satisfies the password rules — the deployment's and, given
    ``organisation_id``, the organisation's (its minimum length; every password made here holds
    all four character classes); the person must change it at first login."""
    length = 12
    if organisation_id is not None:
        from .selectors import policy_for_organisation

        length = max(length, policy_for_organisation(organisation_id=organisation_id).password_min_length)
    # Read off a slip and typed by hand: no characters that look alike (l I 1 | O 0 o).
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "lI1Oo0")
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(length - 2))
        candidate = f"{core}#{secrets.choice('23456789')}"
        if any(c.islower() for c in core) and any(c.isupper() for c in core):
            return candidate


@transaction.atomic
def organisation_create(*, code: str, name: str, started_on: date | None = None) -> Organisation:
    """A new organisation with the default policy (a deployment step: ``manage.py create_organisation``).
    The code is typed at sign-in, matched whatever its case, so it is unique whatever its case."""
    organisation = Organisation(code=code, name=name)
    organisation.full_clean()
    if Organisation.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": _("“%(code)s”已被其他单位使用（不区分大小写）。") % {"code": code}})
    organisation.save()
    # From ``started_on`` the organisation appraises in the system: nothing before it is due.
    Policy.objects.create(organisation=organisation, started_on=started_on)
    return organisation


@transaction.atomic
def organisation_supervision_set(*, organisation: Organisation, bureau: Organisation | None) -> Organisation:
    """Put ``organisation`` under the oversight of ``bureau`` (公务员主管部门), or none; audited.

    A deployment step, like :func:`organisation_create`: the bureau then reads the organisation's
    aggregates (never a person's content) at /oversight/.
    """
    if bureau is not None and bureau.pk == organisation.pk:
        raise ValidationError({"supervised_by": _("单位不能主管自己。")})
    organisation.supervised_by = bureau
    organisation.save(update_fields=["supervised_by"])
    return organisation


@transaction.atomic
def role_grant(*, user: User, role: str) -> RoleAssignment:
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, organisation_id=user.organisation_id, role=role
    )
    user.__dict__.pop("roles", None)
    return assignment


@transaction.atomic
def role_revoke(*, user: User, role: str) -> None:
    # Delete row by row so each removal reaches the audit trail.
    for assignment in RoleAssignment.objects.filter(user=user, organisation_id=user.organisation_id, role=role):
        assignment.delete()
    user.__dict__.pop("roles", None)


def _role_withdraw(*, user: User, role: str) -> None:
    """Withdraw a role the security administrator manages on the roles page, whether at once (a save
    of :func:`roles_set`) or as a confirmed withdrawal (:func:`role_change_decide`): never the last
    role of an active person, a role whose withdrawal waits counting as gone (it may be confirmed
    first). With none they silently drop out of the appraisal, off their department's roster (a
    user test: 工作人员 unticked while the withdrawal of 纪检督查 waited, then the withdrawal
    confirmed). An administrator's or the bureau's role is the exception: held alone (三员分立),
    even while its withdrawal waits, so 工作人员 can only be granted after it."""
    if role not in SEPARATED_ROLES and user.is_active:
        held = set(
            RoleAssignment.objects.filter(user=user, organisation_id=user.organisation_id)
            .exclude(role=role)
            .values_list("role", flat=True)
        )
        leaving = set(
            PendingRoleChange.objects.filter(
                user=user, state=PendingRoleChange.State.PENDING, withdraw=True, role__in=held
            ).values_list("role", flat=True)
        )
        if not held - leaving:
            names = {"role": Role(role).label, "name": user}
            refusal = (
                _(
                    "撤销“%(role)s”后，%(name)s只剩正在等待撤销确认的“%(roles)s”，撤销确认后将没有任何角色，不再参加考核。"
                )
                % {**names, "roles": join_list(Role(value).label for value in sorted(leaving))}
                if leaving
                else _("撤销“%(role)s”后，%(name)s将没有任何角色，不再参加考核。") % names
            )
            advice = _("请先为其保留或授予其他角色（如“工作人员”）；如其已离开本单位，请停用其账号。")
            raise ValidationError({"roles": join_sentences([refusal, advice])}, code="last_role")
    role_revoke(user=user, role=role)


def role_combination_check(*, roles: set[str]) -> None:
    """三员分立: an administrator role is held alone, by someone holding no other role; and a
    公务员主管部门 officer, who reads other organisations' figures, takes no appraisal role (nor an
    administrator's)."""
    roles = set(roles)
    admin = roles & ADMIN_ROLES
    if len(admin) > 1 or (admin and roles - admin):
        raise ValidationError(
            _("系统管理员、安全管理员、审计员须由不同人员担任，且不得兼任其他角色（三员分立）。"), code="separation"
        )
    if Role.OVERSIGHT in roles and roles - {Role.OVERSIGHT}:
        raise ValidationError(_("公务员主管部门角色不得兼任其他角色：主管部门人员不参与考核。"), code="separation")


def _roles_locked(user: User) -> None:
    """Take ``user``'s row for the rest of the transaction, so that changes of one person's roles
    (a save of the roles page, the confirmation of a waiting change) happen one after the other:
    each then checks 三员分立 against the roles the one before it left. A no-op on SQLite, whose
    writers are serialised already."""
    list(User.objects.select_for_update(of=("self",)).filter(pk=user.pk).values_list("pk", flat=True))
    user.__dict__.pop("roles", None)


def _separation_over_time_check(*, user: User, held: set[str], asked: set[str]) -> None:
    """三员分立 at every moment, not only once everything asked for has been decided.

    After a save ``user`` holds ``held`` (a role whose withdrawal waits is still held: it may be
    rejected or withdrawn), and may later be granted ``asked`` and any grant already waiting for
    them (a department's post too), confirmed in any order. So all of these must be allowed
    together: an administrator cannot be given 工作人员 while the withdrawal of their
    administrator role waits, and nobody is asked an administrator role while keeping another.
    """
    waiting = set(
        PendingRoleChange.objects.filter(user=user, state=PendingRoleChange.State.PENDING, withdraw=False).values_list(
            "role", flat=True
        )
    )
    reachable = held | asked | waiting
    try:
        role_combination_check(roles=reachable)
    except ValidationError as refusal:
        if kept := held & SEPARATED_ROLES:
            advice = _("%(name)s仍担任“%(role)s”：须先撤销该角色，待撤销确认生效后，才能授予其他角色。") % {
                "name": user,
                "role": Role(min(kept)).label,
            }
        elif coming := waiting & SEPARATED_ROLES:
            advice = _("%(name)s的“%(role)s”角色正在等待确认：须先撤回该申请或待其被拒绝，才能授予其他角色。") % {
                "name": user,
                "role": Role(min(coming)).label,
            }
        else:
            role = min(asked & SEPARATED_ROLES)
            advice = _(
                "%(name)s担任或待确认授予其他角色（%(roles)s）：须先撤销这些角色并待确认生效"
                "（待确认的授予须先撤回），才能申请授予“%(role)s”。"
            ) % {
                "name": user,
                "roles": join_list(str(label) for value, label in Role.choices if value in reachable - {role}),
                "role": Role(role).label,
            }
        raise ValidationError([*refusal.messages, advice], code="separation") from None


def _tell(people, message: str, url: str = "", dedupe_key: str = "") -> None:
    for person in people:
        notify(recipient=person, message=message, url=url, dedupe_key=dedupe_key)


def _pending_key(pending) -> str:
    """The key of the "待您确认" notices of a two-person request, so its decision can clear them."""
    return f"pending:{pending._meta.label_lower}:{pending.pk}"


@transaction.atomic
def roles_set(*, actor: User, user: User, roles: set[str]) -> list[PendingRoleChange]:
    """Make ``user`` hold exactly ``roles`` (the security administrator's step).

    Other roles change at once; a grant or withdrawal of a two-person role (decision power or an
    administrator role) is only asked for, and takes effect when a second person confirms it
    (:func:`role_change_decide`). Returns the changes left waiting; a change asked for again while
    it waits is not asked twice: it comes back with ``already_waiting`` set, and a save that only
    repeats waiting changes is refused with that said.

    Nobody is left without a role because a grant waits: a role withdrawn at once (工作人员) that
    would leave the person none while a grant waits is withdrawn only when a grant is confirmed
    (:func:`_withdrawal_waiting_for_a_grant`); the grants waiting then carry it
    (``withdraw_on_confirm``, ``withdrawal_attached`` on those given it now) and come back too.
    Ticked again while it waits, the role stays: the grants no longer carry its withdrawal
    (``withdrawal_detached``) and come back too.
    """
    if not actor.has_perm("accounts.change_roles", user):
        raise PermissionDenied
    _roles_locked(user)
    roles = set(roles)
    current = set(user.roles)
    if (roles ^ current) & set(DEPARTMENT_POSTS.values()):
        # They follow the posts (department_save): a head without a department would have nobody to review.
        raise ValidationError(
            {"roles": _("科室负责人、分管领导角色随“科室管理”中的任职自动调整，请在科室管理中设置。")},
            code="department_post",
        )
    role_combination_check(roles=roles)
    if Role.AGENCY_HEAD in roles - current:
        _agency_head_check(user=user)
    changes = roles ^ current
    at_once = changes - TWO_PERSON_ROLES
    if roles - current:
        # The role withdrawn with a grant is held until a grant lands, and every grant waiting then
        # takes it away as it lands: it is never held beside one, so it counts as gone here.
        _separation_over_time_check(user=user, held=current ^ at_once, asked=(roles - current) - at_once)
    deferred = _withdrawal_waiting_for_a_grant(user=user, roles=roles, current=current, at_once=at_once)
    kept = _withdrawal_detach(user=user, roles=roles & current)
    if changes and not at_once - {deferred} and not kept:
        _repeated_requests_check(user=user, changes=changes - {deferred}, current=current, deferred=deferred)
    waiting: list[PendingRoleChange] = []
    for role in sorted(changes):
        withdraw = role in current
        if role in TWO_PERSON_ROLES:
            waiting.append(
                _pending_ask(
                    PendingRoleChange,
                    actor=actor,
                    user=user,
                    roles=_confirming_side(requester=actor),
                    lookup={"user": user, "role": role},
                    defaults={"organisation_id": user.organisation_id, "withdraw": withdraw},
                    message=lambda change: (
                        _("%(actor)s申请%(verb)s%(name)s的“%(role)s”角色，待您确认。")
                        % {
                            "actor": actor,
                            "verb": change_verb(change.withdraw),
                            "name": user,
                            "role": Role(change.role).label,
                        }
                    ),
                )
            )
        elif role == deferred:
            continue
        elif withdraw:
            _role_withdraw(user=user, role=role)
        else:
            role_grant(user=user, role=role)
    if deferred:
        waiting += _withdrawal_attach(user=user, role=deferred, returned=waiting)
    by_pk = {change.pk: change for change in waiting}
    for grant in kept:
        if grant.pk in by_pk:
            by_pk[grant.pk].withdrawal_detached = grant.withdrawal_detached
        else:
            waiting.append(grant)
    return waiting


def _waiting_grants(*, user: User):
    """The grants of a role to ``user`` waiting for their second person, an appointment to a
    department's post too."""
    return PendingRoleChange.objects.filter(user=user, state=PendingRoleChange.State.PENDING, withdraw=False)


def _withdrawal_waiting_for_a_grant(*, user: User, roles: set[str], current: set[str], at_once: set[str]) -> str:
    """The role a save withdraws at once that must wait for a grant instead, or "".

    Withdrawn now, it would leave ``user`` without any role while a grant waits — and with none at
    all if the grant is rejected or withdrawn: 工作人员 unticked as 审计员 is asked for. A role whose
    withdrawal waits too is not counted as kept (it may be confirmed first). One role is enough to
    keep (and only 工作人员 changes at once on the roles page: the posts' roles follow the
    departments, every other role takes a second person)."""
    withdrawn_now = (current - roles) & at_once
    if not withdrawn_now:
        return ""
    withdrawals_waiting = set(
        PendingRoleChange.objects.filter(user=user, state=PendingRoleChange.State.PENDING, withdraw=True).values_list(
            "role", flat=True
        )
    )
    kept = (current ^ at_once) - ((current - roles) & TWO_PERSON_ROLES) - withdrawals_waiting
    grant_waits = bool((roles - current) & TWO_PERSON_ROLES) or _waiting_grants(user=user).exists()
    return min(withdrawn_now) if grant_waits and not kept else ""


def _withdrawal_attach(*, user: User, role: str, returned: list[PendingRoleChange]) -> list[PendingRoleChange]:
    """Give every grant waiting for ``user`` the withdrawal of ``role`` (saved one by one, so each
    reaches the audit trail): whichever is confirmed first takes it away. Returns those grants
    that ``returned`` (what the save asked for) does not hold yet, as already waiting."""
    by_pk = {change.pk: change for change in returned}
    more = []
    for grant in _waiting_grants(user=user).select_related("user", "requested_by", "department").order_by("pk"):
        grant = by_pk.get(grant.pk, grant)
        if grant.pk not in by_pk:
            grant.already_waiting = True
            more.append(grant)
        if grant.withdraw_on_confirm != role:
            grant.withdraw_on_confirm = role
            grant.save(update_fields=["withdraw_on_confirm"])
            grant.withdrawal_attached = True
    return more


def _withdrawal_detach(*, user: User, roles: set[str]) -> list[PendingRoleChange]:
    """Take the withdrawal of a role ticked again off the grants that carry it (saved one by one, so
    each reaches the audit trail): the role the save keeps is no longer taken away when a grant is
    confirmed. Returns those grants, ``withdrawal_detached`` set (and ``already_waiting``: nothing
    new is asked)."""
    detached = []
    grants = _waiting_grants(user=user).filter(withdraw_on_confirm__in=roles or [""])
    for grant in grants.select_related("user", "requested_by", "department").order_by("pk"):
        grant.withdrawal_detached = grant.get_withdraw_on_confirm_display()
        grant.withdraw_on_confirm = ""
        grant.save(update_fields=["withdraw_on_confirm"])
        grant.already_waiting = True
        detached.append(grant)
    return detached


def _repeated_requests_check(*, user: User, changes: set[str], current: set[str], deferred: str = "") -> None:
    """Refuse a save of the roles page that only asks again for changes already waiting for their
    second person, saying so: registering nothing new, it must not read as a new request. A
    withdrawal ``deferred`` to the grants is a repeat when every grant waiting carries it already."""
    waiting = list(
        PendingRoleChange.objects.filter(
            user=user, role__in=changes, state=PendingRoleChange.State.PENDING, department__isnull=True
        ).select_related("user", "requested_by", "department")
    )
    if len(waiting) < len(changes) or any(change.withdraw != (change.role in current) for change in waiting):
        return
    if deferred:
        grants = list(_waiting_grants(user=user).select_related("user", "requested_by", "department").order_by("pk"))
        if any(grant.withdraw_on_confirm != deferred for grant in grants):
            return
        waiting += [grant for grant in grants if grant not in waiting]
    raise ValidationError(
        [
            _("“%(change)s”已在等待确认（%(actor)s于%(when)s申请），无须重复提交。")
            % {
                "change": change,
                "actor": change.requested_by,
                "when": timezone.localtime(change.requested_at).strftime("%Y-%m-%d %H:%M"),
            }
            for change in waiting
        ],
        code="already_waiting",
    )


# The two sides of a two-person role change: one asks, the other confirms (issue 10: "the security
# administrator grants, HR confirms, or the reverse"); two people of one side never suffice.
def _confirming_side(*, requester: User) -> set[str]:
    """The roles that may confirm a role change ``requester`` asked for: the other side's."""
    return set(ROLE_CHANGE_SIDES - requester.roles) or set(ROLE_CHANGE_SIDES)


def role_change_confirmers(*, requester: User) -> str:
    """Who may confirm a role change ``requester`` asks for, in words: the other side's role
    (组织人事 for the security administrator's request, 安全管理员 for HR's), both only when the
    requester holds neither."""
    labels = [str(Role(role).label) for role in sorted(_confirming_side(requester=requester))]
    if len(labels) == 1:
        return labels[0]
    return _("%(first)s或%(second)s") % {"first": labels[0], "second": labels[1]}


PendingT = TypeVar("PendingT", PendingRoleChange, PendingPasswordReset)


def _pending_ask(
    model: type[PendingT],
    *,
    actor: User,
    user: User,
    roles: set[str],
    lookup: dict,
    defaults: dict,
    message: Callable[[PendingT], str],
) -> PendingT:
    """The two-person request (a role change or a password reset) that ``lookup`` names: the one
    already waiting, or a new one (``defaults``) whose second people — holders of ``roles``, never
    the one who asked nor the person it is about — are told ``message(request)`` once."""
    pending, created = model.objects.get_or_create(
        state=model.State.PENDING, defaults={"requested_by": actor, **defaults}, **lookup
    )
    pending.already_waiting = not created
    if created:
        with in_site_language():
            _tell(
                role_holders(organisation_id=pending.organisation_id, roles=roles, exclude={actor.pk, user.pk}),
                message(pending),
                url=reverse("accounts:pending_changes"),
                dedupe_key=_pending_key(pending),
            )
    return pending


def change_verb(withdraw: bool) -> str:
    return _("撤销") if withdraw else _("授予")


def _pending_claim(pending, *, actor: User, perm: str):
    """The second person's claim on a waiting two-person request (a role change or a password
    reset): their right, never their own request nor one about themselves, and the row locked —
    of two people deciding at once, one wins and the other is told."""
    if (
        not actor.has_perm(perm)
        or pending.organisation_id != actor.organisation_id
        or actor.pk in (pending.requested_by_id, pending.user_id)
    ):
        raise PermissionDenied
    model = type(pending)
    pending = model.objects.select_for_update().select_related("user", "requested_by").get(pk=pending.pk)
    if pending.state != model.State.PENDING:
        raise ValidationError(_("该申请%(state)s，无须再处理。") % {"state": pending.get_state_display()})
    return pending


def _pending_decided(pending, *, actor: User | None, confirm: bool, state: str = "") -> None:
    """Close a waiting two-person request: confirmed or rejected by ``actor``, or another ``state``."""
    model = type(pending)
    pending.state = state or (model.State.CONFIRMED if confirm else model.State.REJECTED)
    pending.confirmed_by = actor
    pending.decided_at = timezone.now()
    pending.save(update_fields=["state", "confirmed_by", "decided_at"])
    # Decided by one of them: the others' "待您确认" is no longer theirs to act on.
    Notification.objects.filter(dedupe_key=_pending_key(pending), read_at__isnull=True).update(
        read_at=pending.decided_at
    )


@transaction.atomic
def pending_withdraw(*, actor: User, pending: PendingRoleChange | PendingPasswordReset) -> None:
    """The person who asked withdraws a request still waiting for its second person (asked of the
    wrong person, or no longer needed); the second people's "待您确认" notices are cleared."""
    model = type(pending)
    pending = model.objects.select_for_update().get(pk=pending.pk)
    if pending.requested_by_id != actor.pk:
        raise PermissionDenied
    if pending.state != model.State.PENDING:
        raise ValidationError(_("该申请%(state)s，无须再处理。") % {"state": pending.get_state_display()})
    _pending_decided(pending, actor=None, confirm=False, state=model.State.WITHDRAWN)


@transaction.atomic
def role_change_decide(*, actor: User, change: PendingRoleChange, confirm: bool) -> None:
    """The second person confirms (the change takes effect) or rejects a waiting role change.

    Nobody confirms their own request or a change of their own roles, and the second person is of
    the other side: HR confirms the security administrator's request, the security administrator HR's.
    """
    change = _pending_claim(change, actor=actor, perm="accounts.confirm_role_changes")
    if not actor.roles & _confirming_side(requester=change.requested_by):
        raise PermissionDenied
    user = change.user
    # 三员分立 is checked again against the roles held now, whatever was asked or confirmed since
    # the request: of two waiting grants that may not go together, the one confirmed second is
    # refused, in either order. The person's row is taken, so two confirmations at once cannot
    # both pass the check on the roles held before either (the claim's FOR UPDATE reaches it only
    # through its join to the person, which a narrower lock there would silently drop).
    _roles_locked(user)
    if confirm and change.department_id:
        _appointment_check(user=user, role=change.role, field="__all__", department=change.department)
        _appointment_take_effect(change=change)
    elif confirm:
        if change.withdraw:
            _role_withdraw(user=user, role=change.role)
        else:
            role_combination_check(roles=(set(user.roles) - {change.withdraw_on_confirm}) | {change.role})
            if change.role == Role.AGENCY_HEAD:
                _agency_head_check(user=user)
            role_grant(user=user, role=change.role)
    if confirm and change.withdraw_on_confirm:
        _withdrawal_with_grant_take_effect(change=change)
    _pending_decided(change, actor=actor, confirm=confirm)
    with in_site_language():
        notify(
            recipient=change.requested_by,
            message=(_("%(actor)s已确认：%(change)s。") if confirm else _("%(actor)s已拒绝：%(change)s。"))
            % {"actor": actor, "change": change},
        )


def _withdrawal_with_grant_take_effect(*, change: PendingRoleChange) -> None:
    """A confirmed grant takes away the role withdrawn with it (:func:`roles_set`), in the same step;
    the other grants waiting with the same withdrawal no longer carry it: it has been done."""
    role = change.withdraw_on_confirm
    role_revoke(user=change.user, role=role)
    for other in (
        _waiting_grants(user=change.user).filter(withdraw_on_confirm=role).exclude(pk=change.pk).order_by("pk")
    ):
        other.withdraw_on_confirm = ""
        other.save(update_fields=["withdraw_on_confirm"])


def _agency_head_check(*, user: User) -> None:
    """The agency head approves everyone's results and is appraised from above: never inside a
    department, whose head would evaluate them (谁管理谁认定)."""
    if user.department_id is not None:
        raise ValidationError(
            {
                "roles": _(
                    "%(name)s在%(department)s，不能担任主要负责人（否则将由科室负责人评鉴）。"
                    "请先在人员信息的“调整科室”中选择“不在科室”。"
                )
                % {"name": user, "department": user.department}
            },
            code="leader_in_department",
        )


def _sync_leadership_roles(*, user: User | None) -> None:
    """A person heading / supervising an active department holds that role, and only then."""
    if user is None:
        return
    heads = Department.objects.filter(head=user, is_active=True).exists()
    leads = Department.objects.filter(supervising_leader=user, is_active=True).exists()
    for role, holds in ((Role.DEPARTMENT_HEAD, heads), (Role.SUPERVISING_LEADER, leads)):
        if holds and not user.has_role(role):
            role_grant(user=user, role=role)
        elif not holds and user.has_role(role):
            role_revoke(user=user, role=role)


def _appointment_check(*, user: User, role: str, field: str, department: Department) -> None:
    """三员分立 for a department's post: an administrator cannot be made a head or a leader. Nor can
    a member of the department be made its supervising leader: its head, whom the leader
    evaluates, would evaluate them in turn (谁管理谁认定)."""
    try:
        role_combination_check(roles=set(user.roles) | {role})
    except ValidationError as error:
        raise ValidationError({field: error.messages}, code="separation") from None
    if role == Role.DEPARTMENT_HEAD and user.department_id is not None and user.department_id != department.pk:
        # The head is one of the department: in another, they would stay graded there by its head.
        raise ValidationError(
            {
                field: _(
                    "%(name)s在%(other)s，不能担任本科室负责人：请先在人员信息中将其“调整科室”调入本科室，"
                    "再任命为科室负责人。"
                )
                % {"name": user, "other": user.department}
            },
            code="head_elsewhere",
        )
    if role == Role.SUPERVISING_LEADER and department.pk is not None and user.department_id == department.pk:
        raise ValidationError(
            {
                field: _(
                    "%(name)s是本科室的人员，不能担任本科室的分管领导（否则将由其下属的科室负责人评鉴）。"
                    "领导班子成员不在科室中参加平时考核：请在人员信息中为其选择“不在科室”。"
                )
                % {"name": user}
            },
            code="leader_in_department",
        )


def _appointment_request(*, actor: User, department: Department, user: User, role: str) -> PendingRoleChange:
    """Ask for ``user`` to take a department's post; a second person confirms (:func:`role_change_decide`).
    A new request for the same post replaces the one waiting."""
    superseded = PendingRoleChange.objects.filter(
        department=department, role=role, state=PendingRoleChange.State.PENDING
    ).exclude(user=user)
    for change in superseded:  # one by one, so each withdrawal reaches the audit trail
        change.state, change.decided_at = PendingRoleChange.State.REJECTED, timezone.now()
        change.save(update_fields=["state", "decided_at"])
    return _pending_ask(
        PendingRoleChange,
        actor=actor,
        user=user,
        roles=_confirming_side(requester=actor),
        lookup={"department": department, "role": role},
        defaults={"organisation_id": department.organisation_id, "user": user},
        message=lambda change: _("%(actor)s申请%(change)s，待您确认。") % {"actor": actor, "change": change},
    )


@transaction.atomic
def department_save(
    *,
    department: Department,
    previous_head: User | None = None,
    previous_leader: User | None = None,
    actor: User | None = None,
) -> list[PendingRoleChange]:
    """Save a department and keep the head / leader roles in step with who holds the posts.

    With an ``actor`` (HR on the department form) a new head or supervising leader is only asked
    for: the post keeps its holder until a second person confirms the appointment, as for any
    grant of a role with decision power; emptying a post takes effect at once. Without one (the
    demo, a command) the posts change directly. Nobody holding an administrator role is appointed
    (三员分立). Returns the appointments left waiting.
    """
    previous = {"head": previous_head, "supervising_leader": previous_leader}
    wanted: dict[str, User] = {}
    for field, role in DEPARTMENT_POSTS.items():
        person = getattr(department, field)
        if person is not None and person != previous[field]:
            _appointment_check(user=person, role=role, field=field, department=department)
            if actor is not None:
                wanted[field] = person
                setattr(department, field, previous[field])
    department.full_clean()
    department.save()
    for person in {department.head, department.supervising_leader, previous_head, previous_leader}:
        if person is not None:
            person.__dict__.pop("roles", None)
            _sync_leadership_roles(user=person)
    return [
        _appointment_request(actor=actor, department=department, user=person, role=DEPARTMENT_POSTS[field])
        for field, person in wanted.items()
    ]


def headship_record(*, department: Department, previous_head_id: int | None, on_date: date | None = None) -> None:
    """Keep :class:`DepartmentHeadship` in step with ``department.head``, once it is saved: the
    former head's row ends on ``on_date`` (default: today), the new head's begins then."""
    if department.head_id == previous_head_id:
        return
    on_date = on_date or periods.today()
    DepartmentHeadship.objects.filter(department=department, end_date__isnull=True).update(end_date=on_date)
    if department.head_id is not None:
        DepartmentHeadship.objects.create(department=department, person_id=department.head_id, start_date=on_date)


def _department_before_save(sender, instance: Department, raw: bool = False, **kwargs) -> None:
    instance._head_before = (
        Department.objects.filter(pk=instance.pk).values_list("head_id", flat=True).first()
        if instance.pk and not raw
        else None
    )


def _department_saved(sender, instance: Department, raw: bool = False, update_fields=None, **kwargs) -> None:
    if not raw and (update_fields is None or "head" in update_fields):
        headship_record(department=instance, previous_head_id=getattr(instance, "_head_before", None))


def connect_headship() -> None:
    """Called once from the app's ``ready()``: every save of a department's head, whichever page,
    command or the admin site made it, is kept in its history."""
    models.signals.pre_save.connect(_department_before_save, sender=Department, dispatch_uid="headship_before")
    models.signals.post_save.connect(_department_saved, sender=Department, dispatch_uid="headship_record")


def _appointment_take_effect(*, change: PendingRoleChange) -> None:
    department = Department.objects.select_for_update().get(pk=change.department_id)
    field = next(name for name, role in DEPARTMENT_POSTS.items() if role == change.role)
    if not department.is_active:
        raise ValidationError(_("该科室已停用。"))
    previous = getattr(department, field)
    setattr(department, field, change.user)
    department.full_clean()
    department.save(update_fields=[field])
    for person in {change.user, previous}:
        if person is not None:
            person.__dict__.pop("roles", None)
            _sync_leadership_roles(user=person)


def department_deactivate_check(*, department: Department) -> None:
    """Why the department cannot be deactivated now (asked before the confirmation, too)."""
    if department.members.filter(is_active=True).exists():
        raise ValidationError(_("该科室仍有在职人员，请先调整其科室后再停用。"))


@transaction.atomic
def department_deactivate(*, department: Department) -> None:
    department_deactivate_check(department=department)
    department.is_active = False
    department.save(update_fields=["is_active"])
    for person in (department.head, department.supervising_leader):
        if person is not None:
            _sync_leadership_roles(user=person)
    # Appointments to its posts still waiting end with it: reopened, the department asks anew
    # (department_reactivate), and an old request must not become confirmable again.
    for waiting in PendingRoleChange.objects.select_for_update(of=("self",)).filter(
        department=department, state=PendingRoleChange.State.PENDING
    ):
        _pending_decided(waiting, actor=None, confirm=False, state=PendingRoleChange.State.WITHDRAWN)


@transaction.atomic
def department_reactivate(*, department: Department, actor: User) -> list[PendingRoleChange]:
    """Open a deactivated department again, under its own code, name and history.

    It opens with both posts empty: whoever headed or supervised it when it closed may have moved,
    left or taken an administrator's role since, and a post carries the power to review and grade,
    which one person never grants alone. Those who may still hold their post are asked for again,
    as on the department form: a second person confirms. Returns the appointments left waiting.
    """
    if not actor.has_perm("accounts.change_department", department):
        raise PermissionDenied
    # Read again under a lock: two clicks on the button reopen it once.
    list(Department.objects.select_for_update().filter(pk=department.pk).values_list("pk", flat=True))
    department.refresh_from_db()
    if department.is_active:
        raise ValidationError(_("科室“%(name)s”已是启用状态。") % {"name": department.name})
    previous = {field: getattr(department, field) for field in DEPARTMENT_POSTS}
    department.is_active = True
    for field in DEPARTMENT_POSTS:
        setattr(department, field, None)
    department.save(update_fields=["is_active", *DEPARTMENT_POSTS])
    waiting = []
    for field, person in previous.items():
        if person is None or not person.is_active:
            continue
        try:
            _appointment_check(user=person, role=DEPARTMENT_POSTS[field], field=field, department=department)
        except ValidationError:
            continue  # the post stays empty; HR fills it on the department form
        waiting.append(
            _appointment_request(actor=actor, department=department, user=person, role=DEPARTMENT_POSTS[field])
        )
    return waiting


# What the rooms above have to say after HR changed a person's 参加考核日期 (a graded quarter that
# the new start leaves out stays graded): functions of the person returning sentences, registered
# by the rooms (evaluations.grading.services.headship), read by the staff page after the save.
_APPRAISAL_START_NOTES: Hooks[Callable[[User], list[str]]] = Hooks()
register_appraisal_start_note = _APPRAISAL_START_NOTES.register


def appraisal_start_notes(person: User) -> list[str]:
    """What the rooms say of ``person``'s 参加考核日期 just saved (see :data:`_APPRAISAL_START_NOTES`)."""
    return _APPRAISAL_START_NOTES.gather(person)


# What the rooms above say after a person was moved to another department (grading: the open
# quarters whose grade went along with them). Functions of the person, moved, giving (the quarter
# concerned, what to say).
_MOVE_NOTES: Hooks[Callable[[User], list[tuple[periods.Quarter, str]]]] = Hooks()
register_move_note = _MOVE_NOTES.register


def move_notes(person: User) -> list[tuple[periods.Quarter, str]]:
    """What the rooms say of ``person``'s move just made, by quarter (see :data:`_MOVE_NOTES`): a
    user test's move took a quarter's grade to the new head with nothing said on the result page."""
    return _MOVE_NOTES.gather(person)


# Who follows a move of department once it is made: the review workflow (which builds on this
# module, so registers itself in AccountsConfig.ready()) tells the new reviewer of what waits.
_PERSON_MOVED: Hooks[Callable[[User], None]] = Hooks()
register_person_moved = _PERSON_MOVED.register

# What the rooms above do when a person leaves on a day (grading: an open quarter that began after
# it no longer waits for their grade). Functions of (the person, the day they left).
_PERSON_LEFT: Hooks[Callable[[User, date], None]] = Hooks()
register_person_left = _PERSON_LEFT.register

# What the rooms above say before a special status is removed: the grades that rest on it
# (evaluations.grading: a 不确定等次 given for the long leave or the 立案审查). Functions of the status.
_STATUS_REMOVAL_NOTES: Hooks[Callable[[StaffStatus], list[str]]] = Hooks()
register_status_removal_note = _STATUS_REMOVAL_NOTES.register


def status_removal_notes(status: StaffStatus) -> list[str]:
    """What removing ``status`` leaves behind (see :data:`_STATUS_REMOVAL_NOTES`), said on the page
    that asks before it and after it (a user test removed the long leave behind a 定等 不确定等次
    with nothing said)."""
    return _STATUS_REMOVAL_NOTES.gather(status)


@transaction.atomic
def staff_create(
    *,
    organisation: Organisation,
    username: str,
    full_name: str,
    department: Department | None,
    password: str | None = None,
    password_hash: str | None = None,
    roles: set[str] | None = None,
    start_date: date | None = None,
    actor: User | None = None,
    **attributes,
) -> tuple[User, str]:
    """Create a person with a one-time password they must change at first login.

    Returns the person and the initial password, which is shown once to the administrator; the
    auditors are told. Roles given here are the importer's plain ones (two-person roles are
    refused: they go through :func:`roles_set` and a second person). ``password_hash`` instead
    gives the person a password already hashed (``make_password``) that they keep: the demo's
    accounts share one hash of the documented password, since hashing costs the production hasher
    a noticeable fraction of a second per person.

    The person takes part in the appraisal from the day they are created (``appraisal_start``)
    unless another start is given — ``None`` for since the organisation's start in the system.
    """
    if actor is not None and roles and set(roles) & TWO_PERSON_ROLES:
        raise PermissionDenied
    if (
        actor is not None
        and set(attributes) & {"staff_type", "position_category", "is_leader_position", "appraisal_start"}
        and not actor.has_perm("accounts.edit_appraisal_attributes")
    ):
        raise PermissionDenied
    # A new account is a newcomer (入职、调入) whoever creates it: the system administrator's form has
    # no 参加考核日期, and an account counted from the organisation's start owed, on its first day,
    # every summary since and was 逾期 on the roster (a user test). HR's form and the import say so
    # themselves (HR may clear the date: from the organisation's start).
    attributes.setdefault("appraisal_start", periods.today())
    staff_identity_check(
        organisation=organisation, username=username, employee_number=attributes.get("employee_number", "")
    )
    initial_password = "" if password_hash else password or generate_initial_password(organisation_id=organisation.pk)
    user = User(
        organisation=organisation,
        username=username,
        full_name=full_name,
        department=department,
        must_change_password=not password_hash,
        **attributes,
    )
    if password_hash:
        user.password = password_hash
    else:
        validate_password(initial_password, user)
        user.set_password(initial_password)
    user.full_clean(exclude=["password"])
    user.save()
    if password_hash:
        # Remembered as a password set is (set_password's path records it on save), so the first
        # change cannot go back to it: a security test changed a demo password and back at once.
        PasswordHistory.objects.create(user=user, password=password_hash)
    if department is not None:
        # In the department from the day they take part, when that is before today (imported a few
        # days after arriving: a user test read 参加考核日期 11-16 beside a posting from the 20th).
        begun = user.appraisal_start if user.appraisal_start and user.appraisal_start < periods.today() else None
        start = start_date or begun or periods.today()
        DepartmentMembership.objects.create(user=user, department=department, start_date=start)
    for role in roles if roles is not None else {Role.STAFF}:
        role_grant(user=user, role=role)
    if actor is not None:
        with in_site_language():
            _tell(
                role_holders(organisation_id=organisation.pk, roles={Role.AUDITOR}, exclude={actor.pk}),
                _("%(actor)s创建了账号%(name)s（%(username)s）。")
                % {"actor": actor, "name": user, "username": username},
                url=reverse("accounts:audit_list"),
            )
    return user, initial_password


def staff_username(*, username: str, employee_number: str) -> str:
    """The user name a new person gets: the one given, else their 工号 (the form and the import)."""
    return username or employee_number


def staff_username_taken(*, username: str, holder: User) -> str:
    return _("用户名“%(value)s”已被本单位的“%(person)s”（工号%(number)s）使用，请另填用户名") % {
        "value": username,
        "person": holder.get_full_name(),
        "number": holder.employee_number or "—",
    }


def staff_identity_check(
    *, organisation: Organisation, username: str, employee_number: str, person: User | None = None
) -> None:
    """A person's 工号 and user name are theirs alone in the organisation (the user name whatever
    its case; other organisations' are not looked at: whether another agency has a name is none of
    HR's business). A refusal names who holds it, as the staff import does (``person``: the one
    being edited, not counted)."""
    others = User.objects.filter(organisation=organisation)
    if person is not None and person.pk:
        others = others.exclude(pk=person.pk)
    errors = {}
    # Whatever the case of its letters (a re-test added s00012 beside S00012), when the number is new or
    # changed: a person keeping the number they have is not refused for a case-twin stored before (a review).
    stored = User.objects.filter(pk=person.pk).values_list("employee_number", flat=True).first() if person else None
    unchanged = stored is not None and stored == employee_number
    same = {"employee_number": employee_number} if unchanged else {"employee_number__iexact": employee_number}
    number_holder = others.filter(**same).first() if employee_number else None
    if number_holder is not None:
        errors["employee_number"] = _("工号“%(number)s”已被使用：本单位的“%(person)s”（用户名%(username)s）。") % {
            "number": employee_number,
            "person": number_holder.get_full_name(),
            "username": number_holder.username,
        }
    name_holder = others.filter(username__iexact=username).first() if username else None
    if name_holder is not None:
        errors["username"] = staff_username_taken(username=username, holder=name_holder)
    if errors:
        raise ValidationError(errors)


def staff_created_in_bulk_tell(*, actor: User, people: list[User]) -> None:
    """Tell the auditors, once, of the accounts an import created with one-time passwords (the
    passwords were shown to ``actor``): one bell for the batch, naming up to ten of them."""
    with in_site_language():
        names = join_list((f"{person}（{person.username}）" for person in people), limit=10)
        _tell(
            role_holders(organisation_id=actor.organisation_id, roles={Role.AUDITOR}, exclude={actor.pk}),
            _("%(actor)s批量导入创建了%(count)d个账号（初始密码已向其显示）：%(names)s。")
            % {"actor": actor, "count": len(people), "names": names},
            url=reverse("accounts:audit_list"),
        )


def staff_move_check(
    *, user: User, department: Department | None, on_date: date, current: list[DepartmentMembership] | None = None
) -> None:
    """What a move must satisfy (the staff page, the admin, the staff import): a department of the
    person's organisation other than theirs (or none, for a member of the leadership, who is not
    appraised inside a department), a plausible date, and never before the current membership
    began (the closed posting would end before it started and the history would read
    backwards). ``current``: their open memberships, when the caller has locked them."""
    if department is None and user.department_id is None:
        raise ValidationError({"department": _("该人员已不在任何科室，无需调整。")})
    if department is not None and department.organisation_id != user.organisation_id:
        raise ValidationError(_("不能调入其他单位的科室。"))
    if department is not None and user.department_id == department.pk:
        raise ValidationError({"department": _("该人员已在%(department)s，无需调整。") % {"department": department}})
    headed = Department.objects.filter(head=user, is_active=True, pk=user.department_id).first()
    if headed is not None:
        # A head stays in the department they head (the head's own grade is the leader's there).
        raise ValidationError(
            {
                "department": _("该人员是%(department)s的科室负责人：请先在科室管理中更换负责人，再调整其科室。")
                % {"department": headed}
            }
        )
    # A move is recorded once made: a date to come would take effect at once all the same (the
    # person's department is today's) and bar every correction until that day.
    periods.check_plausible_date(on_date, not_future=True, label=_("调动日期"), field="on_date")
    if current is None:
        current = list(DepartmentMembership.objects.filter(user=user, end_date__isnull=True).order_by("pk"))
    began = max((membership.start_date for membership in current), default=None)
    if began is not None and on_date < began:
        raise ValidationError(
            {"on_date": _("调动日期不能早于在现科室任职的开始日期（%(date)s）。") % {"date": began.isoformat()}}
        )


@transaction.atomic
def staff_move(
    *,
    user: User,
    department: Department | None,
    on_date: date | None = None,
    reason: str = "",
    actor: User | None = None,
) -> None:
    """Move a person to another department, or out of every department (``None``: a member of the
    leadership, 领导班子), closing the current membership (history is kept), as
    :func:`staff_move_check` allows. ``actor`` (HR, from the staff page) does not move themselves
    where another HR administrator can (回避: who grades them changes with it)."""
    if actor is not None and selectors.recused(user=actor, person_id=user.pk):
        raise PermissionDenied(_("这是您本人的科室调整，您须回避，请由其他人事干部办理。"))
    on_date = on_date or periods.today()
    # In key order: the model's ordering goes through the user's, which joins a nullable
    # department (PostgreSQL locks no row of an outer join's nullable side).
    current = list(
        DepartmentMembership.objects.select_for_update(of=("self",))
        .filter(user=user, end_date__isnull=True)
        .order_by("pk")
    )
    staff_move_check(user=user, department=department, on_date=on_date, current=current)
    with audit_reason(reason):
        for membership in current:
            membership.end_date = on_date
            membership.save(update_fields=["end_date"])
        if department is not None:
            DepartmentMembership.objects.create(user=user, department=department, start_date=on_date)
        user.department = department
        user.save(update_fields=["department"])
        # What the person handed in and is still waiting goes to the new department's head, who is told.
        documents_follow_owner(owner=user)
    _PERSON_MOVED.run(user)


def latest_move(*, user: User) -> tuple[DepartmentMembership, DepartmentMembership] | None:
    """(the posting a move closed, the one it opened) of ``user``'s latest move into their current
    department, or None (never moved, or out of every department)."""
    current = DepartmentMembership.objects.filter(user=user, end_date__isnull=True).order_by("-pk").first()
    if current is None:
        return None
    closed = (
        DepartmentMembership.objects.filter(user=user, end_date=current.start_date)
        .exclude(pk=current.pk)
        .order_by("-pk")
        .first()
    )
    return (closed, current) if closed is not None else None


@transaction.atomic
def staff_move_date_correct(*, user: User, on_date: date, reason: str, actor: User | None = None) -> date:
    """Correct the date of ``user``'s latest move (recorded wrongly): the posting it closed ends, and
    the current one starts, on ``on_date``; the old date is returned. Audited with ``reason`` on both
    postings. The rosters of the months between read the corrected history; grades already given
    stay where they are (a user test found no way at all to correct a wrong date)."""
    if actor is not None and not actor.has_perm("accounts.change_person", user):
        raise PermissionDenied
    if actor is not None and selectors.recused(user=actor, person_id=user.pk):
        raise PermissionDenied(_("这是您本人的科室调整，您须回避，请由其他人事干部办理。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写更正原因。")})
    check_length(reason, limit=200, label=_("原因"), field="reason")
    # The person's postings locked in key order, as staff_move locks them (a move and a correction
    # at once wait for each other rather than deadlock).
    list(
        DepartmentMembership.objects.select_for_update(of=("self",))
        .filter(user=user)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    move = latest_move(user=user)
    if move is None:
        raise ValidationError(_("该人员没有调入现科室的调动记录，无需更正调动日期。"))
    closed, current = move
    old = current.start_date
    periods.check_plausible_date(on_date, not_future=True, label=_("调动日期"), field="on_date")
    if on_date == old:
        raise ValidationError({"on_date": _("调动日期没有改变。")})
    if on_date <= closed.start_date:
        raise ValidationError(
            {
                "on_date": _("调动日期须晚于在原科室（%(department)s）任职的开始日期（%(date)s）。")
                % {"department": closed.department, "date": closed.start_date.isoformat()}
            }
        )
    with audit_reason(reason):
        closed.end_date = on_date
        closed.save(update_fields=["end_date"])
        current.start_date = on_date
        current.save(update_fields=["start_date"])
    return old


def documents_follow_owner(*, owner: User) -> None:
    """After ``owner`` moved department: every reviewed document of theirs that records its
    owner's department (``accounts.workflow.owner_department_field``: targets, summaries, the welfare
    述职) records
    the new one, so what is waiting goes to the new department's head. One UPDATE per kind, through
    the owner's index. (The documents' apps sit above accounts, so they are found by their field.)"""
    for model in apps.get_models():
        if any(field.name == "owner_department" for field in model._meta.concrete_fields):
            model._default_manager.filter(owner=owner).exclude(owner_department_id=owner.department_id).update(
                owner_department_id=owner.department_id
            )


@transaction.atomic
def staff_set_active(
    *, user: User, active: bool, reason: str = "", actor: User | None = None, left_on: date | None = None
) -> None:
    """Deactivate (离职/调出) or reactivate a person. Deactivated people cannot log in.

    Nobody deactivates their own account or another administrator's (withdraw the role first).
    ``left_on``: the day they left (default today), on which their posting ends — not before it
    began, nor in the future.
    """
    if actor is not None and (actor.pk == user.pk or not actor.has_perm("accounts.change_person", user)):
        raise PermissionDenied
    if user.is_active == active:
        return
    if active and user.department_id and not Department.objects.filter(pk=user.department_id, is_active=True).exists():
        # Active in a closed department: out of every list of the living departments, nobody to
        # review or grade them, yet asked for summaries (a user test found one).
        raise ValidationError(
            _("“%(name)s”所在科室“%(department)s”已停用：请先将其调整到启用的科室，再启用账号。")
            % {"name": user.get_full_name(), "department": user.department.name}
        )
    open_postings = list(DepartmentMembership.objects.filter(user=user, end_date__isnull=True))
    if not active and left_on is not None:
        if not open_postings:
            # Nothing would keep the date (someone out of every department): said, not dropped.
            raise ValidationError({"left_on": _("该人员不在任何科室，无需填写离开日期。")})
        periods.check_plausible_date(left_on, not_future=True, label=_("离开日期"), field="left_on")
        began = max((membership.start_date for membership in open_postings), default=None)
        if began is not None and left_on < began:
            raise ValidationError(
                {"left_on": _("离开日期不能早于在现科室任职的开始日期（%(date)s）。") % {"date": began.isoformat()}}
            )
    with audit_reason(reason):
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            for membership in open_postings:
                membership.end_date = left_on or periods.today()
                membership.save(update_fields=["end_date"])
            _PERSON_LEFT.run(user, left_on or periods.today())
        elif user.department_id and not DepartmentMembership.objects.filter(user=user, end_date__isnull=True).exists():
            DepartmentMembership.objects.create(user=user, department_id=user.department_id, start_date=periods.today())


def password_reset_needs_second_admin(*, user: User) -> bool:
    """The password of anyone holding a two-person role — an administrator, or a decision role
    (主要负责人, 分管领导, 组织人事, 纪检督查) — or a department's head is reset only with a
    second administrator's confirmation: otherwise one administrator (or HR) could reset the
    agency head's or a head's password, sign in as them and grade or approve alone."""
    return bool(user.roles & PASSWORD_RESET_TWO_PERSON_ROLES)


def _password_set_by_another(*, user: User, actor: User | None) -> str:
    """A new one-time password (changed at first sign-in); the owner and the auditors are told."""
    password = generate_initial_password(organisation_id=user.organisation_id)
    user.set_password(password)
    user.must_change_password = True
    # Read by the audit trail's password event (accounts.audit): a reset, whoever or whatever acts.
    user.password_set_by_another = True
    user.save(update_fields=["password", "must_change_password"])
    who = actor or _("系统")
    with in_site_language():
        notify(
            recipient=user,
            message=_("您的密码已由%(actor)s重置，首次登录须修改。如非本人申请，请联系审计员。") % {"actor": who},
        )
        _tell(
            role_holders(organisation_id=user.organisation_id, roles={Role.AUDITOR}, exclude={user.pk}),
            _("%(actor)s重置了%(name)s的密码。") % {"actor": who, "name": user},
            url=reverse("accounts:audit_list"),
        )
    return password


@transaction.atomic
def staff_reset_password(*, user: User, actor: User | None = None) -> str | None:
    """Give a person a new one-time password (administrator action); returns it to show once.

    A reset of the password of anyone who decides or changes grades (a head, a leader, the agency
    head, HR, an inspector) or of an administrator is only asked for (returns None): a second
    administrator confirms it with :func:`password_reset_decide` and is shown the password.
    """
    if actor is not None:
        if not actor.has_perm("accounts.reset_password", user):
            raise PermissionDenied
        if password_reset_needs_second_admin(user=user):
            _ask_a_second_admin(
                actor=actor,
                user=user,
                lookup={"second_factor": False},
                message=lambda reset: _("%(actor)s申请重置%(name)s的密码，待您确认。") % {"actor": actor, "name": user},
            )
            return None
    return _password_set_by_another(user=user, actor=actor)


PASSWORD_RESET_DECIDERS = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN})


def second_admin_exists(*, user: User, actor: User) -> bool:
    """Whether anyone may confirm ``actor``'s reset of ``user``'s password or second factor: another
    administrator than the two of them. In an organisation with one system and one security
    administrator, the reset of one asked for by the other waits for nobody."""
    return bool(
        role_holders(organisation_id=user.organisation_id, roles=PASSWORD_RESET_DECIDERS, exclude={actor.pk, user.pk})
    )


def _ask_a_second_admin(
    *, actor: User, user: User, lookup: dict, message: Callable[[PendingPasswordReset], str]
) -> None:
    """Record a reset of ``user``'s password or second factor that waits for a second administrator,
    and tell the other administrators once (asking again finds the pending one)."""
    _pending_ask(
        PendingPasswordReset,
        actor=actor,
        user=user,
        roles=set(PASSWORD_RESET_DECIDERS),
        lookup={"user": user, **lookup},
        defaults={"organisation_id": user.organisation_id},
        message=message,
    )


@transaction.atomic
def password_reset_decide(*, actor: User, reset: PendingPasswordReset, confirm: bool) -> str | None:
    """A second administrator confirms a waiting reset (returns the one-time password, shown once;
    for a second factor's reset, which shows nothing, an empty string) or rejects it (None)."""
    reset = _pending_claim(reset, actor=actor, perm="accounts.confirm_password_resets")
    _pending_decided(reset, actor=actor, confirm=confirm)
    if not confirm:
        with in_site_language():
            message = _("%(actor)s已拒绝：%(change)s。") % {"actor": actor, "change": reset}
            notify(recipient=reset.requested_by, message=message)
        return None
    if reset.second_factor:
        _two_factor_remove(user=reset.user)
        with in_site_language():
            message = _("%(actor)s已确认：%(change)s。") % {"actor": actor, "change": reset}
            notify(recipient=reset.requested_by, message=message)
        return ""
    return _password_set_by_another(user=reset.user, actor=actor)


def break_glass_applies(*, user: User) -> bool:
    """Whether the operator's break-glass reset (:func:`break_glass_reset`) may restore ``user``'s
    access: an administrator's, whose password and second factor only a second administrator resets."""
    return bool(user.roles & ADMIN_ROLES)


@transaction.atomic
def break_glass_reset(*, user: User, reason: str, operator: str) -> tuple[str, bool, int]:
    """Restore an administrator's access when no second administrator can confirm its reset — the
    organisation's only security administrator, locked out or without their phone (the reset of
    their second factor can be asked for only by another security administrator, and of their
    password only confirmed by another administrator). ``manage.py break_glass_reset``, run by an
    operator with shell access, whose operating-system user name is ``operator``.

    It does what a confirmed two-person reset does (:func:`password_reset_decide`, both kinds): a
    new one-time password, changed at the next sign-in; the authenticator and recovery codes
    removed; and the failed sign-ins forgotten, as the security administrator's unlock
    (:func:`account_unlock`). Resets still waiting for this person's second administrator are
    closed, so a later confirmation cannot reset them again. One audit entry says who ran it, why
    (``reason``, required; it is the reason of every entry the reset writes) and what was done; the
    person and the auditors are told. Returns the password (shown once), whether a second factor
    was removed and how many failed sign-ins were forgotten.

    Only administrators: anyone else's password is reset from the staff page, where one
    administrator (or HR) asks and another confirms when a second person is needed.
    """
    from django_otp import devices_for_user

    from .audit import record_event
    from .lockout import unlock_account

    reason = reason.strip()
    if not reason:
        raise ValidationError(_("须说明应急重置的原因（--reason）。"), code="reason")
    check_length(reason, limit=500, label=_("原因"))
    _roles_locked(user)
    if not break_glass_applies(user=user):
        raise ValidationError(
            _(
                "%(name)s（%(username)s）不担任系统管理员、安全管理员或审计员：应急重置只用于管理员。"
                "其密码由系统管理员或组织人事在人员页面重置（须确认的，由一名管理员确认）。"
            )
            % {"name": user, "username": user.username},
            code="not_an_administrator",
        )
    if not user.is_active:
        raise ValidationError(
            _("%(name)s（%(username)s）的账号已停用：应急重置不启用账号。") % {"name": user, "username": user.username},
            code="inactive",
        )
    with audit_reason(reason):
        for waiting in PendingPasswordReset.objects.select_for_update().filter(
            user=user, state=PendingPasswordReset.State.PENDING
        ):
            _pending_decided(waiting, actor=None, confirm=False, state=PendingPasswordReset.State.WITHDRAWN)
            with in_site_language():
                notify(
                    recipient=waiting.requested_by,
                    message=_("运维人员已在服务器上应急重置%(name)s的账号，您的申请无须再确认：%(change)s。")
                    % {"name": user, "change": waiting},
                )
        failures = unlock_account(user)
        second_factor = next(devices_for_user(user, confirmed=None), None) is not None
        if second_factor:
            _two_factor_remove(user=user)
        password = _password_set_by_another(user=user, actor=None)
        record_event(
            event="break_glass_reset",
            obj=user,
            actor=None,
            detail={
                "source": _("命令行"),
                "os_user": operator,
                "second_factor": _("是") if second_factor else _("否"),
                "failures": failures,
            },
        )
    return password, second_factor, failures


@transaction.atomic
def dingtalk_webhook_refusal(url: str) -> str:
    """Why the server may not post to ``url`` (empty when it may): only to the DingTalk robot
    addresses of ``settings.DINGTALK_WEBHOOK_PREFIXES``, so that HR's typed address cannot make the
    server call itself or the office's network."""
    if not url or any(url.startswith(prefix) for prefix in settings.DINGTALK_WEBHOOK_PREFIXES):
        return ""
    return _("Webhook地址须为钉钉群机器人的地址（以%(prefixes)s开头），请从钉钉群的机器人设置中复制。") % {
        "prefixes": "、".join(settings.DINGTALK_WEBHOOK_PREFIXES)
    }


@transaction.atomic
def policy_update(
    *, policy: Policy, reason: str = "", dingtalk_secret: str | None = None, seen: str | None = None
) -> Policy:
    """Save a validated policy; the audit trail keeps every old → new value. A changed deadline day
    applies to the periods still open; those past keep theirs (``Policy.past_deadline_days``).

    ``dingtalk_secret``: None keeps the stored robot secret, "" clears it, any other text
    replaces it (stored encrypted; the audit trail records that it changed, masked).
    ``seen``: the stored row's ``updated_at`` when the form was read (ISO); a row saved since is
    refused (``code="stale"``), not overwritten with the older page's values.
    """
    if seen is not None and policy.pk is not None:
        # Under the row's lock (the caller's transaction: policy_update is atomic), so two saves at
        # the same moment cannot both pass the check.
        stored = Policy.objects.select_for_update().filter(pk=policy.pk).values_list("updated_at", flat=True).first()
        if stored is not None and stored.isoformat() != seen:
            raise ValidationError(
                _("考核政策在您打开本页后已被修改（可能在另一个窗口或由另一位管理员），于%(when)s保存。")
                % {"when": timezone.localtime(stored).strftime("%Y-%m-%d %H:%M")},
                code="stale",
            )
    if dingtalk_secret is not None:
        check_length(dingtalk_secret, limit=200, label=_("钉钉机器人加签密钥"), field="dingtalk_secret")
        # DingTalk's signing secret starts with SEC: any other text would sign every push wrongly,
        # each then refused by the robot (a user test saved a group password there).
        if dingtalk_secret and not dingtalk_secret.strip().startswith("SEC"):
            raise ValidationError(
                {"dingtalk_secret": _("钉钉机器人的加签密钥以SEC开头，请从机器人安全设置中复制完整的密钥。")}
            )
        policy.set_dingtalk_secret(dingtalk_secret)
    policy.full_clean()
    if refusal := dingtalk_webhook_refusal(policy.dingtalk_webhook_url):
        raise ValidationError({"dingtalk_webhook_url": refusal})
    if policy.started_on is not None:
        # A go-live date years ahead (2099 for 2026) would silently switch off every deadline until
        # then: refused by the one plausibility rule for typed dates (from 2000 to next year).
        periods.check_plausible_date(policy.started_on, label=_("系统启用日期"), field="started_on")
    changed: set[str] = set()
    if policy.pk is not None:
        old = Policy.objects.filter(pk=policy.pk).first()
        if old is not None:
            # A past month or quarter keeps the deadline it was held to.
            policy.past_deadline_days = periods.past_deadline_days_after_change(
                policy, old_target_day=old.target_deadline_day, old_summary_day=old.summary_deadline_day
            )
            changed = {
                field.name
                for field in Policy._meta.concrete_fields
                if field.value_from_object(old) != field.value_from_object(policy)
            }
    with audit_reason(reason):
        policy.save()
    _POLICY_CHANGED.run(policy, changed)
    return policy


# What the rooms above do when a policy's settings change (the year's suggestions recomputed when a
# rule of the year changed): functions of (policy, names of the fields changed), registered by the
# rooms (evaluations.annual), run by policy_update after the save, in its transaction.
_POLICY_CHANGED: Hooks[Callable[[Policy, set[str]], None]] = Hooks()
register_policy_changed = _POLICY_CHANGED.register


# The settings whose change reaches only some periods, for :func:`policy_change_notes`.
_GOOD_QUOTA_FIELDS = ("good_quota_percent", "good_quota_separate_pools")
# (fields, what a change of any of them reaches), for :func:`policy_change_notes`.
_CHANGE_NOTES = (
    (("grading_deadline_days",), gettext_lazy("评鉴期限的修改立即生效，也适用于正在评鉴的季度。")),
    (
        ("deadlines_on_working_days",),
        gettext_lazy(
            "截止日顺延的修改立即生效，也适用于已过去的月份和季度：各页面按新规则显示截止日和逾期；"
            "已提交材料的迟交标记不变。"
        ),
    ),
    (
        ("feedback_talk_by",),
        gettext_lazy("结果反馈谈话人的修改立即生效：尚未记录的谈话（包括已逾期的）改由新的谈话人记录。"),
    ),
    (
        ("participating_staff_types",),
        gettext_lazy(
            "参加平时考核的人员类别的修改用于此后开放的季度和各名单；正在评鉴的季度已列入的人员不变，"
            "新纳入的人员在季度页面列为尚未列入，补充列入后方可审批。"
        ),
    ),
    (
        ("excellent_quota_percent",),
        gettext_lazy("“优秀”等次比例的修改适用于尚未定等的年度；已确定的等次不变，请核对年度考核页面的名额。"),
    ),
    (
        ("grading_opens",),
        gettext_lazy(
            "评鉴开始时间的修改立即生效，也适用于正在评鉴的季度：改为满意度测评结果录入后开始的，"
            "尚未录入测评结果的季度暂停评鉴和审批，直至录入。"
        ),
    ),
    (
        _GOOD_QUOTA_FIELDS,
        gettext_lazy(
            "“好”等次比例和分池的修改适用于尚未审批的季度（包括正在评鉴的季度）；已审批的季度仍按审批时的比例和分池。"
        ),
    ),
)


def policy_change_notes(*, policy: Policy, changed: Iterable[str], now=None) -> list[str]:
    """What HR is told after :func:`policy_update` saved ``changed`` fields: from which period a
    changed deadline or 好 quota applies, as the code applies it — a deadline day from the first
    period whose deadline under the old day had not passed (the earlier ones are kept in
    ``Policy.past_deadline_days``); the 好 share and pools to every quarter not yet approved (an
    approved one keeps those it was approved under: evaluations.grading.services.quota.quarter_rules);
    the grading deadline to every quarter at once (it has no history)."""
    changed = set(changed)
    today_ = periods.today(now)
    notes: list[str] = []
    deadlines = (
        (
            "target_deadline_day",
            "target",
            periods.target_deadline,
            "quarter",
            _("季目标截止日改为每季度第一个月%(day)s日，自%(quarter)s起生效；此前的季度仍按原截止日。"),
            _("%(quarter)s的季目标截止日（%(date)s）已过，尚未提交的季目标记为迟交。"),
        ),
        (
            "summary_deadline_day",
            "summary",
            periods.summary_deadline,
            "month",
            _("月小结截止日改为次月%(day)s日，自%(month)s的月小结起生效；此前月份仍按原截止日。"),
            _("%(month)s的月小结截止日（%(date)s）已过，尚未提交的月小结记为迟交。"),
        ),
    )
    for field, kind, deadline_of, name, applies_from, passed in deadlines:
        if field not in changed:
            continue
        period = _first_period_of_the_new_day(policy, kind, today_)
        notes.append(applies_from % {"day": getattr(policy, field), name: period.label})
        deadline = deadline_of(policy, period)
        if deadline < today_:
            notes.append(passed % {name: period.label, "date": deadline.isoformat()})
    # What the other settings whose change reaches beyond the page say, each once (user tests changed
    # them in mid-year and read only 考核政策已保存).
    notes += [str(note) for fields, note in _CHANGE_NOTES if changed & set(fields)]
    return notes


def _first_period_of_the_new_day(policy: Policy, kind: str, today_: date) -> periods.Quarter | periods.Month:
    # The period after the last one kept at an older day (policy_update has just recorded it).
    entries = policy.past_deadline_days.get(kind) or []
    period_class = periods.Quarter if kind == "target" else periods.Month
    if not entries:
        return period_class.of(today_)
    year, number, _day = entries[-1]
    return period_class(year, number).next()


def period_approval_begin(*, organisation_id: int) -> None:
    """Called first by a quarter's approval, inside its transaction: take the organisation's row
    so writes that check the quarter is open (:func:`accounts.periods.hold_against_approval`)
    finish before the approval reads anything, and those that come later wait and then see the
    lock. A no-op on SQLite, whose writers are serialised already."""
    list(Organisation.objects.select_for_update(no_key=True).filter(pk=organisation_id).values_list("pk", flat=True))


@transaction.atomic
def period_lock(*, organisation: Organisation, quarter: periods.Quarter, actor: User | None) -> PeriodLock:
    """Close an organisation's quarter for changes (idempotent); the approval service calls it in
    its own transaction, so the quarter is approved and closed together or not at all."""
    lock, _created = PeriodLock.objects.get_or_create(
        organisation=organisation,
        year=quarter.year,
        quarter=quarter.quarter,
        defaults={"locked_at": timezone.now(), "locked_by": actor},
    )
    return lock


def staff_status_dates_check(*, status: StaffStatus) -> None:
    """A special status begun since 2000 and by next year (a user test recorded long leave from
    1900-01-01), and ended within five years of its start (a re-test's ran to 9999-12-31): the staff
    page's service and the admin's form ask it alike."""
    if status.start_date:
        periods.check_plausible_date(status.start_date, label=_("开始日期"), field="start_date")
    if status.start_date and status.end_date and status.end_date.year > status.start_date.year + 5:
        raise ValidationError(
            {
                "end_date": _("结束日期须在开始日期后五年以内（现为%(date)s）；期限未定的可不填。")
                % {"date": status.end_date.isoformat()}
            }
        )


def staff_status_overlap_check(*, status: StaffStatus) -> None:
    """Refuse a special status whose period overlaps another of the same kind for the same person
    (an open end date runs until further notice): two probations at once would make the grading
    and the year-end read whichever came first. The message names the period already recorded, at
    the date that runs into it."""
    if status.user_id is None or not status.kind or status.start_date is None:
        return
    if status.end_date is not None and status.end_date < status.start_date:
        return  # said by the model's own check
    clashing = StaffStatus.objects.filter(user_id=status.user_id, kind=status.kind).filter(
        models.Q(end_date__isnull=True) | models.Q(end_date__gte=status.start_date)
    )
    if status.end_date is not None:
        clashing = clashing.filter(start_date__lte=status.end_date)
    if status.pk is not None:
        clashing = clashing.exclude(pk=status.pk)
    existing = clashing.order_by("start_date", "pk").first()
    if existing is None:
        return
    if existing.end_date is None:
        period = _("%(start)s起，未定结束日期") % {"start": existing.start_date.isoformat()}
    else:
        period = _("%(start)s至%(end)s") % {
            "start": existing.start_date.isoformat(),
            "end": existing.end_date.isoformat(),
        }
    message = _("该人员已有%(kind)s记录（%(period)s），与所填期间重叠。请调整日期，或先删除原记录。") % {
        "kind": existing.get_kind_display(),
        "period": period,
    }
    # At the start when it falls inside the recorded period, else at the end that reaches into it.
    starts_inside = existing.start_date <= status.start_date
    raise ValidationError({"start_date" if starts_inside else "end_date": message}, code="overlap")


def _check_not_own_status(actor: User | None, person_id: int) -> None:
    """HR's own special status (立案审查, 试用期: it bears on their grade and their 优秀) is their own
    matter: another HR administrator records it where there is one (回避, a review)."""
    if actor is not None and selectors.recused(user=actor, person_id=person_id):
        raise PermissionDenied(_("这是您本人的特殊状态，您须回避，请由其他人事干部记录。"))


@transaction.atomic
def staff_status_add(*, status: StaffStatus, actor: User | None = None) -> StaffStatus:
    """Record a special status for a period (试用期, 挂职/援派, 长期休假, 立案审查), or save a
    corrected one; a period overlapping another of the same kind is refused. ``actor`` (HR, from
    the staff page) may not record their own where another HR administrator can."""
    _check_not_own_status(actor, status.user_id)
    status.full_clean()
    staff_status_dates_check(status=status)
    # The person's row taken first: two overlapping periods saved at once would both pass the check.
    list(User.objects.select_for_update(of=("self",)).filter(pk=status.user_id).values_list("pk", flat=True))
    staff_status_overlap_check(status=status)
    status.save()
    return status


@transaction.atomic
def staff_status_remove(*, status: StaffStatus, reason: str, actor: User | None = None) -> None:
    _check_not_own_status(actor, status.user_id)
    with audit_reason(reason):
        status.delete()


@transaction.atomic
def working_day_override_add(*, actor: User, day: date, is_working_day: bool, note: str = "") -> WorkingDayOverride:
    """Record that ``day`` is (or is not) a working day in the actor's organisation.

    The row overrides the statutory calendar and any global override for that organisation
    (see :func:`accounts.periods.is_working_day`). One row per organisation and day: a
    correction of a correction is made by deleting the old row first, so the trail stays plain.
    """
    override = WorkingDayOverride(
        organisation_id=actor.organisation_id,
        date=day,
        is_working_day=is_working_day,
        note=note.strip(),
        created_by=actor,
    )
    if not actor.has_perm("accounts.change_working_day_override", override):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if not periods.MIN_YEAR <= day.year <= periods.MAX_YEAR:
        errors["date"] = _("日期须在%(min)s年至%(max)s年之间。") % {"min": periods.MIN_YEAR, "max": periods.MAX_YEAR}
    elif WorkingDayOverride.objects.filter(organisation_id=actor.organisation_id, date=day).exists():
        errors["date"] = _("本单位已设置过%(date)s，如需更改请先删除原记录。") % {"date": f"{day:%Y-%m-%d}"}
    if len(override.note) > 100:
        errors["note"] = _("说明不能超过100个字。")
    if errors:
        raise ValidationError(errors)
    override.save()
    return override


@transaction.atomic
def working_day_override_remove(*, actor: User, override: WorkingDayOverride) -> None:
    """Delete an organisation's override; the day reverts to the global or statutory calendar."""
    if not actor.has_perm("accounts.change_working_day_override", override):
        raise PermissionDenied
    override.delete()


def notify(
    *, recipient: User, message: str, url: str = "", dedupe_key: str = "", digest: bool = False
) -> Notification | None:
    """Put a notification on the person's bell, and e-mail it when mail is configured.

    With a ``dedupe_key`` the notification is created at most once per person and key
    (a reminder per deadline), however often the caller runs; returns None for a repeat.
    With ``digest`` it is an entry of the person's daily digest instead: off the bell and not
    mailed alone; :func:`notifications_send_digests` gathers the day's entries into one notice.
    """
    # A reviewer's reason may be longer than the bell holds; the linked page shows it whole.
    message = message[: Notification._meta.get_field("message").max_length]
    digest_day = periods.today() if digest else None
    if dedupe_key:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                recipient=recipient,
                dedupe_key=dedupe_key,
                defaults={"message": message, "url": url, "digest_day": digest_day},
            )
        if not created:
            return None
    else:
        notification = Notification.objects.create(recipient=recipient, message=message, url=url, digest_day=digest_day)
    if settings.EMAIL_HOST and recipient.email and not digest:
        transaction.on_commit(lambda: _email_notification(notification.pk))
    return notification


def notify_many(notifications: list[Notification], *, dedupe_key: str, digest: bool = False) -> int:
    """:func:`notify` for many people at once (reminders to a whole organisation): one bulk insert.

    Every notification gets ``dedupe_key``, so a person is told once per key however often the
    caller runs (repeats are ignored by the unique constraint); the new ones are e-mailed when
    mail is configured, after commit — or, with ``digest``, wait for the day's digest. Returns how
    many were new.
    """
    before = Notification.objects.filter(dedupe_key=dedupe_key).count()
    limit = Notification._meta.get_field("message").max_length
    digest_day = periods.today() if digest else None
    for notification in notifications:
        notification.dedupe_key = dedupe_key
        notification.message = notification.message[:limit]
        notification.digest_day = digest_day
    Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=2000)
    created = Notification.objects.filter(dedupe_key=dedupe_key).count() - before
    if created and settings.EMAIL_HOST and not digest:
        unsent = list(
            Notification.objects.filter(
                dedupe_key=dedupe_key, emailed_at__isnull=True, recipient__email__gt=""
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: [_email_notification(pk) for pk in unsent])
    return created


# How many lines a digest's e-mail lists; the rest are on the notifications page, linked from the bell.
DIGEST_MAILED = 30

# accounts.workflow.ReviewStatus.SUBMITTED: workflow imports this module, so the value is repeated here.
_AWAITING_REVIEW = "submitted"


@dataclass
class _DigestLine:
    """One line of a digest: an entry, and the identical entries (same text and link) it stands for."""

    entry: Notification
    repeats: list[Notification]
    asks_for_review: bool

    @property
    def message(self) -> str:
        if not self.repeats:
            return self.entry.message
        suffix = _("（共%(n)s次）") % {"n": len(self.repeats) + 1}
        limit = Notification._meta.get_field("message").max_length
        return self.entry.message[: limit - len(suffix)] + suffix


def _reviewed_documents(urls: Iterable[str]) -> dict[str, models.Model]:
    """The reviewed documents (targets, summaries, 述职: ``accounts.workflow.ReviewedDocument``)
    whose pages ``urls`` are, by url — how a digest entry "X提交了…，待您审核" is tied to its document.

    The documents' apps sit above accounts, so they are found by what the base class declares
    (``review_permission``), and a url is matched by the document's own ``get_absolute_url``.
    """
    urls = {url for url in urls if url}
    pks: set[int] = set()
    for url in urls:
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            continue
        pks.update(value for value in (*match.args, *match.kwargs.values()) if isinstance(value, int))
    if not pks:
        return {}
    found: dict[str, models.Model] = {}
    for model in apps.get_models():
        if getattr(model, "review_permission", ""):
            for document in model._default_manager.filter(pk__in=pks).only("pk", "status", "owner"):
                found[document.get_absolute_url()] = document
    return {url: document for url, document in found.items() if url in urls}


def _digest_lines(entries: list[Notification]) -> tuple[list[_DigestLine], list[Notification]]:
    """The lines a digest lists, and the entries it leaves out: identical entries make one line
    (with their count), and a request to review a document that is no longer waiting (approved or
    returned that day) is left out — the action it asks for is done."""
    documents = _reviewed_documents(entry.url for entry in entries)
    lines: dict[tuple[str, str], _DigestLine] = {}
    settled: list[Notification] = []
    for entry in entries:
        asks_for_review = _asks_for_review(entry, documents)
        document = documents.get(entry.url)
        if asks_for_review and document is not None and document.status != _AWAITING_REVIEW:
            settled.append(entry)
        elif (entry.message, entry.url) in lines:
            lines[entry.message, entry.url].repeats.append(entry)
        else:
            lines[entry.message, entry.url] = _DigestLine(entry=entry, repeats=[], asks_for_review=asks_for_review)
    return list(lines.values()), settled


def _asks_for_review(entry: Notification, documents: dict[str, models.Model]) -> bool:
    # An entry linking to someone else's reviewed document is its reviewer's "待您审核"
    # (accounts.workflow.submit); one linking to the recipient's own would be news of a decision.
    # The review reminder links to the inbox itself (summaries.reminders): 待您审核 too (a user test
    # read it under 其他通知).
    if entry.url and urlsplit(entry.url).path == reverse("review"):
        return True
    document = documents.get(entry.url)
    return document is not None and document.owner_id != entry.recipient_id


def _digest_summary(lines: list[_DigestLine]) -> str:
    """The bell's text: one line is quoted; more are counted, what waits for review apart."""
    if len(lines) == 1:
        return _("今日通知：%(message)s") % {"message": lines[0].message}
    review = sum(line.asks_for_review for line in lines)
    other = len(lines) - review
    if not other:
        return _("今日有%(review)s项待您审核，请到通知页查看。") % {"review": review}
    if not review:
        return _("今日有%(other)s条通知，请到通知页查看。") % {"other": other}
    return _("今日有%(review)s项待您审核、%(other)s条其他通知，请到通知页查看。") % {
        "review": review,
        "other": other,
    }


def notifications_send_digests(*, day: date, organisation_id: int | None = None) -> int:
    """Gather every person's pending digest entries (queued on ``day`` or before) into one notice on
    the bell, e-mailed when mail is configured. Returns how many digests were sent. With
    ``organisation_id``, only the people of that organisation (the demo's own).

    The bell's notice is a short summary linking to the notifications page, which lists the
    entries under it; identical entries are listed once with their count, and a request to review
    a document already approved or returned is dropped (:func:`_digest_lines`). A person whose
    every entry was dropped gets no digest.

    Safe to run twice: the digest is created once per person and day (``dedupe_key``) and the
    entries are claimed by a conditional UPDATE. Entries queued after the day's digest went out
    wait for the next day's.
    """
    pending = Notification.objects.filter(digest_day__lte=day, digest__isnull=True)
    if organisation_id is not None:
        pending = pending.filter(recipient__organisation_id=organisation_id)
    limit = Notification._meta.get_field("message").max_length
    sent = 0
    for recipient_id in pending.values_list("recipient_id", flat=True).distinct().order_by("recipient_id"):
        with transaction.atomic():
            entries = list(pending.filter(recipient_id=recipient_id).order_by("created_at", "pk"))
            if not entries:
                continue
            lines, settled = _digest_lines(entries)
            dropped = settled + [repeat for line in lines for repeat in line.repeats]
            if not lines:
                # Nothing left to tell; the conditional DELETE is the claim.
                pending.filter(pk__in=[entry.pk for entry in dropped]).delete()
                continue
            # One line leads straight to its page; more, to the notifications page listing them.
            url = lines[0].entry.url if len(lines) == 1 else ""
            digest, created = Notification.objects.get_or_create(
                recipient_id=recipient_id,
                dedupe_key=f"digest:{day.isoformat()}",
                defaults={
                    "message": _digest_summary(lines)[:limit],
                    "url": url or reverse("accounts:notification_list"),
                },
            )
            if not created:
                continue
            for line in lines:
                if line.repeats:
                    Notification.objects.filter(pk=line.entry.pk).update(message=line.message)
            Notification.objects.filter(pk__in=[line.entry.pk for line in lines], digest__isnull=True).update(
                digest=digest
            )
            pending.filter(pk__in=[entry.pk for entry in dropped]).delete()
            if settings.EMAIL_HOST:
                transaction.on_commit(lambda pk=digest.pk: _email_notification(pk))
            sent += 1
    return sent


def _absolute(url: str) -> str:
    # A mail is read outside the site: a page's path is of use only with the site's address.
    base = settings.SITE_URL.rstrip("/")
    return f"{base}{url}" if base and url.startswith("/") else url


def _digest_mail_lines(digest: Notification) -> list[str]:
    """A digest's e-mail below its summary: the entries one a line with their link, what waits
    for review first, at most :data:`DIGEST_MAILED` of them; the notifications page has them all."""
    entries = list(digest.entries.order_by("created_at", "pk"))
    documents = _reviewed_documents(entry.url for entry in entries)
    review = [entry for entry in entries if _asks_for_review(entry, documents)]
    other = [entry for entry in entries if not _asks_for_review(entry, documents)]
    lines: list[str] = []
    room = DIGEST_MAILED
    for heading, group in ((_("待您审核（%(n)s项）："), review), (_("其他通知（%(n)s条）："), other)):
        if not group or not room:
            continue
        lines += ["", heading % {"n": len(group)}]
        for entry in group[:room]:
            lines.append(f"· {entry.message}" + (f"\n  {_absolute(entry.url)}" if entry.url else ""))
        room -= min(room, len(group))
    if len(entries) > DIGEST_MAILED:
        lines += ["", _("……等%(n)s条，请登录查看。") % {"n": len(entries)}]
    if len(entries) > DIGEST_MAILED and settings.SITE_URL:
        lines.append(_absolute(reverse("accounts:notification_list")))
    return lines


# How long a mail's subject quotes its notice before it stops at "…".
MAIL_SUBJECT_CHARS = 40


def _mail_subject(message: str) -> str:
    """A notice's first line, at most :data:`MAIL_SUBJECT_CHARS` characters (a subject is one line)."""
    first = message.splitlines()[0] if message else ""
    return first if len(first) <= MAIL_SUBJECT_CHARS else first[: MAIL_SUBJECT_CHARS - 1] + "…"


def _email_notification(notification_id: int) -> None:
    # Claim the row with a conditional UPDATE so a notification is mailed once even if two
    # workers race; a mail failure is logged, the bell still shows it.
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not notification.recipient.email:
        return
    try:
        # The page it is about, where the deployment says its address (settings.SITE_URL), as the
        # DingTalk messages link it (a user test's mail said what, not where).
        link = [settings.SITE_URL.rstrip("/") + notification.url] if settings.SITE_URL and notification.url else []
        # The subject says what it is about (a user test's every mail read 平时考核系统提醒): the
        # notice's first words; a digest of one entry is that entry, said once with its link.
        entries = _digest_mail_lines(notification) if notification.entries.count() > 1 else []
        send_mail(
            subject=_("平时考核系统：%(about)s") % {"about": _mail_subject(notification.message)},
            message="\n".join([notification.message, *entries, *link]),
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except OSError:
        logger.warning("Could not e-mail notification %s", notification_id, exc_info=True)


def notifications_mark_read(*, recipient: User, notification_id: int | None = None) -> int:
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


# --- Two-factor sign-in (django-otp: a TOTP authenticator plus static recovery codes) -------------

RECOVERY_CODE_COUNT = 10


def two_factor_enrol_start(*, user: User):
    """The person's authenticator waiting for its first code; a fresh key unless one is waiting."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("已启用双因素登录；如需更换手机，请联系安全管理员重置。"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("验证器"), confirmed=False)
    return device


@transaction.atomic
def two_factor_enrol_confirm(*, user: User, token: str):
    """Confirm the waiting authenticator with a code it shows; returns it with fresh recovery
    codes (shown once). Every other session of the person ends (``User.two_factor_enrolled_at``);
    the caller keeps its own with ``update_session_auth_hash``."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationError(_("请先开始设置验证器。"))
    if not device.verify_token(token):
        raise ValidationError(_("验证码不正确，请核对手机时间后输入验证器当前显示的6位数字。"))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user.two_factor_enrolled_at = timezone.now()
    user.save(update_fields=["two_factor_enrolled_at"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    return device, codes


def two_factor_verify(*, user: User, token: str):
    """The confirmed device that accepts ``token`` (a recovery code is used up), or None.
    Each device's own throttling applies."""
    from django_otp import devices_for_user

    for device in devices_for_user(user, confirmed=True, for_verify=True):
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(token):
            return device
    return None


def two_factor_wait(*, user: User) -> int:
    """Seconds until one of the person's confirmed devices takes a code again (django-otp slows
    down after each wrong code, doubling the pause), or 0 when one takes it now: a right code typed
    during the pause is refused by the device, and the page must say why rather than call it wrong."""
    from django_otp import devices_for_user

    until = []
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        allowed, why = device.verify_is_allowed()
        if allowed:
            return 0
        if (why or {}).get("locked_until"):
            until.append(why["locked_until"])
    if not until:
        return 0
    return max(1, math.ceil((min(until) - timezone.now()).total_seconds()))


def two_factor_required(*, user: User) -> bool:
    """Whether the person's organisation requires a second factor of someone in their roles."""
    from .models import TWO_FACTOR_ROLES, RoleAssignment
    from .selectors import policy_for_organisation

    if (
        not user.organisation_id
        or not policy_for_organisation(organisation_id=user.organisation_id).two_factor_required
    ):
        return False
    return RoleAssignment.objects.filter(
        user=user, organisation_id=user.organisation_id, role__in=TWO_FACTOR_ROLES
    ).exists()


@transaction.atomic
def account_unlock(*, actor: User, user: User, request=None) -> int:
    """The security administrator unlocks an account locked out by failed sign-ins (from any
    address); audited with the number of failures forgotten, and the owner is told. Returns it."""
    from .audit import record_event
    from .lockout import unlock_account

    if not actor.has_perm("accounts.unlock_account", user):
        raise PermissionDenied
    failures = unlock_account(user)
    record_event(event="unlock", obj=user, actor=actor, request=request, detail={"failures": failures})
    with in_site_language():
        notify(recipient=user, message=_("%(actor)s解除了您账号的登录锁定。") % {"actor": actor})
    return failures


@transaction.atomic
def two_factor_reset(*, user: User, actor: User | None = None) -> bool:
    """Remove the person's authenticator and recovery codes (the security administrator's action,
    e.g. a lost phone); audited through ``User.two_factor_reset_at``. The next sign-in enrols anew
    when the policy requires it. Returns whether it was done.

    Another administrator's second factor is only asked for (returns False): nobody changes an
    administrator's account alone, so a second administrator confirms it on the pending page
    (:func:`password_reset_decide`).
    """
    if actor is not None:
        if not actor.has_perm("accounts.change_roles", user):
            raise PermissionDenied
        from django_otp import devices_for_user

        if next(devices_for_user(user, confirmed=None), None) is None:
            raise ValidationError(_("%(name)s未设置双因素登录，无需重置。") % {"name": user})
        if user.roles & ADMIN_ROLES:
            _ask_a_second_admin(
                actor=actor,
                user=user,
                lookup={"second_factor": True},
                message=lambda reset: _("%(actor)s申请%(change)s，待您确认。") % {"actor": actor, "change": reset},
            )
            return False
    _two_factor_remove(user=user)
    return True


def _two_factor_remove(*, user: User) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user.two_factor_reset_at = timezone.now()
    user.save(update_fields=["two_factor_reset_at"])
