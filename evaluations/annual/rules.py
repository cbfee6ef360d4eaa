"""Who may read, recompute and decide the year-end results."""

import rules

from accounts.rules import (
    is_agency_head,
    is_hr_admin,
    is_supervising_leader,
    same_organisation,
    takes_part_in_appraisal,
)

# Year-end (DOMAIN.md §7): HR prepares, the agency head (考核委员会) decides.
rules.add_perm("evaluations.view_annual", is_hr_admin | is_agency_head)
rules.add_perm("evaluations.run_annual_rollup", is_hr_admin | is_agency_head)
rules.add_perm("evaluations.decide_annual", is_agency_head)
# Everyone appraised reads their own quarters and years (the page never takes another person).
rules.add_perm("evaluations.view_own_history", takes_part_in_appraisal)


# After 定等 (publicity locks the year's results): HR records the review (复核) that alone changes one.
rules.add_perm("evaluations.review_locked_annual", is_hr_admin & same_organisation)


def proposes_achievement_for(user, person) -> bool:
    """The agency head proposes for anyone of the organisation; a supervising leader for the people
    of the departments they supervise (their current department). Nobody proposes for themselves."""
    if person is None or person.organisation_id != user.organisation_id or person.pk == user.pk:
        return False
    if user.has_role("agency_head"):
        return True
    department = person.department
    return bool(user.has_role("supervising_leader") and department and department.supervising_leader_id == user.pk)


# 创新突破 (DOMAIN.md §7, use of results): leaders propose, HR confirms or rejects.
rules.add_perm("evaluations.view_achievements", is_hr_admin | is_agency_head | is_supervising_leader)
rules.add_perm("evaluations.propose_achievements", is_agency_head | is_supervising_leader)
rules.add_perm("evaluations.propose_achievement_for", proposes_achievement_for)
rules.add_perm("evaluations.decide_achievement", is_hr_admin)


@rules.predicate
def decides_achievement(user, achievement) -> bool:
    """HR of the organisation decides a proposed 创新突破, but never one of their own nor one they
    proposed (as a leader who is also HR): nobody confirms their own award candidacy."""
    return (
        achievement is not None
        and achievement.organisation_id == user.organisation_id
        and user.pk not in (achievement.person_id, achievement.proposed_by_id)
    )


# The object permission the service checks and the page offers its buttons by.
rules.add_perm("evaluations.decide_this_achievement", is_hr_admin & decides_achievement)
