"""三员分立: the system administrator, the security administrator and the auditor are three people,
and no single one of them can, alone, come to decide a grade or hide anything from the auditor.

Every refusal is tested on the server (a POST), not only by a missing button.
"""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import (
    ADMIN_ROLES,
    AuditEntry,
    AuditEvent,
    Notification,
    PendingPasswordReset,
    PendingRoleChange,
    Policy,
    Role,
    User,
)
from tests.accounts.helpers import fresh, post_new_person
from tests.factories import PASSWORD, UserFactory

# Decided in Python, the same on every database: make test-postgres skips it (pyproject.toml).
pytestmark = pytest.mark.engine_neutral

DECISION_PERMS = [
    "evaluations.decide_annual",
    "evaluations.approve_quarter",
    "evaluations.grading_work",
    "evaluations.open_quarter",
    "evaluations.manage_inputs",
    "evaluations.run_rollup",
    "evaluations.record_inspection",
    "accounts.edit_policy",
    "accounts.manage_departments",
    "accounts.see_appraisal_content",
]


def sign_in(client, username: str, password: str) -> None:
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, "the sign-in was refused"


@pytest.fixture
def admins(sysadmin, security_admin, auditor):
    return {"sysadmin": sysadmin, "security_admin": security_admin, "auditor": auditor}


def test_the_observed_chain_is_refused_step_by_step(
    client,
    organisation,
    department,
    sysadmin,
    security_admin,
    auditor,
    hr,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_HOST = "localhost"
    hr.email = "hr@example.org"
    hr.save()
    client.force_login(sysadmin)

    # 1. The system administrator creates an account: that is theirs to do, and the auditor is told.
    # (In no department: an agency head never is, see test_access.)
    response = post_new_person(client, None, username="accomplice", employee_number="X9001", full_name="同伙")
    assert response.status_code == 200
    initial_password = response.context["password"]
    accomplice = User.objects.get(username="accomplice")
    assert accomplice.must_change_password
    assert Notification.objects.filter(recipient=auditor, message__contains="accomplice").exists()

    # 2. It tries to give the account 主要负责人 and 组织人事: not its to grant.
    roles_url = reverse("accounts:staff_roles", args=[accomplice.pk])
    assert client.post(roles_url, {"roles": ["staff", "agency_head", "hr_admin"]}).status_code == 403
    assert fresh(accomplice).roles == {Role.STAFF}

    # 3. Its initial password is single-use: signing in with it leads only to the change-password page.
    client.logout()
    sign_in(client, "accomplice", initial_password)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    client.logout()

    # 4. The security administrator grants the decision roles: they wait for HR's confirmation.
    client.force_login(security_admin)
    assert client.post(roles_url, {"roles": ["staff", "agency_head", "hr_admin"]}).status_code == 302
    assert fresh(accomplice).roles == {Role.STAFF}
    waiting = PendingRoleChange.objects.filter(user=accomplice, state=PendingRoleChange.State.PENDING)
    assert {change.role for change in waiting} == {Role.AGENCY_HEAD, Role.HR_ADMIN}
    # …and cannot confirm its own request.
    for change in waiting:
        assert client.post(reverse("accounts:role_change_confirm", args=[change.pk])).status_code == 403
    assert fresh(accomplice).roles == {Role.STAFF}
    assert not fresh(accomplice).has_perm("evaluations.decide_annual")
    client.logout()

    # 5. The system administrator resets HR's password: it waits for a second administrator.
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:staff_reset_password", args=[hr.pk]))
    assert response.status_code == 302
    assert "password" not in (response.context or {})
    assert fresh(hr).check_password(PASSWORD)
    reset = PendingPasswordReset.objects.get(user=hr, state=PendingPasswordReset.State.PENDING)
    assert reset.requested_by == sysadmin
    # The requester cannot confirm it.
    assert client.post(reverse("accounts:password_reset_confirm", args=[reset.pk])).status_code == 403
    assert fresh(hr).check_password(PASSWORD)
    client.logout()

    # The second administrator confirms; the new password is shown to them after a redirect (a
    # reload shows it again rather than sending the confirmation once more), and HR and the auditor
    # are told (bell and e-mail).
    client.force_login(security_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset_confirm", args=[reset.pk]))
    shown_url = reverse("accounts:password_reset_password", args=[reset.pk])
    assert response.status_code == 302 and response.url == shown_url
    assert any("hr@example.org" in message.to for message in mail.outbox)
    shown = client.get(shown_url)
    new_password = shown.context["password"]
    assert "no-cache" in shown.get("Cache-Control", "") or "no-store" in shown.get("Cache-Control", "")
    hr = fresh(hr)
    assert hr.check_password(new_password) and hr.must_change_password
    assert Notification.objects.filter(recipient=hr, message__contains="重置").exists()
    assert Notification.objects.filter(recipient=auditor, message__contains="重置").exists()
    # A reload shows the same password; a second confirmation changes nothing.
    assert client.get(shown_url).context["password"] == new_password
    again = client.post(reverse("accounts:password_reset_confirm", args=[reset.pk]))
    assert again.status_code == 302 and again.url == reverse("accounts:pending_changes")
    assert fresh(hr).check_password(new_password)
    # Nobody else reads it: not the requester, not another administrator's session.
    client.logout()
    client.force_login(sysadmin)
    assert client.get(shown_url).status_code == 404
    client.logout()

    # 6. It tries to remove the auditor's role and to deactivate the auditor: refused.
    client.force_login(sysadmin)
    assert client.post(reverse("accounts:staff_roles", args=[auditor.pk]), {"roles": ["staff"]}).status_code == 403
    deactivate = client.post(reverse("accounts:staff_deactivate", args=[auditor.pk]), {"reason": "清理账号"})
    assert deactivate.status_code == 403
    assert client.post(reverse("accounts:staff_edit", args=[auditor.pk]), {"full_name": "x"}).status_code == 403
    auditor = fresh(auditor)
    assert auditor.is_active and auditor.roles == {Role.AUDITOR}

    # 7. It tries to change the 好/优秀 quotas on the policy page: the appraisal policy is HR's.
    policy = Policy.objects.get(organisation=organisation)
    before = (policy.good_quota_percent, policy.excellent_quota_percent)
    response = client.post(reverse("accounts:policy"), {"good_quota_percent": 100, "excellent_quota_percent": 100})
    assert response.status_code == 403
    policy.refresh_from_db()
    assert (policy.good_quota_percent, policy.excellent_quota_percent) == before

    # Every step reached the auditor's trail.
    models = set(AuditEntry.objects.values_list("content_type__model", flat=True))
    assert {"pendingrolechange", "pendingpasswordreset"} <= models


def test_a_decision_role_takes_effect_when_hr_confirms_and_a_rejection_leaves_it_out(
    client, security_admin, hr, staff, colleague
):
    client.force_login(security_admin)
    client.post(reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["staff", "inspector"]})
    client.post(reverse("accounts:staff_roles", args=[colleague.pk]), {"roles": ["staff", "inspector"]})
    client.force_login(hr)
    first = PendingRoleChange.objects.get(user=staff)
    second = PendingRoleChange.objects.get(user=colleague)
    page = client.get(reverse("accounts:pending_changes")).content.decode()
    assert reverse("accounts:role_change_confirm", args=[first.pk]) in page
    # Asked first, as rejecting is: a tap applies the grant at once (a user test on a phone).
    confirm_form = page.split(reverse("accounts:role_change_confirm", args=[first.pk]), 1)[1].split(">", 1)[0]
    assert "data-confirm=" in confirm_form and "确认后立即生效" in confirm_form
    assert client.post(reverse("accounts:role_change_confirm", args=[first.pk])).status_code == 302
    assert client.post(reverse("accounts:role_change_reject", args=[second.pk])).status_code == 302
    assert fresh(staff).roles == {Role.STAFF, Role.INSPECTOR}
    assert fresh(colleague).roles == {Role.STAFF}
    first.refresh_from_db()
    assert (first.state, first.requested_by, first.confirmed_by) == ("confirmed", security_admin, hr)
    # A decided request cannot be decided again.
    client.post(reverse("accounts:role_change_reject", args=[first.pk]))
    assert fresh(staff).roles == {Role.STAFF, Role.INSPECTOR}


def test_a_confirmation_is_only_a_post(client, security_admin, hr, staff):
    client.force_login(security_admin)
    client.post(reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["staff", "inspector"]})
    change = PendingRoleChange.objects.get()
    client.force_login(hr)
    assert client.get(reverse("accounts:role_change_confirm", args=[change.pk])).status_code == 405
    assert fresh(staff).roles == {Role.STAFF}


def test_nobody_confirms_a_change_of_their_own_roles(security_admin, hr, organisation):
    other_hr = User.objects.create(username="hr2", organisation=organisation)
    services.role_grant(user=other_hr, role=Role.STAFF)
    [change] = services.roles_set(actor=security_admin, user=other_hr, roles={Role.STAFF, Role.HR_ADMIN})
    # The person concerned cannot confirm (even once HR): here, HR confirms for someone else.
    with pytest.raises(PermissionDenied):
        services.role_change_decide(actor=other_hr, change=change, confirm=True)
    services.role_change_decide(actor=hr, change=change, confirm=True)
    assert fresh(other_hr).has_role(Role.HR_ADMIN)


def test_the_security_administrator_cannot_change_its_own_roles(client, security_admin):
    client.force_login(security_admin)
    url = reverse("accounts:staff_roles", args=[security_admin.pk])
    assert client.post(url, {"roles": ["security_admin", "agency_head"]}).status_code == 403
    assert not PendingRoleChange.objects.exists()
    assert fresh(security_admin).roles == {Role.SECURITY_ADMIN}


@pytest.mark.parametrize(
    ("holds", "asked"),
    [
        # An appraisal role to an administrator.
        ({Role.SYSADMIN}, {Role.SYSADMIN, Role.STAFF}),
        ({Role.AUDITOR}, {Role.AUDITOR, Role.INSPECTOR}),
        # An administrator role to someone holding an appraisal role or another administrator role.
        ({Role.HR_ADMIN}, {Role.HR_ADMIN, Role.AUDITOR}),
        ({Role.STAFF}, {Role.STAFF, Role.SECURITY_ADMIN}),
        ({Role.SYSADMIN}, {Role.SYSADMIN, Role.AUDITOR}),
    ],
)
def test_the_service_refuses_to_combine_an_administrator_role_with_another(security_admin, organisation, holds, asked):
    person = User.objects.create(username="someone", organisation=organisation)
    for role in holds:
        services.role_grant(user=person, role=role)
    with pytest.raises(ValidationError) as refused:
        services.roles_set(actor=security_admin, user=fresh(person), roles=asked)
    assert "三员分立" in str(refused.value)
    assert fresh(person).roles == holds
    assert not PendingRoleChange.objects.exists()


def test_the_security_settings_are_the_security_administrators(client, organisation, security_admin, hr, sysadmin):
    url = reverse("accounts:security_settings")
    for person in (hr, sysadmin):
        client.force_login(person)
        assert client.post(url, {"session_idle_minutes": 200}).status_code == 403
    client.force_login(security_admin)
    settings = {
        "session_idle_minutes": 15,
        "password_min_length": 8,
        "password_min_classes": 3,
        "password_max_age_days": 90,
        "audit_retention_days": 180,
        "reason": "等保",
    }
    assert client.post(url, settings).status_code == 302
    assert Policy.objects.get(organisation=organisation).session_idle_minutes == 15


def test_a_reset_of_an_ordinary_persons_password_is_single_use_and_told(client, sysadmin, auditor, staff):
    client.force_login(sysadmin)
    response = client.post(reverse("accounts:staff_reset_password", args=[staff.pk]), follow=True)
    assert response.status_code == 200
    password = response.context["password"]
    # Reached by a redirect: a reload shows the same password, it does not reset it again.
    assert response.redirect_chain[0][0] == reverse("accounts:staff_initial_password", args=[staff.pk])
    assert client.get(response.redirect_chain[0][0]).context["password"] == password
    staff = fresh(staff)
    assert staff.check_password(password) and staff.must_change_password
    assert Notification.objects.filter(recipient=staff).exists()
    assert Notification.objects.filter(recipient=auditor, message__contains=str(staff)).exists()
    # The person signs in with it and is sent to change it before anything else.
    client.logout()
    sign_in(client, staff.username, password)
    assert client.get(reverse("accounts:notification_list"))["Location"] == reverse("accounts:password_change")


def test_nobody_resets_their_own_password_through_the_administration_page(client, sysadmin):
    client.force_login(sysadmin)
    assert client.post(reverse("accounts:staff_reset_password", args=[sysadmin.pk])).status_code == 403
    assert fresh(sysadmin).check_password(PASSWORD)


@pytest.mark.parametrize("actor_name", ["sysadmin", "security_admin", "auditor"])
def test_no_single_administrator_can_come_to_decide_a_grade_or_hide_anything_from_the_auditor(
    client, request, admins, hr, staff, department, actor_name
):
    actor = admins[actor_name]
    auditor = admins["auditor"]
    client.force_login(actor)

    # It holds no right that decides or changes a grade, and none of the roles that do.
    for perm in DECISION_PERMS:
        assert not actor.has_perm(perm), perm

    # It cannot give itself a role, nor give anyone a decision role alone.
    for person in (actor, staff):
        client.post(reverse("accounts:staff_roles", args=[person.pk]), {"roles": ["staff", "agency_head"]})
    assert fresh(actor).roles == actor.roles
    assert not fresh(staff).has_role(Role.AGENCY_HEAD)
    for change in PendingRoleChange.objects.all():
        assert client.post(reverse("accounts:role_change_confirm", args=[change.pk])).status_code == 403
    assert not User.objects.filter(role_assignments__role=Role.AGENCY_HEAD).exists()

    # It cannot make someone a head or supervising leader through the departments' posts.
    response = client.post(
        reverse("accounts:department_edit", args=[department.pk]),
        {"code": department.code, "name": department.name, "supervising_leader": staff.pk, "head": staff.pk},
    )
    assert response.status_code == 403
    assert not fresh(staff).has_role(Role.SUPERVISING_LEADER)

    # It cannot take over HR's account alone: a reset waits for a second administrator.
    client.post(reverse("accounts:staff_reset_password", args=[hr.pk]))
    assert fresh(hr).check_password(PASSWORD)
    for reset in PendingPasswordReset.objects.all():
        assert client.post(reverse("accounts:password_reset_confirm", args=[reset.pk])).status_code == 403
    assert fresh(hr).check_password(PASSWORD)

    # It cannot hide anything from the auditor: the auditor keeps its role, account and password.
    if actor != auditor:
        client.post(reverse("accounts:staff_roles", args=[auditor.pk]), {"roles": []})
        client.post(reverse("accounts:staff_deactivate", args=[auditor.pk]), {"reason": "x"})
        client.post(reverse("accounts:staff_reset_password", args=[auditor.pk]))
        auditor = fresh(auditor)
        assert auditor.roles == {Role.AUDITOR} and auditor.is_active and auditor.check_password(PASSWORD)
    # Nor change another administrator's account, whichever it is.
    for other in admins.values():
        if other == actor:
            continue
        assert client.post(reverse("accounts:staff_deactivate", args=[other.pk]), {"reason": "x"}).status_code in (
            403,
            404,
        )
        assert fresh(other).is_active and fresh(other).roles & ADMIN_ROLES
    # And every attempt that changed something is in the trail the auditor reads (besides the
    # sign-in itself, which the trail records too), and so is every refused one (操作被拒绝).
    trail = AuditEntry.objects.filter(actor=actor).exclude(event__in=[AuditEvent.LOGIN, AuditEvent.REFUSED])
    assert trail.count() == PendingRoleChange.objects.count() + PendingPasswordReset.objects.count()
    refused = AuditEntry.objects.filter(actor=actor, event=AuditEvent.REFUSED)
    assert refused.count() >= len(admins) - 1


def test_withdrawing_the_auditors_role_waits_for_a_second_person(client, security_admin, hr, auditor):
    client.force_login(security_admin)
    client.post(reverse("accounts:staff_roles", args=[auditor.pk]), {"roles": []})
    assert fresh(auditor).roles == {Role.AUDITOR}
    change = PendingRoleChange.objects.get(user=auditor)
    assert change.withdraw
    client.force_login(hr)
    client.post(reverse("accounts:role_change_confirm", args=[change.pk]))
    assert fresh(auditor).roles == set()


def test_the_pending_changes_page_costs_the_same_queries_for_few_or_many_requests(
    client, sysadmin, security_admin, hr, organisation, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def ask(first: int, n: int) -> None:
        for i in range(first, first + n):
            person = User.objects.create(username=f"person{i}", organisation=organisation)
            services.roles_set(actor=security_admin, user=person, roles={Role.INSPECTOR})

    services.staff_reset_password(user=hr, actor=sysadmin)
    ask(0, 1)
    client.force_login(hr)
    client.get(reverse("accounts:pending_changes"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("accounts:pending_changes")).status_code == 200
    ask(1, 20)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("accounts:pending_changes"))
    assert response.content.decode().count("/accounts/pending/roles/") == 2 * 21


def test_each_administrator_is_offered_only_its_own_buttons(client, sysadmin, security_admin, auditor, staff):
    client.force_login(security_admin)
    assert reverse("accounts:staff_create") not in client.get(reverse("accounts:staff_list")).content.decode()
    page = client.get(reverse("accounts:staff_detail", args=[staff.pk])).content.decode()
    assert reverse("accounts:staff_roles", args=[staff.pk]) in page
    assert reverse("accounts:staff_reset_password", args=[staff.pk]) not in page
    assert reverse("accounts:staff_deactivate", args=[staff.pk]) not in page
    client.force_login(sysadmin)
    page = client.get(reverse("accounts:staff_detail", args=[auditor.pk])).content.decode()
    assert reverse("accounts:staff_roles", args=[auditor.pk]) not in page
    assert reverse("accounts:staff_deactivate", args=[auditor.pk]) not in page
    assert reverse("accounts:staff_edit", args=[auditor.pk]) not in page
    # Asking for a reset is offered: a second administrator confirms it.
    assert reverse("accounts:staff_reset_password", args=[auditor.pk]) in page


@pytest.mark.parametrize("actor", ["sysadmin", "hr"])
@pytest.mark.parametrize("persona", ["chief", "leader", "inspector", "head"])
def test_a_decision_makers_password_reset_waits_for_a_second_administrator(client, request, actor, persona):
    """One system administrator (or HR) alone must not be able to reset the agency head's or a
    department head's password, sign in as them and grade."""
    person = request.getfixturevalue(persona)
    client.force_login(request.getfixturevalue(actor))
    response = client.post(reverse("accounts:staff_reset_password", args=[person.pk]))
    assert "password" not in (response.context or {})
    assert fresh(person).check_password(PASSWORD)
    assert PendingPasswordReset.objects.filter(user=person).exists()


def test_a_reset_nobody_can_confirm_says_so_and_what_it_waits_for(client_for, sysadmin, security_admin, chief):
    """One system and one security administrator: the reset of one asked for by the other waits for
    nobody (the user test found a locked-out security administrator with no way back)."""
    confirm_page = client_for(sysadmin).get(reverse("accounts:staff_reset_password", args=[security_admin.pk]))
    assert "没有可以确认此项申请" in confirm_page.content.decode()  # said before the request is made
    # In English, the sentences apart (a user test read "…at first sign-in.Nobody in the …").
    client = client_for(sysadmin)
    client.cookies["django_language"] = "en"
    english = client.get(reverse("accounts:staff_reset_password", args=[security_admin.pk])).content.decode()
    assert "sign-in.N" not in english and "sign-in. N" in english, english[english.find("sign-in") - 80 :][:200]
    del client.cookies["django_language"]
    response = client_for(sysadmin).post(
        reverse("accounts:staff_reset_password", args=[security_admin.pk]), follow=True
    )
    page = response.content.decode()
    assert "没有可以确认此项申请的另一名系统管理员或安全管理员" in page
    assert "须先增设一名管理员并由其确认" in page
    # The reset of the agency head's password has its second administrator: no such warning.
    page = client_for(sysadmin).post(reverse("accounts:staff_reset_password", args=[chief.pk]), follow=True)
    assert "没有可以确认此项申请" not in page.content.decode()


# --- Department posts: an appointment is a grant of a decision role ---------------------------


def _edit_department(client, department, **posts):
    data = {"code": department.code, "name": department.name, "sort_order": 0}
    data.update({field: person.pk for field, person in posts.items() if person is not None})
    return client.post(reverse("accounts:department_edit", args=[department.pk]), data)


def test_hr_alone_cannot_appoint_a_supervising_leader_or_a_head_through_the_department_form(
    client_for, department, head, leader, colleague, hr, security_admin
):
    # A deputy director, in no department (a member of the department would be evaluated by its head).
    staff = UserFactory(organisation=department.organisation, department=None, full_name="副局长")
    response = _edit_department(client_for(hr), department, head=colleague, supervising_leader=staff)
    assert response.status_code == 302
    department.refresh_from_db()
    # The posts keep their holders and nobody gained a role: the appointments wait.
    assert (department.head, department.supervising_leader) == (head, leader)
    assert not fresh(staff).has_role(Role.SUPERVISING_LEADER)
    assert not fresh(colleague).has_role(Role.DEPARTMENT_HEAD)
    waiting = PendingRoleChange.objects.filter(department=department, state=PendingRoleChange.State.PENDING)
    assert {(c.user, c.role, c.requested_by) for c in waiting} == {
        (staff, Role.SUPERVISING_LEADER, hr),
        (colleague, Role.DEPARTMENT_HEAD, hr),
    }
    # HR cannot confirm its own request; the security administrator can, and then the posts change.
    for change in waiting:
        assert client_for(hr).post(reverse("accounts:role_change_confirm", args=[change.pk])).status_code == 403
    assert fresh(department.supervising_leader) == leader
    confirmer = client_for(security_admin)
    for change in waiting:
        assert confirmer.post(reverse("accounts:role_change_confirm", args=[change.pk])).status_code == 302
    department.refresh_from_db()
    assert (department.head, department.supervising_leader) == (colleague, staff)
    assert fresh(staff).has_role(Role.SUPERVISING_LEADER) and fresh(colleague).has_role(Role.DEPARTMENT_HEAD)
    assert not fresh(head).has_role(Role.DEPARTMENT_HEAD) and not fresh(leader).has_role(Role.SUPERVISING_LEADER)
    # Both steps are audited: the request and the confirmation (who, when), and the post's change.
    trail = AuditEntry.objects.filter(content_type__model="pendingrolechange")
    assert {entry.actor for entry in trail} == {hr, security_admin}
    assert AuditEntry.objects.filter(content_type__model="department", actor=security_admin).exists()


def test_hr_cannot_appoint_itself_and_have_it_take_effect(client_for, department, hr, leader):
    _edit_department(client_for(hr), department, supervising_leader=hr)
    change = PendingRoleChange.objects.get(department=department)
    assert client_for(hr).post(reverse("accounts:role_change_confirm", args=[change.pk])).status_code == 403
    department.refresh_from_db()
    assert department.supervising_leader == leader and not fresh(hr).has_role(Role.SUPERVISING_LEADER)


@pytest.mark.parametrize("post", ["head", "supervising_leader"])
def test_an_administrator_cannot_be_appointed_to_a_department_post(client_for, department, hr, sysadmin, post):
    # The form does not offer them; posted anyway, it refuses; and the service refuses on its own.
    assert (
        f'<option value="{sysadmin.pk}"'
        not in client_for(hr).get(reverse("accounts:department_edit", args=[department.pk])).content.decode()
    )
    response = _edit_department(client_for(hr), department, **{post: sysadmin})
    assert response.status_code == 200
    assert not PendingRoleChange.objects.exists()
    setattr(department, post, sysadmin)
    with pytest.raises(ValidationError, match="三员分立"):
        services.department_save(department=department, actor=hr)
    assert not PendingRoleChange.objects.exists()
    assert fresh(sysadmin).roles == {Role.SYSADMIN}


def test_an_appointment_confirmed_after_the_person_became_an_administrator_is_refused(
    client_for, department, hr, security_admin, sysadmin
):
    staff = UserFactory(organisation=department.organisation, department=None, full_name="副局长")
    _edit_department(client_for(hr), department, supervising_leader=staff)
    change = PendingRoleChange.objects.get(department=department)
    # Meanwhile the person was made an auditor (directly, as a past state of the database might hold).
    services.role_revoke(user=staff, role=Role.STAFF)
    services.role_grant(user=staff, role=Role.AUDITOR)
    with pytest.raises(ValidationError):
        services.role_change_decide(actor=security_admin, change=change, confirm=True)
    assert not fresh(staff).has_role(Role.SUPERVISING_LEADER)


def test_emptying_a_post_takes_effect_at_once(client_for, department, head, hr, leader):
    response = _edit_department(client_for(hr), department)
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.head is None and department.supervising_leader is None
    assert not fresh(head).has_role(Role.DEPARTMENT_HEAD)


# --- What the administrators see: actions, not appraisal content ------------------------------


def test_the_auditor_sees_who_changed_an_appraisal_record_but_not_its_content(client_for, auditor, staff, head):
    from accounts.audit import acting_as, audit_reason
    from tests.factories import TargetItemFactory, TargetSetFactory, audited

    with acting_as(staff), audited():
        target_set = TargetSetFactory(owner=staff)
        TargetItemFactory(target_set=target_set, content="机密的目标内容")
    with acting_as(head), audit_reason("退回：工作量评价偏低"):
        target_set.status = "returned"
        target_set.save()
    client = client_for(auditor)
    body = client.get(reverse("accounts:audit_list")).content.decode()
    # The action, the object's kind, who and when are there …
    assert "目标事项" in body or "季度目标" in body
    assert head.full_name in body and staff.full_name in body
    # … the content, its reason and the record's own text are not.
    assert "机密的目标内容" not in body
    assert "工作量评价偏低" not in body
    assert "考核内容，不显示" in body
    export = client.post(reverse("accounts:audit_export"))
    import io

    from openpyxl import load_workbook

    cells = " ".join(
        str(value)
        for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
        for value in row
    )
    assert "机密的目标内容" not in cells and "工作量评价偏低" not in cells


def test_the_auditor_still_reads_account_changes_in_full(client_for, auditor, hr, staff):
    from accounts.audit import acting_as

    with acting_as(hr):
        staff.position_title = "四级主任科员"
        staff.save()
    body = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    assert "四级主任科员" in body


@pytest.mark.parametrize("persona", ["sysadmin", "security_admin"])
def test_administrators_see_neither_special_statuses_nor_the_evaluator_on_the_staff_page(
    request, client_for, staff, head, hr, persona
):
    from accounts.models import StaffStatus, StaffStatusKind

    StaffStatus.objects.create(user=staff, kind=StaffStatusKind.UNDER_INVESTIGATION, start_date="2026-01-05")
    url = reverse("accounts:staff_detail", args=[staff.pk])
    body = client_for(request.getfixturevalue(persona)).get(url).content.decode()
    assert "立案审查" not in body and "审核评鉴人" not in body and head.full_name not in body
    # HR keeps the register and sees both.
    body = client_for(hr).get(url).content.decode()
    assert "立案审查" in body and "审核评鉴人" in body and head.full_name in body


def _edit_person(client, person, **changes):
    data = {
        "username": person.username,
        "full_name": person.full_name,
        "employee_number": person.employee_number or "E1",
        "staff_type": person.staff_type,
        "position_category": person.position_category,
        "email": "",
    }
    data.update(changes)
    return client.post(reverse("accounts:staff_edit", args=[person.pk]), data)


def test_the_system_administrator_cannot_change_who_takes_part_nor_the_quota_pool(client_for, sysadmin, staff):
    from accounts.selectors import participants_of

    response = _edit_person(client_for(sysadmin), staff, staff_type="public_welfare", is_leader_position="on")
    assert response.status_code == 302
    person = fresh(staff)
    assert (person.staff_type, person.is_leader_position) == (staff.staff_type, False)
    assert participants_of(organisation=staff.organisation).filter(pk=staff.pk).exists()
    page = client_for(sysadmin).get(reverse("accounts:staff_edit", args=[staff.pk])).content.decode()
    assert 'name="staff_type"' not in page and 'name="is_leader_position"' not in page


def test_hr_changes_who_takes_part_and_the_quota_pool(client_for, hr, staff):
    response = _edit_person(client_for(hr), staff, staff_type="public_welfare", is_leader_position="on")
    assert response.status_code == 302
    assert (fresh(staff).staff_type, fresh(staff).is_leader_position) == ("public_welfare", True)


def test_the_service_refuses_appraisal_attributes_from_the_system_administrator(organisation, department, sysadmin):
    with pytest.raises(PermissionDenied):
        services.staff_create(
            organisation=organisation,
            username="newcomer",
            full_name="新人",
            department=department,
            actor=sysadmin,
            is_leader_position=True,
        )


def test_two_security_administrators_cannot_make_an_agency_head_without_hr(
    client_for, organisation, security_admin, hr
):
    from tests.factories import UserFactory

    second = UserFactory(username="secadmin2", organisation=organisation, department=None, roles=[Role.SECURITY_ADMIN])
    # The future agency head is in no department (test_access: someone in one is refused).
    staff = UserFactory(username="deputy", organisation=organisation, department=None, roles=[Role.STAFF])
    client_for(security_admin).post(
        reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["staff", "agency_head"]}
    )
    change = PendingRoleChange.objects.get()
    page = client_for(second).get(reverse("accounts:pending_changes")).content.decode()
    assert reverse("accounts:role_change_confirm", args=[change.pk]) not in page
    assert client_for(second).post(reverse("accounts:role_change_confirm", args=[change.pk])).status_code == 403
    assert not fresh(staff).has_role(Role.AGENCY_HEAD)
    # HR, the other side, confirms.
    assert client_for(hr).post(reverse("accounts:role_change_confirm", args=[change.pk])).status_code == 302
    assert fresh(staff).has_role(Role.AGENCY_HEAD)


def test_another_hr_person_cannot_confirm_an_appointment_hr_asked_for(client_for, organisation, department, hr, staff):
    from tests.factories import UserFactory

    _edit_department(client_for(hr), department, head=staff, supervising_leader=department.supervising_leader)
    change = PendingRoleChange.objects.get(user=staff, role=Role.DEPARTMENT_HEAD)
    other_hr = UserFactory(username="hr2", organisation=organisation, department=None, roles=[Role.HR_ADMIN])
    with pytest.raises(PermissionDenied):
        services.role_change_decide(actor=other_hr, change=change, confirm=True)
    assert not fresh(staff).has_role(Role.DEPARTMENT_HEAD)


@pytest.mark.parametrize(
    "asked",
    [
        {Role.STAFF, Role.OVERSIGHT},
        {Role.HR_ADMIN, Role.OVERSIGHT},
        {Role.AGENCY_HEAD, Role.OVERSIGHT},
        {Role.INSPECTOR, Role.OVERSIGHT},
    ],
)
def test_an_oversight_officer_takes_no_appraisal_role(client, security_admin, hr, staff, asked):
    with pytest.raises(ValidationError, match="公务员主管部门角色不得兼任其他角色"):
        services.roles_set(actor=security_admin, user=fresh(staff), roles=asked)
    assert fresh(staff).roles == {Role.STAFF}
    assert not PendingRoleChange.objects.exists()
    # Through the page: refused with the reason, nothing waits for HR.
    client.force_login(security_admin)
    response = client.post(reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["staff", "oversight"]})
    assert "公务员主管部门角色不得兼任其他角色" in response.content.decode()
    assert not PendingRoleChange.objects.exists()


def test_an_oversight_grant_confirmed_after_the_person_took_an_appraisal_role_is_refused(
    security_admin, hr, organisation
):
    person = User.objects.create(username="officer", organisation=organisation)
    (change,) = services.roles_set(actor=security_admin, user=person, roles={Role.OVERSIGHT})
    services.role_grant(user=fresh(person), role=Role.STAFF)
    with pytest.raises(ValidationError, match="公务员主管部门角色不得兼任其他角色"):
        services.role_change_decide(actor=hr, change=change, confirm=True)
    assert fresh(person).roles == {Role.STAFF}


def test_a_member_of_the_department_cannot_be_made_its_supervising_leader(client_for, department, hr, staff, leader):
    """谁管理谁认定: the leader evaluates the head, who evaluates the department's members; a member
    as the leader would be evaluated by their own subordinate. HR reads how to proceed."""
    response = _edit_department(client_for(hr), department, supervising_leader=staff)
    assert response.status_code == 200
    assert "不能担任本科室的分管领导" in response.content.decode()
    assert not PendingRoleChange.objects.filter(department=department).exists()
    department.refresh_from_db()
    assert department.supervising_leader == leader
    # Out of every department first (the staff page's 调整科室 → 不在科室), then appointed.
    services.staff_move(user=staff, department=None, reason="任分管领导")
    assert _edit_department(client_for(hr), department, supervising_leader=fresh(staff)).status_code == 302
    assert PendingRoleChange.objects.filter(department=department, user=staff).exists()


def test_a_new_department_takes_a_supervising_leader_in_no_department(client_for, organisation, hr):
    """A department being created has no members yet: a deputy director in no department is asked
    for as its leader (a department that is not yet saved is nobody's)."""
    deputy = UserFactory(organisation=organisation, department=None, full_name="副局长")
    response = client_for(hr).post(
        reverse("accounts:department_create"),
        {"code": "NEW1", "name": "新设科", "supervising_leader": deputy.pk, "sort_order": 0},
    )
    assert response.status_code == 302
    assert PendingRoleChange.objects.filter(user=deputy, role=Role.SUPERVISING_LEADER).exists()


def test_a_member_of_another_department_is_not_made_head_here(client_for, organisation, department, hr, staff):
    """They would stay in their department, graded there by its head, while heading this one."""
    response = client_for(hr).post(
        reverse("accounts:department_create"), {"code": "NEW2", "name": "安全监督科", "head": staff.pk, "sort_order": 0}
    )
    assert response.status_code == 200
    assert f"{staff.get_full_name()}在{department.name}，不能担任本科室负责人" in response.content.decode()
    assert not PendingRoleChange.objects.filter(user=staff).exists()


# --- The "待您确认" notices and withdrawing a request -------------------------------------------


def _second_hr(organisation) -> User:
    person = UserFactory(organisation=organisation, department=None, full_name="人事乙")
    person.role_assignments.create(organisation=organisation, role=Role.HR_ADMIN)
    return fresh(person)


def _unread_asks(person: User) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True, message__contains="待您确认").count()


def test_once_one_person_decides_a_request_the_others_are_no_longer_asked(
    client_for, organisation, security_admin, hr, staff
):
    other_hr = _second_hr(organisation)
    services.roles_set(actor=security_admin, user=staff, roles={*staff.roles, Role.INSPECTOR})
    assert _unread_asks(hr) == _unread_asks(other_hr) == 1
    change = PendingRoleChange.objects.get(user=staff, role=Role.INSPECTOR)

    client_for(hr).post(reverse("accounts:role_change_confirm", args=[change.pk]))

    assert fresh(staff).has_role(Role.INSPECTOR)
    assert _unread_asks(other_hr) == 0
    assert 'data-testid="bell-count"' not in client_for(other_hr).get(reverse("home")).content.decode()


def test_the_person_who_asked_withdraws_a_waiting_request_and_nobody_is_asked_any_more(
    client_for, organisation, security_admin, hr, staff
):
    services.roles_set(actor=security_admin, user=staff, roles={*staff.roles, Role.INSPECTOR})
    change = PendingRoleChange.objects.get(user=staff, role=Role.INSPECTOR)
    client = client_for(security_admin)
    page = client.get(reverse("accounts:pending_changes")).content.decode()
    assert reverse("accounts:role_change_withdraw", args=[change.pk]) in page

    response = client.post(reverse("accounts:role_change_withdraw", args=[change.pk]), follow=True)

    assert "已撤回" in response.content.decode()
    change.refresh_from_db()
    assert change.state == PendingRoleChange.State.WITHDRAWN
    assert _unread_asks(hr) == 0
    assert not fresh(staff).has_role(Role.INSPECTOR)
    # Nothing is left to confirm, and a withdrawn request cannot be confirmed after all.
    client_for(hr).post(reverse("accounts:role_change_confirm", args=[change.pk]))
    assert not fresh(staff).has_role(Role.INSPECTOR)
    assert AuditEntry.objects.filter(object_pk=str(change.pk), actor=security_admin).exists()


def test_only_the_person_who_asked_may_withdraw(client_for, sysadmin, security_admin, hr, chief):
    services.staff_reset_password(user=chief, actor=sysadmin)
    reset = PendingPasswordReset.objects.get(user=chief)
    # Not offered to the second administrator, and refused on the server.
    page = client_for(security_admin).get(reverse("accounts:pending_changes")).content.decode()
    assert reverse("accounts:password_reset_withdraw", args=[reset.pk]) not in page
    # Their 拒绝 asks first, as a withdrawal does.
    assert f"确定拒绝“{reset}”的申请吗？" in page
    withdraw = reverse("accounts:password_reset_withdraw", args=[reset.pk])
    assert client_for(security_admin).post(withdraw).status_code == 404
    with pytest.raises(PermissionDenied):
        services.pending_withdraw(actor=security_admin, pending=reset)
    reset.refresh_from_db()
    assert reset.state == PendingPasswordReset.State.PENDING

    client_for(sysadmin).post(reverse("accounts:password_reset_withdraw", args=[reset.pk]))
    reset.refresh_from_db()
    assert reset.state == PendingPasswordReset.State.WITHDRAWN
    with pytest.raises(ValidationError, match="该申请已撤回，无须再处理"):
        services.pending_withdraw(actor=sysadmin, pending=reset)
    # The second administrator who opened the request before it was withdrawn is told so.
    with pytest.raises(ValidationError, match="该申请已撤回，无须再处理"):
        services.password_reset_decide(actor=security_admin, reset=reset, confirm=True)


def test_hr_does_not_set_their_own_appraisal_attributes_where_another_hr_administrator_can(
    client_for, hr, organisation
):
    """A security test: HR moved their own 参加考核日期 past the open quarter (its row left the
    grading, everyone's 好 quota fell) and ticked their own 领导职务. 回避 where another HR
    administrator can do it; a sole one does it, told it is their own matter."""
    from tests.factories import UserFactory

    edit = reverse("accounts:staff_edit", args=[hr.pk])
    client = client_for(hr)
    page = client.get(edit)
    assert "appraisal_start" in page.context["form"].fields
    assert 'data-testid="sole-handler"' in page.content.decode()
    UserFactory(organisation=organisation, department=None, roles=[Role.HR_ADMIN], full_name="人事干部乙")
    page = client.get(edit)
    form = page.context["form"]
    assert not {"staff_type", "position_category", "is_leader_position", "appraisal_start"} & set(form.fields)
    assert 'data-testid="recused"' in page.content.decode()
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    response = client.post(edit, {**data, "appraisal_start": "2027-03-01", "is_leader_position": "on"})
    assert response.status_code == 302
    hr.refresh_from_db()
    assert hr.appraisal_start != date(2027, 3, 1) and not hr.is_leader_position


def test_a_refused_change_is_an_audit_entry_with_who_where_and_what(client_for, staff, hr):
    """A security test sent POSTs the pages do not offer (raising one's own role, approving one's own
    targets); the server refused them and the audit log held none of them."""
    from accounts.models import AuditEntry, AuditEvent, AuditResult

    url = reverse("accounts:staff_roles", args=[staff.pk])
    assert client_for(staff).post(url, {"roles": ["hr_admin"]}).status_code in (403, 404)
    entry = AuditEntry.objects.get(event=AuditEvent.REFUSED)
    assert (entry.actor, entry.result, entry.object_repr) == (staff, AuditResult.FAILURE, f"POST {url}")
    assert entry.remote_addr == "127.0.0.1" and entry.organisation_id == staff.organisation_id
    # A read is not an entry, nor is an allowed change.
    client_for(staff).get(url)
    assert AuditEntry.objects.filter(event=AuditEvent.REFUSED).count() == 1


def test_an_expired_form_is_not_a_refused_attempt_and_refusals_are_bounded_a_minute(staff, monkeypatch):
    """A review: a form sent with a stale CSRF token (an expired page, no attempt) was logged as
    操作被拒绝, and nothing bounded how many entries one person could write."""
    from django.test import Client

    from accounts.middleware import RefusedActionAuditMiddleware
    from accounts.models import AuditEntry, AuditEvent

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(reverse("summaries:start"), {"year": 2026, "month": 11}).status_code == 403
    assert not AuditEntry.objects.filter(event=AuditEvent.REFUSED).exists()
    client = Client()
    client.force_login(staff)
    url = reverse("accounts:staff_roles", args=[staff.pk])
    monkeypatch.setattr("accounts.middleware.time.time", lambda: 1_800_000_000.0)  # all in one minute
    limit = RefusedActionAuditMiddleware.REFUSED_PER_MINUTE
    for _ in range(limit + 5):
        client.post(url, {"roles": ["hr_admin"]})
    assert AuditEntry.objects.filter(event=AuditEvent.REFUSED).count() == limit


def test_hr_does_not_record_their_own_special_status_where_another_hr_administrator_can(client_for, hr, organisation):
    """A review: HR could no longer set their own 参加考核日期 but could still add or remove their own
    立案审查 or 试用期, which bear on their grade and their 优秀."""
    from django.core.exceptions import PermissionDenied

    from accounts.models import StaffStatus, StaffStatusKind

    UserFactory(organisation=organisation, department=None, roles=[Role.HR_ADMIN], full_name="人事干部乙")
    status = StaffStatus(user=hr, kind=StaffStatusKind.PROBATION, start_date=date(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        services.staff_status_add(status=status, actor=hr)
    response = client_for(hr).post(
        reverse("accounts:staff_status_add", args=[hr.pk]), {"kind": "probation", "start_date": "2026-01-01"}
    )
    assert response.status_code == 403 and not StaffStatus.objects.filter(user=hr).exists()
    assert 'href="' + reverse("accounts:staff_status_add", args=[hr.pk]) not in (
        client_for(hr).get(reverse("accounts:staff_detail", args=[hr.pk])).content.decode()
    )


def test_hr_does_not_move_themselves_where_another_hr_administrator_can(client_for, hr, organisation, department):
    """A review of the 回避 on HR's own record: a move changes who grades them too."""
    from django.core.exceptions import PermissionDenied

    from tests.factories import DepartmentFactory

    elsewhere = DepartmentFactory(organisation=organisation, code="D077", name="另一科")
    UserFactory(organisation=organisation, department=None, roles=[Role.HR_ADMIN], full_name="人事干部乙")
    with pytest.raises(PermissionDenied):
        services.staff_move(user=hr, department=elsewhere, actor=hr)
    response = client_for(hr).post(
        reverse("accounts:staff_move", args=[hr.pk]),
        {"department": elsewhere.pk, "on_date": "2026-12-01", "reason": "工作需要"},
    )
    assert response.status_code == 403
    hr.refresh_from_db()
    assert hr.department_id != elsewhere.pk
    page = client_for(hr).get(reverse("accounts:staff_detail", args=[hr.pk])).content.decode()
    assert reverse("accounts:staff_move", args=[hr.pk]) not in page
