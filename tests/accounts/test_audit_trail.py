"""The complete audit trail: sign-in and out, failed sign-ins, lockouts, password changes and resets,
downloads and job runs are recorded with account, action, object, result and source address; the
address cannot be forged with X-Forwarded-For; the log keeps 180 days and is append-only."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import audit, jobs, services
from accounts.audit import acting_as
from accounts.models import AuditEntry, AuditEvent, Job
from tests.factories import JobFactory


def _events(event):
    return AuditEntry.objects.filter(event=event).order_by("pk")


def _login(client, username, password, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, **extra)


def test_a_forged_forwarded_for_header_is_not_recorded_as_the_source(client, staff, password):
    _login(client, staff.username, password, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    entry = _events(AuditEvent.LOGIN).get()
    assert entry.remote_addr == "192.0.2.7"


def test_a_change_made_through_the_web_records_the_connection_not_the_header(client_for, security_admin, staff):
    # The security administrator grants roles (三员分立); 工作人员 takes effect at once.
    from accounts import services

    services.role_revoke(user=staff, role="staff")
    client = client_for(security_admin)
    client.post(
        reverse("accounts:staff_roles", args=[staff.pk]),
        {"roles": ["staff"]},
        REMOTE_ADDR="192.0.2.8",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    entry = AuditEntry.objects.filter(content_type__model="roleassignment").latest()
    assert entry.remote_addr == "192.0.2.8"


def test_a_trusted_proxy_forwards_the_rightmost_untrusted_address(client, staff, password, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    _login(
        client,
        staff.username,
        password,
        REMOTE_ADDR="10.0.0.2",
        # The client wrote 6.6.6.6 itself; the outer proxy saw 203.0.113.9; the inner one is trusted.
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 192.0.2.1",
    )
    assert _events(AuditEvent.LOGIN).get().remote_addr == "203.0.113.9"


def test_an_untrusted_connection_cannot_use_the_header_even_when_proxies_are_configured(
    client, staff, password, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    _login(client, staff.username, password, REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="10.0.0.9")
    assert _events(AuditEvent.LOGIN).get().remote_addr == "198.51.100.4"


def test_sign_in_sign_out_and_a_failed_sign_in_are_recorded(client, staff, password, organisation):
    _login(client, staff.username, "wrong-password")
    _login(client, staff.username, password)
    client.post(reverse("accounts:logout"))
    failed = _events(AuditEvent.LOGIN_FAILED).get()
    assert (failed.result, failed.actor, failed.object_pk, failed.organisation) == (
        "failure",
        None,
        str(staff.pk),
        organisation,
    )
    login = _events(AuditEvent.LOGIN).get()
    assert (login.result, login.actor, login.remote_addr) == ("success", staff, "127.0.0.1")
    assert _events(AuditEvent.LOGOUT).get().actor == staff


def test_a_failed_sign_in_for_an_unknown_name_names_what_was_tried(client, db):
    _login(client, "nobody-here", "x")
    entry = _events(AuditEvent.LOGIN_FAILED).get()
    assert entry.object_repr == "nobody-here" and entry.result == "failure"


def test_a_lockout_is_recorded(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, staff.username, "wrong-password")
    entry = _events(AuditEvent.LOCKOUT).get()
    assert entry.object_pk == str(staff.pk) and entry.result == "failure"


def test_a_password_change_by_its_owner_and_a_reset_by_an_administrator_are_told_apart(staff, sysadmin):
    with acting_as(staff):
        staff.set_password("A-new-Passw0rd!")
        staff.save()
    assert _events(AuditEvent.PASSWORD_CHANGE).get().object_pk == str(staff.pk)
    with acting_as(sysadmin):
        services.staff_reset_password(user=staff)
    reset = _events(AuditEvent.PASSWORD_RESET).get()
    assert (reset.actor, reset.object_pk) == (sysadmin, str(staff.pk))


def test_saving_an_account_without_a_new_password_records_no_password_event(staff):
    staff.position_title = "科员"
    staff.save()
    assert not AuditEntry.objects.filter(event__startswith="password").exists()


def test_a_job_run_is_recorded_with_kind_params_and_what_it_changed(staff, organisation):
    code = "tests.audited"
    jobs.register(code, lambda job, report: {"flags_raised": 2}, label="测试任务", permission="accounts.manage_staff")
    try:
        params = {"year": 2026, jobs.READER_LANGUAGE: "zh-hans"}
        job = jobs.job_run(JobFactory(kind=code, requested_by=staff, params=params).pk)
    finally:
        jobs.unregister(code)
    assert job.state == Job.State.DONE
    entry = _events(AuditEvent.JOB_RUN).get()
    # Not the language an export is written in (a user test read "language：zh-hans").
    assert "language" not in entry.changes_dict["params"][1]
    assert (entry.actor, entry.result, entry.organisation) == (staff, "success", organisation)
    assert entry.changes_dict["kind"][1] == code
    assert '"year": 2026' in entry.changes_dict["params"][1]
    assert '"flags_raised": 2' in entry.changes_dict["summary"][1]
    # The auditor reads labelled values, not the stored JSON.
    shown = dict(entry.auditor_changes)
    assert shown["参数"] == "年度：2026"
    assert shown["结果摘要"] == "flags_raised：2"


def test_the_audit_page_shows_a_year_roll_ups_summary_in_words(client_for, auditor, organisation, hr):
    from evaluations.annual.services import ROLLUP_YEAR

    jobs.job_run(JobFactory(kind=ROLLUP_YEAR, organisation=organisation, requested_by=hr, params={"year": 2026}).pk)
    page = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    assert "年度：2026" in page
    assert "优秀名额：0；建议优秀人数：0；人数：0；年度：2026" in page
    assert "{&quot;year&quot;" not in page and '{"year"' not in page


def test_a_failed_job_run_is_recorded_as_a_failure(staff):
    code = "tests.failing"

    def fail(job, report):
        raise jobs.JobError("坏了")

    jobs.register(code, fail, label="测试任务", permission="accounts.manage_staff")
    try:
        jobs.job_run(JobFactory(kind=code, requested_by=staff).pk)
    finally:
        jobs.unregister(code)
    entry = _events(AuditEvent.JOB_RUN).get()
    assert entry.result == "failure" and "坏了" in entry.changes_dict["error"][1]


def test_downloading_the_staff_import_template_is_recorded(client_for, hr):
    client = client_for(hr)
    response = client.get(reverse("accounts:staff_import_template"), REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 200
    entry = _events(AuditEvent.DOWNLOAD).get()
    assert (entry.actor, entry.object_repr, entry.remote_addr) == (hr, "staff_import_template.xlsx", "192.0.2.9")


def test_the_auditor_page_shows_sign_in_events_by_name(client_for, auditor, staff, client, password):
    _login(client, staff.username, "wrong-password")
    body = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    assert "登录失败" in body


# --- Retention and append-only ------------------------------------------------------------------


def _age(entry, days):
    # Test set-up only: an entry made old. On PostgreSQL the append-only trigger refuses the UPDATE, so
    # the set-up switches it off for this one statement, inside the test's transaction.
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks pending on the table
            cursor.execute("ALTER TABLE accounts_auditentry DISABLE TRIGGER accounts_auditentry_append_only")
    AuditEntry.objects.filter(pk=entry.pk).update(timestamp=timezone.now() - timedelta(days=days))
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE accounts_auditentry ENABLE TRIGGER accounts_auditentry_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_the_purge_refuses_a_retention_below_180_days(db):
    with pytest.raises(ValidationError, match="180"):
        audit.purge_expired(days=179)


def test_the_purge_deletes_only_entries_older_than_the_retention(staff):
    old = audit.record_event(event="login", obj=staff, actor=staff)
    recent = audit.record_event(event="login", obj=staff, actor=staff)
    _age(old, 200)
    _age(recent, 170)
    assert audit.purge_expired(days=180) == 1
    assert AuditEntry.objects.filter(pk=recent.pk).exists() and not AuditEntry.objects.filter(pk=old.pk).exists()
    assert _events(AuditEvent.PURGE).exists()


@pytest.mark.postgres
def test_on_postgresql_the_application_cannot_update_or_delete_an_audit_entry(staff):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    entry = audit.record_event(event="login", obj=staff, actor=staff)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(result="failure")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('appraisal.audit_purge', 'on', true)")
        cursor.execute("DELETE FROM accounts_auditentry WHERE id = %s", [entry.pk])  # too young even for a purge
    assert audit.purge_expired(days=180) == 0
    _age(entry, 200)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()  # old enough, but not through the purge
    assert audit.purge_expired(days=180) == 1  # the allowed path
    entry = audit.record_event(event="login", obj=staff, actor=staff)
    entry.refresh_from_db()
    assert entry.result == "success"


@pytest.mark.postgres
def test_on_postgresql_an_audit_entry_cannot_be_hidden_from_its_organisation_nor_the_log_truncated(staff):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    entry = audit.record_event(event="login", obj=staff, actor=staff)
    assert entry.organisation_id == staff.organisation_id
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(organisation=None)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # Without the test runner's session setting, as the application runs.
        cursor.execute("SET LOCAL appraisal.audit_truncate = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the entry's deferred checks, out of the way
        cursor.execute("TRUNCATE accounts_auditentry")
    entry.refresh_from_db()
    assert entry.organisation_id == staff.organisation_id
    # A deleted account's entries keep its e-mail; emptying the actor still passes.
    AuditEntry.objects.filter(pk=entry.pk).update(actor=None)


# --- The auditor filters and exports -----------------------------------------------------------


def test_the_auditor_filters_by_event_result_and_address(client_for, auditor, staff, client, password):
    _login(client, staff.username, "wrong-password", REMOTE_ADDR="198.51.100.20")
    _login(client, staff.username, password, REMOTE_ADDR="203.0.113.30")
    auditor_client = client_for(auditor)
    url = reverse("accounts:audit_list")

    def rows(**query):
        body = auditor_client.get(url, query).content.decode()
        return body.count('data-testid="audit-row"'), body

    count, body = rows(result="failure")
    assert count == 1 and "198.51.100.20" in body and "203.0.113.30" not in body
    count, body = rows(remote_addr="203.0.113.")
    assert count == 1 and "203.0.113.30" in body
    count, body = rows(event="login")  # the staff member's sign-in and the auditor's own
    assert count == 2 and "203.0.113.30" in body and "198.51.100.20" not in body


def test_the_auditor_exports_the_filtered_log_and_the_export_is_audited(client_for, auditor, staff, client):
    from openpyxl import load_workbook

    _login(client, staff.username, "=cmd|' /C calc'!A0", REMOTE_ADDR="198.51.100.21")
    auditor_client = client_for(auditor)
    response = auditor_client.post(f"{reverse('accounts:audit_export')}?result=failure")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and "198.51.100.21" in rows[1]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    export = _events(AuditEvent.EXPORT).get()
    assert export.actor == auditor and "result=failure" in export.changes_dict["filters"][1]


def test_the_export_is_refused_on_get_and_to_people_who_do_not_audit(client_for, auditor, hr):
    assert client_for(auditor).get(reverse("accounts:audit_export")).status_code == 405
    assert client_for(hr).post(reverse("accounts:audit_export")).status_code in (403, 404)
    assert not _events(AuditEvent.EXPORT).exists()


def test_the_purge_command_refuses_less_than_180_days_and_keeps_recent_entries(staff):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="180"):
        call_command("purge_audit_log", "--days", "30")
    recent = audit.record_event(event="login", obj=staff, actor=staff)
    call_command("purge_audit_log")
    assert AuditEntry.objects.filter(pk=recent.pk).exists()


# --- The retention is the security administrator's policy -----------------------------------


def test_the_security_administrator_sets_the_retention_but_never_below_180_days(
    client_for, security_admin, organisation
):
    from accounts.models import Policy

    client = client_for(security_admin)
    data = {
        "session_idle_minutes": 30,
        "password_min_length": 8,
        "password_min_classes": 3,
        "password_max_age_days": 90,
        "audit_retention_days": 179,
    }
    response = client.post(reverse("accounts:security_settings"), data)
    assert response.status_code == 200 and "至少保存180天" in response.content.decode()
    assert Policy.objects.get(organisation=organisation).audit_retention_days == 180
    data["audit_retention_days"] = 365
    assert client.post(reverse("accounts:security_settings"), data).status_code == 302
    assert Policy.objects.get(organisation=organisation).audit_retention_days == 365


def test_a_change_of_the_security_settings_reads_as_such_in_the_audit_log_and_hrs_policy_as_policy(
    client_for, security_admin, hr, organisation
):
    from accounts.models import Policy

    settings = {
        "session_idle_minutes": 20,
        "password_min_length": 8,
        "password_min_classes": 3,
        "password_max_age_days": 90,
        "audit_retention_days": 180,
    }
    assert client_for(security_admin).post(reverse("accounts:security_settings"), settings).status_code == 302
    security = AuditEntry.objects.filter(content_type__model="policy").latest()
    assert security.auditor_object_text.startswith("安全设置：")

    Policy.objects.filter(organisation=organisation).update(good_quota_percent=25)
    with audit.audit_context(actor=hr):
        policy = Policy.objects.get(organisation=organisation)
        policy.good_quota_percent = 30
        policy.save()
    appraisal = AuditEntry.objects.filter(content_type__model="policy").latest()
    assert appraisal.pk != security.pk and appraisal.auditor_object_text.startswith("考核政策：")


def test_the_purge_keeps_what_the_policy_keeps(staff, outsider, organisation):
    from accounts.models import Policy

    Policy.objects.filter(organisation=organisation).update(audit_retention_days=365)
    mine = audit.record_event(event="login", obj=staff, actor=staff)
    theirs = audit.record_event(event="login", obj=outsider, actor=outsider)
    _age(mine, 200)
    _age(theirs, 200)
    assert audit.purge_expired() == 1  # the other organisation keeps the default 180 days
    assert AuditEntry.objects.filter(pk=mine.pk).exists() and not AuditEntry.objects.filter(pk=theirs.pk).exists()
    # A --days shorter than the policy does not shorten it.
    assert audit.purge_expired(days=180) == 0
    _age(mine, 400)
    assert audit.purge_expired() == 1


def test_the_auditor_reads_failed_sign_ins_of_names_that_designate_nobody_but_not_another_organisations(
    client, client_for, auditor, outsider, password
):
    """A password spray over made-up names has no organisation: every auditor reads it (before,
    none did); another organisation's entries stay theirs."""
    _login(client, "made-up-name", "wrong-password", REMOTE_ADDR="198.51.100.77")
    _login(client, outsider.username, "wrong-password", REMOTE_ADDR="198.51.100.78")
    auditor_client = client_for(auditor)
    body = auditor_client.get(reverse("accounts:audit_list"), {"result": "failure"}).content.decode()
    assert "made-up-name" in body and "198.51.100.77" in body
    assert "198.51.100.78" not in body
    export = auditor_client.post(reverse("accounts:audit_export") + "?result=failure")
    from openpyxl import load_workbook

    cells = [str(c.value) for row in load_workbook(BytesIO(export.content)).active.iter_rows() for c in row]
    assert "198.51.100.77" in cells and "198.51.100.78" not in cells


# --- the row before an update, read through a composed statement ---------------------------------


def _one_of_each_kind():
    """Rows of most audited models, written as a test's starting point (factories, no entries)."""
    from tests import factories as f

    grade = f.QuarterGradeFactory()
    person = grade.person
    f.TargetItemFactory(target_set=f.TargetSetFactory(owner=person))
    f.MonthlySummaryFactory(owner=person, month=10)
    f.StaffStatusFactory(user=person)
    f.WorkingDayOverrideFactory(organisation=person.organisation)
    f.SatisfactionScoreFactory(person=person)
    f.ServiceEventFactory(person=person)
    f.FindingFactory(inspection=f.InspectionFactory(organisation=person.organisation), person=person)
    f.SanctionFactory(person=person)
    f.VetoFlagFactory(person=person)
    f.AnnualResultFactory(person=person)
    f.AchievementFactory(person=person)
    f.WelfareAssessmentFactory(post=f.WelfarePostFactory(person=person))


def test_the_row_an_update_overwrites_is_read_as_the_orm_reads_it_for_every_audited_model(db):
    """Every column as the ORM converts it (dates, timezone-aware times, decimals, JSON, booleans):
    the entry's old values are what the row held."""
    from auditlog.registry import auditlog

    from accounts.models import Department

    _one_of_each_kind()
    compared = []
    for model in auditlog.get_models():
        for row in model._default_manager.order_by("pk")[:2]:
            read = audit._row_before(model, row.pk)
            assert type(read) is model and read._state.adding is False
            fields = model._meta.concrete_fields
            assert [f.value_from_object(read) for f in fields] == [f.value_from_object(row) for f in fields], model
            compared.append(model._meta.label)
    assert len(set(compared)) >= 20, sorted(set(compared))
    assert audit._row_before(Department, 10**9) is None


def test_an_update_s_entry_names_each_changed_field_old_and_new_and_nothing_else(staff, department):
    from accounts.models import Department

    before = AuditEntry.objects.order_by("pk").values_list("pk", flat=True).last() or 0
    department.name, department.code = "综合科", "D009"
    department.save()
    staff.full_name = "科员丙"
    staff.save(update_fields=["full_name"])
    Department.objects.filter(pk=department.pk).update(name="已改名")  # no save: no entry
    department.save()  # the row before says 已改名: the entry puts the name back
    entries = AuditEntry.objects.filter(pk__gt=before, action=AuditEntry.Action.UPDATE).order_by("pk")
    assert [(e.object_repr, e.changes) for e in entries] == [
        (str(department), {"name": ["办公室", "综合科"], "code": ["D001", "D009"]}),
        (str(staff), {"full_name": ["科员甲", "科员丙"]}),
        (str(department), {"name": ["已改名", "综合科"]}),
    ]


def test_a_change_a_background_job_makes_names_the_job_as_its_source(staff, client_for, auditor):
    """A user test of the audit trail: the veto flags a job raised read as made by hand by whoever
    asked for the job. Every entry the job writes names it, on the page and in the export."""
    from accounts.models import StaffStatus, StaffStatusKind

    code = "tests.writes"

    def runner(job, report):
        StaffStatus.objects.create(user=staff, kind=StaffStatusKind.PROBATION, start_date=timezone.localdate())
        with audit.audit_reason("试用期更正"):
            StaffStatus.objects.create(user=staff, kind=StaffStatusKind.LONG_LEAVE, start_date=timezone.localdate())
        return {}

    jobs.register(code, runner, label="测试写入", permission="accounts.manage_staff")
    try:
        job = jobs.job_run(JobFactory(kind=code, requested_by=staff).pk)
    finally:
        jobs.unregister(code)
    written = AuditEntry.objects.filter(content_type__model="staffstatus", action=AuditEntry.Action.CREATE)
    # Beside the actor, whatever the reason (which stays the one stated, shown or not by its kind).
    assert [entry.source for entry in written] == [f"后台任务：测试写入 #{job.pk}"] * 2
    assert sorted(entry.reason for entry in written) == ["", "试用期更正"]
    assert all(audit.export_row(entry)[1].endswith(f"（后台任务：测试写入 #{job.pk}）") for entry in written)
    page = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    assert page.count(f'data-testid="audit-source">后台任务：测试写入 #{job.pk}<') == 2
    # Outside a job nothing is named.
    StaffStatus.objects.create(user=staff, kind=StaffStatusKind.SECONDED, start_date=timezone.localdate())
    assert AuditEntry.objects.filter(content_type__model="staffstatus").latest("pk").source == ""


def test_the_audit_page_shows_the_veto_reconciliations_summary_in_words(client_for, auditor, organisation, hr):
    """A user test of the audit trail read "结果摘要：raised：0；removed：0"."""
    from evaluations.discipline.services.veto import VETO_RECONCILE

    jobs.job_run(JobFactory(kind=VETO_RECONCILE, organisation=organisation, requested_by=hr).pk)
    page = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    assert "新增标记数：0；撤销标记数：0" in page and "raised" not in page
