"""The year-end workbooks HR exported (DOMAIN.md §7): kept on the private storage for a number of
days (``settings.REPORTS_RETENTION_DAYS``), then removed by :func:`..services.year_workbooks_expire`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationScoped
from accounts.storage import get_private_storage


def _workbook_path(instance: YearWorkbook, filename: str) -> str:
    # Fixed and ASCII on disk; the download name is made from the year.
    return f"reports/{instance.organisation_id}/{instance.year}/{filename}"


class YearWorkbook(OrganisationScoped, models.Model):
    """One export of a year's workbook (年度考核汇总), served at /reports/year/<year>.xlsx to HR of
    its organisation until it expires; the newest of a year wins."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    file = models.FileField(_("文件"), storage=get_private_storage, upload_to=_workbook_path, max_length=300)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    people = models.PositiveIntegerField(_("人数"), default=0)
    job = models.OneToOneField(
        "accounts.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("后台任务")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("导出时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("保留至"))

    class Meta:
        verbose_name = verbose_name_plural = _("年度考核汇总表")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "year", "-created_at"], name="yearworkbook_latest_idx"),
            models.Index(fields=["expires_at"], name="yearworkbook_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} #{self.pk}"

    @property
    def download_name(self) -> str:
        return f"{self.year}年度考核汇总.xlsx"
