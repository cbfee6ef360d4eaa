"""The sanction, policy-table and veto-flag pages: HR records, inspectors lift, flags follow."""

from datetime import date
from functools import partial

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AuditEntry, Role
from evaluations.discipline import selectors
from evaluations.discipline.services import veto
from evaluations.models import (
    Sanction,
    SanctionEffect,
    SanctionKind,
    SanctionRule,
    VetoFlag,
)
from tests.evaluations.helpers import reconciliation_failing_for
from tests.factories import (
    DepartmentFactory,
    FindingFactory,
    SanctionFactory,
    UserFactory,
    VetoFlagFactory,
    save_fields,
)

# Past dates: a decided date in the future is refused.
YEAR = 2025


@pytest.fixture
def hr_client(client_for, hr):
    return client_for(hr)


@pytest.fixture
def other_inspector(other_organisation):
    return UserFactory(
        username="other_inspector", organisation=other_organisation, department=None, roles=[Role.INSPECTOR]
    )


@pytest.fixture
def other_hr(other_organisation):
    return UserFactory(username="other_hr", organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])


sanction = partial(SanctionFactory, decided_on=date(YEAR, 3, 1))


def flagged(person, kind=SanctionKind.WARNING, on=date(YEAR, 3, 1)) -> VetoFlag:
    return veto.veto_flags_for_sanction(sanction_id=sanction(person=person, kind=kind, decided_on=on).pk)[0]


def finding_flagged(person, inspector=None, on=date(YEAR, 5, 12)) -> VetoFlag:
    """A flag an inspector may lift: a serious finding's (a sanction's follows the sanction)."""
    inspection = {"inspection__inspector": inspector} if inspector is not None else {}
    finding = FindingFactory(person=person, inspection__date=on, **inspection)
    return veto.veto_flags_for_finding(finding_id=finding.pk)


def form_data(person, kind=SanctionKind.WARNING, decided="2025-03-01", closed="", note="违反工作纪律"):
    return {"person": person.pk, "kind": kind, "decided_on": decided, "closed_on": closed, "note": note}


# --- Sanctions --------------------------------------------------------------------------------


def test_hr_records_a_sanction_and_its_flag_is_raised_once_it_commits(
    hr_client, hr, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = hr_client.post(reverse("evaluations:sanction_create"), form_data(staff))
        assert response.status_code == 302
        assert not VetoFlag.objects.exists()
    for callback in callbacks:
        callback()

    recorded = Sanction.objects.get()
    assert (recorded.person, recorded.kind, recorded.entered_by) == (staff, SanctionKind.WARNING, hr)
    flag = VetoFlag.objects.get()
    assert (flag.person, flag.year, flag.sanction) == (staff, YEAR, recorded)
    assert "警告" in flag.reason


def test_a_major_demerit_flags_this_year_and_the_next(hr_client, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(reverse("evaluations:sanction_create"), form_data(staff, SanctionKind.MAJOR_DEMERIT))

    assert sorted(VetoFlag.objects.values_list("year", flat=True)) == [YEAR, YEAR + 1]


def test_the_list_shows_each_sanctions_effect_on_the_annual_grade(hr_client, staff, colleague):
    sanction(person=staff, kind=SanctionKind.WARNING)
    sanction(person=colleague, kind=SanctionKind.INVESTIGATION)

    response = hr_client.get(reverse("evaluations:sanction_list"))

    effects = {s.person: s.effect_label for s in response.context["page"]}
    assert effects == {
        staff: SanctionEffect.NO_EXCELLENT.label,
        colleague: SanctionEffect.NOT_GRADED_UNTIL_CLOSED.label,
    }
    assert "当年不得评为优秀" in response.content.decode()


def test_the_list_filters_by_year_kind_and_department(hr_client, organisation, staff, colleague):
    finance = DepartmentFactory(organisation=organisation, code="D002", name="财务科")
    accountant = UserFactory(department=finance)
    sanction(person=staff, kind=SanctionKind.WARNING)
    sanction(person=colleague, kind=SanctionKind.DEMERIT, decided_on=date(YEAR - 1, 6, 1))
    sanction(person=accountant, kind=SanctionKind.WARNING)
    url = reverse("evaluations:sanction_list")

    def people(**params):
        return {s.person for s in hr_client.get(url, params).context["page"]}

    assert people(year=YEAR) == {staff, accountant}
    assert people(kind=SanctionKind.DEMERIT) == {colleague}
    assert people(department=finance.pk) == {accountant}


def test_the_list_finds_a_person_by_part_of_the_name_or_of_the_employee_number(hr_client, staff, colleague):
    save_fields([staff], employee_number="E1001")
    save_fields([colleague], employee_number="E2002")
    sanction(person=staff)
    sanction(person=colleague)
    url = reverse("evaluations:sanction_list")

    def people(words):
        return {s.person for s in hr_client.get(url, {"q": words}).context["page"]}

    assert people("乙") == {colleague}
    assert people("1001") == {staff}
    assert people("E") == {staff, colleague}
    assert people("丙") == set()


def test_correcting_the_kind_and_year_moves_the_flags_and_their_reason(hr_client, staff):
    record = sanction(person=staff, kind=SanctionKind.WARNING)
    veto.veto_flags_for_sanction(sanction_id=record.pk)

    response = hr_client.post(
        reverse("evaluations:sanction_edit", args=[record.pk]),
        form_data(staff, SanctionKind.DEMERIT, decided="2024-12-20") | {"reason": "按处分决定书更正"},
    )

    assert response.status_code == 302
    flag = VetoFlag.objects.get()
    assert flag.year == YEAR - 1
    assert "记过" in flag.reason and "警告" not in flag.reason


def test_deleting_a_sanction_asks_first_then_removes_its_flag(hr_client, staff):
    flag = flagged(staff)
    url = reverse("evaluations:sanction_delete", args=[flag.sanction_id])

    response = hr_client.get(url)
    assert response.status_code == 200 and "一并移除" in response.content.decode()
    assert Sanction.objects.exists()

    response = hr_client.post(url, {"reason": "录入错误，当事人未受处分"}, follow=True)
    assert not Sanction.objects.exists()
    assert not VetoFlag.objects.exists()
    assert "已删除" in response.content.decode()


@pytest.mark.parametrize("reason", ["", "   "])
def test_deleting_a_sanction_without_a_reason_is_refused_and_its_flag_stays(hr_client, staff, reason):
    flag = flagged(staff)
    url = reverse("evaluations:sanction_delete", args=[flag.sanction_id])
    assert 'name="reason"' in hr_client.get(url).content.decode()

    response = hr_client.post(url, {"reason": reason})

    assert response.status_code == 200
    assert "须说明理由" in response.content.decode()
    assert Sanction.objects.exists() and VetoFlag.objects.filter(pk=flag.pk).exists()


def test_deleting_a_sanction_says_how_many_flags_it_removed_and_audits_the_reason(hr_client, staff):
    # 记大过: not graded this year and the next, so two flags go with it.
    flag = flagged(staff, SanctionKind.MAJOR_DEMERIT)
    assert VetoFlag.objects.count() == 2
    url = reverse("evaluations:sanction_delete", args=[flag.sanction_id])

    response = hr_client.post(url, {"reason": "录入错误，当事人未受处分"}, follow=True)

    body = response.content.decode()
    assert "移除一票否决 2 条" in body and "移除一票否决 0 条" not in body
    assert not VetoFlag.objects.exists()
    deleted = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE)
    assert sorted(deleted.values_list("content_type__model", "reason")) == [
        ("sanction", "录入错误，当事人未受处分"),
        ("vetoflag", "录入错误，当事人未受处分"),
        ("vetoflag", "录入错误，当事人未受处分"),
    ]


def test_deleting_a_sanction_asks_for_the_years_it_vetoed_to_be_recomputed(hr_client, staff):
    # Its flags are gone, so the year's suggestions (no 优秀 while vetoed) must be worked out again.
    from accounts.models import Job
    from evaluations.year_rollup import ROLLUP_YEAR

    flag = flagged(staff)
    Job.objects.filter(kind=ROLLUP_YEAR).delete()

    hr_client.post(reverse("evaluations:sanction_delete", args=[flag.sanction_id]), {"reason": "录入错误"})

    assert list(Job.objects.filter(kind=ROLLUP_YEAR).values_list("params__year", flat=True)) == [YEAR]


def test_a_closing_date_before_the_decision_is_refused(hr_client, staff):
    response = hr_client.post(
        reverse("evaluations:sanction_create"),
        form_data(staff, SanctionKind.INVESTIGATION, decided="2025-06-01", closed="2025-05-01"),
    )

    assert response.status_code == 200
    assert "不能早于决定日期" in response.content.decode()
    assert not Sanction.objects.exists()


def test_a_decision_in_the_future_is_refused(hr_client, staff):
    response = hr_client.post(reverse("evaluations:sanction_create"), form_data(staff, decided="2099-01-01"))

    assert "不能晚于今天" in response.content.decode()
    assert not Sanction.objects.exists()


def test_a_person_of_another_organisation_cannot_be_sanctioned(hr_client, outsider):
    response = hr_client.post(reverse("evaluations:sanction_create"), form_data(outsider))

    assert response.status_code == 200
    assert response.context["form"].errors["person"]
    assert not Sanction.objects.exists()


# --- The policy table -------------------------------------------------------------------------


def rules_data(organisation, reason="", **changes):
    data = dict(selectors.sanction_rules(organisation=organisation))
    data.update(changes)
    data["reason"] = reason
    return data


def test_the_policy_table_shows_each_kind_with_its_default(hr_client):
    response = hr_client.get(reverse("evaluations:sanction_rules"))

    body = response.content.decode()
    assert body.count('data-testid="rule-row"') == len(SanctionKind.values)
    assert "立案审查" in body and "结案前不确定等次" in body


def test_changing_the_policy_table_saves_audits_and_re_derives_flags(hr_client, organisation, staff):
    flagged(staff, SanctionKind.DEMERIT)

    response = hr_client.post(
        reverse("evaluations:sanction_rules"),
        rules_data(organisation, reason="依据2025年新规", demerit=SanctionEffect.NOT_GRADED_TWO_YEARS),
        follow=True,
    )

    rule = SanctionRule.objects.get(organisation=organisation)
    assert (rule.kind, rule.effect) == (SanctionKind.DEMERIT, SanctionEffect.NOT_GRADED_TWO_YEARS)
    assert sorted(VetoFlag.objects.values_list("year", flat=True)) == [YEAR, YEAR + 1]
    assert "新增 1 条" in response.content.decode()
    entry = AuditEntry.objects.filter(content_type__model="sanctionrule").latest()
    assert entry.reason == "依据2025年新规"


def test_saving_an_unchanged_policy_table_writes_nothing(hr_client, organisation):
    response = hr_client.post(reverse("evaluations:sanction_rules"), rules_data(organisation), follow=True)

    assert not SanctionRule.objects.exists()
    assert "没有变化" in response.content.decode()


def test_an_unknown_effect_is_refused(hr_client, organisation):
    response = hr_client.post(reverse("evaluations:sanction_rules"), rules_data(organisation, warning="nothing"))

    assert response.status_code == 200
    assert response.context["form"].errors["warning"]
    assert not SanctionRule.objects.exists()


# --- Veto flags -------------------------------------------------------------------------------


def test_an_inspector_sees_the_years_flags_with_a_lift_link(client_for, inspector, staff, colleague):
    flag = finding_flagged(staff)
    finding_flagged(colleague, on=date(YEAR - 1, 5, 1))

    response = client_for(inspector).get(reverse("evaluations:veto_list"), {"year": YEAR})

    assert [f.pk for f in response.context["page"]] == [flag.pk]
    assert reverse("evaluations:veto_lift", args=[flag.pk]) in response.content.decode()


def test_the_flag_list_filters_active_and_lifted(client_for, inspector, staff, colleague):
    active = finding_flagged(staff)
    lifted = veto.veto_lift(flag=finding_flagged(colleague), actor=inspector, reason="复核无误")
    client = client_for(inspector)
    url = reverse("evaluations:veto_list")

    assert [f.pk for f in client.get(url, {"year": YEAR, "state": "active"}).context["page"]] == [active.pk]
    response = client.get(url, {"year": YEAR, "state": "lifted"})
    assert [f.pk for f in response.context["page"]] == [lifted.pk]
    assert "复核无误" in response.content.decode()


def test_an_inspector_lifts_a_flag_and_the_audit_entry_carries_the_reason(client_for, inspector, staff):
    flag = finding_flagged(staff)

    response = client_for(inspector).post(
        reverse("evaluations:veto_lift", args=[flag.pk]), {"reason": "处分已撤销，经复核解除"}
    )

    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.is_active, flag.lifted_by, flag.lift_reason) == (False, inspector, "处分已撤销，经复核解除")
    entry = AuditEntry.objects.filter(content_type__model="vetoflag", action=AuditEntry.Action.UPDATE).latest()
    assert entry.reason == "处分已撤销，经复核解除"
    assert entry.actor == inspector


@pytest.mark.parametrize("reason", ["", "   "])
def test_lifting_without_a_reason_is_refused_with_a_message(client_for, inspector, staff, reason):
    flag = finding_flagged(staff)

    response = client_for(inspector).post(reverse("evaluations:veto_lift", args=[flag.pk]), {"reason": reason})

    assert response.status_code == 200
    body = response.content.decode()
    assert "解除一票否决须说明理由" in body and "未解除" in body
    flag.refresh_from_db()
    assert flag.is_active


def test_a_lifted_flag_cannot_be_lifted_again(client_for, inspector, staff):
    flag = veto.veto_lift(flag=finding_flagged(staff), actor=inspector, reason="复核")

    response = client_for(inspector).post(
        reverse("evaluations:veto_lift", args=[flag.pk]), {"reason": "再次"}, follow=True
    )

    assert "已解除" in response.content.decode()
    flag.refresh_from_db()
    assert flag.lift_reason == "复核"


def test_hr_and_the_agency_head_read_flags_but_cannot_lift(client_for, hr, chief, staff):
    flag = flagged(staff)
    lift_url = reverse("evaluations:veto_lift", args=[flag.pk])

    for persona in (hr, chief):
        client = client_for(persona)
        response = client.get(reverse("evaluations:veto_list"), {"year": YEAR})
        assert response.status_code == 200
        assert lift_url not in response.content.decode()
        assert client.post(lift_url, {"reason": "越权"}).status_code == 403
    flag.refresh_from_db()
    assert flag.is_active


def test_a_head_cannot_lift_and_staff_cannot_see_the_flags(client_for, head, staff):
    flag = flagged(staff)

    assert client_for(head).post(reverse("evaluations:veto_lift", args=[flag.pk]), {"reason": "x"}).status_code == 403
    assert client_for(staff).get(reverse("evaluations:veto_list")).status_code == 403
    flag.refresh_from_db()
    assert flag.is_active


SANCTION_PAGES = [
    ("evaluations:sanction_list", False),
    ("evaluations:sanction_create", False),
    ("evaluations:sanction_rules", False),
    ("evaluations:sanction_edit", True),
    ("evaluations:sanction_delete", True),
]


@pytest.mark.parametrize("persona", ["staff", "head", "inspector", "chief"])
def test_only_hr_may_open_the_sanction_pages(client_for, request, staff, persona):
    record = sanction(person=staff)
    client = client_for(request.getfixturevalue(persona))

    for name, needs_pk in SANCTION_PAGES:
        assert client.get(reverse(name, args=[record.pk] if needs_pk else [])).status_code == 403, name
    assert client.post(reverse("evaluations:sanction_delete", args=[record.pk])).status_code == 403
    assert Sanction.objects.exists()


def test_the_agency_head_cannot_run_the_reconciliation(client_for, chief):
    assert client_for(chief).post(reverse("evaluations:veto_reconcile")).status_code == 403


def test_another_organisations_sanctions_and_flags_are_404(client_for, other_hr, other_inspector, staff):
    flag = flagged(staff)
    hr_client = client_for(other_hr)
    for name in ("evaluations:sanction_edit", "evaluations:sanction_delete"):
        assert hr_client.get(reverse(name, args=[flag.sanction_id])).status_code == 404, name
    assert hr_client.post(reverse("evaluations:sanction_delete", args=[flag.sanction_id])).status_code == 404
    assert not list(hr_client.get(reverse("evaluations:sanction_list")).context["page"])

    inspector_client = client_for(other_inspector)
    assert inspector_client.post(reverse("evaluations:veto_lift", args=[flag.pk]), {"reason": "x"}).status_code == 404
    assert not list(inspector_client.get(reverse("evaluations:veto_list"), {"year": YEAR}).context["page"])
    flag.refresh_from_db()
    assert flag.is_active and Sanction.objects.exists()


# --- Reconciliation ---------------------------------------------------------------------------


def _corrupt(organisation, inspector, staff, colleague) -> None:
    """A serious finding whose flag went missing, and a flag left by nothing."""
    FindingFactory(
        inspection__inspector=inspector, inspection__date=date(YEAR, 5, 12), person=staff, description="饮酒"
    )
    invented = flagged(colleague)
    Sanction.objects.filter(pk=invented.sanction_id).update(person=staff)


@pytest.mark.parametrize("persona", ["inspector", "hr"])
def test_reconcile_now_repairs_the_flags_and_reports(
    client_for, request, organisation, inspector, staff, colleague, persona
):
    _corrupt(organisation, inspector, staff, colleague)

    response = client_for(request.getfixturevalue(persona)).post(
        reverse("evaluations:veto_reconcile"), {"year": YEAR}, follow=True
    )

    assert "新增 2 条，移除 1 条" in response.content.decode()
    assert set(VetoFlag.objects.values_list("person_id", flat=True)) == {staff.pk}
    assert VetoFlag.objects.count() == 2


def test_reconcile_now_only_accepts_a_post(client_for, inspector):
    assert client_for(inspector).get(reverse("evaluations:veto_reconcile")).status_code == 405


def test_the_command_runs_the_nightly_reconciliation(organisation, inspector, staff, colleague, capsys):
    _corrupt(organisation, inspector, staff, colleague)

    call_command("reconcile_veto")

    assert "2 raised, 1 removed" in capsys.readouterr().out
    assert set(VetoFlag.objects.values_list("person_id", flat=True)) == {staff.pk}


def test_the_command_says_which_organisations_failed_and_exits_with_an_error(
    organisation, other_organisation, inspector, staff, colleague, monkeypatch, capsys
):
    _corrupt(organisation, inspector, staff, colleague)
    reconciliation_failing_for(monkeypatch, other_organisation)
    with pytest.raises(CommandError, match=rf"Failed for organisation ids \[{other_organisation.pk}\]"):
        call_command("reconcile_veto")
    assert "2 raised, 1 removed" in capsys.readouterr().out


# --- Menus and list query counts --------------------------------------------------------------


def test_the_menu_shows_the_pages_to_those_allowed(client_for, hr, inspector, staff):
    def labels(person):
        return [item["label"] for item in client_for(person).get(reverse("home")).context["nav_items"]]

    assert {"处分与组织处理", "一票否决"} <= set(labels(hr))
    assert "一票否决" in labels(inspector) and "处分与组织处理" not in labels(inspector)
    assert not {"处分与组织处理", "一票否决"} & set(labels(staff))


# Session (read and save), user, policy, roles, organisation, permissions, the bell, the filter's
# choices, count, rows, and on the sanction list the policy table: the same for 3 rows and for 30.
LIST_QUERY_BOUND = 15


@pytest.mark.parametrize("rows", [3, 30])
def test_the_sanction_list_takes_bounded_queries(hr_client, department, django_assert_max_num_queries, rows):
    for _ in range(rows):
        sanction(person=UserFactory(department=department))

    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = hr_client.get(reverse("evaluations:sanction_list"))

    assert response.context["page"].paginator.count == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_the_flag_list_takes_bounded_queries(client_for, inspector, department, django_assert_max_num_queries, rows):
    for index in range(rows):
        flag = finding_flagged(UserFactory(department=department))
        if index % 2:
            veto.veto_lift(flag=flag, actor=inspector, reason="复核")
    client = client_for(inspector)

    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = client.get(reverse("evaluations:veto_list"), {"year": YEAR})

    assert response.context["page"].paginator.count == rows


def test_hr_opens_every_sanction_page(hr_client, staff):
    record = sanction(person=staff)

    for name, needs_pk in SANCTION_PAGES:
        assert hr_client.get(reverse(name, args=[record.pk] if needs_pk else [])).status_code == 200, name


@pytest.mark.parametrize(
    "kind, reads",
    [
        (SanctionKind.DEMERIT, "2025年03月01日受到记过处分"),
        (SanctionKind.REMOVAL, "2025年03月01日被免职"),
        (SanctionKind.INVESTIGATION, "2025年03月01日被立案审查"),
        (SanctionKind.ORGANISATIONAL, "2025年03月01日受到组织处理"),
    ],
)
def test_a_sanctions_veto_reads_as_people_say_it(staff, kind, reads):
    assert flagged(staff, kind=kind).reason == reads


def test_the_reconciliation_gives_a_kept_flag_its_causes_present_wording(staff, organisation):
    flag = flagged(staff, kind=SanctionKind.DEMERIT)
    VetoFlag.objects.filter(pk=flag.pk).update(reason="2025年03月01日受到记过")  # the wording of an older release

    veto.veto_reconcile(organisation=organisation)

    flag.refresh_from_db()
    assert flag.reason == "2025年03月01日受到记过处分" and flag.is_active


def test_a_sanctions_correction_asks_for_its_reason_and_the_trail_keeps_it(hr_client, staff):
    """A user test changed 记过 to 记大过 (a veto of the next year too) and no reason was asked."""
    from accounts.models import AuditEntry

    record = sanction(person=staff, kind=SanctionKind.DEMERIT)
    url = reverse("evaluations:sanction_edit", args=[record.pk])
    assert 'name="reason"' in hr_client.get(url).content.decode()
    assert 'name="reason"' not in hr_client.get(reverse("evaluations:sanction_create")).content.decode()
    refused = hr_client.post(url, form_data(staff, SanctionKind.MAJOR_DEMERIT))
    assert "更正处分记录须说明理由。" in refused.content.decode()
    assert Sanction.objects.get(pk=record.pk).kind == SanctionKind.DEMERIT
    response = hr_client.post(url, form_data(staff, SanctionKind.MAJOR_DEMERIT) | {"reason": "按处分决定书更正"})
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(content_type__model="sanction", action=AuditEntry.Action.UPDATE).latest("pk")
    assert entry.reason == "按处分决定书更正"
    # 记大过: this year and the next, the reconciliation that raised the flags with the reason too.
    assert sorted(VetoFlag.objects.filter(sanction=record).values_list("year", flat=True)) == [YEAR, YEAR + 1]
    assert AuditEntry.objects.filter(event="job_run", reason="按处分决定书更正").exists()


def test_the_service_refuses_a_correction_without_a_reason(hr, staff):
    from django.core.exceptions import ValidationError

    from evaluations.discipline.services.sanctions import sanction_save

    record = sanction(person=staff, kind=SanctionKind.DEMERIT)
    record.kind = SanctionKind.MAJOR_DEMERIT
    with pytest.raises(ValidationError, match="更正处分记录须说明理由"):
        sanction_save(sanction=record, actor=hr)


def test_last_years_list_in_january_says_how_many_flags_this_year_has_already(client_for, inspector, staff, settings):
    # A user test: a 严重 finding recorded on 5 January vetoed the new year, and the list, opening
    # on last year's (the year at work until March), did not show it anywhere.
    VetoFlagFactory(person=staff, year=2027)
    client = client_for(inspector)
    settings.APPRAISAL_TODAY = date(2027, 1, 6)
    page = client.get(reverse("evaluations:veto_list")).content.decode()
    assert "2027年已有1项一票否决生效。" in page and 'href="?year=2027"' in page
    # Asked for a year, or later in the year when the list opens on this year anyway: nothing to add.
    assert (
        'data-testid="this-year-flags"'
        not in client.get(reverse("evaluations:veto_list"), {"year": 2026}).content.decode()
    )
    settings.APPRAISAL_TODAY = date(2027, 4, 6)
    assert 'data-testid="this-year-flags"' not in client.get(reverse("evaluations:veto_list")).content.decode()
