"""The weekly progress board (每周工作进展, seed 002: 综合科每周汇总各科室一周工作进展并公示).

Each department head posts the week's progress as short items, each optionally serving one of
the department's goals (:class:`WeeklyPost`, :class:`WeeklyPostItem`); the office compiles the
week from those posts — which departments, in what order, in its own wording — and publishes it
to every member of the organisation (:class:`WeeklyDigest`, :class:`WeeklyDigestSection`).
Weeks are ISO weeks of the one calendar (``accounts.periods.Week``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.fields import department_link, optional_link, organisation_link, person_link
from accounts.modelbits import DetailPage
from accounts.models import OrganisationScoped
from accounts.periods import Week
from accounts.textlimits import MEDIUM, SHORT, bounded_text


class WeeklyPost(OrganisationScoped, models.Model):
    """One department's progress for one week, posted by its head (editable until the week is published)."""

    organisation = organisation_link(on_delete=models.CASCADE)
    department = department_link(related_name="weekly_posts")
    year = models.PositiveSmallIntegerField(_("年度"))
    week = models.PositiveSmallIntegerField(_("周次"))
    author = person_link(_("填报人"))
    posted_at = models.DateTimeField(_("填报时间"))

    class Meta:
        verbose_name = verbose_name_plural = _("科室每周进展")
        ordering = ["-year", "-week", "department"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "week"], name="weekly_post_once_per_department"),
        ]
        indexes = [models.Index(fields=["organisation", "year", "week"], name="weekly_post_org_week")]

    def __str__(self) -> str:
        return f"{self.department} {self.period.code}"

    @property
    def period(self) -> Week:
        return Week(self.year, self.week)


class WeeklyPostItem(OrganisationScoped, models.Model):
    organisation_attr = "post.organisation_id"

    post = models.ForeignKey(WeeklyPost, on_delete=models.CASCADE, related_name="items", verbose_name=_("科室每周进展"))
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    text = bounded_text(_("工作进展"), limit=SHORT)
    goal = optional_link("targets.DepartmentGoal", _("对应科室目标"), on_delete=models.SET_NULL)

    class Meta:
        verbose_name = verbose_name_plural = _("进展事项")
        ordering = ["post", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class WeeklyDigest(DetailPage, OrganisationScoped, models.Model):
    """The office's compilation of one week, a draft until published to all staff."""

    detail_url_name = "publicity:weekly_detail"

    class State(models.TextChoices):
        DRAFT = "draft", _("汇编中")
        PUBLISHED = "published", _("已发布")

    organisation = organisation_link(on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    week = models.PositiveSmallIntegerField(_("周次"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    compiled_by = person_link(_("汇编人"))
    published_by = optional_link(settings.AUTH_USER_MODEL, _("发布人"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("创建时间"))
    # When the compilation was last saved: a department's post corrected since is proposed anew.
    saved_at = models.DateTimeField(_("保存时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("每周工作进展")
        ordering = ["-year", "-week"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "week"], name="weekly_digest_once_per_week"),
        ]
        # The board lists an organisation's published weeks, newest first, a page at a time.
        indexes = [models.Index(fields=["organisation", "state", "-year", "-week"], name="weekly_digest_board")]

    def __str__(self) -> str:
        return self.period.label

    @property
    def period(self) -> Week:
        return Week(self.year, self.week)

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class WeeklyDigestSection(OrganisationScoped, models.Model):
    """One department's part of the compiled week, in the office's wording."""

    organisation_attr = "digest.organisation_id"

    digest = models.ForeignKey(
        WeeklyDigest, on_delete=models.CASCADE, related_name="sections", verbose_name=_("每周工作进展")
    )
    department = department_link()
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    text = bounded_text(_("本周进展"), limit=MEDIUM)

    class Meta:
        verbose_name = verbose_name_plural = _("每周进展（科室）")
        ordering = ["digest", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["digest", "department"], name="weekly_section_once_per_department"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.digest}"


# What the audit trail records: every post, item, compilation and its wording (registered by
# PublicityConfig.ready()).
AUDITED = (WeeklyPost, WeeklyPostItem, WeeklyDigest, WeeklyDigestSection)
