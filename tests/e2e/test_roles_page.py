"""The roles page asks before 工作人员 is withdrawn when the person keeps another role (a box still
ticked, a 科室负责人 post, a grant waiting); with no role left at all the server refuses the save, and
a question first would only be followed by the refusal."""

from __future__ import annotations

import pytest

from accounts.models import Role, User

pytestmark = pytest.mark.e2e


def _save(page) -> list[str]:
    """Press 保存 and answer the page's question, if any, with 取消; the questions asked."""
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("main form button[type=submit]").click()
    page.wait_for_timeout(400)
    return asked


def test_withdrawing_the_staff_role_is_asked_about_only_when_another_role_stays(demo, any_ui):
    staff = User.objects.get(organisation=demo, username="demo_staff")
    any_ui.sign_in_as("demo_secadmin", to=f"/accounts/staff/{staff.pk}/roles/")
    page = any_ui.page
    page.uncheck("input[name=roles][value=staff]")
    assert _save(page) == []  # nothing left: no question, the server says why
    assert Role.STAFF in User.objects.get(pk=staff.pk).roles
    page.uncheck("input[name=roles][value=staff]")
    page.check("input[name=roles][value=inspector]")
    [question] = _save(page)  # another role stays: asked, and dismissed nothing is sent
    assert "将不再参加平时考核" in question
    assert Role.STAFF in User.objects.get(pk=staff.pk).roles

    # A 科室负责人 keeps the post's role, which is no box of the page: asked (a review).
    head = User.objects.get(organisation=demo, username="demo_head")
    any_ui.goto(f"/accounts/staff/{head.pk}/roles/")
    page.uncheck("input[name=roles][value=staff]")
    [question] = _save(page)
    assert "将不再参加平时考核" in question
    assert Role.STAFF in User.objects.get(pk=head.pk).roles
    any_ui.assert_no_csp_errors()
