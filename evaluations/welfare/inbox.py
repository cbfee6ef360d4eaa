"""The welfare 述职 in the review inbox (summaries.review): the worker's evaluator finds the
handed-in reports waiting there, beside targets and summaries, and decides them there or on the
assessment's page. Registered by EvaluationsConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from summaries.review import InboxKind, register_inbox_kind

from . import selectors, services
from .models import WelfareAssessment

WELFARE = "welfare"


def register_kind() -> None:
    register_inbox_kind(
        WELFARE,
        InboxKind(
            model=WelfareAssessment,
            awaiting=selectors.reports_awaiting_review,
            label=lambda: pgettext("a review inbox row's category", "公益性岗位述职"),
            filter_label=lambda: _("公益性岗位述职"),
            period_label=lambda item: _("%(year)s年度") % {"year": item.year},
            url_name="evaluations:welfare_assessment",
            approve=lambda *, actor, item, version: services.welfare_report_approve(
                actor=actor, assessment=item, version=version
            ),
            return_=lambda *, actor, item, reason, version: services.welfare_report_return(
                actor=actor, assessment=item, reason=reason, version=version
            ),
        ),
    )
