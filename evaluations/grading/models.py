"""Quarterly grading (审核评鉴), its inputs and scores, and the quarterly roll-up. DOMAIN.md §4."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.fields import actor_link, department_link, optional_link, organisation_link, person_link
from accounts.models import OrganisationScoped, PositionCategory
from accounts.periods import QUARTER_CHOICES, Quarter
from accounts.text import in_site_language
from accounts.textlimits import MEDIUM, SHORT, bounded_text

SCORE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def score_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS, **kwargs)


def derived_reference(to, *, on_delete, related_name: str = "+", **kwargs) -> models.ForeignKey:
    """A reference of a row the roll-ups write in SQL from rows whose own foreign keys were checked
    (the grade rows, their quarters and people): no database constraint (its deferred check at
    commit, one per row and key, cost more than the insert itself at 100 000 rows) and no index of
    its own (the table's key or another index leads with it, or nothing reads it alone). Django's
    ``on_delete`` still applies to every ORM deletion (bench/RESULTS.md, former evaluations 0021–0028)."""
    return models.ForeignKey(
        to, on_delete=on_delete, related_name=related_name, db_constraint=False, db_index=False, **kwargs
    )


class Grade(models.TextChoices):
    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("较差")
    UNCERTAIN = "uncertain", _("不确定等次")


# A 一般 or 较差 needs a stated reason (DOMAIN.md §4).
GRADES_NEEDING_REASON = (Grade.AVERAGE, Grade.POOR)


class UncertainReason(models.TextChoices):
    # The policy says what share (uncertain_leave_share_percent, default half).
    LONG_LEAVE = "long_leave", _("病事假超过考核期规定比例")
    INVESTIGATION = "investigation", _("立案审查")
    OTHER = "other", _("其他")


class QuarterState(models.TextChoices):
    OPEN = "open", _("评鉴中")
    APPROVED = "approved", _("已审批")


class AppraisalQuarter(OrganisationScoped, models.Model):
    """An organisation's quarter: open for grading until the agency head approves it."""

    organisation = organisation_link(related_name="appraisal_quarters")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=QUARTER_CHOICES)
    state = models.CharField(_("状态"), max_length=20, choices=QuarterState.choices, default=QuarterState.OPEN)
    approved_by = actor_link(_("审批人"))
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    rolled_up_at = models.DateTimeField(_("汇总时间"), null=True, blank=True)
    # The last time one of its grades changed after the approval (regraded after an objection, or
    # reviewed after 定等): the year's suggestions drawn from it are stale until recomputed.
    results_changed_at = models.DateTimeField(_("审批后等次变更时间"), null=True, blank=True)
    # 定等: set once every grade of the approved quarter is locked after its publication window
    # (publicity locks through evaluations' services; nothing here asks publicity).
    locked_at = models.DateTimeField(_("定等时间"), null=True, blank=True)
    # The policy's 好 share when the quarter was approved: an approved quarter keeps the quota it was
    # graded under, whatever the policy says later (None while open: the policy's applies).
    good_quota_percent = models.PositiveSmallIntegerField(_("审批时“好”等次比例（%）"), null=True, blank=True)
    good_quota_separate_pools = models.BooleanField(_("审批时领导职务单独计算“好”名额"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("考核季度")
        ordering = ["organisation", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "quarter"], name="one_appraisal_quarter"),
        ]

    def __str__(self) -> str:
        # In the site's language: the audit log stores it as the object's name (a review: an English
        # actor's entries read "… Q3 2026" among the Chinese); pages say ``display_name``.
        with in_site_language():
            return f"{self.organisation} {self.period.label}"

    @property
    def display_name(self) -> str:
        """The organisation and the quarter in the reader's language (a user test read 2026年第4季度 in
        English messages and titles)."""
        return f"{self.organisation} {self.period.label}"

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)

    @property
    def is_open(self) -> bool:
        return self.state == QuarterState.OPEN


class QuarterDisciplineOpinion(OrganisationScoped, models.Model):
    """The discipline office's opinion (纪委意见) on an organisation's quarter, recorded by an
    inspector before the agency head approves it, when the policy asks for one (DOMAIN.md §2)."""

    organisation_attr = "appraisal_quarter.organisation_id"

    appraisal_quarter = models.OneToOneField(
        AppraisalQuarter, on_delete=models.PROTECT, related_name="discipline_opinion", verbose_name=_("考核季度")
    )
    text = bounded_text(_("纪委意见"), limit=MEDIUM)
    given_by = person_link(_("记录人"))
    given_at = models.DateTimeField(_("记录时间"))
    # The sum of the quarter's grade rows' versions when it was recorded: a grade given, changed,
    # confirmed or sent back since (each bumps its row's version) makes the sum differ, whatever the
    # clocks of two transactions said (null: recorded before this was kept).
    grades_version = models.PositiveBigIntegerField(_("记录时的评鉴版本"), null=True, blank=True, editable=False)
    # What the quarter's inspections had found when it was recorded (discipline.selectors
    # .findings_digest): a finding recorded, corrected or withdrawn since makes it differ (empty:
    # recorded before this was kept).
    findings_digest = models.CharField(_("记录时的检查发现"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("纪委意见")

    def __str__(self) -> str:
        with in_site_language():
            return str(_("%(quarter)s 纪委意见") % {"quarter": self.appraisal_quarter})


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
        verbose_name = verbose_name_plural = _("名额池")
        constraints = [
            models.UniqueConstraint(fields=["appraisal_quarter", "kind"], name="one_pool_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.appraisal_quarter} {self.get_kind_display()}"


class GradeState(models.TextChoices):
    PENDING = "pending", _("待评鉴")
    GRADED = "graded", _("已评鉴")
    CONFIRMED = "confirmed", _("已确认")


class QuarterGrade(OrganisationScoped, models.Model):
    """One person's grade for a quarter (谁管理谁认定: given by their evaluator, confirmed by the
    supervising leader, approved with the whole quarter by the agency head)."""

    organisation_attr = "department.organisation_id"

    appraisal_quarter = models.ForeignKey(
        AppraisalQuarter, on_delete=models.PROTECT, related_name="grades", verbose_name=_("考核季度")
    )
    person = person_link(_("被考核人"), related_name="quarter_grades")
    department = department_link(related_name="quarter_grades")
    # Pooled separately when the policy says so; copied at grading time.
    is_leader_position = models.BooleanField(_("领导职务"), default=False)
    state = models.CharField(_("状态"), max_length=20, choices=GradeState.choices, default=GradeState.PENDING)
    grade = models.CharField(_("等次"), max_length=20, choices=Grade.choices, blank=True)
    uncertain_reason = models.CharField(_("不确定等次原因"), max_length=20, choices=UncertainReason.choices, blank=True)
    comment = bounded_text(_("评语"), limit=SHORT, blank=True)
    reason = bounded_text(_("定等理由"), limit=SHORT, blank=True, help_text=_("评为“一般”“较差”时必填。"))
    personal_score = score_field(_("个人得分"), null=True, blank=True)
    composite_score = score_field(_("综合得分"), null=True, blank=True)
    suggested_grade = models.CharField(_("建议等次"), max_length=20, choices=Grade.choices, blank=True)
    evaluator = actor_link(_("评鉴人"))
    graded_at = models.DateTimeField(_("评鉴时间"), null=True, blank=True)
    confirmed_by = actor_link(_("确认人"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    # When the supervising leader changed the evaluator's grade: what the evaluator gave and why it
    # was changed, so the agency head approving the quarter sees both.
    evaluator_grade = models.CharField(_("评鉴人所定等次"), max_length=20, choices=Grade.choices, blank=True)
    # The grader's own 定等理由 for the grade the leader changed (kept from the first change): the
    # leader's change to 一般/较差 and a 定等后复核 write their reasons into ``reason``.
    evaluator_reason = bounded_text(_("评鉴人定等理由"), limit=SHORT, blank=True)
    change_reason = bounded_text(_("分管领导调整理由"), limit=SHORT, blank=True)
    # 定等: after publication without an open objection the grade is final; it changes only
    # through a recorded review.
    locked_at = models.DateTimeField(_("定等时间"), null=True, blank=True)
    # Sent back to the evaluator after the quarter's approval (an objection upheld during the
    # publication window): editable again by the evaluator and the leader until confirmed.
    reopened_at = models.DateTimeField(_("退回重评时间"), null=True, blank=True)
    reopen_reason = bounded_text(_("退回重评理由"), limit=SHORT, blank=True)
    # Sent back by the agency head before approving the quarter (a grade they do not agree with):
    # the evaluator grades again and the leader confirms again; cleared when confirmed.
    returned_at = models.DateTimeField(_("审批退回时间"), null=True, blank=True)
    return_reason = bounded_text(_("审批退回理由"), limit=SHORT, blank=True)
    version = models.PositiveIntegerField(default=1)
    # What the approval blockers ask of each row, kept by services.documents.grade_documents_refresh
    # whenever a target set or monthly summary changes (never by saving the row): whether the
    # quarter's targets are approved, and which of its months' summaries are handed in (bit 0 = the
    # quarter's first month). Partial indexes over the rows still missing something let the quarters
    # and approval pages count "who lacks what" in time proportional to those people, not to the
    # organisation (a pass over 100 000 rows took 0.6–3 s when 26 lacked targets).
    targets_approved = models.BooleanField(default=False, editable=False)
    summary_months = models.PositiveSmallIntegerField(default=0, editable=False)
    # The person's 工号, copied as the grading lists' sort key so a page of 20 rows is read through
    # quartergrade_list_idx instead of joining and sorting every row of the scope by the person's
    # number. Set when the row is created; kept by services.grading.grade_rows_renumber when a
    # person's number changes (never by saving the row).
    employee_number = models.CharField(max_length=32, blank=True, editable=False)
    # Whether the person headed the row's department at some time while the quarter was open (its
    # head when the row was made, or appointed since): graded by the department's supervising
    # leader (谁管理谁认定), not by a head appointed after them, who was their subordinate in the
    # quarter. Set when the row is made and by services.headship on an appointment; never cleared
    # in the quarter, never written by saving the row.
    headed = models.BooleanField(_("本季度曾任科室负责人"), default=False, editable=False)

    DERIVED_FIELDS = ("targets_approved", "summary_months", "employee_number", "headed")
    ALL_MONTHS = 0b111

    class Meta:
        verbose_name = verbose_name_plural = _("季度等次")
        ordering = ["appraisal_quarter", "department", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal_quarter", "person"], name="one_grade_per_person_quarter"),
            models.CheckConstraint(
                condition=~Q(grade="uncertain") | ~Q(uncertain_reason=""), name="uncertain_grade_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["appraisal_quarter", "department", "grade"]),
            # The grading lists (selectors.grades_to_give / grades_to_confirm): a department's page
            # of rows in the order of its people's numbers.
            models.Index(
                fields=["appraisal_quarter", "department", "employee_number", "id"], name="quartergrade_list_idx"
            ),
            # The rows of those who headed their department in the quarter (selectors.grading_lists):
            # one or two per department, found without reading the department's rows.
            models.Index(
                fields=["appraisal_quarter", "department"], condition=Q(headed=True), name="quartergrade_headed_idx"
            ),
            # The quota banner counts a whole pool on every grading page: an index-only count.
            models.Index(fields=["appraisal_quarter", "is_leader_position", "grade"], name="quartergrade_pool_idx"),
            # The approval blockers count and name the rows still 待评鉴 or 待确认 on the quarters and
            # approval pages: an index range instead of a scan of the quarter's rows.
            models.Index(fields=["appraisal_quarter", "state"], name="quartergrade_state_idx"),
            models.Index(
                fields=["appraisal_quarter", "id"],
                condition=Q(targets_approved=False) & ~Q(grade="uncertain"),
                name="quartergrade_no_targets_idx",
            ),
            models.Index(
                fields=["appraisal_quarter", "id"],
                condition=~Q(summary_months=0b111) & ~Q(grade="uncertain"),
                name="quartergrade_no_summary_idx",
            ),
            # The grading page's 好 suggestions find each pool's cut-off among the scored rows
            # (services.scores.suggested_grades_of) without a pass over the unscored ones.
            models.Index(
                fields=["appraisal_quarter", "-composite_score"],
                condition=Q(composite_score__isnull=False),
                name="quartergrade_composite_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.appraisal_quarter}：{self.get_grade_display() or '—'}"

    def save(self, *args, **kwargs) -> None:
        # A row read before one of its documents changed must not write the old flags back.
        if self._state.adding and not self.employee_number and self.person_id:
            self.employee_number = self.person.employee_number
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in self.DERIVED_FIELDS
            ]
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        # Where the row was counted when read (services.counts): a save that moves it to another
        # quarter or department recounts both.
        quarter_id, department_id = row.__dict__.get("appraisal_quarter_id"), row.__dict__.get("department_id")
        if quarter_id is not None and department_id is not None:
            row._loaded_counted_key = ((quarter_id,), department_id)
        return row

    @property
    def current_confirmer(self):
        """Who confirmed the grade as it stands, or None while it waits for a confirmation: a grade
        sent back for regrading and given again is the leader's to confirm anew, whoever did before."""
        return self.confirmed_by if self.state == GradeState.CONFIRMED else None

    @property
    def changed_by_leader(self) -> bool:
        return bool(self.evaluator_grade) and self.evaluator_grade != self.grade

    @property
    def graders_reason(self) -> str:
        """The 定等理由 to show beside the grade: after a leader's change, the grader's own for the
        grade they gave (``evaluator_reason``), shown as theirs (a user test read 较好 beside
        "定等理由：…需提高主动性", written for 一般); otherwise the reason of the grade standing."""
        return self.evaluator_reason if self.changed_by_leader else self.reason

    @property
    def leader_change(self) -> tuple[str, str] | None:
        """(the grader's grade, the supervising leader's) when the leader changed it, as confirmed:
        before any 定等后复核 changed it again (the first review's old grade); None when the leader
        did not. Reads the reviews (prefetched on the person's history)."""
        reviews = sorted(self.reviews.all(), key=lambda review: (review.reviewed_at, review.pk))
        confirmed = reviews[0].old_grade if reviews else self.grade
        if not self.evaluator_grade or self.evaluator_grade == confirmed:
            return None
        return Grade(self.evaluator_grade).label, Grade(confirmed).label

    @property
    def is_editable(self) -> bool:
        """Whether grading and confirming may change this row: while its quarter is open, or
        after the approval when the row was sent back for regrading; never once locked (定等)."""
        if self.locked_at is not None:
            return False
        return self.appraisal_quarter.is_open or self.reopened_at is not None


class QuarterGradeCount(models.Model):
    """How many of a quarter's grade rows of one department and position (leader or not) have each
    grade and state: the quarters and approval pages read these few rows (one per department and
    position) instead of grouping the quarter's grade rows — 150–340 ms at 100 000 people.

    Kept by :func:`.services.counts.grade_counts_refresh`, a set-based recount of the departments
    touched, in the same transaction as the change: after every save or delete of a grade row
    (signals), and by every writer that bypasses ``save()`` (opening a quarter, the benchmarks)."""

    appraisal_quarter = models.ForeignKey(AppraisalQuarter, on_delete=models.CASCADE, related_name="grade_counts")
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    is_leader_position = models.BooleanField(default=False)
    good = models.PositiveIntegerField(default=0)
    fairly_good = models.PositiveIntegerField(default=0)
    average = models.PositiveIntegerField(default=0)
    poor = models.PositiveIntegerField(default=0)
    uncertain = models.PositiveIntegerField(default=0)
    ungraded = models.PositiveIntegerField(default=0)
    unconfirmed = models.PositiveIntegerField(default=0)
    # Graded by someone else before the person headed the department: the leader's grade awaited,
    # not a confirmation (``QuarterGrade.headed``).
    leader_to_grade = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)

    # Each grade's, then those not graded, 待确认, awaiting the leader's grade, and all.
    COUNTS = ("good", "fairly_good", "average", "poor", "uncertain")
    COUNTS += ("ungraded", "unconfirmed", "leader_to_grade", "total")

    class Meta:
        verbose_name = verbose_name_plural = _("季度等次计数")
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal_quarter", "department", "is_leader_position"], name="one_grade_count_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appraisal_quarter} {self.department_id} {self.total}"


class ReviewAfterLock(OrganisationScoped, models.Model):
    """What a recorded review (复核) of a locked row keeps, for a quarter's grade and a year's
    result alike: who, when and why; the concrete model adds the row (``reviewed_row``) and the
    old → new grade in that row's choices."""

    reviewed_row = ""  # the name of the foreign key to the reviewed row

    reason = bounded_text(_("复核理由"), limit=SHORT)
    reviewed_by = person_link(_("复核人"))
    reviewed_at = models.DateTimeField(_("复核时间"))

    class Meta:
        abstract = True
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        person = getattr(self, self.reviewed_row).person
        return f"{person} {self.get_old_grade_display()} → {self.get_new_grade_display()}"


class GradeReview(ReviewAfterLock):
    """A recorded review of a locked grade (复核): the only way a grade changes after 定等.
    Who, why, old → new; listed on the person's history and in the audit log."""

    organisation_attr = "quarter_grade.department.organisation_id"
    reviewed_row = "quarter_grade"

    quarter_grade = models.ForeignKey(
        QuarterGrade, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("季度等次")
    )
    old_grade = models.CharField(_("原等次"), max_length=20, choices=Grade.choices)
    new_grade = models.CharField(_("复核后等次"), max_length=20, choices=Grade.choices)

    class Meta(ReviewAfterLock.Meta):
        verbose_name = verbose_name_plural = _("定等后复核")


class SatisfactionScore(OrganisationScoped, models.Model):
    """A quarter's satisfaction-survey result (满意度), for a department or for one person."""

    organisation = organisation_link(on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=QUARTER_CHOICES)
    department = optional_link("accounts.Department", _("科室"), on_delete=models.CASCADE)
    person = optional_link(settings.AUTH_USER_MODEL, _("人员"), on_delete=models.CASCADE)
    score = score_field(_("满意度得分"))
    entered_by = actor_link(_("录入人"), blank=False)
    entered_at = models.DateTimeField(auto_now=True, verbose_name=_("录入时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("满意度测评")
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
        return f"{self.person or self.department} {Quarter(self.year, self.quarter).label} {self.score}"


class ServiceEventKind(models.TextChoices):
    PRAISE = "praise", _("表扬")
    COMPLAINT = "complaint", _("投诉")


class ServiceEvent(OrganisationScoped, models.Model):
    """A praise or a complaint about a person (服务对象评价)."""

    organisation = organisation_link(on_delete=models.CASCADE)
    person = person_link(_("人员"), related_name="service_events", on_delete=models.CASCADE)
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类别"), max_length=20, choices=ServiceEventKind.choices)
    description = bounded_text(_("事由"), limit=SHORT)
    handled = models.BooleanField(_("投诉已处理"), null=True, blank=True)
    entered_by = actor_link(_("录入人"), blank=False)
    entered_at = models.DateTimeField(auto_now_add=True, verbose_name=_("录入时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("表扬与投诉")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["organisation", "date"]), models.Index(fields=["person", "date"])]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.date}"


class IndicatorGroup(models.TextChoices):
    COMMON = "common", _("共性指标")
    INDIVIDUAL = "individual", _("个性指标")


class IndicatorSource(models.TextChoices):
    MANUAL = "manual", _("评鉴人打分")
    SATISFACTION = "satisfaction", _("满意度测评")
    SERVICE_EVENTS = "service_events", _("表扬与投诉")


class IndicatorSet(OrganisationScoped, models.Model):
    """The indicators and weights used for one position category in an organisation."""

    organisation = organisation_link(related_name="indicator_sets", on_delete=models.CASCADE)
    position_category = models.CharField(_("岗位类别"), max_length=20, choices=PositionCategory.choices)

    class Meta:
        verbose_name = verbose_name_plural = _("指标体系")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "position_category"], name="one_indicator_set_per_category"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_position_category_display())


class Indicator(OrganisationScoped, models.Model):
    organisation_attr = "indicator_set.organisation_id"

    indicator_set = models.ForeignKey(
        IndicatorSet, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("指标体系")
    )
    name = models.CharField(_("指标"), max_length=50)
    group = models.CharField(_("类别"), max_length=20, choices=IndicatorGroup.choices)
    weight = models.PositiveSmallIntegerField(_("权重"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    source = models.CharField(
        _("数据来源"), max_length=20, choices=IndicatorSource.choices, default=IndicatorSource.MANUAL
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("指标")
        ordering = ["indicator_set", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.name


class IndicatorScore(OrganisationScoped, models.Model):
    # Its audit entries name the organisation (an auditor reads their own agency's only).
    organisation_attr = "quarter_grade.department.organisation_id"

    quarter_grade = models.ForeignKey(
        QuarterGrade, on_delete=models.CASCADE, related_name="indicator_scores", verbose_name=_("季度等次")
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+", verbose_name=_("指标"))
    score = score_field(_("得分"))

    class Meta:
        verbose_name = verbose_name_plural = _("指标得分")
        constraints = [
            models.UniqueConstraint(fields=["quarter_grade", "indicator"], name="one_score_per_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.score}"


class DepartmentScore(OrganisationScoped, models.Model):
    """A department's quarterly score (科室成绩): party-building work carries more than half."""

    organisation_attr = "department.organisation_id"

    department = department_link(related_name="scores", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=QUARTER_CHOICES)
    party_building_score = score_field(_("党建工作得分"))
    work_score = score_field(_("业务工作得分"))
    party_building_weight = models.PositiveSmallIntegerField(
        _("党建工作权重"), validators=[MinValueValidator(51), MaxValueValidator(100)]
    )
    # The three parts of 党建工作 and their shares of it when they were entered (empty on scores
    # entered as one party-building figure, before the parts existed).
    party_basics_score = score_field(_("党建基础工作得分"), null=True, blank=True)
    party_education_score = score_field(_("党员教育管理得分"), null=True, blank=True)
    party_bottom_line_score = score_field(_("底线约束得分"), null=True, blank=True)
    party_basics_share = models.PositiveSmallIntegerField(_("党建基础工作比例"), null=True, blank=True)
    party_education_share = models.PositiveSmallIntegerField(_("党员教育管理比例"), null=True, blank=True)
    party_bottom_line_share = models.PositiveSmallIntegerField(_("底线约束比例"), null=True, blank=True)
    total = score_field(_("科室得分"))
    entered_by = actor_link(_("录入人"), blank=False)
    entered_at = models.DateTimeField(auto_now=True, verbose_name=_("录入时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("科室得分")
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "quarter"], name="one_department_score_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {Quarter(self.year, self.quarter).label} {self.total}"

    def clean(self) -> None:
        if self.party_building_weight is not None and self.party_building_weight <= 50:
            raise ValidationError({"party_building_weight": _("党建工作权重须超过50%。")})


class QuarterResult(models.Model):
    """One person's rolled-up quarter (written by the roll-up, set-based; safe to recompute).

    A copy derived from the grade row, so its three references carry no database foreign-key
    constraint: the grade row's own constraints checked them when it was written, the roll-up
    writes a result only from a grade row in the same statement, and Django's ``on_delete`` below
    (CASCADE, PROTECT) works in Python either way. At 100 000 people the deferred checks of the
    three constraints (one trigger per row and key, locking each person's row) took longer at
    commit than the insert itself (bench/RESULTS.md). No index of its own on the quarter either:
    the (quarter, person) primary key begins with it. That key is the row's identity (evaluations
    0028): a separate ``id`` was a second index written for every row of a first roll-up, about
    0.1 s at 100 000 people (bench/RESULTS.md); nothing refers to a result by id.

    Nor on the person or the department (former evaluations 0025): every page and export reads
    results by quarter (the unique index, or a join on it), none by person or department alone, and
    each index is written for each of the roll-up's 100 000 new rows (at 100 000 people the two
    were 0.2–0.4 s of the server's CPU of a first run, bench/RESULTS.md). What is left to look rows up by
    person or department alone is a deletion through the ORM (admin): the person's CASCADE and the
    department's PROTECT then read the result table instead of an index. Neither deletes anything
    in practice: a result exists only beside its grade row, whose PROTECT on the same person and
    department refuses the deletion.
    """

    pk = models.CompositePrimaryKey("appraisal_quarter", "person")
    appraisal_quarter = derived_reference(AppraisalQuarter, on_delete=models.CASCADE, related_name="results")
    person = derived_reference(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quarter_results")
    department = derived_reference("accounts.Department", on_delete=models.PROTECT)
    final_grade = models.CharField(_("等次"), max_length=20, choices=Grade.choices, blank=True)
    composite_score = score_field(_("综合得分"), null=True, blank=True)
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
        verbose_name = verbose_name_plural = _("季度结果")
        ordering = ["appraisal_quarter", "department", "person_id"]

    def __str__(self) -> str:
        return f"{self.person} {self.appraisal_quarter} {self.get_final_grade_display()}"


class DepartmentQuarterStats(models.Model):
    """A department's quarter in numbers (written by the roll-up, from its results).

    Keyed by (quarter, department), without database foreign keys or other indexes, as the results
    are (since the former evaluations 0028): the roll-up writes a row only for a department its results name, and the
    rows are read by quarter. Each of a first roll-up's 3 059 rows at 100 000 people wrote four
    indexes and queued two foreign-key checks for the commit: about 0.05 s of a 1 s run
    (bench/RESULTS.md). Django's CASCADE still applies to an ORM deletion.
    """

    pk = models.CompositePrimaryKey("appraisal_quarter", "department")
    appraisal_quarter = derived_reference(AppraisalQuarter, on_delete=models.CASCADE, related_name="department_stats")
    department = derived_reference("accounts.Department", on_delete=models.CASCADE)
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
        verbose_name = verbose_name_plural = _("科室季度统计")

    def __str__(self) -> str:
        return f"{self.department} {self.appraisal_quarter}"

    @property
    def people(self) -> int:
        """Everyone of the department in the quarter: the participants of the 好 quota, and those
        of 不确定等次, who are not (DOMAIN.md §4); the columns of grades add up to it."""
        return self.participants + self.uncertain

    @property
    def good_share(self) -> Decimal | None:
        """好 as a percentage of the participants: the people of the 好 quota, without 不确定等次."""
        if not self.participants:
            return None
        return (Decimal(self.good * 100) / self.participants).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
