from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = _("月小结")

    def ready(self) -> None:
        from accounts import audit

        from . import models

        # The app's job kinds, registered where their runners are written (accounts.jobs.kind).
        for module in ("exports", "reminders"):
            import_module(f"{self.name}.{module}")

        # The version and timestamps change on every autosave and say nothing to an auditor.
        audit.register(models.MonthlySummary, exclude_fields=["version", "updated_at"])
        audit.register(models.SummaryProgress)
        audit.register(models.SummaryAttachment)
