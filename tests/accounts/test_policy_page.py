"""The policy page: about thirty settings grouped in sections, each with help text."""

import re
from datetime import date

from django.urls import reverse

from accounts.forms import PolicyForm
from accounts.models import Policy
from tests.support.forms import data_as_shown

POLICY = reverse("accounts:policy")


def test_the_policy_page_is_grouped_in_sections(client_for, hr):
    html = client_for(hr).get(POLICY).content.decode()
    assert html.count('data-testid="policy-section"') >= 5
    for title in ("考核周期与截止时间", "季度评鉴与名额", "量化评分", "年度考核"):
        assert title in html
    assert "<fieldset" in html and "<legend" in html
    # The security settings are the security administrator's page, not HR's (三员分立).
    assert 'name="session_idle_minutes"' not in html


def test_every_policy_field_appears_once_in_a_section():
    form = PolicyForm()
    shown = [field.name for section in form.sections() for field in section["fields"]]
    assert sorted(shown) == sorted(name for name in form.fields if name != "reason")
    assert len(shown) == len(set(shown))


def test_every_policy_field_has_help_text():
    form = PolicyForm()
    # (``seen``: a hidden field, when the page was read.)
    missing = [name for name, field in form.fields.items() if name not in ("reason", "seen") and not field.help_text]
    assert missing == []


def test_the_agency_head_reads_the_sections_without_a_save_button(client_for, chief):
    html = client_for(chief).get(POLICY).content.decode()
    assert 'data-testid="policy-section"' in html
    assert "保存政策" not in html
    assert re.search(r'<input[^>]+name="good_quota_percent"[^>]+disabled', html)


def test_hr_still_saves_the_policy_from_the_sectioned_page(client_for, hr, organisation):
    client = client_for(hr)
    data = data_as_shown(client.get(POLICY).context["form"])
    data["good_quota_percent"] = 35
    data["reason"] = "调整名额"
    response = client.post(POLICY, data)
    assert response.status_code == 302, response.context["form"].errors
    organisation.policy.refresh_from_db()
    assert organisation.policy.good_quota_percent == 35


def test_a_changed_deadline_day_leaves_past_months_and_quarters_their_deadlines(
    monkeypatch, client_for, hr, staff, organisation
):
    """HR moves 月小结截止日 from the 5th to the 10th on 1 December: October's summary was due on
    5 November and stays so (its 迟交 was judged by it); November's, still open, is due on
    10 December. Likewise the quarter's target deadline once Q4's has passed."""
    from accounts import periods
    from tests.support.clock import movable_today

    movable_today(monkeypatch, date(2026, 12, 1))
    client = client_for(hr)
    data = data_as_shown(client.get(POLICY).context["form"])
    data.update(summary_deadline_day=10, target_deadline_day=15, reason="调整截止日")
    assert client.post(POLICY, data).status_code == 302
    policy = Policy.objects.get(organisation=organisation)
    assert periods.summary_deadline(policy, periods.Month(2026, 10)) == date(2026, 11, 5)
    assert periods.summary_deadline(policy, periods.Month(2026, 11)) == date(2026, 12, 10)
    assert periods.summary_deadline(policy, periods.Month(2027, 1)) == date(2027, 2, 10)
    assert periods.target_deadline(policy, periods.Quarter(2026, 4)) == date(2026, 10, 10)
    assert periods.target_deadline(policy, periods.Quarter(2027, 1)) == date(2027, 1, 15)
    # What the person reads on their list of months.
    body = client_for(staff).get(reverse("summaries:list") + "?year=2026").content.decode()
    assert "2026-11-05" in body and "2026-12-10" in body and "2026-11-10" not in body
    # A second change (from the page read again) keeps the first one's record of the past.
    data = data_as_shown(client_for(hr).get(POLICY).context["form"])
    data.update(summary_deadline_day=8, reason="再次调整")
    assert client_for(hr).post(POLICY, data).status_code == 302
    policy.refresh_from_db()
    assert periods.summary_deadline(policy, periods.Month(2026, 10)) == date(2026, 11, 5)
    assert periods.summary_deadline(policy, periods.Month(2026, 11)) == date(2026, 12, 8)


def test_the_audit_trail_of_a_deadline_change_shows_the_days_not_the_kept_history(client_for, hr, organisation):
    from accounts.models import AuditEntry

    client = client_for(hr)
    data = data_as_shown(client.get(POLICY).context["form"])
    data.update(summary_deadline_day=9, reason="调整截止日")
    assert client.post(POLICY, data).status_code == 302
    entry = AuditEntry.objects.filter(content_type__model="policy").latest()
    assert entry.changes_dict["summary_deadline_day"] == ["5", "9"]
    assert "past_deadline_days" not in entry.changes_dict
