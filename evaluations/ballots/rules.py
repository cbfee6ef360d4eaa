"""Who may open, run, read and fill a 民主测评."""

import rules

from accounts.rules import is_hr_admin, same_organisation


@rules.predicate
def rater_is_me(user, rater) -> bool:
    """The rater row is the signed-in person's own (a code holder's row is checked by its code)."""
    return rater is not None and rater.user_id is not None and rater.user_id == user.pk


# HR of the organisation opens and closes ballots, issues and prints the codes, reads the tally.
rules.add_perm("evaluations.manage_ballots", is_hr_admin)
rules.add_perm("evaluations.manage_ballot", is_hr_admin & same_organisation)
# A rater fills only their own paper; nobody reads another's (a paper has no owner to check).
rules.add_perm("evaluations.fill_ballot_paper", rater_is_me)
