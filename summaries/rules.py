"""Who may see, edit and review a monthly summary.

Views check these with ``request.user.has_perm("summaries.…", summary)``; a summary the person
may not see is answered with 404, so ids of other people's summaries are not confirmed to exist.
The predicates expect ``department`` and ``owner__department`` to be loaded (select_related).
"""

import rules

from accounts import periods
from accounts.rules import (
    document_is_editable,
    has_a_department,
    is_agency_head,
    is_department_head,
    is_hr_admin,
    is_reviewer,
    is_supervising_leader,
    is_welfare_worker,
    owns_document,
    reads_document,
    takes_part_in_appraisal,
)

from .selectors import month_not_owed


@rules.predicate
def in_an_open_quarter(user, summary) -> bool:
    """The summary's quarter is not approved yet (what fed an approved quarter is read-only)."""
    return summary is not None and not periods.is_period_locked(summary.organisation_id, summary.period.quarter)


@rules.predicate
def in_a_month_owed(user, summary) -> bool:
    """The summary's month asked one of its owner (not a newcomer's month before they began): the
    page offers no form for the others, as the services refuse to hand them in."""
    return summary is not None and not month_not_owed(owner=summary.owner, period=summary.period)


# A public-welfare worker in a 科室 writes a 述职 once a year instead (evaluations.welfare).
rules.add_perm("summaries.write_own_summary", takes_part_in_appraisal & has_a_department & ~is_welfare_worker)
rules.add_perm("summaries.view_summary", takes_part_in_appraisal & reads_document)
rules.add_perm(
    "summaries.change_summary",
    takes_part_in_appraisal & owns_document & document_is_editable & in_an_open_quarter & in_a_month_owed,
)
rules.add_perm("summaries.review_summary", takes_part_in_appraisal & is_reviewer)
# The review inbox is for those who review; the roster also for HR and the agency head.
rules.add_perm("summaries.use_review_inbox", is_department_head | is_supervising_leader)
rules.add_perm("summaries.view_roster", is_department_head | is_supervising_leader | is_hr_admin | is_agency_head)
# Every department's roster: who may follow (and download) a roster export someone else asked for.
rules.add_perm("summaries.view_every_roster", is_hr_admin | is_agency_head)
