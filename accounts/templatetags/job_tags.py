"""Template helpers for the background-job pages."""

from django import template

from accounts import jobs
from accounts.models import Job

register = template.Library()


@register.filter
def job_return_url(job: Job) -> str:
    """The page a finished job links back to (its kind's ``return_url``), or ""."""
    return jobs.job_return_url(job)
