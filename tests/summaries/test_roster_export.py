"""The roster's 导出 Excel as a background job: the same workbook as /review/roster.xlsx, built with
the requester's visibility (checked again when it runs), downloaded only by those entitled to it."""

from datetime import date
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import periods
from accounts.models import Job, RoleAssignment
from accounts.selectors import policy_for_organisation
from summaries.exports import ROSTER_EXPORT
from tests.factories import DepartmentFactory, MonthlySummaryFactory, UserFactory

pytestmark = pytest.mark.usefixtures("private_files")

QUERY = "year=2026&month=10"
QUERY_IN_HTML = "year=2026&amp;month=10"


@pytest.fixture
def elsewhere(organisation):
    """Someone in a department the head of `department` does not see."""
    return UserFactory(department=DepartmentFactory(organisation=organisation, name="财务科"), full_name="别的科室")


@pytest.fixture
def export(client_for, django_capture_on_commit_callbacks):
    """``export(person, query)``: the person presses 导出 Excel on the roster; the commit runs the job."""

    def press(person, query=QUERY):
        client = client_for(person)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{reverse('roster_export_job')}?{query}")
        return response, Job.objects.latest("pk")

    return press


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))


def _download(client, job) -> bytes:
    response = client.get(reverse("accounts:job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_roster_page_asks_for_the_export_with_a_post_button(client_for, hr):
    page = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 10}).content.decode()
    assert f'action="{reverse("roster_export_job")}?{QUERY_IN_HTML}"' in page and 'method="post"' in page
    assert "导出Excel" in page


def test_the_export_job_gives_the_same_workbook_as_the_direct_download(client_for, export, hr, staff, elsewhere):
    MonthlySummaryFactory(owner=staff, submitted=True)
    response, job = export(hr)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.state, job.requested_by) == (ROSTER_EXPORT, Job.State.DONE, hr)
    assert job.result_name == f"2026年10月提交情况-{periods.today():%Y%m%d}.xlsx"
    assert job.params == {"year": 2026, "month": 10, "department": None, "show": "", "language": "zh-hans"}
    client = client_for(hr)
    direct = client.get(f"{reverse('roster_export')}?{QUERY}").getvalue()
    assert _rows(_download(client, job)) == _rows(direct)
    names = [row[2] for row in _rows(direct)[1:]]
    assert "科员甲" in names and "别的科室" in names
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="job-download"' in page
    assert f'href="{reverse("roster")}?{QUERY_IN_HTML}" data-testid="job-return"' in page


def test_the_roster_workbook_downloads_with_a_chinese_name_like_every_other_export(client_for, export, hr):
    day = f"{periods.today():%Y%m%d}"
    client = client_for(hr)
    _response, job = export(hr)
    download = client.get(reverse("accounts:job_download", args=[job.pk]))
    direct = client.get(f"{reverse('roster_export')}?{QUERY}")
    for response in (download, direct):
        assert unquote(response["Content-Disposition"].split("filename*=utf-8''", 1)[1]) == (
            f"2026年10月提交情况-{day}.xlsx"
        )


def test_the_filters_travel_with_the_job(export, hr, staff, colleague, department):
    _response, job = export(hr, f"{QUERY}&department={department.pk}&show=not_submitted")
    assert job.params == {
        "year": 2026,
        "month": 10,
        "department": department.pk,
        "show": "not_submitted",
        "language": "zh-hans",
    }
    assert job.state == Job.State.DONE


def test_a_head_exports_only_their_departments(client_for, export, head, staff, elsewhere):
    _response, job = export(head)
    names = [row[2] for row in _rows(_download(client_for(head), job))[1:]]
    assert "科员甲" in names and "别的科室" not in names


def test_the_runner_checks_the_requesters_right_again(head, staff, client_for, django_capture_on_commit_callbacks):
    client = client_for(head)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"{reverse('roster_export_job')}?{QUERY}")
    # Between the request and the run, the head loses the department.
    RoleAssignment.objects.filter(user=head).delete()
    head.department.head = None
    head.department.save()
    for callback in callbacks:
        callback()
    job = Job.objects.get()
    assert job.state == Job.State.FAILED and "无权查看提交情况" in job.error and not job.has_file


def test_another_organisations_user_and_a_head_cannot_follow_hrs_export(client_for, export, hr, head, chief, outsider):
    _response, job = export(hr)
    for person in (outsider, head):
        client = client_for(person)
        assert client.get(job.get_absolute_url()).status_code == 404
        assert client.get(reverse("accounts:job_download", args=[job.pk])).status_code == 404
    # The agency head sees every department's roster, so may follow HR's export.
    assert client_for(chief).get(reverse("accounts:job_download", args=[job.pk])).status_code == 200


def test_staff_cannot_ask_for_an_export(client_for, staff, sysadmin):
    for person in (staff, sysadmin):
        assert client_for(person).post(f"{reverse('roster_export_job')}?{QUERY}").status_code == 403
    assert client_for(staff).get(f"{reverse('roster_export_job')}?{QUERY}").status_code in (403, 405)
    assert not Job.objects.exists()


def test_bad_filters_are_refused(client_for, hr):
    assert client_for(hr).post(f"{reverse('roster_export_job')}?year=2026&month=13").status_code == 404
    assert not Job.objects.exists()


def test_the_roster_export_and_its_download_are_audited(client_for, export, hr, staff, organisation):
    from accounts.models import AuditEntry

    client, (_response, job) = client_for(hr), export(hr)
    _download(client, job)
    client.get(f"{reverse('roster_export')}?{QUERY}", REMOTE_ADDR="192.0.2.44")
    events = list(AuditEntry.objects.filter(event__in=["export", "download"]).order_by("pk"))
    assert [(e.event, e.actor) for e in events] == [("export", hr), ("download", hr), ("export", hr)]
    assert "year" in events[0].changes_dict["params"][1] and events[1].object_pk == str(job.pk)
    assert events[2].remote_addr == "192.0.2.44" and events[2].organisation == organisation


def _page_rows(viewer, **params) -> list[list]:
    """The roster as the page's rows (:class:`RosterRow`) would write it: what the streamed export must equal."""
    from summaries import review

    return [
        [
            str(row.person.department or ""),
            row.person.employee_number,
            row.person.get_full_name(),
            row.summary_label,
            "迟交" if row.summary_late else "逾期" if row.summary_overdue else "",
            row.targets_label,
            "迟交" if row.targets_late else "逾期" if row.targets_overdue else "",
        ]
        for row in review.roster(viewer=viewer, year=2026, month=10, **params)
    ]


def test_the_streamed_rows_are_the_rows_the_roster_page_shows(hr, staff, colleague, department, elsewhere, settings):
    from accounts.workflow import ReviewStatus
    from summaries import exports, review
    from tests.factories import TargetSetFactory

    MonthlySummaryFactory(owner=staff, submitted=True, is_late=True)
    MonthlySummaryFactory(owner=colleague, status=ReviewStatus.RETURNED)
    MonthlySummaryFactory(owner=elsewhere, status=ReviewStatus.DRAFT)
    MonthlySummaryFactory(owner=staff, month=9, status=ReviewStatus.APPROVED)  # another month: not shown
    TargetSetFactory(owner=staff, status=ReviewStatus.APPROVED, is_late=True)
    TargetSetFactory(owner=colleague, quarter=3, status=ReviewStatus.APPROVED)  # another quarter
    UserFactory(department=department, full_name="", username="no-name")
    settings.APPRAISAL_TODAY = date(2026, 11, 3)
    policy = policy_for_organisation(organisation_id=hr.organisation_id)
    for show in ("", "not_submitted", "late", "returned"):
        people = review.roster_people(viewer=hr, year=2026, month=10, show=show)
        streamed = list(exports.roster_sheet_rows(people, year=2026, month=10, policy=policy))
        assert streamed == _page_rows(hr, show=show)
    everyone = {row[2]: row for row in _page_rows(hr)}
    # 3 November: October's summaries are due on the 5th, the fourth quarter's targets were due in
    # October. Handed in late: 迟交; not handed in past the deadline: 逾期 (the page's badges).
    assert everyone[staff.full_name][3:] == ["已提交", "迟交", "已通过", "迟交"]
    assert everyone[colleague.full_name][3:] == ["已退回", "", "未提交", "逾期"]
    assert everyone["no-name"][3:] == ["未提交", "", "未提交", "逾期"]


def test_the_export_reads_the_same_number_of_queries_for_few_and_many_people(hr, department):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from summaries import exports

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            exports.roster_file(viewer=hr, year=2026, month=10).content.close()
        return len(captured)

    UserFactory(department=department)
    queries()  # the policy, cached for the next calls
    few = queries()
    for _n in range(30):
        MonthlySummaryFactory(owner=UserFactory(department=department), submitted=True)
    assert queries() == few


def test_the_finished_export_reads_in_the_readers_language(client_for, export, hr, settings):
    """A user test read "Completed Excel已生成，可以下载。" in the English UI: the message a run
    stores is in the worker's language; a finished export says only its state, the reader's."""
    _response, job = export(hr)
    assert job.state == Job.State.DONE and job.message == ""
    client = client_for(hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(job.get_absolute_url()).content.decode()
    message = page.split("data-job-message>")[1].split("<")[0]
    assert message == "" and "已生成" not in page


def test_the_export_job_writes_the_workbook_in_the_language_of_the_askers_pages(
    client_for, hr, staff, django_capture_on_commit_callbacks
):
    """A user test: on the English pages the roster's 导出 job gave a Chinese workbook (the direct
    download an English one), and the English file name had lost its month (10/2026: the slash)."""
    client = client_for(hr)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{reverse('roster_export_job')}?{QUERY}")
    job = Job.objects.latest("pk")
    assert job.params["language"] == "en" and job.state == Job.State.DONE
    assert job.result_name.startswith("10-2026_") and "提交情况" not in job.result_name
    rows = _rows(_download(client, job))
    direct = client.get(f"{reverse('roster_export')}?{QUERY}").getvalue()
    assert rows == _rows(direct)
    assert not any("姓名" in str(value) for row in rows[:5] for value in row if value), rows[:5]


def test_what_the_job_stores_for_every_reader_stays_in_the_sites_language(
    client_for, hr, staff, django_capture_on_commit_callbacks
):
    """A review: the runner ran under the asker's language, so its refusal was stored in English
    for HR colleagues reading the job on the Chinese pages."""
    client = client_for(hr)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"{reverse('roster_export_job')}?{QUERY}")
    job = Job.objects.latest("pk")
    hr.is_active = False
    hr.save(update_fields=["is_active"])
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "提交人已无权查看提交情况" in job.error, job.error
