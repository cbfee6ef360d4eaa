"""The policy page: about thirty settings grouped in sections, each with help text."""

import re

from django.urls import reverse

from accounts.forms import PolicyForm
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
    missing = [name for name, field in form.fields.items() if name != "reason" and not field.help_text]
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
