"""The audit trail records who changed what (old → new), and auditors browse it."""

from django.urls import reverse

from accounts import services
from accounts.audit import acting_as
from accounts.models import AuditEntry, Role
from tests.factories import DepartmentFactory, UserFactory, audited


def test_a_role_change_is_recorded_with_the_actor(client_for, security_admin, hr, staff, organisation):
    from accounts import services
    from accounts.models import PendingRoleChange

    services.role_revoke(user=staff, role="staff")
    client_for(security_admin).post(reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["staff"]})
    entry = AuditEntry.objects.filter(content_type__model="roleassignment", action=AuditEntry.Action.CREATE).latest()
    assert entry.actor == security_admin
    assert entry.organisation == organisation
    assert entry.changes_dict["role"] == ["None", "staff"]
    # A decision role: asked for by the security administrator, granted when HR confirms; both recorded.
    response = client_for(security_admin).post(
        reverse("accounts:staff_roles", args=[staff.pk]),
        {"roles": ["staff", "inspector"]},
        follow=True,
    )
    # Nothing has changed yet: the message says the change waits, not that the roles are updated.
    body = response.content.decode()
    assert "“科员甲”的角色变更已登记，须确认的部分确认后生效。" in body
    asked = AuditEntry.objects.filter(content_type__model="pendingrolechange").latest()
    assert asked.actor == security_admin
    assert asked.organisation == organisation
    change = PendingRoleChange.objects.get()
    client_for(hr).post(reverse("accounts:role_change_confirm", args=[change.pk]))
    granted = AuditEntry.objects.filter(content_type__model="roleassignment", action=AuditEntry.Action.CREATE).latest()
    assert granted.actor == hr
    assert granted.changes_dict["role"] == ["None", "inspector"]
    confirmed = AuditEntry.objects.filter(content_type__model="pendingrolechange").latest()
    assert confirmed.actor == hr
    assert confirmed.changes_dict["state"] == ["pending", "confirmed"]


def test_a_revoked_role_is_recorded_as_a_deletion(staff, sysadmin):
    with acting_as(sysadmin):
        services.role_revoke(user=staff, role=Role.STAFF)
    entry = AuditEntry.objects.filter(content_type__model="roleassignment", action=AuditEntry.Action.DELETE).latest()
    assert entry.actor == sysadmin
    assert "staff" in entry.object_repr or entry.changes_dict["role"][0] == "staff"


def test_a_department_move_keeps_history_and_records_the_reason(hr, staff, department, organisation):
    target = DepartmentFactory(organisation=organisation, name="信息科")
    with acting_as(hr):
        services.staff_move(user=staff, department=target, reason="工作需要")
    memberships = list(staff.memberships.order_by("start_date", "pk"))
    assert [m.department for m in memberships] == [department, target]
    assert memberships[0].end_date is not None and memberships[1].end_date is None
    entry = AuditEntry.objects.filter(content_type__model="user", action=AuditEntry.Action.UPDATE).latest()
    assert entry.reason == "工作需要"
    assert entry.actor == hr


def test_the_auditor_page_lists_changes_with_old_and_new_values(client_for, auditor, hr, staff, organisation):
    with acting_as(hr):
        staff.position_title = "二级主任科员"
        staff.save()
    body = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    assert "二级主任科员" in body
    assert hr.full_name in body


def test_the_auditor_filters_by_actor(client_for, auditor, hr, sysadmin, staff):
    with acting_as(hr):
        staff.position_title = "人事改的"
        staff.save()
    with acting_as(sysadmin):
        staff.email = "changed@example.com"
        staff.save()
    body = client_for(auditor).get(reverse("accounts:audit_list"), {"actor": "系统管理员"}).content.decode()
    assert "changed@example.com" in body
    assert "人事改的" not in body


def test_a_date_range_that_ends_before_it_begins_is_said_at_the_end_date(client_for, auditor, hr, staff):
    with acting_as(hr):
        staff.position_title = "人事改的"
        staff.save()
    client = client_for(auditor)

    body = client.get(reverse("accounts:audit_list"), {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert "截止日期不能早于起始日期。" in body.content.decode()
    assert "人事改的" not in body.content.decode()  # nothing listed, as the export writes nothing
    whole = client.get(reverse("accounts:audit_list"), {"date_from": "2000-01-01", "date_to": "2100-01-01"})
    assert "截止日期不能早于起始日期。" not in whole.content.decode() and "人事改的" in whole.content.decode()


def test_an_auditor_sees_nothing_of_another_organisation(client_for, auditor, outsider):
    outsider.position_title = "外单位的变更"
    outsider.save()
    body = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    assert "外单位的变更" not in body


def test_the_audit_page_query_count_does_not_grow_with_entries(
    client_for, auditor, hr, department, organisation, django_assert_max_num_queries
):
    client = client_for(auditor)
    with acting_as(hr):
        for i in range(5):
            UserFactory(department=department, full_name=f"新人{i}")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("accounts:audit_list")).status_code == 200
    with acting_as(hr):
        for i in range(30):
            person = UserFactory(department=department, full_name=f"再来{i}")
            services.staff_move(user=person, department=DepartmentFactory(organisation=organisation))
    with django_assert_max_num_queries(20):
        assert client.get(reverse("accounts:audit_list")).status_code == 200


def test_passwords_never_reach_the_audit_trail(staff):
    services.staff_reset_password(user=staff)
    for entry in AuditEntry.objects.filter(content_type__model="user"):
        assert "password" not in (entry.changes_dict or {})


def test_the_auditor_page_renders_an_entry_of_every_audited_model_and_action(client_for, auditor, organisation):
    # Every model the application audits, every action, a change to every field (and a field
    # named like a dict method, "items", which once made the page answer 500).
    from auditlog.registry import auditlog
    from django.contrib.contenttypes.models import ContentType
    from django.db import models as db_models

    from accounts.models import _is_secret

    models = sorted(auditlog.get_models(), key=lambda m: m._meta.label)
    assert len(models) > 10
    secrets = 0
    for model in models:
        changes = {field.name: ["1", "2"] for field in model._meta.concrete_fields}
        # A secret (the robot's key, any token or key a model gains) reads as changed, never a
        # character of it; a URL's query (a webhook's access_token) likewise.
        for field in model._meta.concrete_fields:
            if _is_secret(field):
                changes[field.name] = ["S3CRET-old", "S3CRET-new"]
                secrets += 1
            elif isinstance(field, db_models.URLField):
                changes[field.name] = ["", "https://example.com/hook?access_token=T0KEN"]
        changes["items"] = ["[]", '[{"content": "x"}]']
        for action in (0, 1, 2, 3):
            AuditEntry.objects.create(
                content_type=ContentType.objects.get_for_model(model),
                object_pk="1",
                object_repr=f"{model._meta.verbose_name}",
                action=action,
                changes=changes,
                organisation=organisation,
            )
    client = client_for(auditor)
    total = AuditEntry.objects.filter(organisation=organisation).count()
    assert total >= len(models) * 4
    shown, page = 0, 1
    while True:
        response = client.get(reverse("accounts:audit_list"), {"page": page})
        assert response.status_code == 200
        body = response.content.decode()
        assert "S3CRET" not in body and "T0KEN" not in body
        shown += body.count('data-testid="audit-row"')
        if shown >= total or page > 100:
            break
        page += 1
    assert shown == total
    assert secrets


def test_the_auditor_page_shows_a_created_target_set(client_for, auditor, staff):
    from targets.services import target_set_start

    with acting_as(staff):
        target_set_start(owner=staff, year=2026, quarter=4)
    response = client_for(auditor).get(reverse("accounts:audit_list"))
    assert response.status_code == 200
    assert "季度目标" in response.content.decode()


# --- Read in Chinese by an auditor ---------------------------------------------------------------


def _audit_rows(client_for, auditor):
    html = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    return [row.split("</tr>")[0] for row in html.split('data-testid="audit-row"')[1:]]


def test_a_created_record_is_listed_with_field_labels_and_its_values_not_as_deleted(
    client_for, auditor, organisation, hr
):
    from evaluations.grading.services.scores import indicator_sets_ensure

    with acting_as(hr):
        indicator_sets_ensure(organisation=organisation)
    rows = [row for row in _audit_rows(client_for, auditor) if "指标体系：综合管理" in row]
    assert rows, "the created indicator set is listed by its name"
    created = rows[0]
    assert "新增" in created
    assert "岗位类别</strong>：综合管理" in created
    for noise in ("→", "已删除", "None", "ID", "position_category"):
        assert noise not in created
    indicators = [row for row in _audit_rows(client_for, auditor) if "指标：政治品质" in row]
    # The relation by its name, under a Chinese label.
    assert any("指标体系</strong>：综合管理" in row for row in indicators)


def test_a_change_shows_old_and_new_by_their_labels(client_for, auditor, hr, staff):
    with acting_as(hr):
        staff.is_leader_position = True
        staff.save()
    row = next(r for r in _audit_rows(client_for, auditor) if "修改" in r and "领导职务" in r)
    assert "领导职务</strong>：否 → 是" in row


def test_a_deleted_record_shows_what_it_held(client_for, auditor, staff, sysadmin):
    with acting_as(sysadmin):
        services.role_revoke(user=staff, role=Role.STAFF)
    [row] = [r for r in _audit_rows(client_for, auditor) if "删除" in r]
    assert "角色</strong>：工作人员" in row and "→" not in row


def test_an_object_without_a_name_is_named_by_its_kind_and_number(auditor, organisation):
    from django.contrib.contenttypes.models import ContentType

    entry = AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(AuditEntry),
        object_pk="7",
        object_repr="AuditEntry object (7)",
        action=AuditEntry.Action.ACCESS,
        organisation=organisation,
    )
    assert entry.object_label == "审计记录 #7"
    assert entry.action_label == "访问"


def test_a_new_persons_entry_lists_their_fields_and_asks_nothing_of_other_tables(organisation, department):
    # django-auditlog listed every reverse relation in a create's entry ("achievements: None →
    # accounts.Achievement.None", "findings", "annual_results" …) and read the person's welfare
    # post (a reverse one-to-one) while writing it: a query on every person created.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, audited():
        person = UserFactory(organisation=organisation, department=department)
    entry = AuditEntry.objects.get(
        content_type__model="user", object_pk=str(person.pk), action=AuditEntry.Action.CREATE
    )
    concrete = {field.name for field in type(person)._meta.concrete_fields}
    assert {"full_name", "employee_number"} <= set(entry.changes_dict)
    assert set(entry.changes_dict) <= concrete, set(entry.changes_dict) - concrete
    assert not [q["sql"] for q in queries.captured_queries if "welfarepost" in q["sql"]]


def test_the_auditor_reads_actions_and_job_kinds_in_words_not_codes(client_for, auditor, hr):
    from accounts.jobs import _audit_run
    from tests.factories import JobFactory

    job = JobFactory(kind="evaluations.rollup_quarter", requested_by=hr, state="done", summary={"people": 60})
    _audit_run(job)  # as the runner records a finished job
    client = client_for(auditor)
    page = client.get(reverse("accounts:audit_list")).content.decode()
    # The 操作 filter offers the labels the list shows; the job is named by its kind's label.
    assert '<option value="0">新增</option>' in page and ">create<" not in page
    assert "季度汇总" in page and "evaluations.rollup_quarter" not in page
    # An event (the job's run) is recorded as 访问, and the filter finds it by that label's value.
    filtered = client.get(reverse("accounts:audit_list"), {"action": "3"})
    shown = [entry.object_repr for entry in filtered.context["page"]]
    assert f"季度汇总 #{job.pk}" in shown and all(entry.action == 3 for entry in filtered.context["page"])


# --- Every event and every field reads in Chinese ------------------------------------------------

_APPS = ("accounts", "evaluations", "publicity", "summaries", "targets", "appraisal_site")
# Labels that read in Chinese with a unit, a product's own term or a formula's symbol.
_ACCEPTED_TERMS = {
    ("accounts.Policy", "attachment_max_mb"): "MB",
    ("accounts.Policy", "linkage_coefficient"): "k",
    ("accounts.Policy", "dingtalk_webhook_url"): "Webhook",
}


def _recorded_events() -> tuple[set[str], set[str], set[str]]:
    """What the code passes as ``event=`` to record_event/event_entry, and the keys of the ``detail``
    it passes (those of the job runner's entry apart: they are the job's own fields)."""
    import ast
    from pathlib import Path

    from django.conf import settings

    events: set[str] = set()
    details: set[str] = set()
    job_details: set[str] = set()
    for app in _APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                calls = [
                    node
                    for node in ast.walk(function)
                    if isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("record_event", "event_entry")
                ]
                keys: set[str] = set()
                for call in calls:
                    for keyword in call.keywords:
                        if keyword.arg == "event":
                            events |= {
                                node.value
                                for node in ast.walk(keyword.value)
                                if isinstance(node, ast.Constant) and isinstance(node.value, str)
                            }
                        elif keyword.arg == "detail":
                            if isinstance(keyword.value, ast.Dict):
                                keys |= {key.value for key in keyword.value.keys if isinstance(key, ast.Constant)}
                            elif isinstance(keyword.value, ast.Name):
                                # A dict built in the function: ``detail = {...}`` and ``detail["x"] = ...``.
                                name = keyword.value.id
                                for node in ast.walk(function):
                                    if isinstance(node, ast.Assign):
                                        for target in node.targets:
                                            if isinstance(target, ast.Name) and target.id == name:
                                                if isinstance(node.value, ast.Dict):
                                                    keys |= {
                                                        k.value for k in node.value.keys if isinstance(k, ast.Constant)
                                                    }
                                            elif (
                                                isinstance(target, ast.Subscript)
                                                and getattr(target.value, "id", None) == name
                                                and isinstance(target.slice, ast.Constant)
                                            ):
                                                keys.add(target.slice.value)
                if calls:
                    (job_details if path.name == "jobs.py" and app == "accounts" else details).update(keys)
    return events, details, job_details


def test_every_event_the_code_records_has_a_label_and_so_does_every_detail():
    from accounts.models import AUDIT_DETAIL_LABELS, AuditEvent, Job

    events, details, job_details = _recorded_events()
    assert {"login", "download", "publication_opened", "publication_locked", "job_run"} <= events
    assert not events - set(AuditEvent.values), "record an event only under a label (AuditEvent)"
    assert "entries" in details and "failures" in details
    assert not details - set(AUDIT_DETAIL_LABELS), "label each event detail in AUDIT_DETAIL_LABELS"
    assert job_details and all(Job._meta.get_field(key).concrete for key in job_details - set(AUDIT_DETAIL_LABELS))


def test_every_audited_field_has_a_chinese_label():
    import re

    from auditlog.registry import auditlog

    untranslated = []
    for model in auditlog.get_models():
        options = auditlog._registry[model]
        excluded = set(options.get("exclude_fields") or [])
        included = set(options.get("include_fields") or [])
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name in excluded or (included and field.name not in included):
                continue
            label = str(field.verbose_name).replace(_ACCEPTED_TERMS.get((model._meta.label, field.name), "\0"), "")
            if re.search(r"[A-Za-z]", label):
                untranslated.append(f"{model._meta.label}.{field.name}: {field.verbose_name}")
    assert not untranslated


def test_the_auditor_reads_every_event_and_its_details_in_words_not_codes(client_for, auditor, hr, organisation):
    from io import BytesIO

    from openpyxl import load_workbook

    from accounts import audit
    from accounts.models import AUDIT_DETAIL_LABELS, AuditEvent
    from tests.factories import AppraisalQuarterFactory

    # A publication's ``entries`` is also its reverse relation: the count must still show.
    publication_kind = {AuditEvent.PUBLICATION_OPENED, AuditEvent.PUBLICATION_LOCKED}
    publication = _publication(AppraisalQuarterFactory(organisation=organisation), hr)
    for event in AuditEvent:
        obj = publication if event in publication_kind else organisation
        detail = {key: f"值{i}" for i, key in enumerate(AUDIT_DETAIL_LABELS)}
        audit.record_event(event=event.value, obj=obj, actor=hr, detail=detail, organisation_id=organisation.pk)
    client = client_for(auditor)
    page = client.get(reverse("accounts:audit_list")).content.decode()
    for event in AuditEvent:
        assert f">{event.label}<" in page or f">{event.label} <" in page, event.label
        assert f'<option value="{event.value}">{event.label}</option>' in page
    for key, label in AUDIT_DETAIL_LABELS.items():
        assert f"<strong>{key}</strong>" not in page and f"<strong>{label}</strong>" in page
    # The export reads the same words.
    export = client.post(reverse("accounts:audit_export"))
    cells = [str(c.value) for row in load_workbook(BytesIO(export.content)).active.iter_rows() for c in row]
    for event in AuditEvent:
        assert event.label in cells and event.value not in cells
    assert not [cell for cell in cells if any(f"{key}：" in cell for key in AUDIT_DETAIL_LABELS)]


def _publication(quarter, hr):
    from datetime import date

    from django.utils import timezone

    from publicity.publication.models import Publication

    return Publication.objects.create(
        organisation=quarter.organisation,
        kind="quarter",
        appraisal_quarter=quarter,
        year=2025,
        title="公示",
        published_at=timezone.now(),
        starts_on=date(2025, 1, 6),
        ends_on=date(2025, 1, 10),
        published_by=hr,
    )


def test_the_daily_lock_jobs_summary_is_read_in_words(organisation):
    """A user test read 定等条数：119；publications：2 in the auditor's page: every key of the lock
    job's summary has its label."""
    from accounts.models import JOB_VALUE_LABELS
    from publicity.publication.services import publications_lock_due

    assert set(publications_lock_due(organisation_id=organisation.pk)) <= set(JOB_VALUE_LABELS)
