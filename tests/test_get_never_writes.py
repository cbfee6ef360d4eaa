"""Merely opening a page never writes: no audit entry, no row, for any role on any main page.

Observed before: opening 评分指标 as HR wrote 29 "新增 指标" entries (default sets created on first
view), and opening a summary added progress rows for target items added since it was started.
"""

from datetime import date

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts.models import AuditEntry, Policy
from accounts.selectors import policy_for_organisation
from accounts.services import policy_update
from evaluations.grading.services.grading import appraisal_quarter_open
from summaries import services as summary_services
from tests.factories import (
    InspectionFactory,
    MonthlySummaryFactory,
    SatisfactionScoreFactory,
    ServiceEventFactory,
    TargetItemFactory,
    TargetSetFactory,
)

# Decided in Python, the same on every database: make test-postgres skips it (pyproject.toml).
pytestmark = pytest.mark.engine_neutral

TODAY = date(2026, 12, 1)

PAGES = [
    "home",
    "accounts:staff_list",
    "accounts:department_list",
    "accounts:policy",
    "accounts:security_settings",
    "accounts:pending_changes",
    "accounts:calendar",
    "accounts:audit_list",
    "accounts:notification_list",
    "targets:my_targets",
    "targets:goal_list",
    "summaries:list",
    "review",
    "roster",
    "roster_urge",
    "evaluations:annual_index",
    "evaluations:grading",
    "evaluations:quarters",
    "evaluations:satisfaction_list",
    "evaluations:event_list",
    "evaluations:rollup",
    "evaluations:score_indicator_set_list",
    "evaluations:score_departments",
    "evaluations:inspections",
    "evaluations:sanction_list",
    "evaluations:sanction_rules",
    "evaluations:veto_list",
    "publicity:weekly",
    "publicity:weekly_post",
    "publicity:goals",
    "publicity:dingtalk_messages",
    "publicity:board",
    "publicity:objections",
    "publicity:review_cases",
    "publicity:feedback",
    "publicity:feedback_mine",
    "reports:index",
    "reports:forms",
]

ROLES = ["staff", "head", "leader", "chief", "hr", "inspector", "auditor", "sysadmin", "security_admin"]


def _row_counts() -> dict[str, int]:
    # Sessions and login bookkeeping are not the app's data (signing in writes them by design).
    skipped = {Session} | {m for m in apps.get_models() if m._meta.app_label == "axes"}
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m not in skipped}


@pytest.fixture
def busy_organisation(monkeypatch, organisation, department, head, staff, colleague, leader, hr, inspector):
    """An organisation in the middle of a quarter, with the score model on and no indicator set yet."""
    monkeypatch.setattr("accounts.periods.today", lambda now=None: TODAY)
    Policy.objects.filter(organisation=organisation).update(score_model_enabled=True, discipline_review_step=True)
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=4, submitted=True)
    TargetItemFactory(target_set=target_set, content="完成年度预算")
    summary = summary_services.summary_get_or_create(owner=staff, year=2026, month=11)
    # Added after the summary was started: the page used to add its row on GET.
    TargetItemFactory(target_set=target_set, content="迎检准备")
    MonthlySummaryFactory(owner=colleague, year=2026, month=11, submitted=True)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    # Opened before the score model's sets existed in older data: remove them to reproduce it.
    apps.get_model("evaluations", "IndicatorSet").objects.filter(organisation=organisation).delete()
    SatisfactionScoreFactory(person=staff)
    ServiceEventFactory(person=staff, date=date(2026, 11, 3))
    InspectionFactory(inspector=inspector)
    return {
        "summary": summary,
        "target_set": target_set,
        "quarter": quarter,
        "grade": quarter.grades.get(person=staff),
    }


def _detail_urls(busy) -> list[str]:
    return [
        reverse("summaries:detail", args=[busy["summary"].pk]),
        reverse("targets:detail", args=[busy["target_set"].pk]),
        reverse("evaluations:grade_detail", args=[busy["grade"].pk]),
        reverse("publicity:feedback_record", args=[busy["grade"].pk]),
        reverse("evaluations:quarter_approve", args=[busy["quarter"].pk]),
        reverse("evaluations:annual", args=[2026]),
        reverse("evaluations:annual_use", args=[2026]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_opening_every_main_page_writes_no_row_and_no_audit_entry(request, client_for, busy_organisation, role):
    client = client_for(request.getfixturevalue(role))
    urls = [reverse(name) for name in PAGES] + _detail_urls(busy_organisation)
    client.get(reverse("home"))  # the first request of a session may store the session itself
    audit_before, rows_before = AuditEntry.objects.count(), _row_counts()
    statuses = {url: client.get(url).status_code for url in urls}
    assert all(code in (200, 302, 403, 404) for code in statuses.values()), statuses
    assert AuditEntry.objects.count() == audit_before
    assert _row_counts() == rows_before


@pytest.mark.parametrize("role", ["hr", "security_admin", "staff"])
def test_an_organisation_without_its_policy_row_reads_the_defaults_and_a_get_creates_none(
    request, client_for, organisation, department, staff, hr, security_admin, role
):
    """An organisation added in the Django admin before it created the row had none: opening the
    policy pages (or any page reading the policy) shows the defaults and writes no row."""
    Policy.objects.filter(organisation=organisation).delete()
    client = client_for(request.getfixturevalue(role))
    client.get(reverse("home"))
    for name in ["home", "accounts:policy", "accounts:security_settings", "summaries:list", "targets:my_targets"]:
        assert client.get(reverse(name)).status_code in (200, 302, 403)
    assert not Policy.objects.filter(organisation=organisation).exists()


def test_saving_the_default_policy_of_an_organisation_without_its_row_creates_it(organisation):
    Policy.objects.filter(organisation=organisation).delete()
    policy = policy_for_organisation(organisation_id=organisation.pk)
    assert policy.pk is None
    policy.good_quota_percent = 30
    policy_update(policy=policy, reason="首次保存")
    assert Policy.objects.get(organisation=organisation).good_quota_percent == 30
