"""The grading inputs HR enters each quarter: satisfaction scores and praise/complaint events."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Role
from evaluations.grading.services.inputs import inputs_for_people
from evaluations.models import SatisfactionScore, ServiceEvent, ServiceEventKind
from tests.factories import DepartmentFactory, SatisfactionScoreFactory, ServiceEventFactory, UserFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SATISFACTION_HEADER = ["年度*", "季度*", "科室", "工号", "得分*"]
EVENT_HEADER = ["日期*", "工号*", "类别*", "事由*", "是否已处理"]


def xlsx(rows, header) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("inputs.xlsx", buffer.getvalue(), content_type=XLSX)


@pytest.fixture
def hr_client(client_for, hr):
    return client_for(hr)


@pytest.fixture
def finance(organisation):
    return DepartmentFactory(organisation=organisation, code="D002", name="财务科")


@pytest.fixture
def other_hr(other_organisation):
    return UserFactory(username="other_hr", organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])


def department_score(organisation, department, score="88.00", year=2026, quarter=3, **kwargs):
    return SatisfactionScoreFactory(
        organisation=organisation, department=department, year=year, quarter=quarter, score=Decimal(score), **kwargs
    )


def person_score(person, score="95.00", year=2026, quarter=3):
    return SatisfactionScoreFactory(person=person, year=year, quarter=quarter, score=Decimal(score))


def event(person, kind=ServiceEventKind.PRAISE, day=date(2026, 8, 1), handled=None, description="来信表扬"):
    return ServiceEventFactory(person=person, date=day, kind=kind, description=description, handled=handled)


# --- Satisfaction scores by hand --------------------------------------------------------------


def test_hr_adds_a_department_score_and_it_is_listed_for_its_quarter(hr_client, hr, department):
    response = hr_client.post(
        reverse("evaluations:satisfaction_create"),
        {"year": 2026, "quarter": 3, "department": department.pk, "score": "91.25"},
    )

    assert response.status_code == 302
    score = SatisfactionScore.objects.get()
    assert (score.department, score.person, score.score) == (department, None, Decimal("91.25"))
    assert score.organisation_id == hr.organisation_id
    assert score.entered_by == hr
    listed = hr_client.get(reverse("evaluations:satisfaction_list"), {"year": 2026, "quarter": 3})
    assert list(listed.context["page"]) == [score]
    assert not list(
        hr_client.get(reverse("evaluations:satisfaction_list"), {"year": 2026, "quarter": 2}).context["page"]
    )


def test_hr_adds_a_personal_score(hr_client, staff):
    hr_client.post(
        reverse("evaluations:satisfaction_create"), {"year": 2026, "quarter": 3, "person": staff.pk, "score": "100"}
    )

    assert SatisfactionScore.objects.get().person == staff


def test_hr_edits_a_score(hr_client, hr, organisation, department):
    score = department_score(organisation, department)

    response = hr_client.post(
        reverse("evaluations:satisfaction_edit", args=[score.pk]),
        {"year": 2026, "quarter": 3, "department": department.pk, "score": "79.5"},
    )

    assert response.status_code == 302
    score.refresh_from_db()
    assert score.score == Decimal("79.50")
    assert score.entered_by == hr


def test_deleting_a_score_asks_for_confirmation_first(hr_client, organisation, department):
    score = department_score(organisation, department)
    url = reverse("evaluations:satisfaction_delete", args=[score.pk])

    page = hr_client.get(url)
    assert page.status_code == 200
    assert "确定删除" in page.content.decode()
    assert SatisfactionScore.objects.filter(pk=score.pk).exists()

    assert hr_client.post(url).status_code == 302
    assert not SatisfactionScore.objects.filter(pk=score.pk).exists()


@pytest.mark.parametrize("value", ["100.01", "-1", "150"])
def test_a_score_out_of_range_is_refused(hr_client, department, value):
    response = hr_client.post(
        reverse("evaluations:satisfaction_create"),
        {"year": 2026, "quarter": 3, "department": department.pk, "score": value},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["score"]
    assert not SatisfactionScore.objects.exists()


def test_a_score_needs_exactly_one_of_department_and_person(hr_client, department, staff):
    url = reverse("evaluations:satisfaction_create")

    both = hr_client.post(
        url, {"year": 2026, "quarter": 3, "department": department.pk, "person": staff.pk, "score": "90"}
    )
    neither = hr_client.post(url, {"year": 2026, "quarter": 3, "score": "90"})

    assert both.context["form"].errors == {"person": ["科室和人员只能选择一项。"]}
    assert neither.context["form"].errors == {"department": ["请选择科室或人员中的一项。"]}
    assert not SatisfactionScore.objects.exists()


def test_a_second_score_for_the_same_department_and_quarter_is_refused(hr_client, organisation, department):
    department_score(organisation, department, score="80")

    response = hr_client.post(
        reverse("evaluations:satisfaction_create"),
        {"year": 2026, "quarter": 3, "department": department.pk, "score": "90"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"department": ["该科室或人员本季度已有满意度得分，请编辑原记录。"]}
    assert SatisfactionScore.objects.get().score == Decimal("80.00")


def test_another_organisations_department_cannot_be_chosen(hr_client, outsider):
    response = hr_client.post(
        reverse("evaluations:satisfaction_create"),
        {"year": 2026, "quarter": 3, "department": outsider.department_id, "score": "90"},
    )

    assert response.context["form"].errors["department"]
    assert not SatisfactionScore.objects.exists()


# --- Praise and complaints by hand -----------------------------------------------------------


def test_hr_records_a_complaint_with_its_handled_state(hr_client, hr, staff):
    response = hr_client.post(
        reverse("evaluations:event_create"),
        {"date": "2026-08-03", "person": staff.pk, "kind": "complaint", "description": "态度生硬", "handled": "false"},
    )

    assert response.status_code == 302
    saved = ServiceEvent.objects.get()
    assert (saved.person, saved.kind, saved.handled, saved.entered_by) == (staff, "complaint", False, hr)
    assert saved.organisation_id == hr.organisation_id


def test_a_complaint_needs_its_handled_state_and_a_praise_has_none(hr_client, staff):
    url = reverse("evaluations:event_create")
    base = {"date": "2026-08-03", "person": staff.pk, "description": "事由"}

    complaint = hr_client.post(url, {**base, "kind": "complaint", "handled": ""})
    praise = hr_client.post(url, {**base, "kind": "praise", "handled": "true"})

    assert complaint.context["form"].errors["handled"] == ["投诉须注明是否已处理。"]
    assert praise.context["form"].errors["handled"] == ["表扬不填写是否已处理。"]
    assert not ServiceEvent.objects.exists()


def test_an_event_in_the_future_is_refused(hr_client, staff):
    response = hr_client.post(
        reverse("evaluations:event_create"),
        {"date": "2099-01-01", "person": staff.pk, "kind": "praise", "description": "事由"},
    )

    assert response.context["form"].errors["date"]
    assert not ServiceEvent.objects.exists()


def test_hr_marks_a_complaint_handled(hr_client, staff):
    complaint = event(staff, kind=ServiceEventKind.COMPLAINT, handled=False)
    edit_url = reverse("evaluations:event_edit", args=[complaint.pk])
    assert hr_client.get(edit_url).context["form"]["handled"].value() == "false"

    hr_client.post(
        edit_url,
        {"date": "2026-08-01", "person": staff.pk, "kind": "complaint", "description": "已回访", "handled": "true"},
    )

    complaint.refresh_from_db()
    assert (complaint.handled, complaint.description) == (True, "已回访")


def test_deleting_an_event_asks_for_confirmation_first(hr_client, staff):
    praise = event(staff)
    url = reverse("evaluations:event_delete", args=[praise.pk])

    assert hr_client.get(url).status_code == 200
    assert ServiceEvent.objects.filter(pk=praise.pk).exists()

    hr_client.post(url)
    assert not ServiceEvent.objects.filter(pk=praise.pk).exists()


def test_the_event_list_filters_by_quarter_department_kind_and_handled(hr_client, staff, finance):
    other = UserFactory(department=finance)
    unhandled = event(staff, kind=ServiceEventKind.COMPLAINT, handled=False)
    event(staff, kind=ServiceEventKind.COMPLAINT, handled=True)
    event(staff)
    event(other)
    event(staff, day=date(2026, 4, 1))
    url = reverse("evaluations:event_list")

    def listed(**params):
        return set(hr_client.get(url, {"year": 2026, "quarter": 3, **params}).context["page"])

    assert len(listed()) == 4
    assert len(listed(department=finance.pk)) == 1
    assert len(listed(kind="praise")) == 2
    assert listed(kind="complaint", handled="false") == {unhandled}


# --- Satisfaction import -------------------------------------------------------------------


def import_satisfaction(client, rows, header=SATISFACTION_HEADER):
    return client.post(reverse("evaluations:satisfaction_import"), {"file": xlsx(rows, header)})


def test_a_valid_satisfaction_file_imports_department_and_personal_scores(hr_client, hr, department, finance, staff):
    response = import_satisfaction(
        hr_client,
        [
            [2026, 3, "办公室", None, 92.5],
            [2026, "第3季度", "D002", None, 85],  # the quarter as the pages and the list name it
            [2026, "第三季度", None, staff.employee_number, "99.25"],
        ],
    )

    assert response.status_code == 200
    assert response.context["result"].created == 3
    scores = {(s.department_id, s.person_id): s.score for s in SatisfactionScore.objects.all()}
    assert scores == {
        (department.pk, None): Decimal("92.50"),
        (finance.pk, None): Decimal("85.00"),
        (None, staff.pk): Decimal("99.25"),
    }
    assert {s.entered_by_id for s in SatisfactionScore.objects.all()} == {hr.pk}


def test_a_satisfaction_file_with_errors_imports_nothing_and_names_each_row(hr_client, department, staff):
    response = import_satisfaction(
        hr_client,
        [
            [2026, 3, "办公室", None, 90],
            [2026, 3, "办公室", staff.employee_number, 90],
            [2026, 3, None, None, 90],
            [2026, 5, "不存在的科室", None, 101],
            [2026, 3, None, "NOPE", "abc"],
            [2026, 3, "D001", None, 80],
            [2026, 3, None, staff.employee_number, 90.123],
        ],
    )

    assert response.status_code == 200
    assert response.context["errors"] == [
        # The rules' wording is the web form's: one check, in the service, for both.
        "第3行：科室和人员只能选择一项。",
        "第4行：请选择科室或人员中的一项。",
        "第5行：季度“5”无效，请填1–4",
        "第5行：科室“不存在的科室”不存在",
        "第5行：得分101超出范围（0–100）",
        "第6行：工号“NOPE”在本单位不存在",
        "第6行：得分“abc”不是数字",
        "第7行：D001 2026年第3季度的得分在文件中重复（第2行）",
        "第8行：得分“90.123”最多保留两位小数",
    ]
    assert not SatisfactionScore.objects.exists()
    assert "本次未导入任何数据" in response.content.decode()


def test_reimporting_satisfaction_updates_scores_and_never_duplicates(hr_client, organisation, department, staff):
    department_score(organisation, department, score="70")
    rows = [[2026, 3, "办公室", None, 90], [2026, 3, None, staff.employee_number, 95]]

    first = import_satisfaction(hr_client, rows).context["result"]
    second = import_satisfaction(hr_client, rows).context["result"]

    assert (first.created, first.updated, first.unchanged) == (1, 1, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert SatisfactionScore.objects.count() == 2
    assert SatisfactionScore.objects.get(department=department).score == Decimal("90.00")


def test_a_person_or_department_of_another_organisation_is_an_import_error(hr_client, department, outsider):
    response = import_satisfaction(
        hr_client, [[2026, 3, None, outsider.employee_number, 90], [2026, 3, "外单位科室", None, 90]]
    )

    assert response.context["errors"] == [
        f"第2行：工号“{outsider.employee_number}”在本单位不存在",
        "第3行：科室“外单位科室”不存在",
    ]
    assert not SatisfactionScore.objects.exists()


def test_a_wrong_satisfaction_header_is_refused(hr_client, department):
    response = import_satisfaction(hr_client, [[2026, 3, 90]], header=["年度", "季度", "分数"])

    assert response.context["errors"][0].startswith("表头不正确")
    assert not SatisfactionScore.objects.exists()


def test_the_satisfaction_template_round_trips(hr_client, department, staff):
    response = hr_client.get(reverse("evaluations:satisfaction_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == SATISFACTION_HEADER
    assert "办公室" in [row[0] for row in workbook["说明"].iter_rows(values_only=True)]

    sheet.append([2026, 3, "办公室", None, 88])
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = SimpleUploadedFile("filled.xlsx", buffer.getvalue(), content_type=XLSX)
    result = hr_client.post(reverse("evaluations:satisfaction_import"), {"file": file}).context["result"]

    assert result.created == 1


# --- Event import --------------------------------------------------------------------------


def import_events(client, rows):
    return client.post(reverse("evaluations:event_import"), {"file": xlsx(rows, EVENT_HEADER)})


def test_an_event_file_finds_people_by_a_full_width_or_lower_case_number(hr_client, staff, colleague):
    """工号 as the staff register compares them (user tests: Ｓ００００４ and s00004 were not found)."""
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in staff.employee_number)
    response = import_events(
        hr_client,
        [
            [date(2026, 8, 1), full_width, "表扬", "来信表扬", None],
            [date(2026, 8, 2), colleague.employee_number.lower(), "表扬", "锦旗", None],
        ],
    )
    assert response.context["result"].created == 2
    assert sorted(ServiceEvent.objects.values_list("person_id", flat=True)) == sorted([staff.pk, colleague.pk])


def test_a_valid_event_file_imports_praise_and_complaints(hr_client, hr, staff, colleague):
    response = import_events(
        hr_client,
        [
            [date(2026, 8, 1), staff.employee_number, "表扬", "来信表扬", None],
            ["2026/08/02", colleague.employee_number, "投诉", "态度生硬", "否"],
            ["2026-08-03", colleague.employee_number, "投诉", "办事拖延", "是"],
        ],
    )

    assert response.context["result"].created == 3
    assert sorted(ServiceEvent.objects.values_list("kind", "handled")) == [
        ("complaint", False),
        ("complaint", True),
        ("praise", None),
    ]
    assert {e.entered_by_id for e in ServiceEvent.objects.all()} == {hr.pk}


def test_an_event_file_with_errors_imports_nothing_and_names_each_row(hr_client, staff, outsider):
    number = staff.employee_number
    response = import_events(
        hr_client,
        [
            ["2026-08-01", number, "表扬", "来信表扬", None],
            ["2026-13-01", number, "表扬", "事由", None],
            ["2026-08-01", outsider.employee_number, "投诉", "事由", None],
            ["2026-08-01", number, "批评", "", None],
            ["2026-08-01", number, "表扬", "来信表扬", None],
            ["2026-08-01", number, "表扬", "事由二", "是"],
            ["2099-01-01", number, "投诉", "事由三", "也许"],
        ],
    )

    assert response.context["errors"] == [
        "第3行：日期“2026-13-01”无效，请按 2026-03-15 的格式填写",
        f"第4行：工号“{outsider.employee_number}”在本单位不存在",
        # The rules' wording is the web form's: one check, in the service, for both.
        "第4行：投诉须注明是否已处理。",
        "第5行：类别“批评”无效，请填“表扬”或“投诉”",
        "第5行：事由不能为空",
        "第6行：与第2行重复（日期、工号、类别、事由均相同）",
        "第7行：表扬不填写是否已处理。",
        "第8行：是否已处理“也许”无效，请填“是”或“否”",
        "第8行：日期不能晚于今天。",
    ]
    assert not ServiceEvent.objects.exists()


def test_reimporting_events_updates_handled_and_never_duplicates(hr_client, staff):
    number = staff.employee_number
    import_events(
        hr_client, [["2026-08-01", number, "投诉", "态度生硬", "否"], ["2026-08-02", number, "表扬", "好", None]]
    )

    result = import_events(
        hr_client, [["2026-08-01", number, "投诉", "态度生硬", "是"], ["2026-08-02", number, "表扬", "好", None]]
    ).context["result"]

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert ServiceEvent.objects.count() == 2
    assert ServiceEvent.objects.get(kind="complaint").handled is True


def test_the_event_template_downloads_with_its_headers(hr_client):
    response = hr_client.get(reverse("evaluations:event_import_template"))

    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook.worksheets[0][1]] == EVENT_HEADER


# --- inputs_for_people ------------------------------------------------------------------------


def test_a_personal_score_overrides_the_department_score(organisation, department, staff, colleague):
    department_score(organisation, department, score="80")
    person_score(staff, score="97")

    inputs = inputs_for_people(organisation=organisation, year=2026, quarter=3, person_ids=[staff.pk, colleague.pk])

    assert (inputs[staff.pk].satisfaction, inputs[staff.pk].satisfaction_source) == (Decimal("97.00"), "person")
    assert (inputs[colleague.pk].satisfaction, inputs[colleague.pk].satisfaction_source) == (
        Decimal("80.00"),
        "department",
    )


def test_a_person_without_any_score_has_none(organisation, department, staff):
    department_score(organisation, department, quarter=2)

    inputs = inputs_for_people(organisation=organisation, year=2026, quarter=3, person_ids=[staff.pk])

    assert inputs[staff.pk].satisfaction is None


def test_inputs_count_the_quarters_praise_complaints_and_unhandled_complaints(organisation, staff, colleague):
    event(staff)
    event(staff, day=date(2026, 9, 30))
    event(staff, kind=ServiceEventKind.COMPLAINT, handled=False)
    event(staff, kind=ServiceEventKind.COMPLAINT, handled=True)
    event(staff, day=date(2026, 6, 30))  # previous quarter
    event(staff, day=date(2026, 10, 1))  # next quarter
    event(colleague, kind=ServiceEventKind.COMPLAINT, handled=False)

    inputs = inputs_for_people(organisation=organisation, year=2026, quarter=3, person_ids=[staff.pk])

    mine = inputs[staff.pk]
    assert (mine.praise_count, mine.complaint_count, mine.unhandled_complaint_count) == (2, 2, 1)
    assert len(mine.events) == 4
    assert colleague.pk not in inputs


def test_inputs_leave_out_people_of_another_organisation(organisation, staff, outsider):
    inputs = inputs_for_people(organisation=organisation, year=2026, quarter=3, person_ids=[staff.pk, outsider.pk])

    assert set(inputs) == {staff.pk}


@pytest.mark.parametrize("people", [3, 30])
def test_inputs_for_people_take_the_same_queries_for_few_and_many(
    organisation, department, django_assert_num_queries, people
):
    persons = [UserFactory(department=department) for _ in range(people)]
    department_score(organisation, department)
    for person in persons:
        person_score(person)
        event(person)
        event(person, kind=ServiceEventKind.COMPLAINT, handled=False)

    with django_assert_num_queries(3):
        inputs = inputs_for_people(organisation=organisation, year=2026, quarter=3, person_ids=[p.pk for p in persons])

    assert len(inputs) == people
    assert all(i.complaint_count == 1 for i in inputs.values())


# --- Access ---------------------------------------------------------------------------------

PAGE_URLS = [
    ("evaluations:satisfaction_list", False),
    ("evaluations:satisfaction_create", False),
    ("evaluations:satisfaction_import", False),
    ("evaluations:satisfaction_import_template", False),
    ("evaluations:satisfaction_edit", True),
    ("evaluations:satisfaction_delete", True),
    ("evaluations:event_list", False),
    ("evaluations:event_create", False),
    ("evaluations:event_import", False),
    ("evaluations:event_import_template", False),
    ("evaluations:event_edit", True),
    ("evaluations:event_delete", True),
]


@pytest.mark.parametrize("persona", ["staff", "head", "sysadmin", "leader"])
def test_only_hr_may_open_the_input_pages(client_for, request, organisation, department, persona):
    score = department_score(organisation, department)
    praise = event(UserFactory(department=department))
    client = client_for(request.getfixturevalue(persona))

    for name, needs_pk in PAGE_URLS:
        pk = (score if name.startswith("evaluations:satisfaction") else praise).pk
        url = reverse(name, args=[pk] if needs_pk else [])
        assert client.get(url).status_code == 403, name
    assert client.post(reverse("evaluations:satisfaction_delete", args=[score.pk])).status_code == 403
    assert SatisfactionScore.objects.filter(pk=score.pk).exists()


def test_a_stranger_is_sent_to_the_login_page(client, db):
    response = client.get(reverse("evaluations:satisfaction_list"))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_hr_of_another_organisation_gets_404_for_these_records(client_for, other_hr, organisation, department, staff):
    score = department_score(organisation, department)
    praise = event(staff)
    client = client_for(other_hr)

    for name, pk in (
        ("evaluations:satisfaction_edit", score.pk),
        ("evaluations:satisfaction_delete", score.pk),
        ("evaluations:event_edit", praise.pk),
        ("evaluations:event_delete", praise.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert client.post(reverse("evaluations:event_delete", args=[praise.pk])).status_code == 404
    assert ServiceEvent.objects.filter(pk=praise.pk).exists()
    assert not list(client.get(reverse("evaluations:satisfaction_list"), {"year": 2026}).context["page"])


# --- List query counts -----------------------------------------------------------------------

# Session, user, roles, policy, organisation, permissions, the bell, the filter's choices, count, rows,
# and the page's closed quarters (one query, whatever the rows).
LIST_QUERY_BOUND = 15


@pytest.mark.parametrize("rows", [3, 30])
def test_the_satisfaction_list_takes_bounded_queries(
    hr_client, organisation, department, django_assert_max_num_queries, rows
):
    for index in range(rows):
        person = UserFactory(department=department)
        person_score(person, score=str(50 + index))
    department_score(organisation, department)

    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = hr_client.get(reverse("evaluations:satisfaction_list"), {"year": 2026, "quarter": 3})

    assert response.context["page"].paginator.count == rows + 1


@pytest.mark.parametrize("rows", [3, 30])
def test_the_event_list_takes_bounded_queries(hr_client, department, django_assert_max_num_queries, rows):
    for _ in range(rows):
        event(UserFactory(department=department), kind=ServiceEventKind.COMPLAINT, handled=False)

    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = hr_client.get(reverse("evaluations:event_list"), {"year": 2026, "quarter": 3})

    assert response.context["page"].paginator.count == rows


def test_hr_opens_every_input_page(hr_client, organisation, department, staff):
    score = department_score(organisation, department)
    praise = event(staff)

    for name, needs_pk in PAGE_URLS:
        pk = (score if name.startswith("evaluations:satisfaction") else praise).pk
        response = hr_client.get(reverse(name, args=[pk] if needs_pk else []))
        assert response.status_code == 200, name


# --- What the pages say -----------------------------------------------------------------------


def test_a_too_long_event_description_is_refused_at_the_edit_forms_limit_naming_the_column(hr_client, staff):
    limit = ServiceEvent._meta.get_field("description").max_length
    too_long = "长" * 3000

    imported = import_events(hr_client, [["2026-08-01", staff.employee_number, "表扬", too_long, None]])
    typed = hr_client.post(
        reverse("evaluations:event_create"),
        {"date": "2026-08-01", "person": staff.pk, "kind": "praise", "description": too_long},
    )

    assert imported.context["errors"] == [f"第2行：“事由”不能超过{limit}字（现为3000字）。"]
    assert typed.status_code == 200 and f"不能超过{limit}字" in str(typed.context["form"].errors["description"])
    assert not ServiceEvent.objects.exists()


def test_an_event_description_at_the_limit_is_imported(hr_client, staff):
    limit = ServiceEvent._meta.get_field("description").max_length

    response = import_events(hr_client, [["2026-08-01", staff.employee_number, "表扬", "好" * limit, None]])

    assert response.context["result"].created == 1


def test_the_survey_messages_name_the_quarter_as_the_calendar_does(hr_client, staff):
    saved = hr_client.post(
        reverse("evaluations:satisfaction_create"),
        {"year": 2026, "quarter": 4, "person": staff.pk, "score": "96"},
        follow=True,
    ).content.decode()
    score = SatisfactionScore.objects.get()
    delete_url = reverse("evaluations:satisfaction_delete", args=[score.pk])
    confirm = hr_client.get(delete_url).content.decode()
    deleted = hr_client.post(delete_url, follow=True).content.decode()

    assert "满意度得分已保存：科员甲 2026年第4季度 96" in saved
    assert "确定删除科员甲 2026年第4季度的满意度得分96.00吗？" in confirm
    assert "满意度得分已删除：科员甲 2026年第4季度 96.00" in deleted
    assert not any("2026Q4" in page for page in (saved, confirm, deleted))
