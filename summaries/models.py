"""Monthly summaries (月小结 / 工作写实), DOMAIN.md §3."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.fields import actor_link, department_link, optional_link, person_link
from accounts.modelbits import DetailPage, unique_where_set
from accounts.models import OrganisationScoped

# The private storage moved to the foundation (background jobs store their files there too); the
# names stay importable from here for the summaries code and this app's migrations.
from accounts.periods import Month
from accounts.storage import PrivateStorage, get_private_storage, private_storage  # noqa: F401
from accounts.textlimits import LONG, MEDIUM, SHORT, bounded_text
from accounts.workflow import ReviewedDocument, owner_department_field, review_indexes


class MonthlySummary(DetailPage, OrganisationScoped, ReviewedDocument):
    """One person's summary of one month (the review workflow's columns come from
    :class:`accounts.workflow.ReviewedDocument`)."""

    review_permission = "summaries.review_summary"
    detail_url_name = "summaries:detail"

    owner = person_link(_("被考核人"), related_name="monthly_summaries")
    department = department_link(related_name="monthly_summaries")
    owner_department = owner_department_field()
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    other_work = bounded_text(_("其他工作"), limit=LONG, blank=True)
    problems = bounded_text(_("存在问题"), limit=LONG, blank=True)
    next_month_plan = bounded_text(_("下月计划"), limit=LONG, blank=True)
    # The summaries' own word for lateness (the column is the shared one).
    is_late = models.BooleanField(_("迟交"), default=False)
    # The last text save, by which page (a random id per open page) and which of its saves, and the
    # version it produced: a page's save sent before the answer to its previous one (leaving the
    # page, pressing 提交) is its own follow-up, not another page's conflict.
    autosave_tab = models.CharField(
        max_length=40, blank=True, default="", editable=False, verbose_name=_("自动保存页签")
    )
    autosave_seq = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("自动保存序号"))
    autosave_version = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("自动保存版本"))

    class Meta:
        verbose_name = verbose_name_plural = _("月小结")
        ordering = ["-year", "-month", "owner_id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "year", "month"], name="one_summary_per_month"),
        ]
        indexes = review_indexes(period=["year", "month"], waiting_index_name="summary_waiting_idx")

    def __str__(self) -> str:
        return f"{self.owner} {self.year}年{self.month}月小结"

    @property
    def title(self) -> str:
        return _("%(year)s年%(month)s月工作小结") % {"year": self.year, "month": self.month}

    @property
    def period(self) -> Month:
        return Month(self.year, self.month)

    @property
    def quarter(self) -> int:
        return self.period.quarter.quarter


class SummaryProgress(OrganisationScoped, models.Model):
    """Progress on one of the quarter's target items, so nothing is typed twice."""

    organisation_attr = "summary.organisation_id"

    summary = models.ForeignKey(
        MonthlySummary, on_delete=models.CASCADE, related_name="progress_notes", verbose_name=_("月小结")
    )
    target_item = optional_link(
        "targets.TargetItem", _("目标事项"), on_delete=models.SET_NULL, related_name="progress_notes"
    )
    # The item's text as handed in: refreshed from the target item at each submission, so a
    # submitted summary reads as it was sent; while it is editable the page shows the item's
    # current text (:attr:`wording`), never a stale copy.
    item_content = bounded_text(_("目标事项"), limit=SHORT)
    note = bounded_text(_("进展情况"), limit=MEDIUM, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0, verbose_name=_("排序"))

    class Meta:
        verbose_name = verbose_name_plural = _("目标进展")
        ordering = ["summary", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["summary", "target_item"], name="one_note_per_item_per_summary"),
        ]

    def __str__(self) -> str:
        return self.wording[:40]

    @property
    def is_orphan(self) -> bool:
        """The target item this row reported on was removed from the targets."""
        return self.target_item_id is None

    @property
    def wording(self) -> str:
        """The item's current text while the summary can still change (targets may have been
        returned and rewritten since the row was made); the text as handed in afterwards.
        Read the rows with ``select_related("target_item")``."""
        if self.target_item_id is not None and self.summary.is_editable:
            return self.target_item.content
        return self.item_content


def _attachment_path(instance: SummaryAttachment, filename: str) -> str:
    return f"summaries/{instance.summary.year}/{instance.summary_id}/{filename}"


class SummaryAttachment(OrganisationScoped, models.Model):
    organisation_attr = "summary.organisation_id"

    summary = models.ForeignKey(
        MonthlySummary, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("月小结")
    )
    file = models.FileField(_("文件"), storage=get_private_storage, upload_to=_attachment_path, max_length=300)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    # The content's SHA-256, so the same file attached twice is recognised whatever its name.
    sha256 = models.CharField(_("内容摘要"), max_length=64, blank=True, default="", editable=False)
    uploaded_by = actor_link(_("上传人"), blank=False)
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("上传时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("附件")
        ordering = ["summary", "uploaded_at"]
        constraints = [
            unique_where_set("summary", "sha256", name="one_copy_of_a_file_per_summary"),
        ]

    def __str__(self) -> str:
        return self.original_name


class SummaryConflictCopy(models.Model):
    """Text a stale tab tried to save over a newer version: kept, never silently lost."""

    summary = models.ForeignKey(MonthlySummary, on_delete=models.CASCADE, related_name="conflict_copies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    based_on_version = models.PositiveIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.summary} v{self.based_on_version}"
