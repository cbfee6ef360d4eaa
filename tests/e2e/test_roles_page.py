"""The roles page asks before 工作人员 is withdrawn only when the person keeps another role: with no
role left the server refuses the save, and a question first would only be followed by the refusal."""

from __future__ import annotations

import pytest

from accounts.models import Role, User

pytestmark = pytest.mark.e2e

# Whether the roles form's question (data-confirm-when) would be asked were it sent now.
ASKS = """() => {
  const form = document.querySelector("form[data-confirm-when]");
  return !!form.querySelector(form.dataset.confirmWhen);
}"""


def test_withdrawing_the_staff_role_is_asked_about_only_when_another_role_stays(demo, any_ui):
    person = User.objects.get(organisation=demo, username="demo_staff")
    any_ui.sign_in_as("demo_secadmin", to=f"/accounts/staff/{person.pk}/roles/")
    page = any_ui.page
    assert page.evaluate(ASKS) is False
    page.uncheck("input[name=roles][value=staff]")
    assert page.evaluate(ASKS) is False  # nothing left: no question, the server says why
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert dialogs == []
    assert Role.STAFF in User.objects.get(pk=person.pk).roles  # refused: the person keeps the role
    page.uncheck("input[name=roles][value=staff]")
    page.check("input[name=roles][value=inspector]")
    assert page.evaluate(ASKS) is True  # another role stays: asked before 工作人员 goes
    any_ui.assert_no_csp_errors()
