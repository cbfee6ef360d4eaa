"""The reports room's background-job kinds (accounts.jobs), registered by PublicityConfig.ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import jobs

from . import services


def register_kinds() -> None:
    jobs.register(
        services.YEAR_EXPORT,
        services.run_year_export,
        label=_("年度考核汇总导出"),
        permission="publicity.export_year",
        return_url=lambda job: f"{reverse('reports:index')}?job={job.pk}",
    )
    jobs.register(
        services.DEPARTMENT_FORMS,
        services.run_department_forms,
        label=_("科室登记表打印"),
        permission="publicity.view_every_form",
        return_url=jobs.back_to("reports:forms"),
    )
