"""Who may open which administration page — and, as carefully, who may not."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import MonthlySummaryFactory

# Decided in Python, the same on every database: make test-postgres skips it (pyproject.toml).
pytestmark = pytest.mark.engine_neutral

ADMIN_PAGES = {
    "staff_list": ("accounts:staff_list", {"hr", "sysadmin", "security_admin"}),
    # Heads and supervising leaders follow the departments' posts: the structure is HR's alone.
    "department_list": ("accounts:department_list", {"hr"}),
    "staff_import": ("accounts:staff_import", {"hr"}),
    # The appraisal policy (periods, quotas, bands, windows) is HR's; the agency head reads it.
    "policy": ("accounts:policy", {"hr", "chief"}),
    "security_settings": ("accounts:security_settings", {"security_admin"}),
    "pending_changes": ("accounts:pending_changes", {"hr", "sysadmin", "security_admin"}),
    "audit_list": ("accounts:audit_list", {"auditor"}),
}
PERSONAS = ["staff", "head", "leader", "chief", "hr", "inspector", "auditor", "sysadmin", "security_admin"]


@pytest.mark.parametrize("page", sorted(ADMIN_PAGES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_reaches_exactly_its_administration_pages(request, client, persona, page):
    user = request.getfixturevalue(persona)
    url_name, allowed = ADMIN_PAGES[page]
    client.force_login(user)
    response = client.get(reverse(url_name))
    assert response.status_code == (200 if persona in allowed else 403)


def test_a_stranger_is_sent_to_the_login_page(client, organisation):
    response = client.get(reverse("accounts:staff_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_hr_cannot_open_a_person_of_another_organisation(client_for, hr, outsider):
    client = client_for(hr)
    for name in ("staff_detail", "staff_edit", "staff_move", "staff_deactivate", "staff_reset_password"):
        assert client.get(reverse(f"accounts:{name}", args=[outsider.pk])).status_code == 404, name


def test_hr_cannot_edit_a_department_of_another_organisation(client_for, hr, outsider):
    response = client_for(hr).post(
        reverse("accounts:department_edit", args=[outsider.department_id]), {"code": "X", "name": "被篡改"}
    )
    assert response.status_code == 404
    outsider.department.refresh_from_db()
    assert outsider.department.name == "外单位科室"


def test_only_the_security_administrator_changes_roles(client_for, hr, sysadmin, security_admin, staff):
    from accounts import services

    # 工作人员 unticked beside another role: a change made at once (never the last role: test_last_role).
    services.role_grant(user=staff, role="inspector")
    url = reverse("accounts:staff_roles", args=[staff.pk])
    assert client_for(hr).post(url, {"roles": ["inspector"]}).status_code == 403
    assert client_for(sysadmin).post(url, {"roles": ["inspector"]}).status_code == 403
    assert type(staff).objects.get(pk=staff.pk).roles == {"staff", "inspector"}
    response = client_for(security_admin).post(url, {"roles": ["inspector"]})
    assert response.status_code == 302
    assert type(staff).objects.get(pk=staff.pk).roles == {"inspector"}


def test_the_roles_page_does_not_grant_a_department_post(client_for, security_admin, staff, department):
    """科室负责人 and 分管领导 follow the department form (whose appointment waits for a second
    person): the roles page neither offers nor accepts them, and keeps a post a person holds."""
    from accounts import services
    from accounts.models import Role

    url = reverse("accounts:staff_roles", args=[staff.pk])
    client = client_for(security_admin)
    assert 'value="department_head"' not in client.get(url).content.decode()
    assert client.post(url, {"roles": ["staff", "department_head"]}).status_code == 200
    assert type(staff).objects.get(pk=staff.pk).roles == {"staff"}
    with pytest.raises(ValidationError, match="科室管理"):
        services.roles_set(actor=security_admin, user=staff, roles={Role.STAFF, Role.DEPARTMENT_HEAD})
    head = department.head
    assert "现任：科室负责人" in client.get(reverse("accounts:staff_roles", args=[head.pk])).content.decode()
    assert client.post(reverse("accounts:staff_roles", args=[head.pk]), {"roles": ["staff"]}).status_code == 302
    assert Role.DEPARTMENT_HEAD in type(head).objects.get(pk=head.pk).roles


def test_the_separated_roles_cannot_be_combined_with_others(client_for, security_admin, staff):
    response = client_for(security_admin).post(
        reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["staff", "auditor"]}
    )
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert "auditor" not in type(staff).objects.get(pk=staff.pk).roles


def test_the_system_administrator_sees_no_appraisal_relations_on_the_home_page(client_for, sysadmin, staff):
    body = client_for(sysadmin).get("/").content.decode()
    assert 'data-testid="evaluatees"' not in body
    assert 'data-testid="admin-panel"' in body


def test_a_head_sees_the_people_they_evaluate_on_the_home_page(client_for, head, staff, colleague):
    body = client_for(head).get("/").content.decode()
    assert 'data-testid="evaluatees"' in body
    assert staff.full_name in body and colleague.full_name in body


def test_staff_see_who_evaluates_them(client_for, staff, head):
    body = client_for(staff).get("/").content.decode()
    assert head.full_name in body
    assert 'data-testid="evaluatees"' not in body


def test_the_menu_shows_only_pages_the_person_may_open(client_for, auditor, hr):
    auditor_page = client_for(auditor).get("/").content.decode()
    assert reverse("accounts:audit_list") in auditor_page
    assert reverse("accounts:staff_list") not in auditor_page
    hr_page = client_for(hr).get("/").content.decode()
    assert reverse("accounts:staff_list") in hr_page
    assert reverse("accounts:audit_list") not in hr_page


def test_staff_see_this_periods_work_on_the_home_page(client_for, staff):
    body = client_for(staff).get("/").content.decode()
    assert 'data-testid="my-period"' in body
    assert "未填写" in body


def test_a_head_sees_how_much_waits_for_review_on_the_home_page(client_for, head, staff):
    MonthlySummaryFactory(owner=staff, status="submitted")
    body = client_for(head).get("/").content.decode()
    assert 'data-testid="waiting-count">1<' in body


def test_the_separated_roles_see_no_work_panels(client_for, sysadmin, auditor):
    for person in (sysadmin, auditor):
        body = client_for(person).get("/").content.decode()
        assert 'data-testid="my-period"' not in body and 'data-testid="waiting"' not in body


def test_someone_in_a_department_is_not_made_agency_head(client_for, security_admin, staff):
    """The agency head is appraised from above, never by a department head: out of the department first."""
    from accounts import services

    response = client_for(security_admin).post(
        reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["staff", "agency_head"]}
    )
    assert response.status_code == 200
    assert "不能担任主要负责人" in response.content.decode()
    services.staff_move(user=staff, department=None, reason="任局长")
    staff.refresh_from_db()
    [change] = services.roles_set(actor=security_admin, user=staff, roles={"staff", "agency_head"})
    assert change.role == "agency_head"


def test_withdrawing_the_staff_role_asks_first(client_for, security_admin, staff):
    """Unticking 工作人员 takes the person out of the appraisal: the page asks before it is sent."""
    page = client_for(security_admin).get(reverse("accounts:staff_roles", args=[staff.pk])).content.decode()
    assert 'data-confirm-when="input[name=roles][value=staff]:not(:checked)"' in page
    # And only while another role stays ticked: with none left the server refuses, so asking first
    # would only be followed by the refusal (a user test).
    assert 'data-confirm-when-also="input[name=roles]:checked"' in page
    assert "将不再参加平时考核" in page
