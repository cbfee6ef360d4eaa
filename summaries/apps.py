from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = _("月小结")

    def ready(self) -> None:
        from accounts import audit

        from . import jobs, models

        jobs.register_kinds()

        # The version and timestamps change on every autosave and say nothing to an auditor.
        audit.register(models.MonthlySummary, exclude_fields=["version", "updated_at"])
        audit.register(models.SummaryProgress)
        audit.register(models.SummaryAttachment)
