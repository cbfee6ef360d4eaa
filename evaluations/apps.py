from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    """One app (label ``evaluations``) split into rooms by sub-package: grading (§4), discipline (§5)
    and annual (§7). One label keeps every table, migration and permission name as it was."""

    name = "evaluations"
    verbose_name = _("考核评鉴")

    def ready(self) -> None:
        from accounts import audit

        from .annual import jobs as annual_jobs
        from .annual import models as annual
        from .discipline import jobs as discipline_jobs
        from .discipline import models as discipline
        from .grading import jobs as grading_jobs
        from .grading import models as grading
        from .grading.services import documents

        documents.connect()
        grading_jobs.register_kinds()
        annual_jobs.register_kinds()
        discipline_jobs.register_kinds()

        for model in (
            grading.AppraisalQuarter,
            grading.QuarterDisciplineOpinion,
            grading.QuarterGrade,
            grading.GradeReview,
            grading.SatisfactionScore,
            grading.ServiceEvent,
            grading.IndicatorSet,
            grading.Indicator,
            grading.IndicatorScore,
            grading.DepartmentScore,
            discipline.Inspection,
            discipline.Finding,
            discipline.SanctionRule,
            discipline.Sanction,
            discipline.VetoFlag,
            annual.AnnualResult,
            annual.AnnualReview,
            annual.Achievement,
        ):
            derived = grading.QuarterGrade.DERIVED_FIELDS if model is grading.QuarterGrade else ()
            audit.register(model, exclude_fields=["version", *derived] if derived else None)
