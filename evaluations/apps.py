from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    """One app (label ``evaluations``) split into rooms by sub-package: grading (§4), discipline (§5)
    and annual (§7). One label keeps every table, migration and permission name as it was."""

    name = "evaluations"
    verbose_name = _("考核评鉴")

    def ready(self) -> None:
        from accounts import audit

        from .annual import counts as annual_counts
        from .annual import models as annual
        from .annual import statuses as annual_statuses
        from .ballots import models as ballots
        from .discipline import models as discipline
        from .grading import models as grading
        from .grading.services import counts, documents, headship, numbers
        from .welfare import inbox as welfare_inbox
        from .welfare import models as welfare

        # The signal receivers that keep derived rows in step: the grade rows' document flags and
        # 工号 and headship, the grade and annual counts, and the year's suggestions after a special status.
        for receivers in (documents, counts, annual_counts, annual_statuses, numbers, headship):
            receivers.connect()
        # The rooms' job kinds and list exports, registered where their runners and builders are
        # written (accounts.jobs.kind, accounts.listing.exportable).
        for module in (
            "annual.lists",
            "annual.services",
            "ballots.exports",
            "discipline.lists",
            "discipline.services.inspections",
            "discipline.services.veto",
            "grading.lists",
            "grading.services.rollup",
            "welfare.jobs",
        ):
            import_module(f"{self.name}.{module}")
        welfare_inbox.register_kind()

        for model in (
            grading.AppraisalQuarter,
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
            discipline.ComplianceAlert,
            discipline.SanctionRule,
            discipline.Sanction,
            discipline.VetoFlag,
            annual.AnnualResult,
            annual.AnnualReview,
            annual.Achievement,
            welfare.WelfarePost,
            welfare.WelfareAssessment,
            welfare.WelfareConsequence,
        ):
            derived = grading.QuarterGrade.DERIVED_FIELDS if model is grading.QuarterGrade else ()
            versioned = model in (grading.QuarterGrade, welfare.WelfareAssessment)
            audit.register(model, exclude_fields=["version", *derived] if versioned else None)
        # The 纪委意见 without the fingerprints its staleness is judged by (a sum, a hash: no reader's words).
        audit.register(grading.QuarterDisciplineOpinion, exclude_fields=["grades_version", "findings_digest"])
        # 民主测评: the ballot and who is rated; a rater row without its draft (the answers) and with
        # its code masked. Papers are never registered: the entry's actor would name the rater.
        audit.register(ballots.Ballot)
        audit.register(ballots.BallotSubject)
        audit.register(ballots.BallotRater, exclude_fields=["draft"], mask_fields=["code"])
