"""The publication room's background-job kind (accounts.jobs): locking the results whose window is over."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import jobs
from accounts.models import Job

LOCK_PUBLICATIONS = "publicity.lock_publications"


@jobs.kind(LOCK_PUBLICATIONS, _("公示期满定等"), "publicity.publish_results", "publicity:board")
def run_lock_publications_job(job: Job, report: jobs.Report) -> dict:
    from .services import publications_lock_due

    return publications_lock_due(organisation_id=job.organisation_id)
