"""The first sign-in's password change names the password as the slip printed it: 初始密码.

A user test: the slip HR handed over said 初始密码, the form asked for 旧密码, and the newcomer
wondered which old password was meant."""

from django.urls import reverse

from tests.accounts.helpers import post_new_person


def test_a_new_person_is_asked_for_the_initial_password_named_as_on_the_slip(client_for, hr, department, client):
    slip = post_new_person(client_for(hr), department, username="newbie", employee_number="E90011")
    assert "初始密码" in slip.content.decode()
    client.logout()
    client.post(reverse("accounts:login"), {"username": "newbie", "password": slip.context["password"]})

    form = client.get(reverse("accounts:password_change")).context["form"]

    assert form.fields["old_password"].label == "初始密码"
    wrong = client.post(
        reverse("accounts:password_change"),
        {"old_password": "not-it", "new_password1": "Xy@2026!abcd", "new_password2": "Xy@2026!abcd"},
    )
    assert "初始密码不正确" in wrong.content.decode()


def test_someone_changing_a_password_they_chose_is_asked_for_the_old_one(client_for, staff):
    form = client_for(staff).get(reverse("accounts:password_change")).context["form"]

    assert form.fields["old_password"].label != "初始密码"
