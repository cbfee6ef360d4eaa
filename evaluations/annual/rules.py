"""Who may read, recompute and decide the year-end results."""

import rules

from accounts.rules import is_agency_head, is_hr_admin, takes_part_in_appraisal

# Year-end (DOMAIN.md §7): HR prepares, the agency head (考核委员会) decides.
rules.add_perm("evaluations.view_annual", is_hr_admin | is_agency_head)
rules.add_perm("evaluations.run_annual_rollup", is_hr_admin | is_agency_head)
rules.add_perm("evaluations.decide_annual", is_agency_head)
# Everyone appraised reads their own quarters and years (the page never takes another person).
rules.add_perm("evaluations.view_own_history", takes_part_in_appraisal)


@rules.predicate
def result_in_my_organisation(user, result) -> bool:
    return result is not None and result.organisation_id == user.organisation_id


# After 定等 (publicity locks the year's results): HR records the review (复核) that alone changes one.
rules.add_perm("evaluations.review_locked_annual", is_hr_admin & result_in_my_organisation)
