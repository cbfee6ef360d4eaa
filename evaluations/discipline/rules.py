"""Who may record inspections, manage sanctions and lift veto flags."""

import rules

from accounts.rules import is_agency_head, is_hr_admin, is_inspector

# Discipline inspections (DOMAIN.md §5): the inspector records; HR and the agency head read.
# Views look inspections up within the user's organisation, so these need no object check.
rules.add_perm("evaluations.view_inspections", is_inspector | is_hr_admin | is_agency_head)
rules.add_perm("evaluations.record_inspection", is_inspector)


@rules.predicate
def recorded_the_inspection(user, inspection) -> bool:
    return inspection is not None and inspection.inspector_id == user.pk


# A correction is its own inspector's (the one who answers for the record).
rules.add_perm("evaluations.correct_inspection", is_inspector & recorded_the_inspection)
rules.add_perm("evaluations.see_inspection_alerts", is_inspector | is_hr_admin)
# Sanctions and the one-vote veto (DOMAIN.md §5): HR records sanctions and sets their effects;
# inspectors, HR and the agency head read the flags; only an inspector lifts one. Views look
# sanctions and flags up within the user's organisation, so these need no object check.
rules.add_perm("evaluations.manage_sanctions", is_hr_admin)
rules.add_perm("evaluations.view_veto_flags", is_inspector | is_hr_admin | is_agency_head)
rules.add_perm("evaluations.lift_veto", is_inspector)


# Nobody judges their own case: HR records no sanction about themselves (the object is the person
# it is about), an inspector lifts no flag on themselves nor a sanction's (it follows the sanction).
@rules.predicate
def is_the_person(user, person) -> bool:
    return person is not None and person.pk == user.pk


@rules.predicate
def flag_is_own(user, flag) -> bool:
    return flag is not None and flag.person_id == user.pk


@rules.predicate
def flag_from_sanction(user, flag) -> bool:
    return flag is not None and flag.sanction_id is not None


rules.add_perm("evaluations.sanction_person", is_hr_admin & ~is_the_person)
rules.add_perm("evaluations.lift_veto_flag", is_inspector & ~flag_is_own & ~flag_from_sanction)
rules.add_perm("evaluations.reconcile_veto", is_inspector | is_hr_admin)
