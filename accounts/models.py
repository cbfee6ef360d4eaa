"""Organisations, departments, people, roles, policy and the audit trail.

DOMAIN.md §2 describes the organisation; §3–§7 name the settings that differ
between agencies, which live in :class:`Policy` (one row per organisation).
"""

from __future__ import annotations

import json
import re
from datetime import UTC
from decimal import Decimal
from functools import cached_property
from operator import attrgetter

from auditlog.models import AbstractLogEntry
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DEFERRED, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from .fields import department_link, optional_link, organisation_link
from .job_kinds import kind_label
from .modelbits import DetailPage, unique_where_set
from .text import join_list


class OrganisationScoped:
    """A model whose audit entries name its organisation, so an auditor sees only their agency's.

    django-auditlog stores ``get_additional_data()`` on each entry; ``organisation_attr`` is the
    dotted path from the row to its organisation's id (``"department.organisation_id"``).
    """

    organisation_attr = "organisation_id"

    def get_additional_data(self) -> dict:
        return {"organisation_id": attrgetter(self.organisation_attr)(self)}


class Organisation(OrganisationScoped, models.Model):
    """An agency (机关/单位). Its data and policy are invisible to other organisations."""

    organisation_attr = "pk"

    code = models.SlugField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # 公务员主管部门: the civil-service bureau (itself an organisation) that oversees this one and
    # reads its aggregates, never a person's content (appraisal_site.oversight).
    supervised_by = optional_link("self", _("主管部门"), on_delete=models.SET_NULL, related_name="overseen")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# What the staff import reads as "in no department" (the leadership, accounts.imports): no
# department's name or code (Department.clean).
OUTSIDE_DEPARTMENTS_WORDS = frozenset({"不在科室", "不在科室（领导班子成员）", "不在科室(领导班子成员)"})


class Department(OrganisationScoped, models.Model):
    """A 科室/处室 with one head and one supervising leader."""

    organisation = organisation_link(related_name="departments")
    code = models.CharField(_("科室编码"), max_length=32)
    name = models.CharField(_("科室名称"), max_length=100)
    head = optional_link("User", _("科室负责人"), on_delete=models.SET_NULL, related_name="headed_departments")
    supervising_leader = optional_link(
        "User", _("分管领导"), on_delete=models.SET_NULL, related_name="supervised_departments"
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("科室")
        ordering = ["organisation", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="department_code_unique_per_org"),
            models.UniqueConstraint(fields=["organisation", "name"], name="department_name_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_head_at_work(self) -> bool:
        """Whether someone reviews its people's targets and summaries and grades them: a head whose
        account is active (as :func:`accounts.selectors.without_head_at_work` counts it)."""
        return self.head_id is not None and self.head.is_active

    def clean(self) -> None:
        super().clean()
        # The staff import reads these words as "in no department" (the leadership): a department
        # so named or coded could never be imported into.
        for field in ("name", "code"):
            if getattr(self, field) in OUTSIDE_DEPARTMENTS_WORDS:
                raise ValidationError(
                    {
                        field: _("“%(value)s”在人员导入中表示不在任何科室，不能用作科室名称或编码。")
                        % {"value": getattr(self, field)}
                    }
                )
        # The staff import finds a department by its code whatever the case (BGS is bgs): two codes
        # differing only in case would be one code to it. (The exact clash is the constraint's.)
        if self.code and self.organisation_id:
            same = Department.objects.filter(organisation_id=self.organisation_id, code__iexact=self.code)
            clash = same.exclude(pk=self.pk).exclude(code=self.code).first()
            if clash is not None:
                raise ValidationError(
                    {
                        "code": _("本单位已有编码为“%(code)s”的科室（编码不区分大小写），请换一个编码。")
                        % {"code": clash.code}
                    }
                )

    def unique_error_message(self, model_class, unique_check):
        """Name the clash in the office's words, not Django's "包含 单位 和 科室编码 的 科室 已经存在"."""
        if model_class is Department and tuple(unique_check) == ("organisation", "code"):
            return ValidationError(
                _("本单位已有编码为“%(code)s”的科室，请换一个编码。"),
                code="unique_together",
                params={"code": self.code},
            )
        if model_class is Department and tuple(unique_check) == ("organisation", "name"):
            return ValidationError(
                _("本单位已有名为“%(name)s”的科室（含已停用的），请换一个名称。"),
                code="unique_together",
                params={"name": self.name},
            )
        return super().unique_error_message(model_class, unique_check)


class StaffType(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("公务员")
    REFERENCE = "reference", _("参公人员")
    INSTITUTION = "institution", _("事业人员")
    PUBLIC_WELFARE = "public_welfare", _("公益性岗位")


class PositionCategory(models.TextChoices):
    GENERAL = "general", _("综合管理")
    ENFORCEMENT = "enforcement", _("业务执法")
    SERVICE = "service", _("服务保障")


class Role(models.TextChoices):
    STAFF = "staff", _("工作人员")
    DEPARTMENT_HEAD = "department_head", _("科室负责人")
    SUPERVISING_LEADER = "supervising_leader", _("分管领导")
    AGENCY_HEAD = "agency_head", _("主要负责人")
    HR_ADMIN = "hr_admin", _("组织人事")
    INSPECTOR = "inspector", _("纪检督查")
    AUDITOR = "auditor", _("审计员")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    OVERSIGHT = "oversight", _("公务员主管部门")


# 三员分立: the system administrator (accounts), the security administrator (roles, security
# settings) and the auditor (the audit log) are three different people, who hold no other role
# and see no appraisal content.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
# The bureau's officers (公务员主管部门) read other organisations' aggregates and take no part in
# their own organisation's appraisal either.
SEPARATED_ROLES = ADMIN_ROLES | {Role.OVERSIGHT}
# The two sides of a role change: one asks, a holder of the other side's role confirms.
ROLE_CHANGE_SIDES = frozenset({Role.SECURITY_ADMIN, Role.HR_ADMIN})
# Roles that decide or change grades and results: granting one takes a second person's confirmation.
DECISION_ROLES = frozenset({Role.AGENCY_HEAD, Role.SUPERVISING_LEADER, Role.HR_ADMIN, Role.INSPECTOR})
# Roles whose grant or withdrawal waits for a second person: a single account could otherwise
# give itself (or an accomplice) the power to decide, or strip the auditor of the trail.
# Oversight reads every overseen organisation's figures, so it too takes a second person.
TWO_PERSON_ROLES = DECISION_ROLES | ADMIN_ROLES | {Role.OVERSIGHT}
# Whose password, set by someone else, waits for a second administrator: anyone holding a right
# to decide or change a grade — the department head too, who gives the first grade (a head is
# appointed on the department form, which already takes a second person) — and the administrators.
# Otherwise one administrator could reset the head's password, sign in as the head and grade.
PASSWORD_RESET_TWO_PERSON_ROLES = TWO_PERSON_ROLES | {Role.DEPARTMENT_HEAD}
# A department's posts and the role each carries. Appointing someone to one on the department
# form is a grant of that role (the head gives the first grade, the leader confirms or changes
# it), so it too waits for a second person (accounts.services.department_save).
DEPARTMENT_POSTS = {"head": Role.DEPARTMENT_HEAD, "supervising_leader": Role.SUPERVISING_LEADER}

# The roles whose holders must sign in with a second factor when the policy asks for it
# (Policy.two_factor_required); the one place to extend, e.g. with a security administrator.
TWO_FACTOR_ROLES = frozenset(
    {
        Role.HR_ADMIN,
        Role.SUPERVISING_LEADER,
        Role.AGENCY_HEAD,
        Role.SYSADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDITOR,
        Role.OVERSIGHT,
    }
)


class User(OrganisationScoped, AbstractUser):
    """A person who logs in. Staff attributes live here; the department is the current one.

    A user name is unique within its organisation (case aside), not across organisations: HR of
    one agency must not learn, by being refused a name, that another agency has a person of that
    name. Sign-in finds the one person of that name whose password matches
    (:class:`accounts.backends.OrganisationUsernameBackend`).
    """

    username = models.CharField(
        _("username"),
        max_length=150,
        help_text=_("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        validators=[AbstractUser.username_validator],
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    organisation = optional_link(Organisation, _("单位"), related_name="members")
    department = optional_link(
        Department, _("所在科室"), related_name="members", help_text=_("当前科室；调动请使用“调整科室”，以保留历史。")
    )
    employee_number = models.CharField(_("工号"), max_length=32, blank=True)
    position_title = models.CharField(_("职务职级"), max_length=50, blank=True)
    staff_type = models.CharField(
        _("人员类别"), max_length=20, choices=StaffType.choices, default=StaffType.CIVIL_SERVANT
    )
    position_category = models.CharField(
        _("岗位类别"), max_length=20, choices=PositionCategory.choices, default=PositionCategory.GENERAL
    )
    is_leader_position = models.BooleanField(
        _("领导职务"), default=False, help_text=_("“好”等次名额可按领导与非领导分池计算。")
    )
    # A newcomer (入职、调入) owes nothing of the periods that ended before this day: no targets,
    # summaries or lateness (accounts.periods.person_policy). Empty: from the organisation's
    # start in the system (Policy.started_on), as for everyone there when it began.
    appraisal_start = models.DateField(
        _("参加考核日期"),
        null=True,
        blank=True,
        help_text=_(
            "入职或调入本单位的日期：此前结束的季度、月份不要求填报目标和小结，也不计逾期。留空表示自本单位系统启用日期起。"
        ),
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    # Stamped by accounts.validators.PasswordHistoryValidator.password_changed; empty for accounts
    # whose password predates it (their age counts from the first change).
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True, editable=False)
    # Set when an administrator removes the person's authenticator and recovery codes, so the
    # reset appears in the audit trail (the devices themselves are django-otp's rows).
    two_factor_reset_at = models.DateTimeField(_("双因素重置时间"), null=True, blank=True, editable=False)
    # Set when the person confirms an authenticator. With the reset above it is part of the session
    # hash (:meth:`_get_session_auth_hash`), so either ends every other session of the person, as a
    # new password does: a browser signed in with the password alone does not outlive the enrolment,
    # nor one on a lost phone the reset.
    two_factor_enrolled_at = models.DateTimeField(_("双因素启用时间"), null=True, blank=True, editable=False)
    # Set at each sign-in while the organisation allows one session per person (Policy.single_session):
    # part of the session hash, so a new sign-in ends the person's sessions elsewhere.
    session_started_at = models.DateTimeField(_("本次登录时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("人员")
        ordering = ["organisation", "department", "employee_number", "username"]
        constraints = [
            unique_where_set("organisation", "employee_number", name="employee_number_unique_per_org"),
            models.UniqueConstraint(
                Lower("username"),
                "organisation",
                name="username_unique_per_org",
                violation_error_message=_("本单位已有人员使用该用户名。"),
            ),
            # NULLs are distinct in a unique index: accounts without an organisation (a superuser).
            models.UniqueConstraint(
                Lower("username"),
                condition=Q(organisation__isnull=True),
                name="username_unique_without_org",
                violation_error_message=_("该用户名已被使用。"),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "department", "is_active"]),
            # A department's people in 工号 order (the head's list of whom they evaluate).
            models.Index(fields=["department", "employee_number", "username"], name="user_department_number_idx"),
        ]

    # Django's flags of its admin site (/admin/), which the product's roles never use. The audit
    # trail shows every change of them (a grant is power the auditor must see) under names saying
    # what they grant: Django's own 超级用户状态 says nothing to an auditor, and its 工作人员状态
    # reads here as the 工作人员 role. A person created without them (everyone but a deployment's
    # superuser) says nothing of them (AuditEntry.change_rows).
    AUDIT_ADMIN_SITE_FLAGS = {
        "is_superuser": _("管理后台超级用户（拥有全部权限）"),
        "is_staff": _("可登录管理后台"),
    }

    def __str__(self) -> str:
        return self.full_name or self.username

    @classmethod
    def from_db(cls, db, field_names, values):
        person = super().from_db(db, field_names, values)
        # What the grading rows were last told (evaluations.grading.services.numbers): a save that
        # leaves the date as it was refreshes nothing.
        person._appraisal_start_loaded = person.__dict__.get("appraisal_start", DEFERRED)
        return person

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def _get_session_auth_hash(self, secret=None):
        """Django's HMAC of the password, also over the second factor's changes and the last sign-in
        under :attr:`Policy.single_session` when there were any (so sessions of people who never had
        one are kept across these rules' introduction)."""
        stamps = [
            stamp.isoformat()
            for stamp in (self.two_factor_enrolled_at, self.two_factor_reset_at, self.session_started_at)
            if stamp
        ]
        if not stamps:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "accounts.User.session_auth_hash", "|".join([self.password, *stamps]), secret=secret, algorithm="sha256"
        ).hexdigest()

    @cached_property
    def roles(self) -> frozenset[str]:
        """The role codes this person holds in their organisation (cached per request)."""
        if not self.pk or not self.organisation_id:
            return frozenset()
        return frozenset(
            self.role_assignments.filter(organisation_id=self.organisation_id).values_list("role", flat=True)
        )

    def has_role(self, role: str) -> bool:
        return role in self.roles


class DepartmentMembership(OrganisationScoped, models.Model):
    """Which department a person belonged to, and when. The open row is the current one."""

    organisation_attr = "user.organisation_id"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("人员"))
    department = department_link(related_name="memberships")
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("科室任职记录")
        ordering = ["user", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(end_date__isnull=True), name="one_open_membership_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department} ({self.start_date}–{self.end_date or ''})"


class DepartmentHeadship(OrganisationScoped, models.Model):
    """Who headed a department, and when: from ``start_date`` (None: before this history was kept)
    until the day ``end_date`` another took the post or it was emptied; the open row is the current
    head. Kept by :func:`accounts.services.headship_record` whenever a department's head changes.
    Grading reads it (谁管理谁认定): whoever headed a department in a quarter is graded for it by the
    supervising leader, even when the post changed hands before the quarter's grading opened."""

    organisation_attr = "department.organisation_id"

    department = department_link(related_name="headships")
    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="headships", verbose_name=_("科室负责人"))
    start_date = models.DateField(_("起始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("科室负责人任职记录")
        ordering = ["department", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"], condition=Q(end_date__isnull=True), name="one_open_headship_per_department"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.department} ({self.start_date or ''}–{self.end_date or ''})"


class StaffStatusKind(models.TextChoices):
    PROBATION = "probation", _("试用期")
    SECONDED = "seconded", _("挂职/援派")
    LONG_LEAVE = "long_leave", _("长期休假")
    UNDER_INVESTIGATION = "under_investigation", _("立案审查")


class StaffStatus(OrganisationScoped, models.Model):
    """A special status for a period (probation, secondment, long leave, investigation)."""

    organisation_attr = "user.organisation_id"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="statuses", verbose_name=_("人员"))
    kind = models.CharField(_("状态"), max_length=30, choices=StaffStatusKind.choices)
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("特殊状态")
        ordering = ["user", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="status_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()}"


class RoleAssignment(OrganisationScoped, models.Model):
    """A role a person holds in an organisation; a person may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("人员"))
    organisation = organisation_link(related_name="role_assignments", on_delete=models.CASCADE)
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True, verbose_name=_("授予时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="role_once_per_user_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class PendingChange(OrganisationScoped, models.Model):
    """A change one person asked for that takes effect only when a second person confirms it."""

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("已拒绝")
        WITHDRAWN = "withdrawn", _("已撤回")

    organisation = organisation_link(on_delete=models.CASCADE)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    confirmed_by = optional_link(User, _("确认人"))
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    # Not stored: set on the request a service hands back when the same request was found waiting
    # rather than made (accounts.services._pending_ask), so the page says so instead of "已登记".
    already_waiting = False

    class Meta:
        abstract = True


class PendingRoleChange(PendingChange):
    """A grant or withdrawal of a two-person role (:data:`TWO_PERSON_ROLES`), waiting for the second person."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("人员"))
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    withdraw = models.BooleanField(_("撤销"), default=False)
    # An appointment to a department's post (its head or supervising leader, :data:`DEPARTMENT_POSTS`)
    # asked for on the department form: confirming it fills the post, which carries the role.
    department = optional_link(Department, _("科室"), on_delete=models.CASCADE)
    # A grant only: the role unticked in the same save of the roles page (工作人员, the one role that
    # changes at once) when withdrawing it at once would leave the person with no role while the
    # grant waits. It goes when the grant is confirmed, in the same step, and stays if the grant is
    # rejected or withdrawn (accounts.services.roles_set, role_change_decide).
    withdraw_on_confirm = models.CharField(_("确认后同时撤销"), max_length=30, choices=Role.choices, blank=True)

    # Not stored: set on a waiting grant a save of the roles page has just given ``withdraw_on_confirm``.
    withdrawal_attached = False
    # Not stored: the role's label on a waiting grant whose ``withdraw_on_confirm`` a save has just
    # taken off (the role ticked again).
    withdrawal_detached = ""

    class Meta:
        verbose_name = verbose_name_plural = _("待确认的角色变更")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(state="pending", department__isnull=True),
                name="one_pending_change_per_user_role",
            ),
            # A leader may supervise several departments: one waiting appointment per post.
            models.UniqueConstraint(
                fields=["department", "role"],
                condition=Q(state="pending", department__isnull=False),
                name="one_pending_appointment_per_post",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "state"])]

    def __str__(self) -> str:
        if self.department_id:
            text = str(
                _("任命%(name)s为“%(department)s”的%(role)s")
                % {"name": self.user, "department": self.department, "role": self.get_role_display()}
            )
        else:
            verb = _("撤销") if self.withdraw else _("授予")
            text = f"{verb} {self.user} · {self.get_role_display()}"
        if self.withdraw_on_confirm:
            text += str(_("（确认后同时撤销“%(role)s”）") % {"role": self.get_withdraw_on_confirm_display()})
        return text


class PendingPasswordReset(PendingChange):
    """A reset of a decision maker's or an administrator's password, or of an administrator's
    second factor (``second_factor``), waiting for a second administrator."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("人员"))
    second_factor = models.BooleanField(_("重置双因素登录"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("待确认的密码重置")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "second_factor"], condition=Q(state="pending"), name="one_pending_reset_per_user"
            ),
        ]

    def __str__(self) -> str:
        if self.second_factor:
            return str(_("重置%(name)s的双因素登录") % {"name": self.user})
        return str(_("重置%(name)s的密码") % {"name": self.user})


class AppraisalPeriod(models.TextChoices):
    # Only the quarter: targets, summaries, grading and the roll-up all work by quarter, so a
    # half-year or monthly period would be a setting that changes nothing. Add one here only
    # together with the code that honours it.
    QUARTER = "quarter", pgettext_lazy("appraisal period", "季度")


def _whole_number(verbose_name, default, low, high, help_text="", *, too_low=None, too_high=None):
    """A setting that is a whole number from ``low`` to ``high``: field validators, so the form,
    ``full_clean`` and ``policy_update`` all refuse any other (with ``too_low`` / ``too_high`` as
    the message where the default one would not say why)."""

    def bound(validator, limit, message):
        # No ``message=None`` when there is none: a validator deconstructs with the arguments it was
        # given, and the extra keyword would read as a changed field to makemigrations.
        return validator(limit, message=message) if message else validator(limit)

    return models.PositiveSmallIntegerField(
        verbose_name,
        default=default,
        validators=[bound(MinValueValidator, low, too_low), bound(MaxValueValidator, high, too_high)],
        help_text=help_text,
    )


def _percent_field(verbose_name, default, help_text=""):
    """A whole number from 0 to 100: a percentage, a weight or a score in points."""
    return _whole_number(verbose_name, default, 0, 100, help_text)


class GradingOpens(models.TextChoices):
    """When a quarter's grading window opens (DOMAIN.md §3)."""

    QUARTER_END = "quarter_end", _("季度结束后")
    # Seed 002's agency: 待每季度满意度调查结束后，同步进行当季度平时考核.
    SURVEY_ENTERED = "survey_entered", _("季度结束且满意度测评结果录入后")


def default_participating_staff_types() -> list[str]:
    return [StaffType.CIVIL_SERVANT, StaffType.REFERENCE, StaffType.INSTITUTION]


# GB/T 22239 level 3: a session idle longer than this ends, whatever a policy says.
MAX_SESSION_IDLE_MINUTES = 30
# GB/T 22239 level 3 keeps the audit trail at least six months: the policy cannot go below it.
AUDIT_RETENTION_MIN_DAYS = 180
# The deployment's password rules (AUTH_PASSWORD_VALIDATORS), below which no policy goes.
PASSWORD_MIN_LENGTH = 8
PASSWORD_MIN_CLASSES = 3


class FeedbackTalkBy(models.TextChoices):
    """Who holds the feedback talk after a quarter's grades are locked (DOMAIN.md §6)."""

    SUPERVISING_LEADER = "supervising_leader", _("分管领导（与所分管科室的每位人员谈话）")
    DEPARTMENT_HEAD = "department_head", _("科室负责人（与本科室人员谈话；科室负责人由分管领导谈话）")


class Policy(OrganisationScoped, models.Model):
    """The settings DOMAIN.md marks as policy, one row per organisation, with their defaults.

    Every rule that differs between agencies reads its number from here; the
    validation in :meth:`clean` is the single place their consistency is checked.
    """

    # The security administrator's settings (三员分立), edited on a page of their own; an audit entry
    # that changes only these reads 安全设置, not 考核政策.
    SECURITY_SETTINGS_FIELDS = (
        "session_idle_minutes",
        "password_min_length",
        "password_min_classes",
        "password_max_age_days",
        "two_factor_required",
        "single_session",
        "audit_retention_days",
    )

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="policy", verbose_name=_("单位")
    )
    # §3 period and deadlines
    period = models.CharField(
        _("考核周期"), max_length=20, choices=AppraisalPeriod.choices, default=AppraisalPeriod.QUARTER
    )
    # When the organisation began appraising in the system (set when it is opened, editable by HR):
    # nothing before it is due, late or missing (accounts.periods.is_due); None: no such limit.
    started_on = models.DateField(
        _("系统启用日期"),
        null=True,
        blank=True,
        help_text=_(
            "本单位开始在系统中考核的日期。此前结束的月份和季度无需填报，不计逾期或缺交；"
            "启用当季的季目标自启用之日起按通常的期限提交。"
        ),
    )
    target_deadline_day = _whole_number(_("季目标截止日"), 10, 1, 28, _("季度第一个月的第几日前提交季目标。"))
    summary_deadline_day = _whole_number(
        _("月小结截止日"), 5, 1, 28, _("次月第几日前提交上月小结；逾期仍可提交，记为迟交。")
    )
    grading_deadline_days = _whole_number(_("评鉴期限（天）"), 15, 1, 60, _("季度结束后多少天内完成审核评鉴。"))
    # A deadline day that falls on a day off (a statutory holiday, a weekend not made a working day)
    # moves to the next working day (accounts.periods, by the organisation's working calendar).
    deadlines_on_working_days = models.BooleanField(
        _("截止日遇节假日顺延"),
        default=False,
        help_text=_(
            "开启后，季目标和月小结的截止日如遇法定节假日或休息日，顺延至下一个工作日（按工作日历，含调休上班日）。"
        ),
    )
    # The deadline days periods already past were held to, kept when HR changes a day so a past
    # month or quarter keeps its deadline: {"summary": [[year, month, day], …], "target": [[year,
    # quarter, day], …]}, ascending; a period up to an entry's has that entry's day
    # (:meth:`deadline_day`; written by accounts.services.policy_update).
    past_deadline_days = models.JSONField(_("以往的截止日"), default=dict, blank=True, editable=False)
    grading_opens = models.CharField(
        _("评鉴开始时间"),
        max_length=20,
        choices=GradingOpens.choices,
        default=GradingOpens.QUARTER_END,
        help_text=_("季度评鉴最早何时开始：季度结束后的第一天；或在此基础上，还须录入本季度满意度测评结果。"),
    )
    grading_open_past_quarters = models.PositiveSmallIntegerField(
        _("可补开评鉴的往期季度数"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_(
            "人事部门最多可开放当前季度之前几个季度的评鉴。默认1：只能开放上一季度（季度结束后的评鉴期），"
            "更早的季度视为已过期，防止误开往年季度。"
        ),
    )
    reminder_days_before = _whole_number(_("提前提醒天数"), 3, 0, 15)
    review_reminder_days = _whole_number(_("待审提醒天数"), 3, 1, 30, _("待审事项超过多少天提醒审核人。"))
    attachment_max_mb = _whole_number(_("附件大小上限（MB）"), 10, 1, 100)
    # §4 grading
    good_quota_percent = _percent_field(_("“好”等次比例（%）"), 40, _("按参与人数计算，向下取整。"))
    good_quota_separate_pools = models.BooleanField(
        _("领导与非领导分池"), default=False, help_text=_("领导职务人员与其他人员分别计算“好”等次名额。")
    )
    score_model_enabled = models.BooleanField(_("启用量化评分"), default=False)
    common_indicator_weight = _percent_field(_("共性指标权重"), 40)
    individual_indicator_weight = _percent_field(_("个性指标权重"), 60)
    band_good = _percent_field(_("“好”分数线"), 90)
    band_fairly_good = _percent_field(_("“较好”分数线"), 80)
    band_average = _percent_field(_("“一般”分数线"), 60, _("低于此分数须评为“较差”。"))
    # The 表扬与投诉 indicator of service positions: 100, then these points per event in the quarter.
    unhandled_complaint_deduction = _percent_field(
        _("未处理投诉每件扣分"), 5, _("“表扬与投诉”指标以100分为基数，每件未处理（或处理情况不明）的投诉扣减的分数。")
    )
    handled_complaint_deduction = _percent_field(_("已处理投诉每件扣分"), 2, _("每件已处理的投诉扣减的分数。"))
    praise_bonus = _percent_field(_("表扬每次加分"), 2, _("每次表扬增加的分数；该指标得分在0至100分之间。"))
    linkage_enabled = models.BooleanField(_("科室成绩挂钩"), default=False)
    linkage_coefficient = models.DecimalField(
        _("挂钩系数 k"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.30"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("综合得分 = 个人得分 ×（1 − k）+ 科室得分 × k。"),
    )
    party_building_weight = _percent_field(_("党建工作权重（科室得分）"), 60, _("须超过科室得分权重的一半。"))
    # The three parts of 党建工作 the bureau's rules name (基础工作, 党员教育管理, 底线约束), each a
    # share of the party-building weight: together they keep more than half of the department score.
    party_basics_share = _percent_field(
        _("党建基础工作占党建工作比例（%）"), 40, _("组织建设、制度执行等党建基础工作在党建工作得分中的比例。")
    )
    party_education_share = _percent_field(
        _("党员教育管理占党建工作比例（%）"), 30, _("党员学习教育、日常管理在党建工作得分中的比例。")
    )
    party_bottom_line_share = _percent_field(
        _("底线约束占党建工作比例（%）"), 30, _("基础工作、党员教育管理、底线约束三部分比例之和须为100。")
    )
    uncertain_leave_share_percent = _percent_field(
        _("不确定等次休假比例（%）"), 50, _("休假超过考核期该比例者，定为不确定等次。")
    )
    discipline_review_step = models.BooleanField(_("审批前征求纪委意见"), default=False)
    # §5 discipline
    inspections_per_month = _whole_number(_("每月最少检查次数"), 2, 0, 31)
    # §6 publication
    publication_working_days = _whole_number(_("公示期（工作日）"), 5, 1, 30)
    publish_scores = models.BooleanField(_("公示分数与排名"), default=False)
    # §6 feedback talks (结果反馈 · 二级反馈, seed 002): who holds the talk after a quarter locks,
    # and how many working days they have before it shows as overdue.
    feedback_talk_by = models.CharField(
        _("结果反馈谈话人"),
        max_length=30,
        choices=FeedbackTalkBy.choices,
        default=FeedbackTalkBy.SUPERVISING_LEADER,
        help_text=_("季度等次定等后，由谁与被考核人谈心谈话并记录反馈。"),
    )
    feedback_talk_working_days = _whole_number(
        _("反馈谈话期限（工作日）"),
        10,
        1,
        60,
        _("定等后超过此工作日数仍未记录谈话的，在谈话人首页和每日汇总通知中提醒。"),
    )
    # §6 openness (seed 002): the weekly progress board and the DingTalk work group
    weekly_progress_enabled = models.BooleanField(
        _("启用每周工作进展"),
        default=False,
        help_text=_("启用后，各科室负责人每周填报工作进展，由组织人事汇编后向全体人员公开。"),
    )
    dingtalk_webhook_url = models.URLField(
        _("钉钉群机器人Webhook地址"),
        max_length=500,
        blank=True,
        help_text=_("钉钉工作群自定义机器人的Webhook地址；留空则不推送。"),
    )
    # A Fernet token (accounts.encryption), never the secret itself; set through
    # policy_update(dingtalk_secret=...), never shown back.
    dingtalk_secret_encrypted = models.TextField(_("钉钉机器人加签密钥（加密保存）"), blank=True, editable=False)
    # §7 year-end
    excellent_quota_percent = _percent_field(_("“优秀”等次比例（%）"), 20)
    excellent_min_good_share_percent = _percent_field(
        _("“优秀”须“好”的季度占比超过（%）"), 50, _("默认：“好”须超过已评季度的一半。")
    )
    excellent_forbids_average_or_below = models.BooleanField(_("有“一般”及以下等次不得评“优秀”"), default=True)
    basic_competent_average_quarters = _whole_number(_("建议“基本称职”的“一般”及以下季度数"), 3, 1, 12)
    probation_gets_annual_grade = models.BooleanField(_("试用期人员确定年度等次"), default=False)
    participating_staff_types = models.JSONField(_("参加平时考核的人员类别"), default=default_participating_staff_types)
    # A list of codes the audit trail shows by their labels (AuditEntry._value_text).
    AUDIT_LIST_CHOICES = {"participating_staff_types": StaffType.choices}
    # §8 public-welfare posts (公益性岗位): the annual assessment window, the 民主测评's service users
    # and the working days HR has to carry out a consequence of a final result.
    welfare_window_month = _whole_number(_("公益性岗位考核月份"), 12, 1, 12)
    welfare_window_first_day = _whole_number(_("公益性岗位考核开始日"), 1, 1, 28)
    welfare_window_last_day = _whole_number(_("公益性岗位考核截止日"), 15, 1, 28)
    welfare_service_users_min = _whole_number(_("民主测评服务对象最少人数"), 2, 0, 20)
    welfare_service_users_max = _whole_number(_("民主测评服务对象最多人数"), 4, 1, 20)
    welfare_consequence_working_days = _whole_number(_("考核结果处理期限（工作日）"), 10, 1, 60)
    # How long before a post agreement ends HR is reminded of it (and of one ended, not renewed).
    welfare_agreement_notice_days = _whole_number(_("上岗协议到期提醒天数"), 30, 0, 180)
    # §7/§8 民主测评 (evaluations.ballots): the questionnaire's limits, the void and trimming rules,
    # and the thresholds that feed the year-end suggestion. A ballot copies them when it is opened.
    ballot_excellent_limit_percent = _percent_field(
        _("测评票“优秀”最多占比（%）"),
        20,
        _("每张测评票中评为“优秀”的人数不得超过被测评人数的此比例（向下取整，至少1人）。"),
    )
    ballot_void_identical = models.BooleanField(
        _("所有被测评人选同一等次的票作废"), default=True, help_text=_("被测评人多于1人时适用。")
    )
    ballot_void_full_marks = models.BooleanField(_("各项均为满分的票作废"), default=True)
    ballot_max_dimension_score = _whole_number(_("德能勤绩廉每项满分"), 10, 1, 100)
    ballot_trim_extremes = models.BooleanField(
        _("去掉一个最高分和一个最低分"),
        default=True,
        help_text=_("有效票多于下方票数时，每名被测评人的得分去掉最高、最低各一。"),
    )
    ballot_trim_above_papers = _whole_number(_("去掉最高最低分的票数下限"), 5, 2, 1000)
    ballot_low_share_percent = _percent_field(
        _("建议“基本称职”的测评“基本称职/不称职”票占比（%）"),
        30,
        _("有效票中“基本称职”和“不称职”（或“不满意”）合计达到此比例，年度建议“基本称职”。"),
    )
    ballot_dissatisfied_percent = _percent_field(
        _("建议“基本称职”的服务对象“不满意”占比（%）"),
        25,
        _("服务对象的有效票中“不满意”达到此比例，年度建议“基本称职”。"),
    )
    # §9 security
    session_idle_minutes = _whole_number(
        _("空闲超时（分钟）"), 30, 5, MAX_SESSION_IDLE_MINUTES, too_high=_("空闲超时不能超过%(limit_value)s分钟。")
    )
    single_session = models.BooleanField(
        _("同一账号只允许一处登录"),
        default=False,
        help_text=_("开启后，账号在另一个浏览器或设备登录时，先前登录之处自动退出，并在下次操作时提示重新登录。"),
    )
    password_max_age_days = _whole_number(
        _("密码最长使用期限（天）"), 90, 0, 365, _("密码使用超过此天数须修改后才能继续使用系统；0 表示不限。")
    )
    # The password rules of the organisation's people: the deployment's rules
    # (AUTH_PASSWORD_VALIDATORS: 8 characters, three classes) are the floor, so the security
    # administrator can only tighten them (accounts.validators).
    password_min_length = _whole_number(
        _("密码最短长度"),
        PASSWORD_MIN_LENGTH,
        PASSWORD_MIN_LENGTH,
        64,
        _("不少于8位；修改后对此后设置的密码生效。"),
        too_low=_("密码最短长度不能少于%(limit_value)s位。"),
    )
    password_min_classes = _whole_number(
        _("密码须包含的字符类别数"),
        PASSWORD_MIN_CLASSES,
        PASSWORD_MIN_CLASSES,
        4,
        _("大写字母、小写字母、数字、特殊字符中至少包含几类（3或4）。"),
        too_low=_("字符类别数不能少于%(limit_value)s类。"),
    )
    audit_retention_days = _whole_number(
        _("审计记录保存期限（天）"),
        AUDIT_RETENTION_MIN_DAYS,
        AUDIT_RETENTION_MIN_DAYS,
        3650,
        _("超过此天数的审计记录每日自动清理；不少于180天。"),
        too_low=_("审计记录至少保存%(limit_value)s天。"),
    )
    two_factor_required = models.BooleanField(
        _("关键岗位须双因素登录"),
        default=False,
        help_text=_(
            "组织人事、分管领导、主要负责人、系统管理员、安全管理员和审计员登录时，除密码外还须输入验证器应用生成的动态码。"
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("考核政策")

    def __str__(self) -> str:
        return str(_("%(org)s 考核政策") % {"org": self.organisation})

    def deadline_day(self, kind: str, year: int, number: int) -> int:
        """The deadline day of ``kind`` ("summary": month ``number``; "target": quarter ``number``)
        of ``year``: the day it was held to when the policy has changed since, else today's."""
        for entry_year, entry_number, day in self.past_deadline_days.get(kind, ()):
            if (year, number) <= (entry_year, entry_number):
                return day
        return self.summary_deadline_day if kind == "summary" else self.target_deadline_day

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.common_indicator_weight + self.individual_indicator_weight != 100:
            errors["individual_indicator_weight"] = _("共性指标与个性指标权重之和须为100（当前为%(total)s）。") % {
                "total": self.common_indicator_weight + self.individual_indicator_weight
            }
        if not (self.band_average < self.band_fairly_good < self.band_good):
            errors["band_good"] = _("分数线须满足：“好” > “较好” > “一般”。")
        if self.party_building_weight <= 50:
            errors["party_building_weight"] = _("党建工作权重须超过50%。")
        shares = self.party_basics_share + self.party_education_share + self.party_bottom_line_share
        if shares != 100:
            errors["party_bottom_line_share"] = _("党建工作三部分比例之和须为100（当前为%(total)s）。") % {
                "total": shares
            }
        valid_types = set(StaffType.values)
        types = self.participating_staff_types or []
        if not isinstance(types, list) or not types or not set(types) <= valid_types:
            errors["participating_staff_types"] = _("请至少选择一个有效的人员类别。")
        if self.welfare_window_first_day > self.welfare_window_last_day:
            errors["welfare_window_last_day"] = _("公益性岗位考核截止日不能早于开始日。")
        if self.welfare_service_users_min > self.welfare_service_users_max:
            errors["welfare_service_users_max"] = _("服务对象最多人数不能少于最少人数。")
        if errors:
            raise ValidationError(errors)

    def takes_part(self, staff_type: str) -> bool:
        return staff_type in (self.participating_staff_types or [])

    @property
    def dingtalk_secret_is_set(self) -> bool:
        return bool(self.dingtalk_secret_encrypted)

    def dingtalk_secret(self) -> str:
        """The robot's signing secret in clear, for signing a message ("" when none is set)."""
        from .encryption import decrypt

        return decrypt(self.dingtalk_secret_encrypted) if self.dingtalk_secret_encrypted else ""

    def set_dingtalk_secret(self, plain: str) -> None:
        """Store ``plain`` encrypted, or forget the secret when it is empty (not saved here)."""
        from .encryption import encrypt

        plain = (plain or "").strip()
        self.dingtalk_secret_encrypted = encrypt(plain) if plain else ""


class WorkingDayOverride(OrganisationScoped, models.Model):
    """A correction to the statutory working-day calendar, kept by HR.

    The ``chinese_calendar`` package knows statutory holidays and make-up working days (调休)
    only up to its release; these rows describe later years and local exceptions. A row for an
    organisation wins over a global row (organisation empty), which wins over the package.
    """

    organisation = optional_link(
        Organisation,
        _("单位"),
        on_delete=models.CASCADE,
        related_name="working_day_overrides",
        help_text=_("为空表示适用于所有单位。"),
    )
    date = models.DateField(_("日期"))
    is_working_day = models.BooleanField(_("上班"), help_text=_("勾选表示当天上班（如调休补班），否则为休息日。"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    created_by = optional_link(User, _("创建人"), on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("工作日调整")
        ordering = ["-date"]
        constraints = [
            # Also the index for "this organisation's rows by date".
            models.UniqueConstraint(fields=["organisation", "date"], name="working_day_override_once_per_org"),
            # NULLs are distinct in a unique index, so global rows need their own constraint.
            models.UniqueConstraint(
                fields=["date"], condition=Q(organisation__isnull=True), name="working_day_override_once_globally"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.kind_label}"

    @property
    def kind_label(self) -> str:
        return str(_("上班") if self.is_working_day else _("休息"))


class PeriodLock(OrganisationScoped, models.Model):
    """A quarter of an organisation closed for changes: written when the agency head approves the
    quarter, read by every layer that holds what fed it (target items and completion, satisfaction
    scores and service events). A change after approval goes only through a recorded review.

    It lives here, in the foundation, so targets (below evaluations) can read it without
    importing evaluations; evaluations writes it through :func:`accounts.services.period_lock`.
    """

    organisation = organisation_link(related_name="period_locks", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    locked_at = models.DateTimeField(_("锁定时间"))
    locked_by = optional_link(User, _("锁定人"), on_delete=models.SET_NULL)

    class Meta:
        verbose_name = verbose_name_plural = _("季度锁定")
        ordering = ["organisation", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "quarter"], name="one_period_lock_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}Q{self.quarter}"


class AuditEvent(models.TextChoices):
    """What an audit entry that is not a change of a record stands for (sign-in, export, job run…)."""

    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    PASSWORD_RESET = "password_reset", _("重置密码")
    EXPORT = "export", _("导出个人数据")
    DOWNLOAD = "download", _("下载文件")
    JOB_RUN = "job_run", _("后台任务运行")
    PURGE = "purge", _("清理过期审计记录")
    UNLOCK = "unlock", _("解除登录锁定")
    # An operator's reset of an administrator nobody else can reset (manage.py break_glass_reset).
    BREAK_GLASS_RESET = "break_glass_reset", _("应急重置管理员账号（命令行）")
    WELFARE_OPENED = "welfare_opened", _("开展公益性岗位年度考核")
    BALLOT_CAST = "ballot_cast", _("民主测评投票")
    PUBLICATION_OPENED = "publication_opened", _("发布结果公示")
    PUBLICATION_LOCKED = "publication_locked", _("公示期满锁定")
    GRADE_REVIEWED_AFTER_LOCK = "grade_reviewed_after_lock", _("复核已定等的季度等次")
    ANNUAL_REVIEWED_AFTER_LOCK = "annual_reviewed_after_lock", _("复核已定等的年度等次")
    QUARTER_NEWCOMERS_ADDED = "quarter_newcomers_added", _("补充列入新加入人员")
    # A signed-in person's POST the server refused (403, or 404 for what they may not see):
    # accounts.middleware.RefusedActionAuditMiddleware.
    REFUSED = "refused", _("操作被拒绝")


class AuditResult(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")


class AuditEntry(AbstractLogEntry):
    """One audited change: who, when, what, old → new (django-auditlog's entry, with our columns).

    ``organisation`` scopes the trail so an auditor sees only their agency;
    ``reason`` carries the stated reason of a workflow step or grade change.
    """

    organisation = optional_link(Organisation, _("单位"), on_delete=models.SET_NULL, db_index=True)
    reason = models.TextField(_("原因"), blank=True)
    event = models.CharField(_("事件"), max_length=32, blank=True, db_index=True, choices=AuditEvent.choices)
    result = models.CharField(_("结果"), max_length=16, blank=True, choices=AuditResult.choices)

    class Meta(AbstractLogEntry.Meta):
        verbose_name = verbose_name_plural = _("审计记录")
        swappable = "AUDITLOG_LOGENTRY_MODEL"
        indexes = [models.Index(fields=["organisation", "-timestamp"])]

    ACTION_LABELS = {0: _("新增"), 1: _("修改"), 2: _("删除"), 3: _("访问")}

    @property
    def holds_appraisal_content(self) -> bool:
        """Whether the entry is about appraisal content (a summary's text, a target, a grade and its
        comment, a finding, a special status …), which the auditor — an administrator, 三员分立 —
        sees as an action on an object by someone at some time and from some address, never the
        content itself. Configuration (quarters, indicator sets, sanction rules) stays readable."""
        key = f"{self.content_type.app_label}.{self.content_type.model}"
        if key in AUDIT_CONTENT_SHOWN:
            return False
        return key in AUDIT_CONTENT_HIDDEN or self.content_type.app_label in AUDIT_CONTENT_APPS

    @property
    def auditor_object_name(self) -> str:
        """The object's name for the auditor, without its kind ("" when there is none to show).
        Appraisal content's own text may be its content (a target item's wording, a grade): only
        a text that is a name by design (AUDIT_NAME_IN_REPR), or the name of the person, department
        or ballot it is about and its period that ``accounts.audit.prefetch_related_labels`` read
        for the page (AUDIT_OBJECT_NAMES)."""
        if self.holds_appraisal_content:
            key = f"{self.content_type.app_label}.{self.content_type.model}"
            if key not in AUDIT_NAME_IN_REPR:
                # A deleted object's name, as recorded when it was deleted (accounts.audit), once
                # there is nothing left to read it from.
                return getattr(self, "object_name", "") or str((self.additional_data or {}).get("object_name") or "")
        text = self.object_repr or ""
        return "" if not text or text == "None" or _DEFAULT_REPR.match(text) else text

    @property
    def auditor_object_label(self) -> str:
        """The object's name, or its kind and number when it has none to show."""
        return self.auditor_object_name or f"{self.content_type.name} #{self.object_pk}"

    @property
    def auditor_object_text(self) -> str:
        """The entry's 对象 for the auditor: the object's kind and name (人员：张三), and for an export
        what left the system, said as an export (导出：纪律作风检查). An export is recorded on the
        organisation whose data it holds (or on the job that wrote the file), and the organisation's
        kind alone (单位：纪律作风检查) read as if the organisation had been acted on; a kind other
        than the organisation's stays, in brackets (导出：提交情况导出 #12（后台任务）). A download of a
        file that is no record (a template, the initial passwords) is recorded on the organisation
        likewise, and reads as the file (文件：initial_passwords.xlsx)."""
        kind, name = self.content_type.name, self.auditor_object_name
        model = self.content_type.model_class()
        if self.is_security_settings:
            # The security administrator's settings are a part of the policy's row, whose name
            # (…考核政策) would say the policy was changed: they are the organisation's settings.
            if self.organisation_id is None:
                return str(_("安全设置"))
            return str(_("安全设置：%(name)s") % {"name": self.organisation.name})
        if self.event in (AuditEvent.LOGIN_FAILED, AuditEvent.LOCKOUT) and not self.object_pk:
            # A name typed at sign-in that designates no account (made up, or several agencies'
            # without the organisation code): not a person.
            return str(_("用户名：%(name)s（无对应账号）") % {"name": self.object_repr or "—"})
        if self.event == AuditEvent.DOWNLOAD and model is Organisation and name:
            # A file made for the reader (a template, the initial passwords), recorded on the
            # organisation as an export is (accounts.pages.xlsx_download): the file, not 单位.
            return str(_("文件：%(name)s") % {"name": name})
        if self.event != AuditEvent.EXPORT:
            # The kind once: "季度等次 #12", not "季度等次：季度等次 #12".
            return f"{kind}：{name}" if name else f"{kind} #{self.object_pk}"
        name = name or f"{self.content_type.name} #{self.object_pk}"
        if model is Organisation:
            return str(_("导出：%(name)s") % {"name": name})
        return str(_("导出：%(name)s（%(kind)s）") % {"name": name, "kind": kind})

    @property
    def is_security_settings(self) -> bool:
        """A change of the security administrator's settings only (AuditFilter's 安全设置)."""
        return (
            self.content_type.model_class() is Policy
            and bool(self.changes_dict)
            and set(self.changes_dict) <= set(Policy.SECURITY_SETTINGS_FIELDS)
        )

    @property
    def auditor_changes(self) -> list[tuple[str, str]]:
        """(field label, what the auditor reads) per changed field: "old → new" (only the new value
        of a creation or an event, only the old of a deletion), or for appraisal content that the
        field changed and nothing of its value."""
        hidden = self.holds_appraisal_content
        changes = []
        for name, label, old, new in self._change_rows():
            if hidden or (self.event and name in AUDIT_CONTENT_DETAILS):
                text = str(_("（考核内容，不显示）"))
            elif name in AUDIT_SECRET_ROWS:
                # A secret, a token or a key: that it changed, never any part of its value.
                text = str(_("已修改"))
            elif self.action == self.Action.CREATE or self.event:
                text = new
            elif self.action == self.Action.DELETE:
                text = old
            else:
                text = f"{old} → {new}"
            changes.append((label, text))
        return changes

    @property
    def source(self) -> str:
        """The background job that wrote the entry (``accounts.audit.audit_source``), "" for a person's own."""
        return str((self.additional_data or {}).get("source") or "")

    @property
    def auditor_reason(self) -> str:
        """A reviewer's or leader's reason is appraisal content too (a return, a changed grade). So is
        the reason an event inherits from the step it follows (the veto reconciliation run after a
        finding's correction, inside its ``audit_reason``): an event shows only a reason of its own
        kind (:data:`AUDIT_EVENT_REASONS_SHOWN`)."""
        if self.reason and (
            self.holds_appraisal_content or (self.event and self.event not in AUDIT_EVENT_REASONS_SHOWN)
        ):
            return str(_("（考核内容，不显示）"))
        return self.reason

    @property
    def action_label(self) -> str:
        if self.event:
            return self.get_event_display()
        return self.ACTION_LABELS.get(self.action, str(self.action))

    @property
    def object_label(self) -> str:
        """The object's name for an auditor: its text, or "<kind> #<id>" when the text is Django's
        default ("Foo object (3)") or empty — never "None"."""
        text = self.object_repr or ""
        if not text or text == "None" or _DEFAULT_REPR.match(text):
            return f"{self.content_type.name} #{self.object_pk}"
        return text

    @property
    def change_rows(self) -> list[tuple[str, str, str]]:
        """(field label, old, new) for each changed field, in words an auditor reads: the field's
        label (never its code name), choices by their label, yes/no, the related object's name, and
        "—" for nothing. The id is left out (the object is named). A list rather than a dict: a
        template iterating ``dict.items`` would read a changed field named ``items`` instead."""
        return [(label, old, new) for _name, label, old, new in self._change_rows()]

    def _change_rows(self) -> list[tuple[str, str, str, str]]:
        """:attr:`change_rows` with each row's key first: a field's name, an event's detail's key, or
        :data:`AUDIT_SECRET_ROWS` for a secret whatever its name."""
        model = self.content_type.model_class()
        rows = []
        for name, values in (self.changes_dict or {}).items():
            values = list(values) if isinstance(values, list | tuple) else [values]
            old, new = (values + [None, None])[:2]
            field = None
            # An event's details are not fields of its object, though a key may share a name with one
            # (a publication's ``entries`` is its reverse relation, which would hide the count).
            if model is not None and not (self.event and name in AUDIT_DETAIL_LABELS):
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    field = None
            # The id (the object is named) and reverse relations (no value of this row) say nothing.
            if field is not None and (getattr(field, "primary_key", False) or not getattr(field, "concrete", True)):
                continue
            admin_site_flag = getattr(model, "AUDIT_ADMIN_SITE_FLAGS", {}).get(name) if field is not None else None
            if admin_site_flag is not None and self.action == self.Action.CREATE and str(new) == "False":
                continue
            old_text, new_text = self._value_text(field, old, name), self._value_text(field, new, name)
            # A new record lists what it was created with, a deleted one what it held: empty
            # fields of either say nothing.
            if (self.action == self.Action.CREATE and new_text == "—") or (
                self.action == self.Action.DELETE and old_text == "—"
            ):
                continue
            key = AUDIT_SECRET_ROWS if field is not None and _is_secret(field) else name
            rows.append((key, str(admin_site_flag or _field_label(field, name)), old_text, new_text))
        return rows

    def value_names(self) -> dict[tuple[str, str], str]:
        """The names of the records a job's values or an export's filters name by id
        (:data:`AUDIT_VALUE_OBJECTS`), read for a whole page (or an export's batch) by
        ``accounts.audit.prefetch_related_labels``; without them an id reads as #id."""
        return getattr(self, "prefetched_value_names", None) or {}

    def _value_text(self, field, value, name: str = "") -> str:
        if value is None or value in ("None", ""):
            return "—"
        value = str(value)
        if field is None:
            if self.event and (render := AUDIT_DETAIL_TEXT.get(name)) is not None:
                return render(value, self.value_names())
            return value
        if _is_secret(field):
            return str(_("已修改"))
        if isinstance(field, models.URLField):
            return url_without_tokens(value)
        hook = getattr(field.model, "audit_value_text", None)
        if hook is not None and (text := hook(field.name, value, self.value_names)) is not None:
            return text
        if (choices := getattr(field.model, "AUDIT_LIST_CHOICES", {}).get(field.name)) is not None:
            return list_choices_text(value, choices)
        if field.many_to_one or field.one_to_one:
            return self._get_changes_display_for_fk_field(field, value)
        if getattr(field, "choices", None):
            for key, label in field.flatchoices:
                if str(key) == value:
                    return str(label)
            return value
        internal = field.get_internal_type()
        if internal in ("BooleanField", "NullBooleanField"):
            return str(_("是")) if value == "True" else str(_("否")) if value == "False" else value
        if internal == "DateTimeField":
            moment = parse_datetime(value)
            if moment is not None:
                if timezone.is_naive(moment):
                    moment = timezone.make_aware(moment, UTC)
                return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
        return clipped(value)

    def _get_changes_display_for_fk_field(self, field, value) -> str:
        # Labels prefetched for a whole page by audit.prefetch_related_labels: one query per
        # related model instead of one per changed value.
        if value in (None, "None", ""):
            return "—"
        labels = getattr(self, "related_labels", None)
        if labels is not None:
            found = labels.get((field.related_model, str(value)))
        else:
            found = field.related_model._default_manager.filter(pk=value).first() if str(value).isdigit() else None
        if found is None:
            # The related record was removed since; say so without reading as "this was deleted".
            return _("%(kind)s #%(pk)s（现已不存在）") % {"kind": field.related_model._meta.verbose_name, "pk": value}
        return str(found)


# Appraisal content in the audit trail (AuditEntry.holds_appraisal_content): every model of these
# apps and the special statuses, but not the configuration listed as shown.
AUDIT_CONTENT_APPS = frozenset({"evaluations", "summaries", "targets", "publicity"})
AUDIT_CONTENT_HIDDEN = frozenset({"accounts.staffstatus"})
AUDIT_CONTENT_SHOWN = frozenset(
    {"evaluations.appraisalquarter", "evaluations.indicatorset", "evaluations.indicator", "evaluations.sanctionrule"}
)

# Appraisal content whose text (the entry's object_repr, written with it) is only a name: a ballot's
# or a publication's title, "张三 2026年3月小结". AuditEntry.auditor_object_name shows it as it is.
AUDIT_NAME_IN_REPR = frozenset(
    {
        "evaluations.ballot",
        "evaluations.inspection",
        "evaluations.welfarepost",
        "publicity.annualconfirmation",
        "publicity.feedbacktalk",
        "publicity.objection",
        "publicity.publication",
        "publicity.weeklydigest",
        "publicity.weeklypost",
        "summaries.monthlysummary",
        "targets.targetset",
    }
)
# The other appraisal content is named by what it is about, read for a page of entries in one query
# per kind (accounts.audit.prefetch_related_labels): "name" (paths joined with " · ": the person,
# department or ballot), and its period — "year" with "quarter", "month" or "week" (2026年第1季度,
# 2026年3月, 2026年第49周) or alone (2026年度). Never a value that is itself content (a grade, a
# comment, a finding's text).
AUDIT_OBJECT_NAMES: dict[str, dict[str, str | tuple[str, ...]]] = {
    "accounts.staffstatus": {"name": ("user__full_name",)},
    "evaluations.achievement": {"name": ("person__full_name",), "year": "year"},
    "evaluations.annualresult": {"name": ("person__full_name",), "year": "year"},
    "evaluations.annualreview": {"name": ("annual_result__person__full_name",), "year": "annual_result__year"},
    "evaluations.ballotrater": {"name": ("ballot__title",)},
    "evaluations.ballotsubject": {"name": ("person__full_name", "ballot__title")},
    "evaluations.departmentscore": {"name": ("department__name",), "year": "year", "quarter": "quarter"},
    # Not the person either (as a veto below): that someone was found at fault is itself content (a
    # user test learnt who had been disciplined from the auditor's list).
    "evaluations.finding": {"year": "inspection__date__year", "month": "inspection__date__month"},
    "evaluations.gradereview": {
        "name": ("quarter_grade__person__full_name",),
        "year": "quarter_grade__appraisal_quarter__year",
        "quarter": "quarter_grade__appraisal_quarter__quarter",
    },
    "evaluations.indicatorscore": {
        "name": ("quarter_grade__person__full_name",),
        "year": "quarter_grade__appraisal_quarter__year",
        "quarter": "quarter_grade__appraisal_quarter__quarter",
    },
    "evaluations.quarterdisciplineopinion": {
        "year": "appraisal_quarter__year",
        "quarter": "appraisal_quarter__quarter",
    },
    "evaluations.quartergrade": {
        "name": ("person__full_name",),
        "year": "appraisal_quarter__year",
        "quarter": "appraisal_quarter__quarter",
    },
    "evaluations.sanction": {"year": "decided_on__year"},
    "evaluations.satisfactionscore": {
        "name": ("person__full_name", "department__name"),
        "year": "year",
        "quarter": "quarter",
    },
    "evaluations.serviceevent": {"name": ("person__full_name",)},
    # Not the person: that someone holds a veto is itself appraisal content (the flag's own fields are
    # hidden), and so is that someone was sanctioned or found at fault (above).
    "evaluations.vetoflag": {"year": "year"},
    "evaluations.welfareassessment": {"name": ("owner__full_name",), "year": "year"},
    # Named by what they are when a job's value names them by id (AUDIT_VALUE_OBJECTS); their own
    # entries, not appraisal content, read their own text.
    "accounts.department": {"name": ("name",)},
    "evaluations.appraisalquarter": {"year": "year", "quarter": "quarter"},
    "publicity.yearworkbook": {"year": "year"},
    "evaluations.welfareconsequence": {"name": ("assessment__owner__full_name",), "year": "assessment__year"},
    "publicity.publicationentry": {"name": ("person__full_name", "publication__title")},
    "publicity.reviewcase": {"name": ("person__full_name",), "year": "annual_result__year"},
    "publicity.weeklydigestsection": {"name": ("department__name",), "year": "digest__year", "week": "digest__week"},
    "publicity.weeklypostitem": {"name": ("post__department__name",), "year": "post__year", "week": "post__week"},
    "summaries.summaryattachment": {
        "name": ("summary__owner__full_name",),
        "year": "summary__year",
        "month": "summary__month",
    },
    "summaries.summaryprogress": {
        "name": ("summary__owner__full_name",),
        "year": "summary__year",
        "month": "summary__month",
    },
    "targets.departmentgoal": {"name": ("department__name",), "year": "year", "quarter": "quarter"},
    "targets.targetitem": {
        "name": ("target_set__owner__full_name",),
        "year": "target_set__year",
        "quarter": "target_set__quarter",
    },
}

# The details of an event that are appraisal content whatever its object (AuditEntry.auditor_changes):
# whose year a veto reconciliation flagged, whose suggested grade a year's roll-up changed. That a
# person holds a veto is itself appraisal content, as a veto flag's own entry hides its fields.
AUDIT_CONTENT_DETAILS = frozenset({"flags_raised", "people"})
# The values of a job's parameters or summary that are appraisal content likewise (job_values_text):
# how many veto flags a finding or a sanction raised — with the finding or sanction named, whose —
# and the finding or sanction a veto job was asked for: it is asked only for a serious finding or a
# sanction that vetoes, so its name says who holds a veto.
JOB_CONTENT_VALUES = frozenset({"flags", "finding", "sanction"})
# The events whose stated reason the auditor reads: the accounts' (a reset's, an unlock's). Any other
# event (a job run, a download) shows none: a reason it holds was inherited from the step it followed
# (accounts.audit.audit_reason), a finding's correction, a grade's review.
AUDIT_EVENT_REASONS_SHOWN = frozenset(
    {
        AuditEvent.PASSWORD_CHANGE,
        AuditEvent.PASSWORD_RESET,
        AuditEvent.UNLOCK,
        AuditEvent.BREAK_GLASS_RESET,
        AuditEvent.PURGE,
    }
)

# The key of a change row whose value is a secret (AuditEntry._change_rows): shown as 已修改 only.
AUDIT_SECRET_ROWS = "<secret>"
# A field holding a secret, a token, a key or a password (hash): the trail says it changed, never a
# character of it. By name, so a field added later is masked without being listed.
_SECRET_NAME = re.compile(r"secret|token|totp|otp_?key|(^|_)key$|^password$|_hash$")


def _is_secret(field) -> bool:
    return bool(_SECRET_NAME.search(field.name))


def url_without_tokens(value: str, *, mask: str = "") -> str:
    """A URL as the audit trail shows it: every query value (a webhook's ``access_token``) and any
    user information masked as 已修改 (or ``mask``: a page that shows a setting, 不显示), the rest
    (the service and its path) readable."""
    from urllib.parse import parse_qsl, urlsplit, urlunsplit

    changed = mask or str(_("已修改"))
    try:
        parts = urlsplit(value)
    except ValueError:
        return changed
    netloc = parts.netloc.rpartition("@")[2]
    if "@" in parts.netloc:
        netloc = f"{changed}@{netloc}"
    query = "&".join(f"{key}={changed}" for key, _value in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _json_of(value: str, kind: type):
    """``value`` read as JSON, when it is a ``kind`` (a list, a dict); else None."""
    try:
        read = json.loads(value)
    except ValueError:
        return None
    return read if isinstance(read, kind) else None


def list_choices_text(value: str, choices) -> str:
    """A list of choices (a JSON list of codes) by their labels, 公务员、参公人员; the codes when it is
    not one."""
    if (items := _json_of(value, list)) is None:
        return value
    labels = {str(key): str(label) for key, label in choices}
    return join_list(labels.get(str(item), str(item)) for item in items) or "—"


def _labelled(label, value) -> str:
    """label：value, punctuated in the reader's language (Label: value in English)."""
    return f"{label}{pgettext('between a label and its value', '：')}{value}"


def _joined(texts, *, groups: bool = False) -> str:
    """Labelled values in a row (，), or groups of them (；), punctuated in the reader's language."""
    if groups:
        return pgettext("between groups of labelled values", "；").join(texts)
    return pgettext("between labelled values", "，").join(texts)


# How much of a long text an audit row shows; the record keeps it whole.
AUDIT_VALUE_LENGTH = 200


def clipped(text: str) -> str:
    """``text`` cut to :data:`AUDIT_VALUE_LENGTH` characters, "…" marking the cut."""
    return text if len(text) <= AUDIT_VALUE_LENGTH else text[:AUDIT_VALUE_LENGTH] + "…"


_DEFAULT_REPR = re.compile(r"^\w+ object \(.*\)$")


# Labels of bookkeeping columns that carry no verbose name of their own.
_COMMON_LABELS = {
    "sort_order": _("排序"),
    "created_at": _("创建时间"),
    "updated_at": _("更新时间"),
    "granted_at": _("授予时间"),
    "version": _("版本"),
    "approved_by": _("审批人"),
}


# Labels of the details an event entry carries (``record_event(detail=...)``) that name no field of
# the entry's object; tests/accounts/test_audit.py reads every call's keys and checks each is here.
# The keys of the jobs' parameters and result summaries, as the audit page labels them.
JOB_VALUE_LABELS = {
    "appraisal_quarter": _("考核季度"),
    "department": _("科室"),
    "departments": _("科室数"),
    "excellent_quota": _("优秀名额"),
    "excellent_suggested": _("建议优秀人数"),
    "failed": _("失败数"),
    "finding": _("检查发现"),
    "flags": _("否决标记数"),
    "jobs": _("任务数"),
    "kwargs": _("页面参数"),
    "locked": _("定等条数"),
    "publications": _("公示数"),
    "message_id": _("消息编号"),
    "month": _("月份"),
    "months_due": _("应交月小结月数"),
    "people": _("人数"),
    "query": _("筛选条件"),
    # The veto reconciliation's summary (the same words as its event's).
    "raised": _("新增标记数"),
    "removed": _("撤销标记数"),
    "reminded": _("提醒人数"),
    "republished": _("重新公示数"),
    "reviewers": _("审核人数"),
    "rolled_up": _("已汇总季度"),
    "rows": _("行数"),
    "sanction": _("处分"),
    "short": _("检查次数不足"),
    "show": _("显示范围"),
    "state": _("状态"),
    "summaries": _("月小结数"),
    "targets": _("季度目标数"),
    # The deadline reminders' weekly reminders of what is overdue.
    "summaries_overdue": _("月小结逾期提醒数"),
    "targets_overdue": _("季度目标逾期提醒数"),
    "waiting": _("待定等条数"),
    "workbook": _("年度汇总表"),
    "value": _("取值"),
    "year": _("年度"),
}


# The values of jobs' parameters and summaries, and of export filters, that are a record's id: the
# record they name (AuditEntry.value_names, read by accounts.audit.value_names), by its
# AUDIT_OBJECT_NAMES name where it has one (a quarter as 2026年第4季度), else its own text.
AUDIT_VALUE_OBJECTS = {
    "appraisal_quarter": "evaluations.appraisalquarter",
    "department": "accounts.department",
    "finding": "evaluations.finding",
    "sanction": "evaluations.sanction",
    "workbook": "publicity.yearworkbook",
}

# The labels of a list page's filters, as an export's entry names them (筛选条件：科室：办公室；年度：2026);
# the filters of accounts.filters and summaries.filters, and the query parameters of the other lists.
AUDIT_QUERY_LABELS = {
    "action": _("操作"),
    "actor": _("操作人"),
    "content_type": _("对象类型"),
    "date_from": _("起始日期"),
    "date_to": _("截止日期"),
    "department": _("科室"),
    "event": _("事件"),
    "is_active": _("在职"),
    "kind": _("类别"),
    "lacks_head": _("缺少科室负责人"),
    "late": _("逾期提交"),
    "month": _("月份"),
    "name": _("科室名称"),
    "object_repr": _("对象"),
    "position_category": _("岗位类别"),
    "q": _("姓名/工号/用户名"),
    "quarter": _("季度"),
    "remote_addr": _("地址"),
    "result": _("结果"),
    "role": _("角色"),
    "show": _("显示范围"),
    "sort": _("排序"),
    "staff_type": _("人员类别"),
    "state": _("状态"),
    "week": _("周次"),
    "year": _("年度"),
}


# The filters of the rooms' exported lists (类别, 建议等次 …), registered by the rooms above
# (their AppConfig.ready(): this module is the foundation and imports none of them): key → label
# and choices, read with the foundation's own below.
_ROOM_QUERY_FILTERS: dict[str, tuple[str, list]] = {}


def register_query_filter(key: str, label, choices) -> None:
    """Name an exported list's filter ``key`` in its audit entries: ``label`` and the ``choices``'
    labels for its values. Registered again (another room's filter of the same name), the choices
    add up and the first label stays; a code registered again with another label is an error (one
    entry could not tell which list's value it names)."""
    first_label, known = _ROOM_QUERY_FILTERS.get(key, (label, []))
    labels = dict(known)
    for code, text in choices:
        if code in labels and str(labels[code]) != str(text):
            raise ValueError(f"filter {key!r}: code {code!r} is {labels[code]!s} and {text!s}")
    _ROOM_QUERY_FILTERS[key] = (first_label, [*known, *(c for c in choices if c[0] not in labels)])


def _query_choices() -> dict:
    yes_no = [("true", _("是")), ("false", _("否"))]
    return {
        **{key: choices for key, (_label, choices) in _ROOM_QUERY_FILTERS.items()},
        "action": [(str(key), label) for key, label in AuditEntry.ACTION_LABELS.items()],
        "event": AuditEvent.choices,
        "is_active": yes_no,
        "lacks_head": yes_no,
        "late": yes_no,
        "position_category": PositionCategory.choices,
        "result": AuditResult.choices,
        "role": Role.choices,
        "staff_type": StaffType.choices,
    }


def _named_value(key: str, item, names: dict) -> str:
    model = AUDIT_VALUE_OBJECTS.get(key)
    if model is None or not str(item).isdigit():
        return str(item)
    return names.get((model, str(item))) or f"#{item}"


def query_text(value: str, names: dict) -> str:
    """A list page's query string (an export's filters) as its filters' labelled values, 科室：办公室；
    年度：2026; the page number and empty filters left out, "—" when nothing was filtered."""
    from urllib.parse import parse_qsl

    choices = _query_choices()
    shown = []
    for key, item in parse_qsl(value):
        # The page and the order are not filters: the export holds the same rows whatever they were.
        if key in ("page", "sort") or not item.strip():
            continue
        if key == "content_type":
            text = names.get(("content_type", item), item)
        elif key in choices:
            text = next((str(label) for code, label in choices[key] if str(code) == item), item)
        else:
            text = _named_value(key, item, names)
        # The foundation's label where it has one (类别 for every room's kind), else the room's own.
        label = AUDIT_QUERY_LABELS.get(key) or (_ROOM_QUERY_FILTERS[key][0] if key in _ROOM_QUERY_FILTERS else key)
        shown.append(_labelled(label, text))
    text = _joined(shown) or "—"
    return clipped(text)


def job_values_text(value: str, names: dict | None = None) -> str | None:
    """A job's parameters or summary (a JSON object) as "label：value；…"; None when it is not one.
    Empty values are left out, ids named (:data:`AUDIT_VALUE_OBJECTS`), a list page's query read as
    its filters (:func:`query_text`) and appraisal content hidden (:data:`JOB_CONTENT_VALUES`)."""
    if (values := _json_of(value, dict)) is None:
        return None
    names = names or {}

    def text(key, item) -> str:
        if key in JOB_CONTENT_VALUES:
            return str(_("（考核内容，不显示）"))
        if key == "query":
            return query_text(str(item), names)
        if isinstance(item, bool):
            return str(_("是") if item else _("否"))
        if isinstance(item, dict):
            # A list page's URL arguments (a year, a quarter): labelled as its filters are.
            return _joined(
                _labelled(
                    JOB_VALUE_LABELS.get(part) or AUDIT_QUERY_LABELS.get(part, part), _named_value(part, each, names)
                )
                for part, each in item.items()
            )
        if isinstance(item, list):
            return json.dumps(item, ensure_ascii=False)
        return _named_value(key, item, names)

    shown = _joined(
        (
            _labelled(JOB_VALUE_LABELS.get(key, key), text(key, item))
            for key, item in values.items()
            if item not in (None, "", {}, [])
        ),
        groups=True,
    )
    shown = shown or "—"
    return clipped(shown)


AUDIT_DETAIL_LABELS = {
    "days": _("保存天数"),
    "deleted": _("删除条数"),
    "entries": _("条目数"),
    "error": _("错误"),
    "failures": _("失败次数"),
    "file": _("文件"),
    "filters": _("筛选条件"),
    "flags_raised": _("新增否决标记"),
    "job": _("后台任务"),
    "moved": _("移至其他年度的标记数"),
    "new": _("新等次"),
    "old": _("原等次"),
    "os_user": _("操作系统用户"),
    "people": _("人员"),
    "raised": _("新增标记数"),
    "reason": _("原因"),
    "removed": _("撤销标记数"),
    "reworded": _("更新理由的标记数"),
    "rows": _("行数"),
    "second_factor": _("已删除双因素登录验证器"),
    "source": _("来源"),
    "status": _("应答状态"),
    "suggestions_changed": _("变更建议数"),
    "suggestions_removed": _("撤销建议数"),
    "workers": _("人数"),
    "year": _("年度"),
}


# How an event's detail whose value is not plain text reads (AuditEntry._value_text): an export's
# filters as labelled values.
AUDIT_DETAIL_TEXT = {"filters": query_text}


def _field_label(field, name: str) -> str:
    """A field's label: its verbose name, or for a column still named after its code a common label
    or, for a relation, the related model's name (``indicator_set`` → 指标体系); an event's detail
    that names no field by :data:`AUDIT_DETAIL_LABELS`."""
    if field is None:
        return str(_COMMON_LABELS.get(name) or AUDIT_DETAIL_LABELS.get(name, name))
    label = str(getattr(field, "verbose_name", "") or name)
    if label == name.replace("_", " "):
        if name in _COMMON_LABELS:
            return str(_COMMON_LABELS[name])
        if field.is_relation and field.related_model is not None:
            return str(field.related_model._meta.verbose_name)
    return label


class Notification(models.Model):
    """An in-app notification (the bell). ``dedupe_key`` makes a reminder go out once per person
    per deadline, however often the task runs."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(_("内容"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # An entry of a daily digest (``notify(digest=True)``): kept off the bell and out of the mail
    # until that day's digest gathers it, so a reviewer gets one notice a day, not one per event.
    digest_day = models.DateField(null=True, blank=True)
    digest = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="entries")

    class Meta:
        verbose_name = verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            unique_where_set("recipient", "dedupe_key", name="notification_once_per_key"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["digest_day"],
                condition=Q(digest_day__isnull=False, digest__isnull=True),
                name="notification_digest_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.message


# --- Background jobs (accounts/jobs.py runs them) ----------------------------------------------
# Imports are local in this section on purpose: it is appended, and leaves the top of the module alone.


def _job_storage():
    # A callable, so the migration records a reference, not this machine's PRIVATE_FILES_ROOT.
    from .storage import private_storage

    return private_storage


def _job_file_path(job: Job, filename: str) -> str:
    # The stored name is ours, not the runner's: the download name (result_name) may be Chinese
    # and contain anything; the path on disk only needs to be unique and safe.
    return f"jobs/{job.organisation_id}/{job.pk}/{filename}"


class Job(DetailPage, OrganisationScoped, models.Model):
    """A piece of slow work (a roll-up, an export) asked for by someone and run by a worker.

    The row is written in the request's transaction before anything is enqueued, so a broker
    outage loses nothing: the sweeper finds the pending row and enqueues it again.
    """

    detail_url_name = "accounts:job_detail"

    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("任务类型"), max_length=100)
    organisation = organisation_link(related_name="jobs", on_delete=models.CASCADE)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    progress = _percent_field(_("进度"), 0)
    message = models.CharField(_("进度说明"), max_length=300, blank=True)
    summary = models.JSONField(_("结果摘要"), default=dict, blank=True)
    file = models.FileField(_("结果文件"), storage=_job_storage, upload_to=_job_file_path, max_length=300, blank=True)
    result_name = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    error = models.TextField(_("错误"), blank=True)
    requested_by = optional_link(User, _("提交人"), on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    # When the task was handed to the broker; empty when that failed, which the sweeper looks for.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    expires_at = models.DateTimeField(_("文件保留至"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind_label} #{self.pk} {self.get_state_display()}"

    @property
    def kind_label(self) -> str:
        """The kind as people read it (年度汇总), not its code (evaluations.year_rollup)."""
        return kind_label(self.kind)

    @staticmethod
    def audit_value_text(name: str, value: str, names) -> str | None:
        """The audit page's text for a stored value whose code means nothing to a reader: the kind
        by its label, the parameters and the result summary (JSON) as labelled values, the records
        they name by id by their names (``names()``: AuditEntry.value_names)."""
        if name == "kind":
            return kind_label(value)
        if name in ("params", "summary"):
            return job_values_text(value, names())
        return None

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def has_file(self) -> bool:
        """A result file is there to download (done, and not yet expired and removed)."""
        return self.state == self.State.DONE and bool(self.file)


class WorkerHeartbeat(models.Model):
    """When a Celery worker was last seen alive: written by each worker's heartbeat (accounts.heartbeat,
    on start and every minute), read by /healthz, HR's home page and a waiting job's page
    (accounts.jobs.worker_state). One row per worker name; not audited (no person's record)."""

    worker = models.CharField(_("任务程序"), max_length=200, primary_key=True)
    seen_at = models.DateTimeField(_("最近一次运行"))

    class Meta:
        verbose_name = verbose_name_plural = _("后台任务程序")

    def __str__(self) -> str:
        return f"{self.worker} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class PasswordHistory(models.Model):
    """The hashes of a person's recent passwords (never the passwords), so none of the last
    ``PASSWORD_HISTORY_DEPTH`` is chosen again (accounts.validators.PasswordHistoryValidator)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history", verbose_name=_("人员"))
    password = models.CharField(_("密码摘要"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"
