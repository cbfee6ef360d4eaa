"""/reports/: HR's export through the job mechanism, the stored file's download and expiry, and the
PDF record forms with their permissions (HR, the person, the department's head and leader)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEntry, Job
from evaluations.annual.models import AnnualResult
from evaluations.grading.models import AppraisalQuarter, Grade, QuarterGrade, QuarterState
from publicity.reports import services
from publicity.reports.models import YearWorkbook
from tests.factories import (
    AnnualResultFactory,
    AppraisalQuarterFactory,
    DepartmentFactory,
    GradeReviewFactory,
    MonthlySummaryFactory,
    QuarterGradeFactory,
    TargetItemFactory,
    TargetSetFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("private_files")

YEAR = 2026
needs_poppler = pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")


@pytest.fixture
def quarter(organisation, chief):
    return AppraisalQuarterFactory(
        organisation=organisation,
        year=YEAR,
        quarter=3,
        state=QuarterState.APPROVED,
        approved_by=chief,
        approved_at=timezone.now(),
    )


@pytest.fixture
def graded(staff, head, leader, quarter):
    QuarterGradeFactory(
        person=staff,
        appraisal_quarter=quarter,
        grade=Grade.GOOD,
        state="confirmed",
        comment="工作扎实，成效明显",
        evaluator=head,
        graded_at=timezone.now(),
        confirmed_by=leader,
        confirmed_at=timezone.now(),
    )
    target_set = TargetSetFactory(owner=staff, year=YEAR, quarter=3)
    TargetItemFactory(target_set=target_set, content="完成全年预算编制")
    MonthlySummaryFactory(owner=staff, year=YEAR, month=7, other_work="参加业务培训")
    return staff


# --- The year's workbook --------------------------------------------------------------------


def test_hr_exports_the_year_through_a_job_and_downloads_the_workbook(
    client_for, hr, graded, django_capture_on_commit_callbacks
):
    client = client_for(hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:year_export"), {"year": YEAR})
    job = Job.objects.get(kind=services.YEAR_EXPORT)
    assert response.status_code == 302 and response["Location"].endswith(f"?job={job.pk}&year={YEAR}")
    # Without a broker the job ran on commit; the page shows its bar finished and the download.
    assert job.state == Job.State.DONE and job.progress == 100 and job.summary["people"] == 1
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'data-testid="export-progress"' in page.content
    assert reverse("reports:year_workbook", args=[YEAR]).encode() in page.content
    download = client.get(reverse("reports:year_workbook", args=[YEAR]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    workbook = load_workbook(BytesIO(b"".join(download.streaming_content)))
    assert workbook.sheetnames[0] == "年度汇总"
    assert AuditEntry.objects.filter(event="download").exists()


def test_the_workbook_is_kept_for_the_configured_days_and_then_removed(
    client_for, hr, graded, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_RETENTION_DAYS = 3
    client = client_for(hr)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:year_export"), {"year": YEAR})
    workbook = YearWorkbook.objects.get()
    assert timedelta(days=2, hours=23) < workbook.expires_at - workbook.created_at <= timedelta(days=3, seconds=5)
    storage = workbook.file.storage
    assert storage.exists(workbook.file.name)
    assert services.year_workbooks_expire(now=timezone.now() + timedelta(days=2)) == 0
    assert services.year_workbooks_expire(now=timezone.now() + timedelta(days=4)) == 1
    assert not storage.exists(workbook.file.name)
    assert client.get(reverse("reports:year_workbook", args=[YEAR])).status_code == 404


def test_hr_of_another_organisation_cannot_download_the_workbook(
    client_for, hr, graded, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(hr).post(reverse("reports:year_export"), {"year": YEAR})
    assert YearWorkbook.objects.count() == 1
    other_hr = UserFactory(organisation=outsider.organisation, department=None, roles=["hr_admin"])
    response = client_for(other_hr).get(reverse("reports:year_workbook", args=[YEAR]))
    assert response.status_code == 404


def test_staff_and_heads_may_not_export_the_year(client_for, staff, head):
    for person in (staff, head):
        client = client_for(person)
        assert client.get(reverse("reports:index")).status_code == 403
        assert client.post(reverse("reports:year_export"), {"year": YEAR}).status_code == 403
    assert not Job.objects.exists()


def test_a_job_whose_requester_lost_hr_fails_without_a_file(hr, graded):
    job = services.year_export_request(actor=hr, year=YEAR)
    hr.role_assignments.all().delete()
    Job.objects.filter(pk=job.pk).update(state=Job.State.PENDING, attempts=0)
    from accounts.jobs import job_run

    assert job_run(job.pk).state == Job.State.FAILED


# --- Record forms ---------------------------------------------------------------------------


def _pdf_text(tmp_path, content: bytes) -> tuple[str, str]:
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return text, fonts


def _quarter_form_flat(client, tmp_path, person) -> str:
    """The text of ``person``'s Q3 record form as ``client`` downloads it, on one line."""
    content = client.get(reverse("reports:person_quarter_form", args=[person.pk, YEAR, 3])).content
    return _pdf_text(tmp_path, content)[0].replace("\n", "")


def _pages(tmp_path, content: bytes) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@needs_poppler
def test_the_quarter_form_shows_the_person_in_chinese_with_an_embedded_sc_font(client_for, hr, graded, tmp_path):
    response = client_for(hr).get(reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text, fonts = _pdf_text(tmp_path, response.content)
    for expected in (
        "平时考核登记表",
        "科员甲",
        "办公室",
        "完成全年预算编制",
        "参加业务培训",
        "工作扎实",
        "科长",
        "分管领导",
        "局长",
    ):
        assert expected in text, expected
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert embedded and all(" yes " in line for line in embedded)
    assert any("CJK" in line and "SC" in line for line in embedded)
    assert not any("JP" in line for line in embedded)


@needs_poppler
def test_the_person_sees_their_own_grade_only_once_the_quarter_is_approved(client_for, graded, quarter, tmp_path):
    client = client_for(graded)
    text, _fonts = _pdf_text(
        tmp_path, client.get(reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3])).content
    )
    assert "工作扎实" in text
    quarter.state = QuarterState.OPEN
    quarter.save()
    text, _fonts = _pdf_text(
        tmp_path, client.get(reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3])).content
    )
    assert "工作扎实" not in text and "尚未确定" in text


@needs_poppler
def test_the_quarter_form_lists_the_quarters_findings_about_the_person_but_not_on_their_own_copy(
    client_for, hr, graded, organisation, tmp_path
):
    """A user test read 好 on the form of a quarter with a 严重 finding about the person (7 July),
    and nothing of it; the grading page showed it."""
    from datetime import date

    from tests.factories import FindingFactory, InspectionFactory

    inspection = InspectionFactory(organisation=organisation, date=date(YEAR, 7, 8))
    FindingFactory(inspection=inspection, person=graded, description="工作时间离岗")
    FindingFactory(inspection=InspectionFactory(organisation=organisation, date=date(YEAR, 4, 2)), person=graded)
    text = _quarter_form_flat(client_for(hr), tmp_path, graded)
    assert "纪律作风检查发现" in text and "2026-07-08" in text and "工作时间离岗" in text
    assert "2026-04-02" not in text  # the second quarter's
    assert "纪律作风检查发现" not in _quarter_form_flat(client_for(graded), tmp_path, graded)


@needs_poppler
def test_the_form_of_someone_the_approved_quarter_did_not_list_says_so_not_undecided(
    client_for, hr, colleague, graded, tmp_path
):
    """A user test: the Q4 form of someone who retired before the quarter opened read 等次 尚未确定
    after the quarter was approved and locked — for ever."""
    flat = _quarter_form_flat(client_for(hr), tmp_path, colleague)
    assert "未列入本季度评鉴" in flat and "尚未确定" not in flat


@needs_poppler
def test_a_grade_regraded_after_approval_says_so_on_the_form(client_for, hr, graded, quarter, tmp_path):
    """A user test's form read 好 under "主要负责人审批 局长", who had approved 较好 before an objection
    sent the grade back: the form says the grade was set again after the approval, and when."""
    grade = QuarterGrade.objects.get(person=graded)
    url = reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3])
    grade.confirmed_at = quarter.approved_at - timedelta(days=1)
    grade.save(update_fields=["confirmed_at"])
    text, _fonts = _pdf_text(tmp_path, client_for(hr).get(url).content)
    assert "审批后经异议处理重新评定" not in text
    grade.confirmed_at = quarter.approved_at + timedelta(days=3)
    grade.save(update_fields=["confirmed_at"])
    text, _fonts = _pdf_text(tmp_path, client_for(hr).get(url).content)
    day = timezone.localtime(grade.confirmed_at).date().isoformat()
    assert "审批后经异议处理重新评定" in text.replace("\n", "") and day in text


@needs_poppler
def test_a_grade_the_leader_changed_says_both_grades_and_the_graders_reason_as_theirs_on_the_form(
    client_for, hr, graded, quarter, tmp_path
):
    """A user test: after the leader changed 一般 to 较差 the signed form said 等次 较差 and the
    change's reason, nothing of the head's 一般; and a 定等理由 written for 一般 read as the grade's."""
    grade = QuarterGrade.objects.get(person=graded)
    grade.grade, grade.evaluator_grade, grade.evaluator_reason = Grade.FAIRLY_GOOD, Grade.AVERAGE, "小结迟交"
    grade.reason, grade.change_reason = "小结迟交", "补交后推进明显加快"
    grade.save(update_fields=["grade", "evaluator_grade", "evaluator_reason", "reason", "change_reason"])
    flat = _quarter_form_flat(client_for(hr), tmp_path, graded)
    assert "分管领导调整：一般 → 较好" in flat and "补交后推进明显加快" in flat
    assert "评鉴人评为“一般”的理由：小结迟交" in flat and "定等理由：小结迟交" not in flat
    # A 复核 after it changes the grade, not what the leader changed it to (a review).
    GradeReviewFactory(quarter_grade=grade, old_grade=Grade.FAIRLY_GOOD, new_grade=Grade.GOOD, reviewed_by=hr)
    grade.grade = Grade.GOOD
    grade.save(update_fields=["grade"])
    flat = _quarter_form_flat(client_for(hr), tmp_path, graded)
    assert "分管领导调整：一般 → 较好" in flat and "一般 → 好" not in flat


@needs_poppler
def test_a_grade_reviewed_after_its_lock_names_the_review_on_the_form(client_for, hr, graded, quarter, tmp_path):
    """A user test: after HR's 定等后复核 the form showed the new grade under the evaluator's name,
    with no word of the review, who made it or why."""
    grade = QuarterGrade.objects.get(person=graded)
    reason = "经复查，该同志本季度有两项任务未完成"
    GradeReviewFactory(
        quarter_grade=grade, old_grade=Grade.GOOD, new_grade=Grade.AVERAGE, reason=reason, reviewed_by=hr
    )
    flat = _quarter_form_flat(client_for(hr), tmp_path, graded)
    assert "定等后复核" in flat and "好 → 一般" in flat and hr.get_full_name() in flat
    assert "经复查，该同志本季度有两项任务未完成" in flat


@needs_poppler
def test_the_annual_summary_and_the_department_summary_table(client_for, head, graded, tmp_path):
    client = client_for(head)
    text, _fonts = _pdf_text(tmp_path, client.get(reverse("reports:person_year_form", args=[graded.pk, YEAR])).content)
    assert "年度平时考核情况汇总" in text and "科员甲" in text and "好" in text
    # The forms page names it as it prints (it read 年度考核情况汇总, the committee's grade's name).
    page = client.get(reverse("reports:forms"), {"year": YEAR}).content.decode()
    assert "年度平时考核情况汇总" in page and "年度考核情况汇总" not in page
    # A long reason beside its label leaves the label whole (it was squeezed to a character a line).
    AnnualResultFactory(
        person=graded,
        year=YEAR,
        suggested_grade="competent",
        decided_grade="excellent",
        decision_reason="该同志全年工作表现突出，" * 30,
    )
    text, _fonts = _pdf_text(tmp_path, client.get(reverse("reports:person_year_form", args=[graded.pk, YEAR])).content)
    assert "与建议不一致的理由" in text and "确定等次" in text
    # A reason beside a grade equal to the suggestion (a review's, 定等后复核) is no deviation's (a
    # user test read it so; the workbook leaves it out).
    AnnualResult.objects.filter(person=graded, year=YEAR).update(decided_grade="competent", decision_reason="经复查")
    text, _fonts = _pdf_text(tmp_path, client.get(reverse("reports:person_year_form", args=[graded.pk, YEAR])).content)
    assert "与建议不一致的理由" not in text and "确定等次" in text
    department = graded.department
    graded.position_title = "就业促进科副科长兼综合协调员"
    graded.save(update_fields=["position_title"])
    text, _fonts = _pdf_text(
        tmp_path, client.get(reverse("reports:department_summary", args=[department.pk, YEAR, 3])).content
    )
    assert "平时考核结果汇总表" in text and "科员甲" in text
    # A title is not broken over two lines ("就业促进科副科" / "长"), nor a name.
    assert "就业促进科副科长兼综合协调员" in text


@needs_poppler
def test_a_departments_forms_print_as_one_pdf_a_page_per_person(client_for, hr, graded, colleague, quarter, tmp_path):
    QuarterGradeFactory(person=colleague, appraisal_quarter=quarter, grade=Grade.FAIRLY_GOOD, state="confirmed")
    response = client_for(hr).get(reverse("reports:department_forms", args=[graded.department.pk, YEAR, 3]))
    assert response.status_code == 200
    text, _fonts = _pdf_text(tmp_path, response.content)
    assert "科员甲" in text and "科员乙" in text
    assert _pages(tmp_path, response.content) == 2


def test_a_large_departments_forms_are_made_by_a_job(
    client_for, hr, graded, colleague, quarter, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_INLINE_FORMS_MAX = 1
    QuarterGradeFactory(person=colleague, appraisal_quarter=quarter, grade=Grade.FAIRLY_GOOD, state="confirmed")
    client = client_for(hr)
    args = [graded.department.pk, YEAR, 3]
    page = client.get(reverse("reports:department_forms", args=args))
    assert page.status_code == 200 and b'data-testid="department-forms-job"' in page.content
    assert not Job.objects.exists()  # a GET never writes
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:department_forms_job", args=args))
    job = Job.objects.get(kind=services.DEPARTMENT_FORMS)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.state == Job.State.DONE and job.has_file and job.result_name.endswith(".pdf")
    # Its page leads back to the forms of the same quarter (a user test's link lost the quarter chosen).
    back = f"{reverse('reports:forms')}?year={YEAR}&amp;quarter=3"
    assert back in client.get(job.get_absolute_url()).content.decode()


def test_forms_are_refused_to_other_departments_and_other_organisations(client_for, graded, outsider, leader):
    other_department = DepartmentFactory(organisation=graded.organisation)
    other_head = UserFactory(department=other_department, roles=["staff", "department_head"])
    other_department.head = other_head
    other_department.save()
    other_hr = UserFactory(organisation=outsider.organisation, department=None, roles=["hr_admin"])
    person_url = reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3])
    year_url = reverse("reports:person_year_form", args=[graded.pk, YEAR])
    department_url = reverse("reports:department_summary", args=[graded.department.pk, YEAR, 3])
    for viewer in (other_head, other_hr):
        client = client_for(viewer)
        assert client.get(person_url).status_code == 404
        assert client.get(year_url).status_code == 404
        assert client.get(department_url).status_code == 404
    colleague = UserFactory(department=graded.department)
    assert client_for(colleague).get(person_url).status_code == 404
    assert client_for(colleague).get(department_url).status_code == 404
    assert client_for(graded).get(reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 5])).status_code == 404


def test_the_agency_head_prints_the_summary_table_of_every_department_of_the_organisation(
    client_for, chief, graded, other_department
):
    client = client_for(chief)
    for department in (graded.department, other_department):
        response = client.get(reverse("reports:department_summary", args=[department.pk, YEAR, 3]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEntry.objects.filter(event="download", actor=chief).count() == 2
    # The page offers it: every department, with its 结果汇总表 and nothing he may not open.
    page = client.get(reverse("reports:forms"), {"year": YEAR, "quarter": 3})
    assert [department.name for department in page.context["page"]] == [graded.department.name, other_department.name]
    html = page.content.decode()
    assert reverse("reports:department_summary", args=[graded.department.pk, YEAR, 3]) in html
    assert reverse("reports:department_summary", args=[other_department.pk, YEAR, 3]) in html
    assert reverse("reports:department_forms", args=[graded.department.pk, YEAR, 3]) not in html
    assert reverse("reports:department_forms_job", args=[graded.department.pk, YEAR, 3]) not in html
    assert not page.context["searchable"]


def test_the_agency_head_prints_no_summary_table_of_another_organisation_nor_a_persons_forms(
    client_for, chief, graded, outsider
):
    client = client_for(chief)
    assert client.get(reverse("reports:department_summary", args=[outsider.department.pk, YEAR, 3])).status_code == 404
    # The summary table, not the people's own forms: those stay with HR, the person and the leads.
    assert client.get(reverse("reports:department_forms", args=[graded.department.pk, YEAR, 3])).status_code == 404
    assert client.get(reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3])).status_code == 404
    # Another organisation's agency head does not print this one's.
    other_chief = UserFactory(organisation=outsider.organisation, department=None, roles=["agency_head"])
    response = client_for(other_chief).get(reverse("reports:department_summary", args=[graded.department.pk, YEAR, 3]))
    assert response.status_code == 404
    page = client_for(other_chief).get(reverse("reports:forms"), {"year": YEAR, "quarter": 3})
    assert [department.name for department in page.context["page"]] == [outsider.department.name]


def test_the_pdf_forms_answer_only_get(client_for, hr, graded):
    """A printed form is read, never posted to: a POST is refused (405) before any PDF is made or
    any download audited."""
    client = client_for(hr)
    urls = [
        reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3]),
        reverse("reports:person_year_form", args=[graded.pk, YEAR]),
        reverse("reports:department_summary", args=[graded.department.pk, YEAR, 3]),
        reverse("reports:department_forms", args=[graded.department.pk, YEAR, 3]),
    ]
    downloads = AuditEntry.objects.filter(event="download").count()
    for url in urls:
        assert client.post(url).status_code == 405, url
    assert AuditEntry.objects.filter(event="download").count() == downloads
    assert client.get(urls[0]).status_code == 200


def test_the_results_board_leads_everyone_who_prints_forms_to_them(client_for, staff, head, chief):
    """The forms page is not in the menu (a head's is full): the board of published results, which
    everyone who takes part has in theirs, links to it."""
    for person in (staff, head, chief):
        client = client_for(person)
        board = client.get(reverse("publicity:board")).content.decode()
        assert f'href="{reverse("reports:forms")}" data-testid="forms-link"' in board, person
        assert client.get(reverse("reports:forms")).status_code == 200


def test_the_export_card_names_the_quarters_not_approved_whose_grades_the_workbook_holds(client_for, hr, graded):
    # A user test: the year's workbook showed a quarter still being graded like an approved one.
    client = client_for(hr)
    for quarter in (1, 2):
        AppraisalQuarterFactory(organisation=hr.organisation, year=YEAR, quarter=quarter, state=QuarterState.APPROVED)
    AppraisalQuarterFactory(organisation=hr.organisation, year=YEAR, quarter=4)  # open: being graded
    page = client.get(reverse("reports:index"), {"year": YEAR}).content.decode()
    assert "2026年以下季度尚未审批或有等次正在重评" in page and "：第4季度。" in page
    AppraisalQuarter.objects.filter(organisation=hr.organisation, year=YEAR).update(state=QuarterState.APPROVED)
    assert (
        'data-testid="export-unapproved"' not in client.get(reverse("reports:index"), {"year": YEAR}).content.decode()
    )


def test_a_moved_persons_forms_are_printed_by_the_department_they_were_graded_in(
    client_for, graded, head, other_department, other_head, quarter
):
    """A user test: the former head got the moved person's form in the department's batch but a 404
    alone. The head of the department they were graded in prints it; a head of neither does not."""
    from accounts import services as accounts_services
    from tests.factories import DepartmentFactory, UserFactory

    accounts_services.staff_move(user=graded, department=other_department)
    url = reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3])
    assert client_for(head).get(url).status_code == 200  # graded in 办公室 that quarter
    assert client_for(other_head).get(url).status_code == 200  # their department now
    elsewhere = DepartmentFactory(organisation=graded.organisation, code="D009", name="第九科")
    stranger = UserFactory(department=elsewhere, full_name="九科长")
    elsewhere.head = stranger
    elsewhere.save()
    assert client_for(stranger).get(url).status_code == 404


def test_a_former_head_finds_a_moved_person_for_the_quarter_graded_in_their_department(
    client_for, graded, head, other_department, quarter
):
    """A user test: the form printed, but the forms page's search did not find the moved person.
    The former head finds them for that quarter with its form only (no year's result is theirs);
    for a quarter the person was not graded in there, not at all."""
    from accounts import services as accounts_services

    accounts_services.staff_move(user=graded, department=other_department)
    client = client_for(head)
    response = client.get(reverse("reports:forms"), {"year": YEAR, "quarter": 3, "q": graded.get_full_name()})
    assert [person.get_full_name() for person in response.context["people"]] == [graded.get_full_name()]
    html = response.content.decode()
    quarter_form = reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3])
    assert f'href="{quarter_form}"' in html
    assert reverse("reports:person_year_form", args=[graded.pk, YEAR]) not in html
    assert client.get(quarter_form).status_code == 200
    other_quarter = client.get(reverse("reports:forms"), {"year": YEAR, "quarter": 2, "q": graded.get_full_name()})
    assert list(other_quarter.context["people"]) == []


def _words_past_the_edge(tmp_path, content: bytes) -> list[str]:
    """The words ``pdftotext -bbox`` places beyond their page's right edge."""
    import re

    path = tmp_path / "edge.pdf"
    path.write_bytes(content)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    words = re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html)
    return [word for x_max, word in words if float(x_max) > width]


def test_the_department_summary_in_english_stays_on_the_page(client_for, head, leader, graded, tmp_path):
    """A user test: in English the table's longer headings pushed its last column (确认, the
    leader's name) off the page; the Chinese one fitted."""
    for person, name in ((head, "就业促进科科长"), (leader, "分管副局长兼办公室主任")):
        person.full_name = name
        person.save(update_fields=["full_name"])
    graded.position_title = "四级调研员"
    graded.save(update_fields=["position_title"])
    client = client_for(head)
    url = reverse("reports:department_summary", args=[graded.department.pk, YEAR, 3])
    assert _words_past_the_edge(tmp_path, client.get(url).content) == []
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = client.get(url).content
    assert "Confirm" in _pdf_text(tmp_path, content)[0]
    assert _words_past_the_edge(tmp_path, content) == []


def test_a_forms_file_name_is_in_the_readers_language(client_for, head, graded):
    """A re-test: the English record form came with the Chinese file name."""
    from urllib.parse import unquote

    client = client_for(head)
    url = reverse("reports:person_quarter_form", args=[graded.pk, YEAR, 3])
    name = graded.get_full_name()
    assert f"{name}-{YEAR}年第3季度平时考核登记表.pdf" in unquote(client.get(url)["Content-Disposition"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert f"{name}-Q3_{YEAR}_Routine_appraisal_record_form.pdf" in unquote(client.get(url)["Content-Disposition"])
