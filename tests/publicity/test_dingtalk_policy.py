"""The robot's webhook and signing secret in HR's policy: the secret stored encrypted, never shown
back (the page says 已设置 and offers replace or clear), masked in the audit trail."""

import pytest
from django.urls import reverse

from accounts import encryption
from accounts.models import AuditEntry, Policy
from accounts.selectors import policy_for_organisation
from tests.support.forms import data_as_shown

POLICY = reverse("accounts:policy")
SECRET = "SECd2f1a0c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2"


def _form_data(client):
    return data_as_shown(client.get(POLICY).context["form"])


def _save(client, **changes):
    data = {**_form_data(client), **changes}
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(POLICY, data)
    assert response.status_code == 302, response.context["form"].errors
    return Policy.objects.get()


def test_the_secret_is_stored_encrypted_and_never_sent_back_to_the_page(client_for, hr, organisation):
    client = client_for(hr)
    policy = _save(
        client,
        weekly_progress_enabled="on",
        dingtalk_webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        dingtalk_secret=SECRET,
    )
    assert policy.weekly_progress_enabled is True
    assert SECRET not in policy.dingtalk_secret_encrypted
    assert policy.dingtalk_secret() == SECRET
    html = client.get(POLICY).content.decode()
    assert SECRET not in html and policy.dingtalk_secret_encrypted not in html
    assert "已设置（不显示）" in html and 'name="dingtalk_secret_clear"' in html


def test_a_blank_secret_field_keeps_the_secret_and_a_new_one_replaces_it(client_for, hr, organisation):
    client = client_for(hr)
    _save(client, dingtalk_secret=SECRET)
    assert _save(client, good_quota_percent=35).dingtalk_secret() == SECRET
    assert _save(client, dingtalk_secret="SECnew").dingtalk_secret() == "SECnew"


def test_the_clear_box_removes_the_secret(client_for, hr, organisation):
    client = client_for(hr)
    _save(client, dingtalk_secret=SECRET)
    policy = _save(client, dingtalk_secret_clear="on")
    assert policy.dingtalk_secret_encrypted == "" and policy.dingtalk_secret() == ""
    assert "未设置" in client.get(POLICY).content.decode()


def test_the_audit_trail_records_the_change_without_the_secret(client_for, hr, organisation):
    client = client_for(hr)
    policy = _save(client, dingtalk_secret=SECRET)
    entry = AuditEntry.objects.filter(object_pk=str(policy.pk)).latest("timestamp")
    old, new = entry.changes_dict["dingtalk_secret_encrypted"]
    assert SECRET not in new and "*" in new and new != policy.dingtalk_secret_encrypted


def test_a_secret_longer_than_the_limit_is_refused(client_for, hr, organisation):
    client = client_for(hr)
    data = {**_form_data(client), "dingtalk_secret": "S" * 201}
    response = client.post(POLICY, data)
    assert response.status_code == 200
    assert "dingtalk_secret" in response.context["form"].errors
    assert policy_for_organisation(organisation_id=organisation.pk).dingtalk_secret_encrypted == ""


def test_the_agency_head_reads_the_policy_but_not_the_secret(client_for, hr, chief, organisation):
    _save(client_for(hr), dingtalk_secret=SECRET)
    html = client_for(chief).get(POLICY).content.decode()
    assert SECRET not in html and "已设置（不显示）" in html
    assert client_for(chief).post(POLICY, {"dingtalk_secret_clear": "on"}).status_code == 403
    assert Policy.objects.get().dingtalk_secret() == SECRET


def test_a_token_made_under_another_secret_key_cannot_be_read(settings):
    token = encryption.encrypt("SECabc")
    assert encryption.decrypt(token) == "SECabc"
    assert encryption.encrypt("SECabc") != token  # random per encryption
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-installation-key-0123456789abcdef0123456789"
    with pytest.raises(encryption.DecryptionError):
        encryption.decrypt(token)
    # Rotated the documented way (the old key kept as a fallback), the token still reads.
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert encryption.decrypt(token) == "SECabc"


def test_a_secret_not_starting_with_sec_is_refused_at_its_box(client_for, hr, organisation):
    """A user test saved a group password as the signing secret: 考核政策已保存, and every push would
    then have failed its signature."""
    client = client_for(hr)
    response = client.post(POLICY, {**_form_data(client), "dingtalk_secret": "my-group-password"})
    assert response.status_code == 200
    assert "以SEC开头" in " ".join(response.context["form"].errors.get("dingtalk_secret", []))
    assert Policy.objects.get().dingtalk_secret() == ""


def test_the_agency_head_reads_the_robots_address_without_its_token(client_for, chief, organisation):
    """A security test: the read-only policy page showed the webhook's access_token in full."""
    from accounts.models import Policy

    Policy.objects.filter(organisation=organisation).update(
        dingtalk_webhook_url="https://oapi.dingtalk.com/robot/send?access_token=TOPSECRETTOKEN123"
    )
    html = client_for(chief).get(reverse("accounts:policy")).content.decode()
    assert "TOPSECRETTOKEN123" not in html and "https://oapi.dingtalk.com/robot/send?access_token=（不显示）" in html
