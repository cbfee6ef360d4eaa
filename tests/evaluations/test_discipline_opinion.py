"""The discipline office's opinion before approval (审批前征求纪委意见, a policy step): an inspector
records it on the quarters page; while the policy asks for it, the agency head cannot approve without."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEntry, Policy, Role
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    approval_blockers,
    grade_assign,
    quarter_discipline_opinion_record,
)
from evaluations.models import Grade, QuarterDisciplineOpinion, QuarterState, Severity
from tests.factories import FindingFactory, RoleAssignmentFactory

QUARTERS = reverse("evaluations:quarters")


@pytest.fixture
def review_step(organisation):
    Policy.objects.filter(organisation=organisation).update(discipline_review_step=True)


@pytest.fixture
def graded(all_confirmed):
    """Everyone graded and confirmed, their inputs handed in: nothing but the opinion can stand in the way."""
    return all_confirmed


def record(quarter, actor, text="未发现影响定等的违纪违规问题。"):
    return quarter_discipline_opinion_record(appraisal_quarter=quarter, actor=actor, text=text)


def opinion_url(quarter):
    return reverse("evaluations:quarter_discipline_opinion", args=[quarter.pk])


def approve_url(quarter):
    return reverse("evaluations:quarter_approve", args=[quarter.pk])


# --- The service ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_inspector_records_the_opinion_through_the_page_outside_any_test_transaction(
    client_for, graded, inspector, review_step
):
    """As in production (no transaction around the request): the service's row lock needs its own
    transaction, which PostgreSQL insists on (a misplaced @transaction.atomic answered 500 there)."""
    response = client_for(inspector).post(opinion_url(graded), {"text": "未发现影响定等的违纪违规问题。", "seen": ""})
    assert response.status_code == 302
    assert QuarterDisciplineOpinion.objects.get(appraisal_quarter=graded).given_by == inspector


def test_approval_is_refused_without_the_opinion_when_the_policy_asks_for_it(graded, chief, review_step):
    assert approval_blockers(appraisal_quarter=graded) == ["须先取得纪委意见：请纪检人员在季度结果页记录意见。"]
    with pytest.raises(ValidationError, match="须先取得纪委意见"):
        appraisal_quarter_approve(appraisal_quarter=graded, actor=chief)
    graded.refresh_from_db()
    assert graded.state == QuarterState.OPEN


def test_with_the_opinion_recorded_the_quarter_is_approved(graded, chief, inspector, review_step):
    opinion = record(graded, inspector)
    assert (opinion.given_by, opinion.text) == (inspector, "未发现影响定等的违纪违规问题。")
    assert opinion.given_at is not None
    assert approval_blockers(appraisal_quarter=graded) == []
    assert appraisal_quarter_approve(appraisal_quarter=graded, actor=chief).state == QuarterState.APPROVED


def test_without_the_policy_step_no_opinion_is_needed_or_taken(graded, chief, inspector):
    assert approval_blockers(appraisal_quarter=graded) == []
    with pytest.raises(ValidationError, match="未设审批前征求纪委意见"):
        record(graded, inspector)
    assert appraisal_quarter_approve(appraisal_quarter=graded, actor=chief).state == QuarterState.APPROVED


@pytest.mark.parametrize("who", ["hr", "chief", "leader", "head", "staff", "auditor", "sysadmin"])
def test_only_an_inspector_records_the_opinion(request, quarter, review_step, who):
    with pytest.raises(PermissionDenied):
        record(quarter, request.getfixturevalue(who))
    assert not QuarterDisciplineOpinion.objects.exists()


def test_an_inspector_of_another_organisation_cannot_record_it(quarter, review_step, outsider):
    RoleAssignmentFactory(user=outsider, role=Role.INSPECTOR)
    with pytest.raises(PermissionDenied):
        record(quarter, outsider)
    assert not QuarterDisciplineOpinion.objects.exists()


def test_the_opinion_needs_text(graded, inspector, review_step):
    with pytest.raises(ValidationError, match="请填写纪委意见"):
        record(graded, inspector, text="  ")
    assert not QuarterDisciplineOpinion.objects.exists()


def test_recording_again_replaces_the_text_and_the_audit_trail_keeps_both(graded, inspector, review_step):
    record(graded, inspector, "初步意见")
    record(graded, inspector, "最终意见")
    assert QuarterDisciplineOpinion.objects.get().text == "最终意见"
    entry = AuditEntry.objects.filter(content_type__model="quarterdisciplineopinion").latest()
    assert entry.changes_dict["text"] == ["初步意见", "最终意见"]
    assert entry.organisation_id == graded.organisation_id


def test_no_opinion_once_the_quarter_is_approved(graded, chief, inspector, review_step):
    record(graded, inspector)
    appraisal_quarter_approve(appraisal_quarter=graded, actor=chief)
    with pytest.raises(ValidationError, match="已审批"):
        record(graded, inspector, "补充意见")
    assert QuarterDisciplineOpinion.objects.get().text == "未发现影响定等的违纪违规问题。"


# --- The pages -----------------------------------------------------------------------------


def test_the_inspector_records_the_opinion_on_the_quarters_page(client_for, graded, inspector, review_step):
    client = client_for(inspector)
    page = client.get(QUARTERS).content.decode()
    assert 'data-testid="discipline-opinion-form"' in page
    assert "须先取得纪委意见" in page  # among the blockers
    response = client.post(opinion_url(graded), {"text": "同意上报。"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert 'data-testid="discipline-opinion"' in page
    assert "同意上报。" in page and "纪检干部于" in page
    assert "须先取得纪委意见" not in page


@pytest.mark.parametrize("who", ["hr", "chief", "leader"])
def test_others_see_the_opinion_but_cannot_record_it(request, client_for, graded, inspector, review_step, who):
    record(graded, inspector, "同意上报。")
    client = client_for(request.getfixturevalue(who))
    page = client.get(QUARTERS).content.decode()
    assert "同意上报。" in page
    assert 'data-testid="discipline-opinion-form"' not in page
    assert client.post(opinion_url(graded), {"text": "改写"}).status_code == 403
    assert QuarterDisciplineOpinion.objects.get().text == "同意上报。"


def test_staff_cannot_post_an_opinion(client_for, quarter, staff, review_step):
    assert client_for(staff).post(opinion_url(quarter), {"text": "改写"}).status_code == 403
    assert not QuarterDisciplineOpinion.objects.exists()


def test_an_inspector_cannot_post_on_another_organisations_quarter(client_for, quarter, review_step, outsider):
    RoleAssignmentFactory(user=outsider, role=Role.INSPECTOR)
    assert client_for(outsider).post(opinion_url(quarter), {"text": "改写"}).status_code == 404
    assert not QuarterDisciplineOpinion.objects.exists()


def test_an_empty_opinion_is_refused_on_the_page(client_for, graded, inspector, review_step):
    response = client_for(inspector).post(opinion_url(graded), {"text": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="discipline-opinion-form"' in page
    # Said once, under the field, not again in the message above the page.
    (error,) = response.context["opinion_form"].errors["text"]
    assert page.count(str(error)) == 1
    assert "请按提示修改后再保存" in page
    assert not QuarterDisciplineOpinion.objects.exists()


def test_without_the_policy_step_the_page_offers_no_opinion_form(client_for, quarter, inspector):
    page = client_for(inspector).get(QUARTERS).content.decode()
    assert "纪委意见" not in page
    refused = client_for(inspector).post(opinion_url(quarter), {"text": "同意"})
    assert refused.status_code == 400
    assert refused.content.decode().count("本单位考核政策未设审批前征求纪委意见。") == 1
    assert not QuarterDisciplineOpinion.objects.exists()


def test_the_approval_page_lists_the_missing_opinion_and_then_shows_it(
    client_for, graded, chief, inspector, review_step
):
    client = client_for(chief)
    page = client.get(approve_url(graded)).content.decode()
    assert "尚不能审批" in page and "须先取得纪委意见" in page
    response = client.post(approve_url(graded), follow=True)
    assert "须先取得纪委意见" in response.content.decode()
    graded.refresh_from_db()
    assert graded.state == QuarterState.OPEN

    record(graded, inspector, "同意上报。")
    page = client.get(approve_url(graded)).content.decode()
    assert "尚不能审批" not in page and "同意上报。" in page
    assert client.post(approve_url(graded)).status_code == 302
    graded.refresh_from_db()
    assert graded.state == QuarterState.APPROVED


# --- An opinion on grades that stand -----------------------------------------------------------


def test_no_opinion_while_people_are_not_graded_or_confirmed(client_for, quarter, inspector, review_step):
    with pytest.raises(ValidationError, match="评鉴尚未完成"):
        record(quarter, inspector)
    page = client_for(inspector).get(QUARTERS).content.decode()
    assert 'data-testid="discipline-opinion-waits"' in page
    assert 'data-testid="discipline-opinion-form"' not in page
    assert not QuarterDisciplineOpinion.objects.exists()


def test_a_grade_changed_after_the_opinion_asks_for_it_again_on_the_inspectors_home(
    client_for, graded, chief, leader, head, inspector, grade_of, review_step
):
    client = client_for(inspector)
    assert f'data-testid="todo-discipline-opinion-{graded.pk}"' in client.get("/").content.decode()
    record(graded, inspector)
    assert f'data-testid="todo-discipline-opinion-{graded.pk}"' not in client.get("/").content.decode()

    grade_assign(grade_row=grade_of(head), actor=leader, grade=Grade.GOOD, comment="复核后调整")

    assert approval_blockers(appraisal_quarter=graded) == [
        "纪委意见记录后又有评鉴、确认或检查发现：请纪检人员重新记录意见。"
    ]
    with pytest.raises(ValidationError, match="又有评鉴、确认或检查发现"):
        appraisal_quarter_approve(appraisal_quarter=graded, actor=chief)
    home = client.get("/").content.decode()
    assert "评鉴或检查发现有变动，须重新记录纪委意见" in home
    assert 'data-testid="discipline-opinion-stale"' in client.get(QUARTERS).content.decode()
    record(graded, inspector, "复核等次调整后，同意上报。")
    assert approval_blockers(appraisal_quarter=graded) == []


def test_a_finding_recorded_or_corrected_after_the_opinion_asks_for_it_again(
    client_for, graded, chief, inspector, staff, review_step
):
    """A user test: a 严重 finding recorded in the quarter after the 纪委意见 (which is to weigh the
    findings) left the old opinion standing, and the agency head approved on it."""
    from evaluations.discipline.services.inspections import inspection_correct

    before = FindingFactory(
        inspection__inspector=inspector,
        inspection__date=graded.period.first_day,
        person=staff,
        severity=Severity.MODERATE,
    )
    record(graded, inspector)
    assert approval_blockers(appraisal_quarter=graded) == []
    # Another quarter's finding changes nothing.
    FindingFactory(
        inspection__inspector=inspector, inspection__date=graded.period.first_day - timedelta(days=1), person=staff
    )
    assert approval_blockers(appraisal_quarter=graded) == []

    FindingFactory(
        inspection__inspector=inspector,
        inspection__date=graded.period.last_day,
        person=staff,
        severity=Severity.SERIOUS,
        description="严重违反工作纪律",
    )
    stale = ["纪委意见记录后又有评鉴、确认或检查发现：请纪检人员重新记录意见。"]
    assert approval_blockers(appraisal_quarter=graded) == stale
    with pytest.raises(ValidationError, match="检查发现"):
        appraisal_quarter_approve(appraisal_quarter=graded, actor=chief)
    # The approval page marks the old opinion as out of date, not only its blockers.
    assert 'data-testid="opinion-stale"' in client_for(chief).get(approve_url(graded)).content.decode()
    assert f'data-testid="todo-discipline-opinion-{graded.pk}"' in client_for(inspector).get("/").content.decode()
    record(graded, inspector, "已考虑新的检查发现，同意上报。")
    assert approval_blockers(appraisal_quarter=graded) == []
    assert 'data-testid="opinion-stale"' not in client_for(chief).get(approve_url(graded)).content.decode()
    # A finding corrected (its severity) asks again too.
    inspection = before.inspection
    inspection_correct(
        inspection=inspection,
        actor=inspector,
        reason="核实后更正",
        date=inspection.date,
        kind=inspection.kind,
        note=inspection.note,
        findings={
            before.pk: {"severity": Severity.SERIOUS, "description": before.description, "evidence": before.evidence}
        },
    )
    assert approval_blockers(appraisal_quarter=graded) == stale


def test_the_inspector_sees_the_proposed_grades_of_the_people_found_against(
    client_for, graded, inspector, staff, review_step
):
    FindingFactory(
        inspection__inspector=inspector,
        inspection__date=graded.period.first_day,
        person=staff,
        severity=Severity.MODERATE,
        description="迟到",
    )
    FindingFactory(inspection__inspector=inspector, inspection__date=graded.period.first_day - timedelta(days=1))

    page = client_for(inspector).get(QUARTERS).content.decode()

    assert "本季度检查发现涉及1人" in page
    table = page[page.index('data-testid="findings-to-weigh"') :]
    assert staff.get_full_name() in table and "1项（严重0项）" in table and "较好" in table


def test_the_most_serious_are_listed_first_when_not_everyone_fits(
    client_for, graded, inspector, staff, colleague, monkeypatch, review_step
):
    monkeypatch.setattr("evaluations.grading.selectors.FINDINGS_TO_WEIGH_SHOWN", 1)
    on = graded.period.first_day
    FindingFactory(inspection__inspector=inspector, inspection__date=on, person=staff, severity=Severity.MINOR)
    FindingFactory(inspection__inspector=inspector, inspection__date=on, person=colleague, severity=Severity.SERIOUS)

    page = client_for(inspector).get(QUARTERS).content.decode()

    table = page[page.index('data-testid="findings-to-weigh"') :]
    assert "本季度检查发现涉及2人" in page and "仅列出前1人。" in page
    assert colleague.get_full_name() in table and staff.get_full_name() not in table
    assert "1项（严重1项）" in table


def test_an_opinion_recorded_in_another_tab_is_not_overwritten_unseen(client_for, graded, inspector, review_step):
    client = client_for(inspector)
    form = client.get(QUARTERS).context["opinion_form"]
    seen = form["seen"].value()
    assert seen == ""
    client.post(opinion_url(graded), {"text": "甲窗口：同意上报。", "seen": seen})  # the first tab

    refused = client.post(opinion_url(graded), {"text": "乙窗口：同意。", "seen": seen}, follow=True)  # the second

    assert "请刷新页面看过后再修改" in refused.content.decode()
    assert QuarterDisciplineOpinion.objects.get().text == "甲窗口：同意上报。"
    fresh = client.get(QUARTERS).context["opinion_form"]["seen"].value()
    client.post(opinion_url(graded), {"text": "乙窗口：看过后修改。", "seen": fresh})
    assert QuarterDisciplineOpinion.objects.get().text == "乙窗口：看过后修改。"


def test_the_agency_heads_home_says_the_quarter_waits_for_the_opinion(
    client_for, graded, chief, inspector, monkeypatch, review_step
):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: graded.period.last_day + timedelta(days=3))
    home = client_for(chief).get("/").content.decode()
    assert "评鉴已完成，待纪委意见后审批" in home and "尚不能审批" not in home
    record(graded, inspector)
    assert "评鉴结果待审批" in client_for(chief).get("/").content.decode()
