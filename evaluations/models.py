"""Quarterly grading (审核评鉴), its inputs and scores, and the quarterly roll-up. DOMAIN.md §4."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import PositionCategory
from targets.models import QUARTER_CHOICES

SCORE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def _score_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS, **kwargs)


class Grade(models.TextChoices):
    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("较差")
    UNCERTAIN = "uncertain", _("不确定等次")


# A 一般 or 较差 needs a stated reason (DOMAIN.md §4).
GRADES_NEEDING_REASON = (Grade.AVERAGE, Grade.POOR)


class UncertainReason(models.TextChoices):
    LONG_LEAVE = "long_leave", _("病事假超过考核期一半")
    INVESTIGATION = "investigation", _("立案审查")
    OTHER = "other", _("其他")


class QuarterState(models.TextChoices):
    OPEN = "open", _("评鉴中")
    APPROVED = "approved", _("已审批")


class AppraisalQuarter(models.Model):
    """An organisation's quarter: open for grading until the agency head approves it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="appraisal_quarters", verbose_name=_("单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=QUARTER_CHOICES)
    state = models.CharField(_("状态"), max_length=20, choices=QuarterState.choices, default=QuarterState.OPEN)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    rolled_up_at = models.DateTimeField(_("汇总时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核季度")
        verbose_name_plural = _("考核季度")
        ordering = ["organisation", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "quarter"], name="one_appraisal_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}年第{self.quarter}季度"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.organisation_id}

    @property
    def is_open(self) -> bool:
        return self.state == QuarterState.OPEN


class QuotaPoolKind(models.TextChoices):
    ALL = "all", _("全体人员")
    LEADERS = "leaders", _("领导职务人员")
    OTHERS = "others", _("其他人员")


class QuotaPool(models.Model):
    """The 好 quota of one pool in one quarter. Grading a 好 locks this row, so two evaluators
    submitting at the same moment cannot both take the last place."""

    appraisal_quarter = models.ForeignKey(AppraisalQuarter, on_delete=models.CASCADE, related_name="quota_pools")
    kind = models.CharField(_("名额池"), max_length=20, choices=QuotaPoolKind.choices)

    class Meta:
        verbose_name = _("名额池")
        verbose_name_plural = _("名额池")
        constraints = [
            models.UniqueConstraint(fields=["appraisal_quarter", "kind"], name="one_pool_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.appraisal_quarter} {self.get_kind_display()}"


class GradeState(models.TextChoices):
    PENDING = "pending", _("待评鉴")
    GRADED = "graded", _("已评鉴")
    CONFIRMED = "confirmed", _("已确认")


class QuarterGrade(models.Model):
    """One person's grade for a quarter (谁管理谁认定: given by their evaluator, confirmed by the
    supervising leader, approved with the whole quarter by the agency head)."""

    appraisal_quarter = models.ForeignKey(AppraisalQuarter, on_delete=models.PROTECT, related_name="grades")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quarter_grades", verbose_name=_("被考核人")
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="quarter_grades", verbose_name=_("科室")
    )
    # Pooled separately when the policy says so; copied at grading time.
    is_leader_position = models.BooleanField(_("领导职务"), default=False)
    state = models.CharField(_("状态"), max_length=20, choices=GradeState.choices, default=GradeState.PENDING)
    grade = models.CharField(_("等次"), max_length=20, choices=Grade.choices, blank=True)
    uncertain_reason = models.CharField(_("不确定等次原因"), max_length=20, choices=UncertainReason.choices, blank=True)
    comment = models.TextField(_("评语"), blank=True)
    reason = models.TextField(_("定等理由"), blank=True, help_text=_("评为“一般”“较差”时必填。"))
    personal_score = _score_field(_("个人得分"), null=True, blank=True)
    composite_score = _score_field(_("综合得分"), null=True, blank=True)
    suggested_grade = models.CharField(_("建议等次"), max_length=20, choices=Grade.choices, blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评鉴人"),
    )
    graded_at = models.DateTimeField(_("评鉴时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("季度等次")
        verbose_name_plural = _("季度等次")
        ordering = ["appraisal_quarter", "department", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal_quarter", "person"], name="one_grade_per_person_quarter"),
            models.CheckConstraint(
                condition=~Q(grade="uncertain") | ~Q(uncertain_reason=""), name="uncertain_grade_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["appraisal_quarter", "department", "grade"])]

    def __str__(self) -> str:
        return f"{self.person} {self.appraisal_quarter}：{self.get_grade_display() or '—'}"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.department.organisation_id}


class SatisfactionScore(models.Model):
    """A quarter's satisfaction-survey result (满意度), for a department or for one person."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=QUARTER_CHOICES)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("科室")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人员"),
    )
    score = _score_field(_("满意度得分"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("满意度测评")
        verbose_name_plural = _("满意度测评")
        ordering = ["-year", "-quarter", "department", "person"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=True, person__isnull=False)
                | Q(department__isnull=False, person__isnull=True),
                name="satisfaction_for_department_or_person",
            ),
            models.UniqueConstraint(
                fields=["year", "quarter", "department"],
                condition=Q(person__isnull=True),
                name="one_satisfaction_per_department_quarter",
            ),
            models.UniqueConstraint(
                fields=["year", "quarter", "person"],
                condition=Q(department__isnull=True),
                name="one_satisfaction_per_person_quarter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.department} {self.year}Q{self.quarter} {self.score}"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.organisation_id}


class ServiceEventKind(models.TextChoices):
    PRAISE = "praise", _("表扬")
    COMPLAINT = "complaint", _("投诉")


class ServiceEvent(models.Model):
    """A praise or a complaint about a person (服务对象评价)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_events", verbose_name=_("人员")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类别"), max_length=20, choices=ServiceEventKind.choices)
    description = models.TextField(_("事由"))
    handled = models.BooleanField(_("投诉已处理"), null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("表扬与投诉")
        verbose_name_plural = _("表扬与投诉")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["organisation", "date"]), models.Index(fields=["person", "date"])]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.date}"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.organisation_id}


class IndicatorGroup(models.TextChoices):
    COMMON = "common", _("共性指标")
    INDIVIDUAL = "individual", _("个性指标")


class IndicatorSource(models.TextChoices):
    MANUAL = "manual", _("评鉴人打分")
    SATISFACTION = "satisfaction", _("满意度测评")
    SERVICE_EVENTS = "service_events", _("表扬与投诉")


class IndicatorSet(models.Model):
    """The indicators and weights used for one position category in an organisation."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="indicator_sets")
    position_category = models.CharField(_("岗位类别"), max_length=20, choices=PositionCategory.choices)

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "position_category"], name="one_indicator_set_per_category"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_position_category_display())

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.organisation_id}


class Indicator(models.Model):
    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("指标"), max_length=50)
    group = models.CharField(_("类别"), max_length=20, choices=IndicatorGroup.choices)
    weight = models.PositiveSmallIntegerField(_("权重"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    source = models.CharField(
        _("数据来源"), max_length=20, choices=IndicatorSource.choices, default=IndicatorSource.MANUAL
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["indicator_set", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.indicator_set.organisation_id}


class IndicatorScore(models.Model):
    quarter_grade = models.ForeignKey(QuarterGrade, on_delete=models.CASCADE, related_name="indicator_scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    score = _score_field(_("得分"))

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        constraints = [
            models.UniqueConstraint(fields=["quarter_grade", "indicator"], name="one_score_per_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.score}"


class DepartmentScore(models.Model):
    """A department's quarterly score (科室成绩): party-building work carries more than half."""

    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="scores")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=QUARTER_CHOICES)
    party_building_score = _score_field(_("党建工作得分"))
    work_score = _score_field(_("业务工作得分"))
    party_building_weight = models.PositiveSmallIntegerField(
        _("党建工作权重"), validators=[MinValueValidator(51), MaxValueValidator(100)]
    )
    total = _score_field(_("科室得分"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("科室得分")
        verbose_name_plural = _("科室得分")
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "quarter"], name="one_department_score_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.year}Q{self.quarter} {self.total}"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.department.organisation_id}

    def clean(self) -> None:
        if self.party_building_weight is not None and self.party_building_weight <= 50:
            raise ValidationError({"party_building_weight": _("党建工作权重须超过50%。")})


class QuarterResult(models.Model):
    """One person's rolled-up quarter (written by the roll-up, set-based; safe to recompute)."""

    appraisal_quarter = models.ForeignKey(AppraisalQuarter, on_delete=models.CASCADE, related_name="results")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quarter_results")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    final_grade = models.CharField(_("等次"), max_length=20, choices=Grade.choices, blank=True)
    composite_score = _score_field(_("综合得分"), null=True, blank=True)
    target_items = models.PositiveIntegerField(_("目标事项数"), default=0)
    target_items_done = models.PositiveIntegerField(_("完成事项数"), default=0)
    completion_rate = models.DecimalField(_("目标完成率"), max_digits=5, decimal_places=2, null=True, blank=True)
    summaries_on_time = models.PositiveSmallIntegerField(_("按时提交月小结"), default=0)
    summaries_late = models.PositiveSmallIntegerField(_("迟交月小结"), default=0)
    summaries_missing = models.PositiveSmallIntegerField(_("未交月小结"), default=0)
    praise_count = models.PositiveSmallIntegerField(_("表扬"), default=0)
    complaint_count = models.PositiveSmallIntegerField(_("投诉"), default=0)
    flags = models.JSONField(_("提示"), default=list, blank=True)
    computed_at = models.DateTimeField(_("汇总时间"))

    class Meta:
        verbose_name = _("季度结果")
        verbose_name_plural = _("季度结果")
        ordering = ["appraisal_quarter", "department", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal_quarter", "person"], name="one_result_per_person_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.appraisal_quarter} {self.get_final_grade_display()}"


class DepartmentQuarterStats(models.Model):
    """A department's quarter in numbers (written by the roll-up)."""

    appraisal_quarter = models.ForeignKey(AppraisalQuarter, on_delete=models.CASCADE, related_name="department_stats")
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    participants = models.PositiveIntegerField(_("参与人数"), default=0)
    good = models.PositiveIntegerField(_("好"), default=0)
    fairly_good = models.PositiveIntegerField(_("较好"), default=0)
    average = models.PositiveIntegerField(_("一般"), default=0)
    poor = models.PositiveIntegerField(_("较差"), default=0)
    uncertain = models.PositiveIntegerField(_("不确定等次"), default=0)
    ungraded = models.PositiveIntegerField(_("未评鉴"), default=0)
    summaries_on_time_rate = models.DecimalField(_("月小结按时率"), max_digits=5, decimal_places=2, null=True)
    computed_at = models.DateTimeField(_("汇总时间"))

    class Meta:
        verbose_name = _("科室季度统计")
        verbose_name_plural = _("科室季度统计")
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal_quarter", "department"], name="one_stats_per_department_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.appraisal_quarter}"


class RollupJob(models.Model):
    """A requested roll-up, so HR sees its progress and result, and nothing is lost if enqueueing fails."""

    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    appraisal_quarter = models.ForeignKey(AppraisalQuarter, on_delete=models.CASCADE, related_name="rollup_jobs")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.appraisal_quarter} {self.get_state_display()}"


# --- Discipline inspections and the one-vote veto (DOMAIN.md §5) ----------------------------------


class InspectionKind(models.TextChoices):
    DISCIPLINE = "discipline", _("纪律")
    CONDUCT = "conduct", _("作风")
    ATTENDANCE = "attendance", _("考勤")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    MINOR = "minor", _("一般")
    MODERATE = "moderate", _("较重")
    SERIOUS = "serious", _("严重")


class Inspection(models.Model):
    """One 纪律作风检查 by a discipline inspector, covering some departments."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="inspections")
    date = models.DateField(_("检查日期"))
    kind = models.CharField(_("检查类别"), max_length=20, choices=InspectionKind.choices)
    departments = models.ManyToManyField("accounts.Department", related_name="inspections", verbose_name=_("检查科室"))
    note = models.TextField(_("检查情况"), blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("纪律作风检查")
        verbose_name_plural = _("纪律作风检查")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["organisation", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.organisation_id}


class Finding(models.Model):
    """A finding of an inspection, about a person or a whole department."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("人员"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("科室"),
    )
    severity = models.CharField(_("严重程度"), max_length=20, choices=Severity.choices)
    description = models.TextField(_("问题描述"))
    evidence = models.TextField(_("证据说明"), blank=True)

    class Meta:
        verbose_name = _("检查发现")
        verbose_name_plural = _("检查发现")
        ordering = ["inspection", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(department__isnull=False), name="finding_about_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.department} {self.get_severity_display()}"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.inspection.organisation_id}


class ComplianceAlert(models.Model):
    """A month in which an organisation had fewer inspections than its policy requires."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="compliance_alerts"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    inspections = models.PositiveSmallIntegerField(_("检查次数"))
    required = models.PositiveSmallIntegerField(_("应检查次数"))
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(_("已补足"), null=True, blank=True)

    class Meta:
        verbose_name = _("检查频次提醒")
        verbose_name_plural = _("检查频次提醒")
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


class SanctionRule(models.Model):
    """The organisation's policy table: the effect of each sanction kind on the annual grade."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="sanction_rules")
    kind = models.CharField(_("处分/处理"), max_length=30, choices=SanctionKind.choices)
    effect = models.CharField(_("对年度考核的影响"), max_length=30, choices=SanctionEffect.choices)

    class Meta:
        verbose_name = _("处分影响规则")
        verbose_name_plural = _("处分影响规则")
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="one_rule_per_sanction_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.get_effect_display()}"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.organisation_id}


class Sanction(models.Model):
    """A sanction (处分) or organisational measure recorded by HR."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="sanctions")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sanctions", verbose_name=_("人员")
    )
    kind = models.CharField(_("处分/处理"), max_length=30, choices=SanctionKind.choices)
    decided_on = models.DateField(_("决定日期"))
    closed_on = models.DateField(_("结案/解除日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("处分与组织处理")
        verbose_name_plural = _("处分与组织处理")
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.decided_on}"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.organisation_id}


class VetoFlag(models.Model):
    """一票否决 on a person's year: raised by a serious finding or a sanction; lifted only by an
    inspector with a recorded reason. Re-derived nightly from findings and sanctions."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="veto_flags")
    year = models.PositiveSmallIntegerField(_("年度"))
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="veto_flags")
    sanction = models.ForeignKey(Sanction, on_delete=models.CASCADE, null=True, blank=True, related_name="veto_flags")
    reason = models.CharField(_("否决事项"), max_length=300)
    raised_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(_("解除理由"), blank=True)

    class Meta:
        verbose_name = _("一票否决")
        verbose_name_plural = _("一票否决")
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

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.person.organisation_id}

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


# --- Year-end (DOMAIN.md §7) ---------------------------------------------------------------------


class AnnualGrade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASICALLY_COMPETENT = "basically_competent", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")
    NOT_GRADED = "not_graded", _("不定等次")


class AnnualResult(models.Model):
    """A person's year: the suggestion drawn from the quarters (with reasons), and the committee's
    decision. Every year is kept, for the multi-year lists (三等功, 2 × 不称职)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annual_results")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, null=True, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    graded_quarters = models.PositiveSmallIntegerField(_("已评季度"), default=0)
    good_quarters = models.PositiveSmallIntegerField(_("“好”的季度"), default=0)
    average_or_below_quarters = models.PositiveSmallIntegerField(_("“一般”及以下季度"), default=0)
    average_quarters = models.PositiveSmallIntegerField(_("“一般”季度"), default=0)
    composite_score = _score_field(_("平均综合得分"), null=True, blank=True)
    eligible_excellent = models.BooleanField(_("具备优秀资格"), default=False)
    rank = models.PositiveIntegerField(_("优秀排序"), null=True, blank=True)
    suggested_grade = models.CharField(_("建议等次"), max_length=30, choices=AnnualGrade.choices, blank=True)
    suggestion_reasons = models.JSONField(_("建议理由"), default=list, blank=True)
    decided_grade = models.CharField(_("确定等次"), max_length=30, choices=AnnualGrade.choices, blank=True)
    decision_reason = models.TextField(_("与建议不一致的理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("年度考核结果")
        verbose_name_plural = _("年度考核结果")
        ordering = ["organisation", "-year", "rank", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="one_annual_result_per_person_year"),
        ]
        indexes = [models.Index(fields=["organisation", "year"])]

    def __str__(self) -> str:
        return f"{self.person} {self.year} {self.get_decided_grade_display() or self.get_suggested_grade_display()}"

    def get_additional_data(self) -> dict:
        return {"organisation_id": self.organisation_id}

    @property
    def final_grade(self) -> str:
        return self.decided_grade or self.suggested_grade
