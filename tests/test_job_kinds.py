"""Every background-job kind is registered where its runner is written (``@jobs.kind``) or its
list's builder (``@listing.exportable``), by the modules the apps' ready() import: a worker, a
beat or a web process started afresh knows every kind, and a finished job links back to its page."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from accounts import jobs, listing
from accounts.models import Job

# Decided at start-up, in Python: the same on either database.
pytestmark = pytest.mark.engine_neutral

KINDS = {
    "evaluations.discipline_check": "evaluations.view_inspections",
    "evaluations.rollup_quarter": "evaluations.run_rollup",
    "evaluations.rollup_year": "evaluations.run_annual_rollup",
    "evaluations.veto_for_finding": "evaluations.view_veto_flags",
    "evaluations.veto_for_sanction": "evaluations.view_veto_flags",
    "evaluations.veto_reconcile": "evaluations.view_veto_flags",
    "evaluations.welfare_results": "evaluations.view_welfare",
    "list_export.accounts.audit": "accounts.view_audit_log",
    "list_export.accounts.staff": "accounts.view_staff",
    "list_export.evaluations.annual": "evaluations.view_annual",
    "list_export.evaluations.annual_use": "evaluations.view_annual",
    "list_export.evaluations.ballot_tally": "evaluations.manage_ballots",
    "list_export.evaluations.inspections": "evaluations.view_inspections",
    "list_export.evaluations.rollup_results": "evaluations.run_rollup",
    "list_export.evaluations.sanctions": "evaluations.manage_sanctions",
    "publicity.department_forms": "publicity.view_every_form",
    "publicity.dingtalk_send": "publicity.view_dingtalk_messages",
    "publicity.feedback_reminders": "publicity.record_feedback",
    "publicity.lock_publications": "publicity.publish_results",
    "publicity.year_export": "publicity.export_year",
    "summaries.deadline_reminders": "summaries.view_every_roster",
    "summaries.review_reminders": "summaries.view_every_roster",
    "summaries.roster_export": "summaries.view_every_roster",
}

FRESH_PROCESS = """
import json, django
django.setup()
from accounts import jobs
print(json.dumps({name: kind.permission for name, kind in jobs._registry.items()}))
"""


def test_a_process_started_afresh_knows_every_kind_and_who_follows_it():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "appraisal_site.settings"}
    run = {"cwd": settings.BASE_DIR, "env": env, "capture_output": True, "text": True, "check": True}
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS], **run)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == KINDS


@pytest.mark.parametrize(
    ("kind", "params", "page"),
    [
        ("evaluations.rollup_year", {"year": 2026}, "/evaluations/annual/2026/"),
        ("evaluations.welfare_results", {"year": 2025}, "/evaluations/welfare/2025/"),
        ("publicity.feedback_reminders", {}, "/publicity/feedback/"),
        ("evaluations.discipline_check", {"year": 2026, "month": 11}, ""),
    ],
)
def test_a_kind_links_back_to_the_page_its_decorator_names(kind, params, page):
    assert jobs.job_return_url(Job(kind=kind, params=params)) == page


def test_a_second_runner_under_a_registered_name_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        jobs.kind("evaluations.rollup_year", "x", "evaluations.run_annual_rollup")(lambda job, report: None)
    assert listing.get("evaluations.annual").permission == "evaluations.view_annual"
