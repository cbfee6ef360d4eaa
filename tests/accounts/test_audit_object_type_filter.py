"""The audit page's 对象类型 filter offers every kind of object the trail writes about — the audited
models, the objects of events, and 安全设置 (the security administrator's settings) apart from the
appraisal policy — and finds their entries."""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts import audit
from accounts.models import Job, Policy
from tests.accounts.test_audit_object_column import _objects
from tests.factories import JobFactory


def test_the_object_type_filter_finds_the_security_settings_apart_from_the_policy(
    client_for, security_admin, hr, auditor, organisation
):
    settings = {
        "session_idle_minutes": 20,
        "password_min_length": 10,
        "password_min_classes": 3,
        "password_max_age_days": 90,
        "audit_retention_days": 180,
    }
    assert client_for(security_admin).post(reverse("accounts:security_settings"), settings).status_code == 302
    with audit.acting_as(hr):
        policy = Policy.objects.get(organisation=organisation)
        policy.good_quota_percent = 30
        policy.save()
    client = client_for(auditor)
    html = client.get(reverse("accounts:audit_list")).content.decode()
    assert '<option value="security">安全设置</option>' in html
    security = _objects(client, "?content_type=security")
    assert security and all(text.startswith("安全设置：") for text in security)
    policy_type = ContentType.objects.get_for_model(Policy).pk
    appraisal = _objects(client, f"?content_type={policy_type}")
    assert appraisal and all(text.startswith("考核政策：") for text in appraisal)


def test_the_object_type_filter_offers_the_objects_of_events_too(client_for, auditor, hr, organisation):
    job = JobFactory(organisation=organisation, requested_by=hr)
    audit.record_event(event="job_run", obj=job, actor=hr, label="提交情况导出 #1")
    kinds = dict(audit.object_kinds())
    job_type = str(ContentType.objects.get_for_model(Job).pk)
    assert kinds[job_type] == Job._meta.verbose_name
    assert "提交情况导出 #1" in " ".join(_objects(client_for(auditor), f"?content_type={job_type}"))


def test_an_unknown_object_type_in_a_link_is_a_form_error_not_a_failure(client_for, auditor):
    response = client_for(auditor).get(f"{reverse('accounts:audit_list')}?content_type=999999")
    assert response.status_code == 200
    assert "content_type" in response.context["filter"].errors
