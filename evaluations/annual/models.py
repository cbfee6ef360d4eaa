"""Year-end results: the suggestion drawn from the quarters and the committee's decision. DOMAIN.md §7."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from accounts.fields import actor_link, organisation_link, person_link
from accounts.models import OrganisationScoped
from accounts.textlimits import MEDIUM, bounded_text

from ..grading.models import ReviewAfterLock, derived_reference, score_field


class AnnualGrade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASICALLY_COMPETENT = "basically_competent", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")
    NOT_GRADED = "not_graded", _("不定等次")


def final_grade_expression() -> models.Case:
    """The committee's grade where it decided, else the suggestion (as a query expression).

    Indexed as it stands (AnnualResult.Meta): the 结果运用 lists filter on it.
    """
    return models.Case(
        models.When(decided_grade="", then=models.F("suggested_grade")),
        default=models.F("decided_grade"),
        output_field=models.CharField(),
    )


# The final grades the 结果运用 lists look for (annual_use_lists), the only ones in its index.
LISTED_GRADES = [AnnualGrade.EXCELLENT, AnnualGrade.BASICALLY_COMPETENT, AnnualGrade.INCOMPETENT]


class AnnualResult(OrganisationScoped, models.Model):
    """A person's year: the suggestion drawn from the quarters (with reasons), and the committee's
    decision. Every year is kept, for the multi-year lists (三等功, 2 × 不称职)."""

    # No index of their own: the (organisation, year, …) indexes and the (person, year) constraint
    # below lead with them (every index is written for every row the roll-up inserts).
    # No database constraint on the four references (db_constraint=False, migration evaluations
    # 0023), as QuarterResult's (0021): the roll-up writes organisation, person and department in
    # the same statement from grade rows and quarters whose own foreign keys were checked, and
    # decided_by is the signed-in committee member. The deferred checks at COMMIT (one trigger
    # event per row and key, the person's locking each accounts_user row) were about 5.8 s of a
    # first roll-up of 100 000 people (bench/RESULTS.md). Django's PROTECT and SET_NULL still
    # apply to every ORM deletion; a raw-SQL delete of a person, department or organisation would
    # leave the rows behind instead of failing.
    organisation = derived_reference("accounts.Organisation", on_delete=models.PROTECT, verbose_name=_("单位"))
    person = derived_reference(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annual_results", verbose_name=_("人员")
    )
    # No index of its own (former evaluations 0027): the results are read by organisation and year (the
    # dashboard's per-department 优秀 chart too, through ``annualresult_decided_idx``), never by
    # department alone, and each roll-up's first run wrote 100 000 entries into it (about 0.2 s of
    # the server's CPU). What is left is the PROTECT check of a department's deletion (admin).
    department = derived_reference("accounts.Department", on_delete=models.PROTECT, null=True, verbose_name=_("科室"))
    year = models.PositiveSmallIntegerField(_("年度"))
    graded_quarters = models.PositiveSmallIntegerField(_("已评季度"), default=0)
    good_quarters = models.PositiveSmallIntegerField(_("“好”的季度"), default=0)
    average_or_below_quarters = models.PositiveSmallIntegerField(_("“一般”及以下季度"), default=0)
    average_quarters = models.PositiveSmallIntegerField(_("“一般”季度"), default=0)
    composite_score = score_field(_("平均综合得分"), null=True, blank=True)
    eligible_excellent = models.BooleanField(_("具备优秀资格"), default=False)
    rank = models.PositiveIntegerField(_("优秀排序"), null=True, blank=True)
    suggested_grade = models.CharField(_("建议等次"), max_length=30, choices=AnnualGrade.choices, blank=True)
    suggestion_reasons = models.JSONField(_("建议理由"), default=list, blank=True)
    decided_grade = models.CharField(_("确定等次"), max_length=30, choices=AnnualGrade.choices, blank=True)
    decision_reason = bounded_text(_("与建议不一致的理由"), limit=MEDIUM, blank=True)
    decided_by = actor_link(_("确定等次人"), db_index=False, db_constraint=False)
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("确定等次时间"))
    # 定等 of the year's result, after the 优秀 list's publication window closed without an open
    # objection: the roll-up and the committee's decision leave it alone from then on.
    locked_at = models.DateTimeField(_("定等时间"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("年度考核结果")
        ordering = ["organisation", "-year", "rank", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="one_annual_result_per_person_year"),
        ]
        indexes = [
            # Only the rows a committee decided (the roll-up inserts them undecided): a user's deletion
            # looks up their decisions here.
            models.Index(
                fields=["decided_by"], condition=models.Q(decided_by__isnull=False), name="annualresult_decided_by_idx"
            ),
            # The (organisation, year) lists and the committee's undecided rows. (The year's last
            # computation is AnnualRollupRun's since the former evaluations 0026: an index on computed_at, written for
            # every row a roll-up inserts, served no page any more.)
            models.Index(fields=["organisation", "year", "decided_grade"], name="annualresult_decided_idx"),
            # The 结果运用 lists (优秀, 基本称职, 不称职) each filter the year's results on the final grade:
            # an index range instead of a pass over every result (100 000 people). Only those grades:
            # 称职, most of any year, and 不定等次 head no list, and a first roll-up's rows that are
            # neither were a quarter of the index writes of its insert (bench/RESULTS.md, yfirst14).
            # The grade leads: the index above stays the cheaper one for the committee's own counts.
            models.Index(
                final_grade_expression(),
                models.F("organisation"),
                models.F("year"),
                condition=models.Q(In(final_grade_expression(), LISTED_GRADES)),
                name="annualresult_final_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.year} {self.get_decided_grade_display() or self.get_suggested_grade_display()}"

    @property
    def final_grade(self) -> str:
        return self.decided_grade or self.suggested_grade

    @property
    def left_by_suggestion(self) -> bool:
        """A grade decided on its suggestion (no deviation's reason) that the suggestion has since
        left: the decision page says so; the year roll-up tells the committee
        (``services._tell_decisions_the_suggestion_left``; a 优秀, ``_tell_excellent_no_longer_eligible``)."""
        return bool(self.decided_grade and self.suggested_grade) and (
            self.decided_grade != self.suggested_grade and not self.decision_reason
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        # Where the row was counted when read (annual.counts): a save that moves it to another
        # department or year recounts both.
        organisation_id, year = row.__dict__.get("organisation_id"), row.__dict__.get("year")
        if organisation_id is not None and year is not None and "department_id" in row.__dict__:
            row._loaded_counted_key = ((organisation_id, year), row.__dict__["department_id"] or 0)
        return row


class AnnualResultCount(models.Model):
    """How many of an organisation's results of a year, of one department, have a final grade
    (decided, else suggested), are 优秀 and are undecided: the committee page reads these few rows
    (one per department) for its 优秀 quota and its undecided count, instead of counting the year's
    results — which grew with the organisation, even on the page of an 8-person department.

    Kept by :func:`.counts.annual_counts_refresh` through the grade counters' mechanism
    (``grading.services.counts``): after every save or delete of a result, and by the roll-up,
    which writes results in SQL. ``department_key`` is the department's id, 0 for none."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    department_key = models.PositiveIntegerField()
    graded = models.PositiveIntegerField(default=0)
    excellent = models.PositiveIntegerField(default=0)
    undecided = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)

    COUNTS = ("graded", "excellent", "undecided", "total")

    class Meta:
        verbose_name = verbose_name_plural = _("年度结果计数")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "department_key"], name="one_annual_result_count_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year} {self.department_key} {self.total}"


class AnnualReview(ReviewAfterLock):
    """A recorded review (复核) of a locked annual result: the only way a year's grade changes
    after 定等. Who, why, old → new; listed on the person's history and in the audit log."""

    organisation_attr = "annual_result.organisation_id"
    reviewed_row = "annual_result"

    annual_result = models.ForeignKey(
        AnnualResult, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("年度考核结果")
    )
    old_grade = models.CharField(_("原等次"), max_length=30, choices=AnnualGrade.choices)
    new_grade = models.CharField(_("复核后等次"), max_length=30, choices=AnnualGrade.choices)

    class Meta(ReviewAfterLock.Meta):
        verbose_name = verbose_name_plural = _("年度结果定等后复核")


class AchievementState(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未确认")


class Achievement(OrganisationScoped, models.Model):
    """创新突破: an innovative achievement of a person in a year, proposed by a leader (the
    supervising leader of the person's department, or the agency head) and confirmed or rejected by
    HR. A confirmed one puts the person on the award-candidate list (评先树优, DOMAIN.md §7)."""

    organisation = organisation_link()
    person = person_link(_("人员"), related_name="achievements")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("科室")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("创新突破事项"), max_length=200)
    description = bounded_text(_("具体内容"), limit=MEDIUM, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=AchievementState.choices, default=AchievementState.PROPOSED
    )
    proposed_by = person_link(_("提出人"))
    proposed_at = models.DateTimeField(_("提出时间"))
    decided_by = actor_link(_("决定人"))
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_note = bounded_text(_("确认意见"), limit=MEDIUM, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("创新突破")
        ordering = ["organisation", "-year", "-proposed_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "year", "state"])]

    def __str__(self) -> str:
        return f"{self.person} {self.year} {self.title}"


class AnnualRollupRun(models.Model):
    """When the year roll-up last ran for an organisation. The roll-up rewrites only the result rows
    whose suggestion changed (their ``computed_at`` says when it last did), so the freshness check
    (:func:`evaluations.annual.services.suggestions_freshness`) reads the run's time here."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    computed_at = models.DateTimeField(_("计算时间"))
    # The policy's 优秀 share when the year's first results were 定等 (locked): the share the year
    # was decided under, which a later change of the policy does not reach (None: not locked yet).
    excellent_quota_percent = models.PositiveSmallIntegerField(_("定等时的优秀比例（%）"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("年度建议等次计算")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="one_annual_rollup_run_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year} {self.computed_at:%Y-%m-%d %H:%M}"
