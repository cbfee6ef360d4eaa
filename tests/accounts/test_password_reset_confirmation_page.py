"""The password-reset confirmation page says beforehand when the reset waits for a second
administrator (accounts.services.password_reset_needs_second_admin) and who is then shown the new
password (the confirming administrator: services.password_reset_decide)."""

from django.urls import reverse

WAITS = "其密码重置须由另一名管理员（系统管理员或安全管理员）确认后生效"
SHOWN_TO = "新密码在其确认时向确认的管理员显示一次，首次登录须修改。"


def test_a_heads_reset_is_said_to_wait_for_a_second_administrator_before_it_is_asked(
    client_for, hr, head, sysadmin, security_admin
):
    page = client_for(hr).get(reverse("accounts:staff_reset_password", args=[head.pk])).content.decode()
    assert f"确定为“{head}”申请重置密码吗？" in page
    assert WAITS in page and SHOWN_TO in page
    assert "新密码仅显示一次" not in page
    assert "没有可以确认此项申请" not in page  # a second administrator exists


def test_a_staff_members_reset_is_done_at_once_and_says_so(client_for, hr, staff, sysadmin, security_admin):
    page = client_for(hr).get(reverse("accounts:staff_reset_password", args=[staff.pk])).content.decode()
    assert f"确定为“{staff}”重置密码吗？新密码仅显示一次，首次登录须修改。" in page
    assert WAITS not in page
