"""The year's roll-up job, named once for every room that makes the year's suggestions stale.

The year-end room (:mod:`evaluations.annual`) registers and runs the job; grading (an approval, a
regrade, a review after 定等), discipline (a veto flag raised or lifted) and ballots (a closed
民主测评) sit below it and cannot import it, so they ask for the recomputation here, by the job
mechanism's kind.
"""

from __future__ import annotations

from accounts import jobs
from accounts.models import Job, Organisation, User

ROLLUP_YEAR = "evaluations.rollup_year"


def year_rollup_request_once(*, organisation: Organisation, year: int, requested_by: User | None) -> Job:
    """Recompute the organisation's suggestions of ``year`` once this transaction commits, coalesced
    with a recomputation already waiting (:func:`accounts.jobs.job_request_once`)."""
    return jobs.job_request_once(
        kind=ROLLUP_YEAR, organisation=organisation, params={"year": year}, requested_by=requested_by
    )
