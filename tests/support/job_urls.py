"""The site's URLs plus one test-only view that asks for an echo job, as a real page would.

Used with ``@pytest.mark.urls("tests.support.job_urls")`` and by the broker test's web process.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from accounts import jobs
from appraisal_site.urls import urlpatterns as site_urlpatterns

from .job_kinds import ECHO


@require_POST
@login_required
def ask_for_echo(request: HttpRequest) -> HttpResponse:
    job = jobs.job_request(
        kind=ECHO,
        organisation=request.user.organisation,
        params={"text": request.POST.get("text", "")},
        requested_by=request.user,
    )
    return redirect(job)


urlpatterns = [path("tests/echo/", ask_for_echo, name="test_echo"), *site_urlpatterns]
