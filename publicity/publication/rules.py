"""Permission rules of the publication room.

Every appraised person of the organisation reads the board and may object during a window; HR
publishes, prints the notice, handles objections and records 复核/申诉 cases. An objection is seen
by the person who lodged it and by HR, and handled by an HR administrator it does not concern: not
by the person whose result it is about, nor by the one who lodged it (回避), unless no other HR
administrator of the organisation could.
"""

import rules

from accounts.rules import is_hr_admin, same_organisation, takes_part_in_appraisal
from accounts.selectors import another_hr_admin

from . import selectors


@rules.predicate
def lodged_it(user, objection) -> bool:
    return objection is not None and objection.objector_id == user.pk


@rules.predicate
def recused(user, objection) -> bool:
    """The objection is about the user's own result, or they lodged it, and another HR administrator
    can handle it (回避; :func:`.selectors.is_recused`)."""
    return objection is not None and selectors.is_recused(user=user, objection=objection)


@rules.predicate
def own_entry_recused(user, entry) -> bool:
    """The entry is the user's own result, or they lodged an objection to it, and another HR
    administrator can publish it again (回避); the organisation's only one publishes it themselves."""
    return (
        entry is not None
        and (entry.person_id == user.pk or selectors.objected_to(user=user, entry_ids=[entry.pk]))
        and another_hr_admin(organisation_id=entry.publication.organisation_id, besides=[user.pk])
    )


@rules.predicate
def entry_of_same_organisation(user, entry) -> bool:
    return entry is not None and entry.publication.organisation_id == user.organisation_id


rules.add_perm("publicity.view_publications", takes_part_in_appraisal)
rules.add_perm("publicity.view_publication", takes_part_in_appraisal & same_organisation)
rules.add_perm("publicity.publish_results", is_hr_admin)
rules.add_perm("publicity.manage_publication", is_hr_admin & same_organisation)
rules.add_perm("publicity.republish_entry", is_hr_admin & entry_of_same_organisation & ~own_entry_recused)
rules.add_perm("publicity.lodge_objection", takes_part_in_appraisal)
rules.add_perm("publicity.view_objections", takes_part_in_appraisal)
rules.add_perm("publicity.view_objection", same_organisation & (lodged_it | is_hr_admin))
rules.add_perm("publicity.handle_objection", is_hr_admin & same_organisation & ~recused)
rules.add_perm("publicity.manage_review_cases", is_hr_admin)
rules.add_perm("publicity.manage_review_case", is_hr_admin & same_organisation)
