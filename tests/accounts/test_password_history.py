"""Password history, maximum age, the idle-timeout ceiling and the browser-session cookie."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.forms import SecuritySettingsForm
from accounts.models import PasswordHistory
from accounts.selectors import policy_for_organisation
from tests.factories import UserFactory, policy_with

# Decided in Python, the same on every database: make test-postgres skips it (pyproject.toml).
pytestmark = pytest.mark.engine_neutral

PASSWORDS = [f"Hist#{n}Pass" for n in range(7)]


def _change(client, old, new):
    return client.post(
        reverse("accounts:password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def _set(user, password):
    validate_password(password, user)
    user.set_password(password)
    user.save()


def test_the_change_form_refuses_the_current_password(client, staff, password):
    client.force_login(staff)
    response = _change(client, password, password)
    assert response.status_code == 200
    assert "不能使用最近5次用过的密码" in response.content.decode()


def test_none_of_the_last_five_passwords_can_be_chosen_again(staff):
    for new in PASSWORDS[:5]:
        _set(staff, new)
    for old in PASSWORDS[:5]:
        with pytest.raises(ValidationError, match="最近5次"):
            validate_password(old, staff)


def test_the_sixth_password_back_may_be_chosen_again(client, staff):
    for new in PASSWORDS[:6]:
        _set(staff, new)
    validate_password(PASSWORDS[0], staff)
    assert PasswordHistory.objects.filter(user=staff).count() == 5
    client.force_login(staff)
    assert _change(client, PASSWORDS[5], PASSWORDS[0]).status_code == 302


def test_the_history_stores_hashes_not_passwords(staff):
    _set(staff, PASSWORDS[0])
    stored = PasswordHistory.objects.get(user=staff).password
    assert PASSWORDS[0] not in stored
    assert stored == staff.password


def test_an_administrator_reset_is_remembered_and_restarts_the_age(staff):
    services.staff_reset_password(user=staff)
    staff.refresh_from_db()
    assert PasswordHistory.objects.get(user=staff).password == staff.password
    assert timezone.now() - staff.password_changed_at < timedelta(minutes=1)


def test_a_password_older_than_the_policy_allows_must_be_changed_first(client_for, staff, organisation, password):
    staff.password_changed_at = timezone.now() - timedelta(days=91)
    staff.save()
    client = client_for(staff)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    assert "密码已超过单位规定的使用期限" in client.get(reverse("accounts:password_change")).content.decode()
    assert _change(client, password, "Fresh#Pass99").status_code == 302
    assert client.get("/").status_code == 200


def test_a_password_within_its_age_is_not_asked_for(client_for, staff):
    staff.password_changed_at = timezone.now() - timedelta(days=89)
    staff.save()
    assert client_for(staff).get("/").status_code == 200


def test_a_maximum_age_of_zero_never_expires_a_password(client_for, staff, organisation):
    policy_with(organisation, password_max_age_days=0)
    staff.password_changed_at = timezone.now() - timedelta(days=3650)
    staff.save()
    assert client_for(staff).get("/").status_code == 200


def test_the_policy_service_refuses_an_idle_timeout_above_thirty_minutes(organisation):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    policy.session_idle_minutes = 31
    with pytest.raises(ValidationError) as raised:
        services.policy_update(policy=policy, reason="test")
    assert "session_idle_minutes" in raised.value.message_dict
    policy.refresh_from_db()
    assert policy.session_idle_minutes == 30


def _security_form_with_idle_minutes(organisation, minutes: int) -> SecuritySettingsForm:
    """The security settings form as posted: the stored settings, with the idle timeout changed."""
    policy = policy_for_organisation(organisation_id=organisation.pk)
    data = {name: value for name, value in SecuritySettingsForm(instance=policy).initial.items() if value is not None}
    data["session_idle_minutes"] = minutes
    return SecuritySettingsForm(data=data, instance=policy)


def test_the_security_settings_form_refuses_an_idle_timeout_above_thirty_minutes(organisation):
    # The idle timeout is a security setting (the security administrator's page, 三员分立).
    form = _security_form_with_idle_minutes(organisation, 60)
    assert not form.is_valid()
    assert "session_idle_minutes" in form.errors


@pytest.mark.parametrize("minutes", [-5, 0, 4])
def test_an_idle_timeout_below_five_minutes_is_refused_with_the_real_minimum(organisation, minutes):
    form = _security_form_with_idle_minutes(organisation, minutes)
    assert not form.is_valid()
    assert form.errors["session_idle_minutes"] == ["不能小于5。"]
    # The input says so too, before anything is sent.
    assert 'min="5"' in str(form["session_idle_minutes"]) and 'max="30"' in str(form["session_idle_minutes"])


def _login(client, username, password, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def test_without_remember_me_the_session_cookie_ends_with_the_browser(client, staff, password):
    response = _login(client, "staff", password)
    cookie = response.cookies["sessionid"]
    assert not cookie["max-age"]
    assert not cookie["expires"]
    assert client.session.get_expiry_age() == 30 * 60


def test_remember_me_keeps_the_cookie_but_the_idle_timeout_still_applies(client, staff, organisation, password):
    policy_with(organisation, session_idle_minutes=10)
    response = _login(client, "staff", password, remember="on")
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert int(cookie["max-age"]) == 10 * 60
    assert client.session.get_expiry_age() == 10 * 60


def test_the_login_form_offers_remember_me_unticked(client, organisation):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "记住我" in body
    assert 'name="remember"' in body
    assert "checked" not in body


def test_a_policy_row_above_the_ceiling_still_ends_sessions_after_thirty_minutes(client_for, staff, organisation):
    from accounts.models import Policy

    policy_for_organisation(organisation_id=organisation.pk)
    Policy.objects.filter(organisation=organisation).update(session_idle_minutes=240)  # bypasses validation
    client = client_for(staff)
    client.get("/")
    assert client.session.get_expiry_age() == 30 * 60


def test_the_form_names_the_thirty_minute_rule_once(organisation):
    form = _security_form_with_idle_minutes(organisation, 45)
    assert not form.is_valid()
    assert form.errors["session_idle_minutes"] == ["空闲超时不能超过30分钟。"]


def test_the_security_administrator_tightens_the_password_rules_of_the_organisation(
    client, client_for, security_admin, staff, organisation, password
):
    settings = {
        "session_idle_minutes": 30,
        "password_min_length": 12,
        "password_min_classes": 4,
        "password_max_age_days": 90,
        "audit_retention_days": 180,
        "reason": "等保测评整改",
    }
    assert client_for(security_admin).post(reverse("accounts:security_settings"), settings).status_code == 302
    client.force_login(staff)
    body = _change(client, password, "Short#Pass1").content.decode()  # 11 characters
    assert "本单位要求密码至少12位" in body
    body = _change(client, password, "Longer9Password").content.decode()  # three classes
    assert "至少4类" in body
    assert _change(client, password, "Longer#9Password").status_code == 302
    # Another organisation keeps the deployment's rules.
    from tests.factories import UserFactory

    elsewhere = UserFactory()
    validate_password("Short#Pass1", elsewhere)


def test_the_change_page_states_the_rules_of_the_persons_organisation(client, staff, organisation):
    """The help under the new password names the organisation's stricter figures, not Django's 8."""
    from accounts.models import Policy

    client.force_login(staff)
    body = client.get(reverse("accounts:password_change")).content.decode()
    assert "密码至少需要8个字符" in body and "至少3类" in body
    Policy.objects.filter(organisation=organisation).update(password_min_length=12, password_min_classes=4)
    body = client.get(reverse("accounts:password_change")).content.decode()
    assert "密码至少需要12个字符" in body and "至少4类" in body
    assert "密码至少需要8个字符" not in body and "可能要求更长" not in body
    assert "不能使用最近5次用过的密码" in body


def test_the_password_rules_never_go_below_the_deployments(client_for, security_admin, organisation):
    settings = {
        "session_idle_minutes": 30,
        "password_min_length": 6,
        "password_min_classes": 2,
        "password_max_age_days": 90,
        "audit_retention_days": 180,
    }
    body = client_for(security_admin).post(reverse("accounts:security_settings"), settings).content.decode()
    assert "密码最短长度不能少于8位" in body and "字符类别数不能少于3类" in body
    policy = policy_for_organisation(organisation_id=organisation.pk)
    assert (policy.password_min_length, policy.password_min_classes) == (8, 3)


def test_the_security_page_states_the_deployments_lockout(client_for, security_admin, settings):
    settings.AXES_FAILURE_LIMIT, settings.AXES_ADDRESS_FAILURE_LIMIT = 5, 30
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    body = client_for(security_admin).get(reverse("accounts:security_settings")).content.decode()
    assert "连续失败5次锁定15分钟" in body and "失败30次" in body


def test_one_time_passwords_follow_the_organisations_stricter_rules(organisation, department, sysadmin, staff):
    """HR and the system administrator still create and reset accounts when the security
    administrator asks for 20 characters: the one-time passwords are made that long."""
    from accounts.models import Policy

    Policy.objects.filter(organisation=organisation).update(password_min_length=20, password_min_classes=4)
    person, initial = services.staff_create(
        organisation=organisation, username="newcomer", full_name="新人", department=department
    )
    assert len(initial) >= 20
    reset = services.staff_reset_password(user=staff, actor=sysadmin)
    assert len(reset) >= 20


def test_a_refused_new_password_is_explained_under_the_new_password_politely(client, staff, password):
    """The rule a new password breaks is said under 新密码, where the rules are listed, and in the
    application's words (您/no 你): a common password is refused as such."""
    client.force_login(staff)
    form = _change(client, password, "Password123").context["form"]
    assert form.errors["new_password1"] == ["这个密码过于常见，容易被猜中，请换一个。"]
    assert "new_password2" not in form.errors
    form = _change(client, password, "abcdefghij").context["form"]
    assert any("至少3类" in message for message in form.errors["new_password1"])


def test_one_time_passwords_avoid_characters_that_look_alike(organisation):
    from accounts.services import generate_initial_password

    for _attempt in range(200):
        assert not set(generate_initial_password(organisation_id=organisation.pk)) & set("lI1Oo0")


def test_a_two_letter_user_name_does_not_forbid_every_password_holding_it(organisation):
    """hr may choose Hrhr1234!xK; wangfang may not choose Wangfang#2026."""
    from tests.factories import UserFactory

    validate_password("Hrhr1234!xK", UserFactory(username="hr", organisation=organisation, department=None))
    with pytest.raises(ValidationError, match="不能包含用户名"):
        validate_password("Wangfang#2026", UserFactory(username="wangfang", organisation=organisation, department=None))


def test_under_stricter_rules_a_password_is_refused_once_with_the_organisations_figure(
    client, client_for, staff, organisation, password
):
    """A user test: with 4 classes set on the security page, a 2-class password was refused with
    "…至少3类" right above the help line "…至少4类", and a 3-class one with the 4-class message.
    The deployment's rules now leave the word to the organisation's stricter ones."""
    from accounts.models import Policy

    Policy.objects.filter(organisation=organisation).update(password_min_length=12, password_min_classes=4)
    client.force_login(staff)

    for weak in ("longerpassword99", "Longer9Password"):  # two classes, then three
        form = _change(client, password, weak).context["form"]
        assert dict(form.errors) == {
            "new_password1": ["本单位要求密码包含大写字母、小写字母、数字、特殊字符中的至少4类。"]
        }
    for short in ("Ab#1", "Short#Pass1"):  # below the deployment's 8, then below the organisation's 12
        form = _change(client, password, short).context["form"]
        assert dict(form.errors) == {"new_password1": ["本单位要求密码至少12位。"]}
    # Elsewhere the deployment's rules speak as before.
    with pytest.raises(ValidationError) as refused:
        validate_password("longerpassword99", UserFactory())
    assert refused.value.messages == ["密码须包含大写字母、小写字母、数字、特殊字符中的至少3类。"]


def test_a_password_given_already_hashed_is_remembered_so_the_first_change_cannot_go_back(client, organisation):
    """A security test changed a demo account's documented password and straight back to it: the
    demo's accounts (staff_create's password_hash) had no history, so the first one was forgotten."""
    from django.contrib.auth.hashers import make_password

    person, _initial = services.staff_create(
        organisation=organisation,
        employee_number="D001",
        full_name="演示",
        username="demo_like",
        password_hash=make_password(PASSWORDS[0]),
        department=None,
    )
    client.force_login(person)
    assert _change(client, PASSWORDS[0], PASSWORDS[1]).status_code == 302
    response = _change(client, PASSWORDS[1], PASSWORDS[0])
    assert response.status_code == 200 and "不能使用最近5次用过的密码" in response.content.decode()
