"""The organisation's policy: defaults from DOMAIN.md, validation, and who may change it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.forms import PolicyForm
from accounts.models import AuditEntry, Policy
from accounts.selectors import policy_for_organisation


def _form_data(policy: Policy, **changes) -> dict:
    data = {name: getattr(policy, name) for name in PolicyForm._meta.fields}
    # Unchecked boxes are absent from a POST; an empty date is sent empty.
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data.update(changes)
    return data


def test_a_new_organisation_gets_the_domain_defaults(organisation):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    assert policy.period == "quarter"
    assert policy.target_deadline_day == 10
    assert policy.summary_deadline_day == 5
    assert policy.good_quota_percent == 40
    assert policy.excellent_quota_percent == 20
    assert (policy.band_good, policy.band_fairly_good, policy.band_average) == (90, 80, 60)
    assert str(policy.linkage_coefficient) == "0.30"
    assert policy.inspections_per_month == 2
    assert policy.publication_working_days == 5
    assert policy.session_idle_minutes == 30
    assert policy.basic_competent_average_quarters == 3
    assert (policy.unhandled_complaint_deduction, policy.handled_complaint_deduction, policy.praise_bonus) == (5, 2, 2)
    assert policy.takes_part("civil_servant") and not policy.takes_part("public_welfare")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"good_quota_percent": 101}, "good_quota_percent"),
        ({"excellent_quota_percent": -1}, "excellent_quota_percent"),
        ({"common_indicator_weight": 50, "individual_indicator_weight": 40}, "individual_indicator_weight"),
        ({"band_good": 80, "band_fairly_good": 85}, "band_good"),
        ({"party_building_weight": 50}, "party_building_weight"),
        ({"linkage_coefficient": "1.5"}, "linkage_coefficient"),
        ({"participating_staff_types": []}, "participating_staff_types"),
        ({"target_deadline_day": 31}, "target_deadline_day"),
        ({"unhandled_complaint_deduction": 101}, "unhandled_complaint_deduction"),
        ({"handled_complaint_deduction": -1}, "handled_complaint_deduction"),
        ({"praise_bonus": 101}, "praise_bonus"),
    ],
)
def test_the_policy_form_refuses_inconsistent_values(organisation, changes, field):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    form = PolicyForm(_form_data(policy, **changes), instance=policy)
    assert not form.is_valid()
    assert field in form.errors


def test_the_model_itself_refuses_weights_that_do_not_total_100(organisation):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    policy.common_indicator_weight = 30
    with pytest.raises(ValidationError) as excinfo:
        policy.full_clean()
    assert "100" in str(excinfo.value)


def test_hr_changes_the_policy_and_the_change_is_audited_with_old_and_new_value(client_for, hr, organisation):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    response = client_for(hr).post(
        reverse("accounts:policy"), _form_data(policy, good_quota_percent=35, reason="局党组会议决定")
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.good_quota_percent == 35
    entry = AuditEntry.objects.filter(content_type__model="policy", action=AuditEntry.Action.UPDATE).latest()
    assert entry.actor == hr
    assert entry.organisation == organisation
    assert entry.changes_dict["good_quota_percent"] == ["40", "35"]
    assert entry.reason == "局党组会议决定"


def test_saving_the_policy_unchanged_says_so_and_writes_no_audit_entry(client_for, hr, organisation):
    """A user test: 保存 with nothing changed said "考核政策已保存。" as if something had been."""
    policy = policy_for_organisation(organisation_id=organisation.pk)
    before = AuditEntry.objects.filter(content_type__model="policy").count()
    response = client_for(hr).post(reverse("accounts:policy"), _form_data(policy, reason="例行检查"), follow=True)
    body = response.content.decode()
    assert "考核政策没有改动" in body and "考核政策已保存" not in body
    assert AuditEntry.objects.filter(content_type__model="policy").count() == before


def test_an_invalid_post_changes_nothing_and_says_why(client_for, hr, organisation):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    response = client_for(hr).post(reverse("accounts:policy"), _form_data(policy, good_quota_percent=140))
    assert response.status_code == 200
    assert "保存失败" in response.content.decode()
    policy.refresh_from_db()
    assert policy.good_quota_percent == 40


def test_the_agency_head_reads_the_policy_but_cannot_change_it(client_for, chief, organisation):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    client = client_for(chief)
    assert client.get(reverse("accounts:policy")).status_code == 200
    assert client.post(reverse("accounts:policy"), _form_data(policy, good_quota_percent=10)).status_code == 403
    policy.refresh_from_db()
    assert policy.good_quota_percent == 40


def test_hr_changes_only_their_own_organisations_policy(client_for, hr, organisation, other_organisation):
    theirs = policy_for_organisation(organisation_id=other_organisation.pk)
    client_for(hr).post(reverse("accounts:policy"), _form_data(theirs, good_quota_percent=25))
    theirs.refresh_from_db()
    assert theirs.good_quota_percent == 40
    assert policy_for_organisation(organisation_id=organisation.pk).good_quota_percent == 25


@pytest.mark.parametrize("period", ["month", "half_year"])
def test_the_policy_page_refuses_a_period_the_system_does_not_appraise_by(client_for, hr, organisation, period):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    response = client_for(hr).post(reverse("accounts:policy"), _form_data(policy, period=period))
    assert response.status_code == 200
    assert "period" in response.context["form"].errors
    policy.refresh_from_db()
    assert policy.period == "quarter"


def test_the_policy_page_offers_only_the_quarter_as_period(client_for, hr):
    form = client_for(hr).get(reverse("accounts:policy")).context["form"]
    assert [value for value, _label in form.fields["period"].choices if value] == ["quarter"]


def test_hr_sets_the_points_per_service_event_on_the_policy_page(client_for, hr, organisation):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    page = client_for(hr).get(reverse("accounts:policy")).content.decode()
    assert "未处理投诉每件扣分" in page and "表扬每次加分" in page
    response = client_for(hr).post(
        reverse("accounts:policy"), _form_data(policy, unhandled_complaint_deduction=8, praise_bonus=0)
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.unhandled_complaint_deduction, policy.handled_complaint_deduction, policy.praise_bonus) == (8, 2, 0)


def test_hr_sets_when_grading_opens_and_how_far_back_on_the_policy_page(client_for, hr, organisation):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    assert (policy.grading_opens, policy.grading_open_past_quarters) == ("quarter_end", 1)
    page = client_for(hr).get(reverse("accounts:policy")).content.decode()
    assert "评鉴开始时间" in page and "可补开评鉴的往期季度数" in page
    response = client_for(hr).post(
        reverse("accounts:policy"), _form_data(policy, grading_opens="survey_entered", grading_open_past_quarters=2)
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.grading_opens, policy.grading_open_past_quarters) == ("survey_entered", 2)


@pytest.mark.parametrize("past", [0, 5])
def test_the_policy_refuses_opening_no_past_quarter_or_more_than_a_year_back(client_for, hr, organisation, past):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    response = client_for(hr).post(reverse("accounts:policy"), _form_data(policy, grading_open_past_quarters=past))
    assert response.status_code == 200 and "grading_open_past_quarters" in response.context["form"].errors
    policy.refresh_from_db()
    assert policy.grading_open_past_quarters == 1


# --- Read once per request ------------------------------------------------------------------------


def _policy_reads(captured) -> int:
    return sum(1 for query in captured.captured_queries if 'FROM "accounts_policy"' in query["sql"])


@pytest.mark.parametrize(
    "role, url",
    [
        ("staff", "/"),
        ("head", "/"),
        ("hr", "/"),
        ("inspector", "/"),
        ("staff", "/targets/"),
        ("staff", "/summaries/"),
        ("hr", "/accounts/policy/"),
    ],
)
def test_a_page_reads_the_organisations_policy_once(request, client_for, role, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(request.getfixturevalue(role))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert _policy_reads(captured) == 1


def test_a_policy_saved_during_a_request_is_read_afresh_by_the_rest_of_it(organisation):
    from accounts.selectors import policy_memo

    with policy_memo():
        first = policy_for_organisation(organisation_id=organisation.pk)
        first.good_quota_percent = 35
        first.save()
        assert policy_for_organisation(organisation_id=organisation.pk).good_quota_percent == 35


def test_a_form_bound_to_the_policy_changes_no_other_readers_copy(organisation):
    from accounts.selectors import policy_memo

    with policy_memo():
        mine = policy_for_organisation(organisation_id=organisation.pk)
        mine.good_quota_percent = 99  # as an invalid POST leaves the form's instance
        assert policy_for_organisation(organisation_id=organisation.pk).good_quota_percent == 40


def test_outside_a_request_every_read_sees_the_database(organisation):
    policy_for_organisation(organisation_id=organisation.pk)
    Policy.objects.filter(organisation=organisation).update(good_quota_percent=30)
    assert policy_for_organisation(organisation_id=organisation.pk).good_quota_percent == 30
