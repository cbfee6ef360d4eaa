"""Department goals and quarterly targets (季目标), DOMAIN.md §3."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.fields import actor_link, department_link, optional_link, person_link
from accounts.modelbits import DetailPage
from accounts.models import OrganisationScoped
from accounts.periods import QUARTER_CHOICES, Quarter
from accounts.textlimits import MEDIUM, SHORT, bounded_text

# ReviewStatus is also imported from here by the demo and the evaluations rooms.
from accounts.workflow import ReviewedDocument, ReviewStatus, owner_department_field, review_indexes


class DepartmentGoal(OrganisationScoped, models.Model):
    """A department's annual goal (quarter empty) or a goal for one quarter."""

    organisation_attr = "department.organisation_id"

    department = department_link(related_name="goals", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), choices=QUARTER_CHOICES, null=True, blank=True, help_text=_("留空表示年度目标。")
    )
    content = bounded_text(_("目标内容"), limit=SHORT)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    created_by = actor_link(_("创建人"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("科室目标")
        ordering = ["department", "year", "quarter", "sort_order", "pk"]
        indexes = [models.Index(fields=["department", "year", "quarter"])]

    def __str__(self) -> str:
        return self.content[:40]


class TargetSet(DetailPage, OrganisationScoped, ReviewedDocument):
    """One person's target items for one quarter, reviewed as a whole (the review workflow's columns
    come from :class:`accounts.workflow.ReviewedDocument`)."""

    review_permission = "targets.review_targetset"
    detail_url_name = "targets:detail"

    owner = person_link(_("被考核人"), related_name="target_sets")
    department = department_link(related_name="target_sets")
    owner_department = owner_department_field()
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=QUARTER_CHOICES)

    class Meta:
        verbose_name = verbose_name_plural = _("季度目标")
        ordering = ["-year", "-quarter", "owner_id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "year", "quarter"], name="one_target_set_per_quarter"),
        ]
        indexes = review_indexes(period=["year", "quarter"], waiting_index_name="targetset_waiting_idx")

    def __str__(self) -> str:
        return f"{self.owner} {self.year}年第{self.quarter}季度目标"

    @property
    def title(self) -> str:
        return _("%(year)s年第%(quarter)s季度目标") % {"year": self.year, "quarter": self.quarter}

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)


class TargetKind(models.TextChoices):
    KEY = "key", _("重点工作")
    ASSIGNED = "assigned", _("领导交办")
    ROUTINE = "routine", _("日常工作")


class Completion(models.TextChoices):
    DONE = "done", _("完成")
    PARTIAL = "partial", _("部分完成")
    NOT_DONE = "not_done", _("未完成")


class TargetItem(OrganisationScoped, models.Model):
    organisation_attr = "target_set.organisation_id"

    target_set = models.ForeignKey(
        TargetSet, on_delete=models.CASCADE, related_name="items", verbose_name=_("季度目标")
    )
    sort_order = models.PositiveSmallIntegerField(_("序号"), default=0)
    content = bounded_text(_("目标内容"), limit=SHORT)
    kind = models.CharField(_("类别"), max_length=20, choices=TargetKind.choices, default=TargetKind.KEY)
    measures = bounded_text(_("推进措施"), limit=MEDIUM, blank=True)
    deadline = models.DateField(_("时间节点"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("权重"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    goal = optional_link(DepartmentGoal, _("对应科室目标"), on_delete=models.SET_NULL, related_name="target_items")
    assigned_by = actor_link(_("交办领导"))
    completion = models.CharField(_("完成情况"), max_length=20, choices=Completion.choices, blank=True)
    completion_note = bounded_text(_("完成情况说明"), limit=SHORT, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("目标事项")
        ordering = ["target_set", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.content[:40]


class TargetSetRevision(models.Model):
    """A snapshot of the items at each submission, with the reviewer's decision: the visible history."""

    target_set = models.ForeignKey(TargetSet, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("版本"))
    items = models.JSONField(_("目标事项"))
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    outcome = models.CharField(
        _("审核结果"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = bounded_text(_("退回原因"), limit=MEDIUM, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("目标版本")
        ordering = ["target_set", "number"]
        constraints = [
            models.UniqueConstraint(fields=["target_set", "number"], name="target_revision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.target_set} v{self.number}"

    def shown_items(self) -> list[dict]:
        """The snapshot's items with their kind named in the reader's language (the stored label
        is the submitter's: a user test read 重点工作 on an English page, Key task on a Chinese one)."""
        kinds = dict(TargetKind.choices)
        return [{**item, "kind_label": kinds.get(item.get("kind"), item.get("kind_label", ""))} for item in self.items]
