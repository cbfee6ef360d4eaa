from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("考核评鉴")

    def ready(self) -> None:
        from accounts import audit

        from . import models

        for model in (
            models.AppraisalQuarter,
            models.QuarterGrade,
            models.SatisfactionScore,
            models.ServiceEvent,
            models.IndicatorSet,
            models.Indicator,
            models.IndicatorScore,
            models.DepartmentScore,
            models.Inspection,
            models.Finding,
            models.SanctionRule,
            models.Sanction,
            models.VetoFlag,
            models.AnnualResult,
        ):
            audit.register(model, exclude_fields=["version"] if model is models.QuarterGrade else None)
