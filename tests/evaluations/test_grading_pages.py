"""The grading pages: who sees and does what, refusals shown with the typed text kept, and
bounded queries. The rules themselves are tested on the services (test_grading.py)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Policy
from evaluations.grading.services.grading import appraisal_quarter_open
from evaluations.models import Grade, GradeState, QuarterGrade, QuarterState
from targets.models import Completion
from tests.evaluations.conftest import Q3_GRADING_DAY
from tests.evaluations.helpers import give
from tests.factories import (
    AppraisalQuarterFactory,
    DepartmentFactory,
    FindingFactory,
    MonthlySummaryFactory,
    RoleAssignmentFactory,
    SanctionFactory,
    SatisfactionScoreFactory,
    ServiceEventFactory,
    TargetItemFactory,
    TargetSetFactory,
    UserFactory,
    VetoFlagFactory,
    hand_in_quarter_inputs,
    policy_with,
    save_fields,
)
from tests.support.clock import movable_today

GRADING = reverse("evaluations:grading")
# One of them the grades sent back after an objection that wait for the person (a few, capped);
# one the people under investigation (立案审查) recorded with the sanctions; one the 好 given per
# department against its headcount's share; one the active veto flags of the year and the sanctions
# decided in the quarter, shown on the cards (discipline's quarter_discipline, one union query); one
# the secondments of the people on the page (a month spent away is 无需填报 on the card).
HEAD_GRADING_QUERIES = 25
# The leader's, two more: the veto, sanctions and serious findings of the people on the page's
# confirmation cards (quarter_discipline and finding_counts, one query each, whatever their number);
# one more while grades wait for 全部确认: how many of them carry a veto, sanctions or serious findings;
# two the staff register's statuses and 立案审查 of the confirmation cards (suggestions.register_notes).
LEADER_GRADING_QUERIES = 31
# The selected quarter counted once (distribution, pools and progress in one query), its blockers
# without names: one bounded query each (with the heads' grades given by a former head, the grades
# a moved person's former head gave, and the participants not yet listed in the open quarter), and
# the staff register's long leave and 立案审查 (two reads) against the grades.
QUARTERS_QUERIES = 19
QUARTERS = reverse("evaluations:quarters")


def detail_url(row):
    return reverse("evaluations:grade_detail", args=[row.pk])


def grade_post(row, grade, comment="工作认真负责", next_page="work", **extra):
    prefix = f"g{row.pk}"
    data = {
        f"{prefix}-grade": grade,
        f"{prefix}-comment": comment,
        f"{prefix}-reason": extra.get("reason", ""),
        f"{prefix}-uncertain_reason": extra.get("uncertain_reason", ""),
        f"{prefix}-version": row.version,
        "next": next_page,
    }
    return data


def confirm_post(row, action="confirm", new_grade="", reason=""):
    prefix = f"c{row.pk}"
    return {
        f"{prefix}-new_grade": new_grade,
        f"{prefix}-reason": reason,
        f"{prefix}-version": row.version,
        "action": action,
        "next": "work",
    }


def grade_everyone(quarter, head, leader, team):
    hand_in_quarter_inputs(quarter)
    for person in team:
        give(quarter.grades.get(person=person), head)
    give(quarter.grades.get(person=head), leader, Grade.GOOD)
    for person in team:
        row = quarter.grades.get(person=person)
        from evaluations.grading.services.grading import grade_confirm

        grade_confirm(grade_row=row, actor=leader)


# --- Pages render for the people who use them -----------------------------------------------


def test_the_head_sees_the_department_with_the_live_quota(client_for, quarter, head, team):
    response = client_for(head).get(GRADING)
    assert response.status_code == 200
    html = response.content.decode()
    for person in team:
        assert person.full_name in html
    # 8 participants × 40 % → 3 places.
    assert "本季度可评“好”" in html
    assert "data-quota-capacity>3<" in html
    assert "js/grading.js" in html
    assert html.count('data-testid="grade-form"') == len(team)


def test_each_grade_group_names_its_person_for_a_screen_reader(client_for, quarter, head, team):
    """A user test's screen reader heard only "Grade*" from group to group: the legend names the
    person too (visually hidden: the card's heading shows the name already)."""
    html = client_for(head).get(GRADING).content.decode()
    for person in team:
        assert f'<span class="visually-hidden">（{person.get_full_name()}）</span>' in html


def test_the_grading_row_shows_the_persons_inputs(client_for, organisation, quarter, head, staff, department):
    target_set = TargetSetFactory(owner=staff)
    TargetItemFactory(target_set=target_set, content="甲", completion=Completion.DONE)
    TargetItemFactory(target_set=target_set, content="乙", completion=Completion.PARTIAL)
    MonthlySummaryFactory(owner=staff, is_late=True)
    SatisfactionScoreFactory(person=staff, score=93)
    ServiceEventFactory(person=staff, date=date(2026, 11, 3), description="锦旗")
    last = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3, today=Q3_GRADING_DAY)
    give(last.grades.get(person=staff), head, Grade.GOOD)

    html = client_for(head).get(GRADING).content.decode()

    assert "完成1/2项" in html
    assert "迟交" in html
    assert "93" in html
    assert "表扬 1" in html
    assert 'data-testid="last-grade">好<' in html


def test_the_leader_grades_heads_and_confirms_staff_grades(client_for, quarter, leader, head, staff, grade_of):
    give(grade_of(staff), head)
    response = client_for(leader).get(GRADING)
    assert response.status_code == 200
    html = response.content.decode()
    assert head.full_name in html
    assert html.count('data-testid="grade-form"') == 1  # the head
    assert 'data-testid="confirm-all"' in html
    assert html.count('data-testid="confirm-one"') == 1


def test_confirming_everyone_warns_of_a_department_over_its_share_of_the_good_places(
    client_for, organisation, department, team, head, leader
):
    """A user test: three departments gave 好 to nearly everyone and the leader's 全部确认 asked
    only "确认全部18人的等次？"; the quota (the organisation's) then ran out for the others."""
    others = DepartmentFactory(organisation=organisation, supervising_leader=leader)
    UserFactory.create_batch(10, department=others)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    for person in team[:4]:
        give(quarter.grades.get(person=person), head, Grade.GOOD)
    give(quarter.grades.get(person=team[4]), head)
    html = client_for(leader).get(GRADING).content.decode()
    asked = html.split('action="/evaluations/grading/confirm-all/" data-confirm="', 1)[1].split('">', 1)[0]
    assert asked.startswith("确认全部5人的等次（不作调整）？"), asked
    assert f"注意：{department.name}已评“好”4人，多于按人数折算的约3人。" in asked, asked
    # Within its share, nothing more is said.
    save_fields(QuarterGrade.objects.filter(appraisal_quarter=quarter, person=team[0]), grade=Grade.FAIRLY_GOOD)
    html = client_for(leader).get(GRADING).content.decode()
    assert "注意：" not in html.split('data-confirm="', 1)[1].split('">', 1)[0]


def test_without_an_open_quarter_the_page_says_so(client_for, head):
    response = client_for(head).get(GRADING)
    assert response.status_code == 200
    assert "目前没有开放评鉴的季度" in response.content.decode()


@pytest.mark.parametrize("who", ["hr", "chief", "leader"])
def test_hr_leaders_and_the_agency_head_see_the_quarters(request, client_for, quarter, who):
    response = client_for(request.getfixturevalue(who)).get(QUARTERS)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="distribution"' in html
    assert "还有8人未评鉴" in html


def test_the_person_page_shows_the_grade_form_to_the_evaluator(client_for, quarter, head, staff, grade_of):
    response = client_for(head).get(detail_url(grade_of(staff)))
    assert response.status_code == 200
    assert 'data-testid="grade-form"' in response.content.decode()


def test_the_menu_shows_grading_to_heads_and_quarters_to_hr(client_for, head, hr):
    assert "评鉴" in client_for(head).get("/").content.decode()
    html = client_for(hr).get("/").content.decode()
    assert QUARTERS in html and GRADING not in html


# --- Refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "hr", "chief", "sysadmin"])
def test_only_heads_and_leaders_open_the_grading_page(request, client_for, quarter, who):
    assert client_for(request.getfixturevalue(who)).get(GRADING).status_code == 403


def test_staff_cannot_see_the_quarters(client_for, quarter, staff):
    assert client_for(staff).get(QUARTERS).status_code == 403


def test_a_head_cannot_open_the_grade_of_another_departments_head(client_for, organisation, quarter, head, second_head):
    row = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4).grades.get(person=second_head)
    assert client_for(head).get(detail_url(row)).status_code == 404


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_others_cannot_open_a_grade(request, client_for, quarter, staff, grade_of, who):
    assert client_for(request.getfixturevalue(who)).get(detail_url(grade_of(staff))).status_code == 404


def test_a_head_cannot_grade_outside_the_department(client_for, organisation, quarter, head, second_head):
    row = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4).grades.get(person=second_head)
    response = client_for(head).post(detail_url(row), grade_post(row, Grade.GOOD))
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.grade == "" and row.state == GradeState.PENDING


def test_hr_sees_a_grade_but_cannot_grade(client_for, quarter, hr, staff, grade_of):
    row = grade_of(staff)
    client = client_for(hr)
    page = client.get(detail_url(row))
    assert page.status_code == 200
    assert 'data-testid="grade-form"' not in page.content.decode()
    assert client.post(detail_url(row), grade_post(row, Grade.GOOD)).status_code == 403
    assert grade_of(staff).grade == ""


def test_the_head_cannot_confirm_or_confirm_all(client_for, quarter, head, staff, grade_of):
    row = give(grade_of(staff), head)
    client = client_for(head)
    assert client.post(reverse("evaluations:grade_confirm", args=[row.pk]), confirm_post(row)).status_code == 403
    client.post(reverse("evaluations:grades_confirm_all"))
    assert grade_of(staff).state == GradeState.GRADED


def test_it_refuses_a_fourth_good_grade_on_the_page_and_keeps_the_comment(client_for, quarter, head, team, grade_of):
    for person in team[:3]:
        give(grade_of(person), head, Grade.GOOD)
    row = grade_of(team[3])

    response = client_for(head).post(detail_url(row), grade_post(row, Grade.GOOD, comment="本季度表现突出，值得肯定"))

    assert response.status_code == 400
    html = response.content.decode()
    assert "名额已满" in html
    assert 'data-testid="row-error"' in html
    assert "本季度表现突出，值得肯定" in html
    assert grade_of(team[3]).grade == ""


def test_a_missing_reason_for_average_is_shown_on_the_field(client_for, quarter, head, staff, grade_of):
    row = grade_of(staff)
    response = client_for(head).post(detail_url(row), grade_post(row, Grade.AVERAGE, next_page=""))
    assert response.status_code == 400
    assert "须说明理由" in response.content.decode()
    assert grade_of(staff).grade == ""


def test_a_stale_version_is_refused(client_for, quarter, head, staff, grade_of):
    row = grade_of(staff)
    data = grade_post(row, Grade.FAIRLY_GOOD)
    give(row, head, Grade.AVERAGE)
    response = client_for(head).post(detail_url(row), data)
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    assert grade_of(staff).grade == Grade.AVERAGE


def test_a_grade_cannot_change_once_the_quarter_is_approved(
    client_for, quarter, head, leader, chief, team, staff, grade_of
):
    grade_everyone(quarter, head, leader, team)
    client_for(chief).post(reverse("evaluations:quarter_approve", args=[quarter.pk]))
    quarter.refresh_from_db()
    assert quarter.state == QuarterState.APPROVED
    row = grade_of(staff)

    client = client_for(leader)
    response = client.post(
        reverse("evaluations:grade_confirm", args=[row.pk]), confirm_post(row, "change", "poor", "x")
    )
    assert response.status_code == 400
    assert "已审批" in response.content.decode()
    assert grade_of(staff).grade == Grade.FAIRLY_GOOD
    page = client.get(detail_url(row)).content.decode()
    assert 'data-testid="confirm-form"' not in page and 'data-testid="approved"' in page


# --- Grading, confirming, approving ----------------------------------------------------------


def test_the_head_grades_from_the_list(client_for, quarter, head, staff, grade_of):
    row = grade_of(staff)
    response = client_for(head).post(detail_url(row), grade_post(row, Grade.POOR, reason="多次迟交"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"{GRADING}#grade-{row.pk}")
    row.refresh_from_db()
    assert (row.grade, row.reason, row.state) == (Grade.POOR, "多次迟交", GradeState.GRADED)


def test_the_leader_confirms_one_and_changes_another_with_a_reason(
    client_for, quarter, head, leader, staff, colleague, grade_of
):
    first, second = give(grade_of(staff), head), give(grade_of(colleague), head)
    client = client_for(leader)
    url = reverse("evaluations:grade_confirm", args=[first.pk])
    assert client.post(url, confirm_post(first)).status_code == 302
    assert grade_of(staff).state == GradeState.CONFIRMED

    url = reverse("evaluations:grade_confirm", args=[second.pk])
    refused = client.post(url, confirm_post(second, "change", Grade.AVERAGE, ""))
    assert refused.status_code == 400
    # Said once, at the reason's box; the message above the page points to it.
    assert refused.content.decode().count("调整等次须说明理由") == 1
    assert grade_of(colleague).grade == Grade.FAIRLY_GOOD
    # 确认 with another grade still chosen under 调整等次 asks which was meant; it confirms nothing.
    unclear = client.post(url, confirm_post(second, "confirm", Grade.AVERAGE, ""))
    assert unclear.status_code == 400 and "您在“调整等次”中选了“一般”" in unclear.content.decode()
    assert grade_of(colleague).state != GradeState.CONFIRMED

    assert client.post(url, confirm_post(second, "change", Grade.AVERAGE, "季度任务未完成")).status_code == 302
    changed = grade_of(colleague)
    assert (changed.grade, changed.reason, changed.state) == (Grade.AVERAGE, "季度任务未完成", GradeState.CONFIRMED)
    # The head, who graded 较好, sees on the person's page what the leader made of it, and why.
    seen = client_for(head).get(reverse("evaluations:grade_detail", args=[changed.pk])).content.decode()
    assert "分管领导调整：较好 → 一般" in seen and "季度任务未完成" in seen


def test_the_leader_confirms_all(client_for, quarter, head, leader, team, grade_of):
    for person in team:
        give(grade_of(person), head)
    response = client_for(leader).post(reverse("evaluations:grades_confirm_all"), follow=True)
    assert "已确认7人的等次" in response.content.decode()
    assert {grade_of(p).state for p in team} == {GradeState.CONFIRMED}


def test_hr_opens_a_quarter_and_a_head_cannot(client_for, organisation, team, hr, head):
    data = {"year": 2026, "quarter": 4}
    assert client_for(head).post(reverse("evaluations:quarter_open"), data).status_code == 403
    assert not organisation.appraisal_quarters.exists()
    assert client_for(hr).post(reverse("evaluations:quarter_open"), data).status_code == 302
    assert organisation.appraisal_quarters.get().grades.count() == 8
    # Named as everywhere else (the cards, the publication, the targets): 2026年第4季度.
    page = client_for(hr).get(QUARTERS, {"q": organisation.appraisal_quarters.get().pk}).content.decode()
    assert page.count("2026年第4季度") >= 2 and "第四季度" not in page


def test_a_quarter_opened_on_the_english_pages_is_said_in_english_and_recorded_in_chinese(
    client_for, organisation, team, hr
):
    """A user test read 2026年第4季度 in the English message; a review: naming it in the reader's
    language everywhere wrote English object names into the audit log Chinese auditors read."""
    from accounts.models import AuditEntry
    from evaluations.models import AppraisalQuarter

    client = client_for(hr)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    answer = client.post(reverse("evaluations:quarter_open"), {"year": 2026, "quarter": 4}, follow=True)
    assert "Q4 2026" in answer.content.decode()
    opened = AppraisalQuarter.objects.get(organisation=organisation, year=2026, quarter=4)
    entries = AuditEntry.objects.filter(object_pk=str(opened.pk), content_type__model="appraisalquarter")
    names = set(entries.values_list("object_repr", flat=True))
    assert names and all("2026年第4季度" in name for name in names), names


def test_the_chief_approves_after_a_confirmation_page(client_for, quarter, head, leader, chief, hr, team):
    url = reverse("evaluations:quarter_approve", args=[quarter.pk])
    blocked = client_for(chief).get(url).content.decode()
    assert "尚不能审批" in blocked
    # Refused (sent from a page drawn before a grade went back, say): this page again, naming whom
    # each blocker concerns, not the quarters list with a bare count (a user test).
    refused = client_for(chief).post(url, follow=True)
    assert refused.redirect_chain == [(url, 302)] and "尚不能审批" in refused.content.decode()
    assert team[0].full_name in refused.content.decode()
    grade_everyone(quarter, head, leader, team)
    assert client_for(hr).post(url).status_code == 403

    client = client_for(chief)
    page = client.get(url).content.decode()
    assert "确认审批" in page and "尚不能审批" not in page
    assert client.post(url).status_code == 302
    quarter.refresh_from_db()
    assert quarter.state == QuarterState.APPROVED and quarter.approved_by == chief
    assert 'data-testid="approve"' not in client.get(QUARTERS).content.decode()


def test_the_approval_page_says_who_was_graded_without_scores_where_the_policy_scores(
    client_for, quarter, head, leader, chief, team
):
    """A user test's quarter was graded and approved with no indicator score at all: the page says
    so before approval closes the scores (it does not refuse: the scores are the evaluator's)."""
    grade_everyone(quarter, head, leader, team)
    url = reverse("evaluations:quarter_approve", args=[quarter.pk])
    assert 'data-testid="unscored"' not in client_for(chief).get(url).content.decode()
    Policy.objects.filter(organisation=quarter.organisation).update(score_model_enabled=True)
    QuarterGrade.objects.filter(appraisal_quarter=quarter, person=team[0]).update(composite_score=Decimal("91"))
    page = client_for(chief).get(url).content.decode()
    assert "还有7人未录入指标评分" in page and 'data-testid="approve-confirm"' in page


def test_an_approval_refused_by_the_service_says_why(client_for, quarter, chief):
    response = client_for(chief).post(reverse("evaluations:quarter_approve", args=[quarter.pk]), follow=True)
    assert "还有8人未评鉴" in response.content.decode()
    quarter.refresh_from_db()
    assert quarter.state == QuarterState.OPEN


def test_the_chief_cannot_approve_another_organisations_quarter(client_for, quarter, outsider):
    from accounts.models import Role

    RoleAssignmentFactory(user=outsider, role=Role.AGENCY_HEAD)
    response = client_for(outsider).post(reverse("evaluations:quarter_approve", args=[quarter.pk]))
    assert response.status_code == 404


# --- Bounded queries -----------------------------------------------------------------------


def _populate(organisation, department, leader, n):
    people = [UserFactory(department=department, full_name=f"人员{i}") for i in range(n)]
    for i, person in enumerate(people):
        TargetItemFactory(target_set__owner=person, content="事项", completion=Completion.DONE)
        MonthlySummaryFactory(owner=person)
        SatisfactionScoreFactory(person=person, score=Decimal("90") + i % 5)
        ServiceEventFactory(person=person, date=date(2026, 10, 9), kind="complaint", description="投诉")
    for person in people[:2]:
        # A veto of the year and a sanction of the quarter on the cards cost no query a person.
        VetoFlagFactory(person=person, reason="上班时间饮酒")
        SanctionFactory(person=person, decided_on=date(2026, 11, 3))
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    return quarter, people


@pytest.mark.parametrize("n", [3, 25])
def test_the_grading_page_queries_do_not_grow_with_people(
    client_for, organisation, department, head, leader, n, django_assert_num_queries
):
    quarter, people = _populate(organisation, department, leader, n)
    for person in people[:2]:
        give(quarter.grades.get(person=person), head)
    client = client_for(head)
    # One query per kind of input, long leave (特殊状态) included, whatever the number of people:
    # the same count for 3 people as for 25 (more than the page of 20).
    with django_assert_num_queries(HEAD_GRADING_QUERIES):
        assert client.get(GRADING).status_code == 200
    client = client_for(leader)
    with django_assert_num_queries(LEADER_GRADING_QUERIES):
        assert client.get(GRADING).status_code == 200


def test_the_grading_page_shows_one_page_of_a_large_department_and_pages_on(
    client_for, organisation, department, head, leader
):
    quarter, people = _populate(organisation, department, leader, 45)
    client = client_for(head)
    first = client.get(GRADING).content.decode()
    assert first.count('data-testid="grade-row"') == 20
    assert "第 1 / 3 页，共 45 条" in first
    last = client.get(GRADING, {"page": 3}).content.decode()
    assert last.count('data-testid="grade-row"') == 5
    # A refused save on page 3 shows page 3 again, with the person's row and the error.
    row = quarter.grades.filter(person__in=people).order_by("person__employee_number", "pk").last()
    response = client.post(
        reverse("evaluations:grade_detail", args=[row.pk]),
        {"next": "work", "page": "3", "cpage": "1", f"g{row.pk}-grade": "", f"g{row.pk}-version": row.version},
    )
    assert response.status_code == 400
    assert f'id="grade-{row.pk}"' in response.content.decode()
    # A successful save comes back to the same page.
    response = client.post(
        reverse("evaluations:grade_detail", args=[row.pk]),
        {
            "next": "work",
            "page": "3",
            "cpage": "1",
            f"g{row.pk}-grade": Grade.FAIRLY_GOOD,
            f"g{row.pk}-comment": "工作认真",
            f"g{row.pk}-version": row.version,
        },
    )
    assert response.status_code == 302 and "page=3" in response["Location"]


@pytest.mark.parametrize("n", [3, 20])
def test_the_quarters_page_queries_do_not_grow_with_people(
    client_for, organisation, department, head, leader, hr, n, django_assert_num_queries
):
    _populate(organisation, department, leader, n)
    client = client_for(hr)
    with django_assert_num_queries(QUARTERS_QUERIES):
        assert client.get(QUARTERS).status_code == 200


def test_a_rolled_up_quarter_shows_the_same_numbers_from_its_statistics(
    client_for, organisation, department, head, leader, hr, chief
):
    from evaluations.grading.services.rollup import rollup_quarter
    from evaluations.models import AppraisalQuarter

    quarter, people = _populate(organisation, department, leader, 6)
    grade_everyone(quarter, head, leader, people)
    live = client_for(hr).get(QUARTERS, {"q": quarter.pk}).content.decode()
    rollup_quarter(appraisal_quarter=quarter, today=date(2027, 1, 20))
    assert AppraisalQuarter.objects.get(pk=quarter.pk).rolled_up_at is not None
    rolled = client_for(hr).get(QUARTERS, {"q": quarter.pk}).content.decode()
    row = re.compile(r'data-testid="quarter-row".*?</tr>', re.S)
    assert row.findall(rolled) == row.findall(live) and "7/7" in rolled  # 6 staff and the head


def test_a_quarter_rolled_up_while_open_shows_its_approved_grades_once_approved(
    client_for, organisation, department, head, leader, hr, chief, django_capture_on_commit_callbacks
):
    """A user test: HR rolled the quarter up early (one department graded), the others graded, the
    chief approved; the quarters page then read the early roll-up's 8/60 beside a distribution of
    60. Approval rolls such a quarter up again."""
    from evaluations.grading.services.rollup import rollup_quarter

    quarter, people = _populate(organisation, department, leader, 6)
    rollup_quarter(appraisal_quarter=quarter, today=date(2027, 1, 6))
    grade_everyone(quarter, head, leader, people)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(chief).post(reverse("evaluations:quarter_approve", args=[quarter.pk])).status_code == 302
    page = client_for(hr).get(QUARTERS, {"q": quarter.pk}).content.decode()
    row = re.search(r'data-testid="quarter-row".*?</tr>', page, re.S).group(0)
    assert "7/7" in row and "已审批" in row  # 6 staff and the head, all graded


def test_with_the_score_model_the_evaluator_scores_and_sees_the_suggestion(client_for, head, staff, organisation):
    from django.urls import reverse as _reverse

    from evaluations.grading.services.grading import appraisal_quarter_open
    from evaluations.grading.services.scores import indicators_for

    policy_with(organisation, score_model_enabled=True)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    row = quarter.grades.get(person=staff)
    client = client_for(head)
    page = client.get(_reverse("evaluations:grade_detail", args=[row.pk])).content.decode()
    assert 'data-testid="indicator-scores"' in page
    data = {f"indicator_{i.pk}": "95" for i in indicators_for(grade_row=row) if i.source == "manual"}
    response = client.post(_reverse("evaluations:grade_scores", args=[row.pk]), data, follow=True)
    assert "建议等次“好”" in response.content.decode()
    row.refresh_from_db()
    assert str(row.personal_score) == "95.00"


def test_the_grading_card_says_who_has_no_indicator_scores_yet_and_links_where_they_are_entered(
    client_for, head, staff, organisation
):
    """A user test: under the score model the cards showed no sign of the scores; only each
    person's page had them."""
    from django.urls import reverse as _reverse

    from evaluations.grading.services.grading import appraisal_quarter_open
    from evaluations.grading.services.scores import indicators_for

    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    row = quarter.grades.get(person=staff)
    client = client_for(head)
    work = _reverse("evaluations:grading")
    assert 'data-testid="unscored"' not in client.get(work).content.decode()  # the policy does not score
    policy_with(organisation, score_model_enabled=True)
    card = client.get(work).content.decode()
    link = _reverse("evaluations:grade_detail", args=[row.pk]) + "#indicator-scores"
    assert 'data-testid="unscored"' in card and f'href="{link}"' in card and "指标评分：" in card
    assert 'id="indicator-scores"' in client.get(link.split("#")[0]).content.decode()
    data = {f"indicator_{i.pk}": "95" for i in indicators_for(grade_row=row) if i.source == "manual"}
    client.post(_reverse("evaluations:grade_scores", args=[row.pk]), data)
    assert 'data-testid="unscored"' not in client.get(work).content.decode()


def test_only_the_evaluator_may_post_scores(client_for, colleague, staff, organisation):
    from django.urls import reverse as _reverse

    from evaluations.grading.services.grading import appraisal_quarter_open

    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    row = quarter.grades.get(person=staff)
    assert client_for(colleague).post(_reverse("evaluations:grade_scores", args=[row.pk]), {}).status_code == 404


def test_the_grader_sees_discipline_findings_of_the_quarter(client_for, head, staff, inspector, organisation):
    from datetime import date

    from django.urls import reverse as _reverse

    from evaluations.grading.services.grading import appraisal_quarter_open

    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    FindingFactory(
        inspection__inspector=inspector, inspection__date=date(2026, 10, 20), person=staff, description="脱岗"
    )
    row = quarter.grades.get(person=staff)
    page = client_for(head).get(_reverse("evaluations:grade_detail", args=[row.pk])).content.decode()
    assert "纪律作风检查发现：1" in page and "严重 1" in page


def test_the_graders_card_shows_an_active_veto_of_the_year_and_a_sanction_of_the_quarter(
    client_for, quarter, head, staff, colleague, inspector
):
    from evaluations.models import SanctionKind

    reason = "2026年05月12日纪律作风检查发现严重问题：" + "上班时间饮酒，经多次提醒仍未改正" * 4
    VetoFlagFactory(person=staff, reason=reason)
    VetoFlagFactory(person=colleague, reason="已解除的否决", lifted_at="2026-06-01T09:00:00+08:00")
    VetoFlagFactory(person=colleague, year=2025, reason="上一年度的否决")
    SanctionFactory(person=staff, kind=SanctionKind.WARNING, decided_on=date(2026, 11, 3))
    SanctionFactory(person=colleague, kind=SanctionKind.DEMERIT, decided_on=date(2026, 9, 30))
    page = client_for(head).get(GRADING).content.decode()
    staff_card = next(card for card in re.findall(r'data-testid="facts">(.*?)</ul>', page, re.S) if "一票否决" in card)
    assert "一票否决：2026年05月12日纪律作风检查发现严重问题" in staff_card
    # Short on the card, whole when opened by a tap (a title is hover-only: a phone never shows it).
    assert f"</summary>{reason}</details>" in staff_card and staff_card.count(reason) == 1
    assert "处分与组织处理：警告（2026-11-03）" in staff_card
    # A lifted flag, a flag of another year and a sanction of another quarter are not shown.
    assert "已解除的否决" not in page and "上一年度的否决" not in page and "记过" not in page
    assert len(re.findall(r'data-testid="veto"', page)) == 1


def test_the_graders_card_says_when_a_case_of_the_quarter_was_closed(client_for, quarter, head, staff):
    """A user test: a 立案审查 closed on 12-20 read on the grading card as if still open."""
    from evaluations.models import SanctionKind

    SanctionFactory(
        person=staff, kind=SanctionKind.INVESTIGATION, decided_on=date(2026, 11, 16), closed_on=date(2026, 12, 20)
    )
    page = client_for(head).get(GRADING).content.decode()
    assert "处分与组织处理：立案审查（2026-11-16，2026-12-20结案或解除）" in page


def test_after_a_refused_save_the_quota_banner_counts_what_the_database_holds(
    client_for, quarter, head, team, grade_of
):
    row = grade_of(team[0])
    data = grade_post(row, Grade.FAIRLY_GOOD, next_page="")
    # Meanwhile, in another tab, the same person is graded 好: the posted version is stale.
    give(row, head, Grade.GOOD)
    response = client_for(head).post(detail_url(row), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-used="1"' in html
    assert 'data-saved-grade="good"' in html
    # Eight people in one pool: three places, one used.
    assert "本季度可评“好”<span data-quota-capacity>3</span>人，剩余<span data-quota-remaining>2</span>人" in html
    assert "'好'" not in html


def test_a_form_shown_again_after_a_refusal_is_marked_so_its_pick_is_not_counted(
    client_for, quarter, head, staff, grade_of
):
    row = grade_of(staff)
    response = client_for(head).post(detail_url(row), grade_post(row, Grade.GOOD, comment="", next_page="work"))
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("data-refused") == 1
    assert grade_of(staff).grade == ""
    # A page not re-rendered after a refusal has no refused form.
    assert "data-refused" not in client_for(head).get(GRADING).content.decode()


def test_with_no_quarter_open_the_grading_page_says_when_the_running_quarter_opens(client_for, organisation, head):
    # The evaluations clock stands at 2027-01-04; 2026 Q4 was graded and approved: 2027 Q1 is
    # graded from 1 April.
    AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=4, state=QuarterState.APPROVED)
    page = client_for(head).get(GRADING).content.decode()
    assert 'data-testid="no-quarter"' in page
    assert "2027年第1季度的评鉴自2027-04-01起开放（季度结束后）。" in page
    # Not also "once the appraisal office opens a quarter": the window opens by the date.
    assert "考核办开放季度后" not in page


def test_before_hr_opens_the_quarter_just_ended_the_grading_page_says_it_waits_for_hr(
    client_for, organisation, head, monkeypatch
):
    # A user test on 6 January: 2026 Q4 has ended and HR has not opened it (HR's home says
    # 2026年第4季度待开放评鉴); the page pointed at 2027 Q1 and April instead.
    movable_today(monkeypatch, date(2027, 1, 6))
    page = client_for(head).get(GRADING).content.decode()
    assert 'data-testid="no-quarter"' in page
    assert "2026年第4季度待组织人事科开放评鉴。" in page
    assert "2027年第1季度" not in page and "2027-04-01" not in page


def test_a_quarter_just_ended_that_waits_for_its_survey_is_said_so(client_for, organisation, head):
    from accounts.models import GradingOpens

    policy_with(organisation, grading_opens=GradingOpens.SURVEY_ENTERED)
    page = client_for(head).get(GRADING).content.decode()
    assert "2026年第4季度的评鉴待满意度测评结果录入后开放。" in page
    SatisfactionScoreFactory(department=head.department, year=2026, quarter=4, score=Decimal("92"))
    page = client_for(head).get(GRADING).content.decode()
    assert "2026年第4季度待组织人事科开放评鉴。" in page


def test_a_quarter_ended_before_the_organisation_began_in_the_system_is_not_awaited(client_for, organisation, head):
    policy_with(organisation, started_on=date(2027, 1, 1))
    page = client_for(head).get(GRADING).content.decode()
    assert "待组织人事科开放评鉴" not in page
    assert "2027年第1季度的评鉴自2027-04-01起开放（季度结束后）。" in page


def test_the_page_gives_each_departments_good_against_its_headcounts_share(
    client_for, organisation, department, head, leader
):
    """A user test: three heads gave 好 to all their people; the last departments and the leader found
    the organisation's places gone, warned by nothing while there was time. The page gives each of
    the grader's departments its 好 against its headcount's share (a guide, not a cap)."""
    quarter, people = _populate(organisation, department, leader, 9)  # 10 with the head: 40 % → 4
    for person in people[:5]:
        row = quarter.grades.get(person=person)
        QuarterGrade.objects.filter(pk=row.pk).update(grade=Grade.GOOD, state=GradeState.GRADED)
    from evaluations.grading.services.counts import grade_counts_refresh

    grade_counts_refresh(appraisal_quarter_id=quarter.pk)
    html = client_for(head).get(GRADING).content.decode()
    shares = html.split('data-testid="department-shares"', 1)[1].split("</p>", 1)[0]
    assert f"{department.name}已评“好”<span data-share-good>5</span>人，约4人" in shares
    assert "text-danger" in shares  # past its share


def test_the_quarters_list_names_no_grading_start_for_an_approved_quarter(client_for, organisation, quarter, hr):
    """A user test: after HR changed 评鉴开始时间, an approved quarter's row showed when grading would
    begin under today's rule, not when it had begun."""
    from evaluations.grading.models import QuarterState
    from tests.factories import AppraisalQuarterFactory

    approved = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=1, state=QuarterState.APPROVED)
    html = client_for(hr).get(reverse("evaluations:quarters")).content.decode()
    rows = {row.split("</a>")[0].rsplit(">", 1)[1]: row for row in html.split('data-testid="quarter-row"')[1:]}
    assert 'data-testid="window-opens">—' in rows[approved.period.label]
    assert 'data-testid="window-opens">—' not in rows[quarter.period.label]


def test_a_plain_confirmation_refused_after_a_change_elsewhere_asks_to_look_again(
    client_for, quarter, head, leader, staff, grade_of
):
    """A re-test: the leader's 确认, refused because the head changed the grade meanwhile, said
    本窗口填写的内容未保存 of text the leader had never typed."""
    give(grade_of(staff), head, Grade.FAIRLY_GOOD)
    row = grade_of(staff)
    give(grade_of(staff), head, Grade.AVERAGE, reason="两项任务延误")
    page = (
        client_for(leader).post(reverse("evaluations:grade_confirm", args=[row.pk]), confirm_post(row)).content.decode()
    )
    assert "现在保存的等次是“一般”" in page and "请核对后再确认" in page
    assert "本窗口填写的内容未保存" not in page
    assert grade_of(staff).state == GradeState.GRADED


def test_the_grading_and_approval_pages_say_the_grading_deadline_and_how_far_past_it_today_is(
    client_for, settings, quarter, head, chief
):
    """A user test graded 2026 Q4 on 20 February with the policy's 15 days long gone and nothing said."""
    approval = reverse("evaluations:quarter_approve", args=[quarter.pk])
    for who, url in ((head, GRADING), (chief, approval)):
        html = client_for(who).get(url).content.decode()
        line = html.split('data-testid="grading-deadline">', 1)[1].split("</p>", 1)[0]
        assert line == "评鉴期限：2027-01-15（季度结束后按考核政策计算）"
    settings.APPRAISAL_TODAY = date(2027, 2, 20)
    for who, url in ((head, GRADING), (chief, approval)):
        page = client_for(who).get(url).content.decode()
        line = page.split('data-testid="grading-deadline">', 1)[1].split("</p>", 1)[0]
        assert line == "评鉴期限为2027-01-15，已超过36天，请尽快完成评鉴和审批。"
        assert 'text-danger fw-semibold" data-testid="grading-deadline"' in page
