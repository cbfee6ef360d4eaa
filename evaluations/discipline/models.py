"""Discipline inspections, findings, compliance alerts, sanctions and the one-vote veto. DOMAIN.md §5."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.fields import actor_link, optional_link, organisation_link, person_link
from accounts.models import OrganisationScoped
from accounts.textlimits import MEDIUM, bounded_text


class InspectionKind(models.TextChoices):
    DISCIPLINE = "discipline", _("纪律")
    CONDUCT = "conduct", _("作风")
    ATTENDANCE = "attendance", _("考勤")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    # Its own context: the grade 一般 reads "Average" in English, a finding's "Minor".
    MINOR = "minor", pgettext_lazy("finding severity", "一般")
    MODERATE = "moderate", _("较重")
    SERIOUS = "serious", _("严重")


class Inspection(OrganisationScoped, models.Model):
    """One 纪律作风检查 by a discipline inspector, covering some departments."""

    organisation = organisation_link(related_name="inspections")
    date = models.DateField(_("检查日期"))
    kind = models.CharField(_("检查类别"), max_length=20, choices=InspectionKind.choices)
    departments = models.ManyToManyField("accounts.Department", related_name="inspections", verbose_name=_("检查科室"))
    note = bounded_text(_("检查情况"), limit=MEDIUM, blank=True)
    inspector = person_link(_("检查人"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("纪律作风检查")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["organisation", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Finding(OrganisationScoped, models.Model):
    """A finding of an inspection, about a person or a whole department."""

    organisation_attr = "inspection.organisation_id"

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="findings", verbose_name=_("纪律作风检查")
    )
    person = optional_link(settings.AUTH_USER_MODEL, _("人员"), related_name="findings")
    department = optional_link("accounts.Department", _("科室"), related_name="findings")
    severity = models.CharField(_("严重程度"), max_length=20, choices=Severity.choices)
    description = bounded_text(_("问题描述"), limit=MEDIUM)
    evidence = bounded_text(_("证据说明"), limit=MEDIUM, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("检查发现")
        ordering = ["inspection", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(department__isnull=False), name="finding_about_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.department} {self.get_severity_display()}"


class ComplianceAlert(OrganisationScoped, models.Model):
    """A month in which an organisation had fewer inspections than its policy requires. Resolved
    when inspections recorded later make up the number; else explained (情况说明) by an inspector or
    HR, which takes it off the home page and keeps it, with the explanation, in the audit trail."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="compliance_alerts", verbose_name=_("单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    inspections = models.PositiveSmallIntegerField(_("检查次数"))
    required = models.PositiveSmallIntegerField(_("应检查次数"))
    raised_at = models.DateTimeField(auto_now_add=True, verbose_name=_("提醒时间"))
    resolved_at = models.DateTimeField(_("已补足"), null=True, blank=True)
    explanation = bounded_text(_("情况说明"), limit=MEDIUM, blank=True)
    explained_by = actor_link(_("说明人"))
    explained_at = models.DateTimeField(_("说明时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("检查频次提醒")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "month"], name="one_alert_per_org_month"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}-{self.month:02d} {self.inspections}/{self.required}"


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("警告")
    DEMERIT = "demerit", _("记过")
    MAJOR_DEMERIT = "major_demerit", _("记大过")
    DEMOTION_IN_GRADE = "demotion_in_grade", _("降级")
    DISMISSAL_FROM_POST = "dismissal_from_post", _("撤职")
    DEMOTION = "demotion", _("降职")
    REMOVAL = "removal", _("免职")
    ORGANISATIONAL = "organisational", _("组织处理")
    INVESTIGATION = "investigation", _("立案审查")


class SanctionEffect(models.TextChoices):
    """What a sanction does to the annual grade, lightest first (the heaviest wins)."""

    NO_EXCELLENT = "no_excellent", _("当年不得评为优秀")
    NOT_GRADED_UNTIL_CLOSED = "until_closed", _("结案前不确定等次")
    NOT_GRADED = "not_graded", _("当年不确定等次")
    NOT_GRADED_TWO_YEARS = "not_graded_two_years", _("当年及次年不确定等次")
    INCOMPETENT = "incompetent", _("确定为不称职")


EFFECT_WEIGHT = {effect: rank for rank, effect in enumerate(SanctionEffect.values)}

# DOMAIN.md §5 defaults; each organisation may change them (SanctionRule).
DEFAULT_SANCTION_EFFECTS = {
    SanctionKind.WARNING: SanctionEffect.NO_EXCELLENT,
    SanctionKind.DEMERIT: SanctionEffect.NOT_GRADED,
    SanctionKind.DEMOTION: SanctionEffect.NOT_GRADED,
    SanctionKind.MAJOR_DEMERIT: SanctionEffect.NOT_GRADED_TWO_YEARS,
    SanctionKind.DEMOTION_IN_GRADE: SanctionEffect.NOT_GRADED_TWO_YEARS,
    SanctionKind.DISMISSAL_FROM_POST: SanctionEffect.NOT_GRADED_TWO_YEARS,
    SanctionKind.REMOVAL: SanctionEffect.NO_EXCELLENT,
    SanctionKind.ORGANISATIONAL: SanctionEffect.NO_EXCELLENT,
    SanctionKind.INVESTIGATION: SanctionEffect.NOT_GRADED_UNTIL_CLOSED,
}


class SanctionRule(OrganisationScoped, models.Model):
    """The organisation's policy table: the effect of each sanction kind on the annual grade."""

    organisation = organisation_link(related_name="sanction_rules", on_delete=models.CASCADE)
    kind = models.CharField(_("处分/处理"), max_length=30, choices=SanctionKind.choices)
    effect = models.CharField(_("对年度考核的影响"), max_length=30, choices=SanctionEffect.choices)

    class Meta:
        verbose_name = verbose_name_plural = _("处分影响规则")
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="one_rule_per_sanction_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.get_effect_display()}"


class Sanction(OrganisationScoped, models.Model):
    """A sanction (处分) or organisational measure recorded by HR."""

    organisation = organisation_link(related_name="sanctions")
    person = person_link(_("人员"), related_name="sanctions")
    kind = models.CharField(_("处分/处理"), max_length=30, choices=SanctionKind.choices)
    decided_on = models.DateField(_("决定日期"))
    closed_on = models.DateField(_("结案/解除日期"), null=True, blank=True)
    note = bounded_text(_("说明"), limit=MEDIUM, blank=True)
    entered_by = actor_link(_("录入人"), blank=False)
    entered_at = models.DateTimeField(auto_now_add=True, verbose_name=_("录入时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("处分与组织处理")
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.decided_on}"


class VetoFlag(OrganisationScoped, models.Model):
    """一票否决 on a person's year: raised by a serious finding or a sanction; lifted only by an
    inspector with a recorded reason. Re-derived nightly from findings and sanctions."""

    organisation_attr = "person.organisation_id"

    person = person_link(_("人员"), related_name="veto_flags", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    finding = optional_link(Finding, _("检查发现"), on_delete=models.CASCADE, related_name="veto_flags")
    sanction = optional_link(Sanction, _("处分与组织处理"), on_delete=models.CASCADE, related_name="veto_flags")
    reason = models.CharField(_("否决事项"), max_length=300)
    raised_at = models.DateTimeField(auto_now_add=True, verbose_name=_("标记时间"))
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = actor_link(_("解除人"))
    lift_reason = bounded_text(_("解除理由"), limit=MEDIUM, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("一票否决")
        ordering = ["-year", "-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finding__isnull=False, sanction__isnull=True)
                | Q(finding__isnull=True, sanction__isnull=False),
                name="veto_from_finding_or_sanction",
            ),
            models.UniqueConstraint(
                fields=["person", "year", "finding"], condition=Q(finding__isnull=False), name="one_veto_per_finding"
            ),
            models.UniqueConstraint(
                fields=["person", "year", "sanction"], condition=Q(sanction__isnull=False), name="one_veto_per_sanction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.year} {self.reason}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
