"""Who runs, reads and takes part in the public-welfare-post assessment (DOMAIN.md §8).

The employing unit is the organisation: its HR runs the assessment (opens the year, records the
interview, opens the 民主测评, records the collective decision, exports), its leader (主要负责人)
reads it and may record the steps too; the worker writes their own 述职 and reads their own year.
Everything is checked against the object's organisation, so a unit never reaches another's workers.
"""

import rules

from accounts.rules import is_agency_head, is_hr_admin, is_reviewer, is_welfare_worker, same_organisation


@rules.predicate
def owns_assessment(user, assessment) -> bool:
    return assessment is not None and assessment.owner_id == user.pk


is_unit_manager = is_hr_admin | is_agency_head

# The unit's list, tally and export; the steps (interview, ballot, decision) on one worker.
rules.add_perm("evaluations.view_welfare", is_unit_manager)
rules.add_perm("evaluations.manage_welfare", is_hr_admin)
rules.add_perm("evaluations.conduct_welfare", is_unit_manager & same_organisation & ~owns_assessment)
# 述职 is approved (or returned) by the worker's evaluator (the head of their 科室), or by the unit's
# HR or leader, who organise the 述职 meeting.
rules.add_perm(
    "evaluations.review_welfare_report",
    ~owns_assessment & same_organisation & (is_unit_manager | is_reviewer),
)
rules.add_perm(
    "evaluations.view_welfare_assessment",
    owns_assessment | (same_organisation & (is_unit_manager | is_reviewer)),
)
rules.add_perm("evaluations.view_own_welfare", is_welfare_worker)
rules.add_perm("evaluations.complete_welfare_consequence", is_hr_admin & same_organisation)
