"""The publication room's background-job kind (accounts.jobs), registered by PublicityConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import jobs
from accounts.models import Job

LOCK_PUBLICATIONS = "publicity.lock_publications"


def run_lock_publications_job(job: Job, report: jobs.Report) -> dict:
    from .services import publications_lock_due

    return publications_lock_due(organisation_id=job.organisation_id)


def register_kinds() -> None:
    jobs.register(
        LOCK_PUBLICATIONS,
        run_lock_publications_job,
        label=_("公示期满定等"),
        permission="publicity.publish_results",
        return_url=jobs.back_to("publicity:board"),
    )
