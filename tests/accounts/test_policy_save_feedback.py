"""Saving the policy: an implausible go-live date is refused, and HR is told from which period a
changed deadline or 好 quota applies (past periods keep theirs)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Policy
from accounts.periods import Month, summary_deadline
from tests.support.clock import movable_today
from tests.support.forms import data_as_shown

POLICY = reverse("accounts:policy")


def _post(client, **changes):
    data = data_as_shown(client.get(POLICY).context["form"])
    data.update(reason="测试", **changes)
    return client.post(POLICY, data, follow=True)


def test_a_go_live_date_in_2099_is_refused_on_the_page_and_by_the_service(monkeypatch, client_for, hr, organisation):
    movable_today(monkeypatch, date(2026, 12, 5))
    response = _post(client_for(hr), started_on="2099-01-01")
    body = response.content.decode()
    assert "系统启用日期须在2000年至2027年之间（现为2099-01-01）" in body
    assert "考核政策已保存" not in body
    organisation.policy.refresh_from_db()
    assert organisation.policy.started_on is None

    policy = Policy.objects.get(organisation=organisation)
    policy.started_on = date(2099, 1, 1)
    with pytest.raises(ValidationError) as refused:
        services.policy_update(policy=policy, reason="测试")
    assert "系统启用日期须在" in refused.value.message_dict["started_on"][0]


def test_a_go_live_date_within_the_coming_year_or_past_is_accepted(monkeypatch, client_for, hr, organisation):
    movable_today(monkeypatch, date(2026, 12, 5))
    client = client_for(hr)
    assert "考核政策已保存" in _post(client, started_on="2027-03-01").content.decode()
    organisation.policy.refresh_from_db()
    assert organisation.policy.started_on == date(2027, 3, 1)
    assert "考核政策已保存" in _post(client, started_on="2026-01-01").content.decode()


def test_hr_is_told_from_which_month_and_quarter_changed_deadline_days_apply(monkeypatch, client_for, hr, organisation):
    # 1 December: October's summary was due on 5 November (kept); November's is still open.
    # Q4's targets were due on 10 October (kept): the new day applies from 2027 Q1.
    movable_today(monkeypatch, date(2026, 12, 1))
    body = _post(client_for(hr), summary_deadline_day=10, target_deadline_day=15).content.decode()
    assert "考核政策已保存。" in body
    assert "月小结截止日改为次月10日，自2026年11月的月小结起生效；此前月份仍按原截止日。" in body
    assert "季目标截止日改为每季度第一个月15日，自2027年第1季度起生效；此前的季度仍按原截止日。" in body
    assert "已过，尚未提交" not in body
    assert "已审批的季度仍按" not in body


def test_an_earlier_day_that_would_make_the_open_month_late_applies_from_the_next(
    monkeypatch, client_for, hr, organisation
):
    """4 December: November's summary, due on 5 December, is still open; the 3rd would make everyone
    late at once, and a user test could not undo it by changing the day back. November keeps the
    5th, the 3rd applies from December's summary, and changing it back leaves November as it was."""
    from accounts.selectors import policy_for_organisation

    movable_today(monkeypatch, date(2026, 12, 4))
    client = client_for(hr)
    body = _post(client, summary_deadline_day=3).content.decode()
    assert "自2026年12月的月小结起生效" in body and "尚未提交的月小结记为迟交" not in body
    policy = policy_for_organisation(organisation_id=organisation.pk)
    assert summary_deadline(policy, Month(2026, 11)) == date(2026, 12, 5)
    _post(client, summary_deadline_day=5)
    policy = policy_for_organisation(organisation_id=organisation.pk)
    assert summary_deadline(policy, Month(2026, 11)) == date(2026, 12, 5)
    assert summary_deadline(policy, Month(2026, 12)) == date(2027, 1, 5)


def test_hr_is_told_a_changed_good_quota_applies_to_quarters_not_yet_approved(client_for, hr, organisation):
    body = _post(client_for(hr), good_quota_percent=35).content.decode()
    assert (
        "“好”等次比例和分池的修改适用于尚未审批的季度（包括正在评鉴的季度）；已审批的季度仍按审批时的比例和分池。"
    ) in body
    assert "月小结截止日改为" not in body and "季目标截止日改为" not in body


def test_a_change_of_the_grading_deadline_is_said_to_apply_at_once(client_for, hr, organisation):
    body = _post(client_for(hr), grading_deadline_days=20).content.decode()
    assert "评鉴期限的修改立即生效，也适用于正在评鉴的季度。" in body


def test_a_page_read_before_another_save_does_not_undo_it(client_for, hr, organisation):
    """A user test: two tabs of the policy page; the second save put back the 公示期 the first had
    changed, both said 已保存, and the audit log recorded 7 → 5 under the other change's reason. A
    re-test: refused, the page still showed the older values, and saving again put them back."""
    client = client_for(hr)
    tab_a = data_as_shown(client.get(POLICY).context["form"])
    tab_b = data_as_shown(client.get(POLICY).context["form"])
    tab_b.update(reason="公示期改为7天", publication_working_days=7)
    assert "考核政策已保存" in client.post(POLICY, tab_b, follow=True).content.decode()
    tab_a.update(reason="检查次数改3次", inspections_per_month=3)
    refused = client.post(POLICY, tab_a)
    page = refused.content.decode()
    assert refused.status_code == 409 and "考核政策在您打开本页后已被修改" in page
    # What was filled in and not saved, beside what is saved now.
    assert "每月最少检查次数（您填写：3；当前：2）" in page and "（您填写：5；当前：7）" in page
    policy = Policy.objects.get(organisation=organisation)
    assert (policy.publication_working_days, policy.inspections_per_month) == (7, 2)
    # The page now shows the settings as saved: filled in again and saved, nothing is undone.
    again = data_as_shown(refused.context["form"])
    assert again["publication_working_days"] == 7
    again.update(reason="检查次数改3次", inspections_per_month=3)
    assert "考核政策已保存" in client.post(POLICY, again, follow=True).content.decode()
    policy.refresh_from_db()
    assert (policy.publication_working_days, policy.inspections_per_month) == (7, 3)


def test_hr_is_told_a_changed_grading_start_applies_to_the_quarter_being_graded(client_for, hr, organisation):
    """A user test switched to 满意度测评结果录入后 in mid-grading and was told nothing of the pause."""
    body = _post(client_for(hr), grading_opens="survey_entered").content.decode()
    assert "尚未录入测评结果的季度暂停评鉴和审批" in body


def test_hr_is_told_what_a_changed_talker_staff_type_or_excellent_share_reaches(client_for, hr, organisation):
    """A user test changed each of these in mid-year and read only 考核政策已保存."""
    client = client_for(hr)
    assert "改由新的谈话人记录" in _post(client, feedback_talk_by="department_head").content.decode()
    assert "已确定的等次不变" in _post(client, excellent_quota_percent=10).content.decode()
