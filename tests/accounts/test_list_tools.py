"""The list tools of the staff register and the audit log (accounts.listing): sort by a column
(whitelisted keys, pk as the tiebreak), export what the page shows, a job when the list is long."""

from io import BytesIO
from urllib.parse import quote

import pytest
from django.http import QueryDict
from django.urls import reverse
from openpyxl import load_workbook

from accounts import listing
from accounts.models import AuditEntry, Job, User
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("private_files")


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))


def _names_on_page(client, query: str) -> list[str]:
    response = client.get(f"{reverse('accounts:staff_list')}?{query}")
    return [person.full_name for person in response.context["page"]]


def test_a_column_sorts_ascending_then_descending_with_the_pk_as_tiebreak():
    order, sorting = listing.sorting_for(QueryDict("sort=-name"), keys={"name": "full_name"}, default="name")
    assert [str(o) for o in order] == [
        "OrderBy(F(full_name), descending=True)",
        "OrderBy(F(pk), descending=True)",
    ]
    assert sorting.param == "-name" and sorting.links["name"].query == "sort=name"


def test_an_unknown_sort_key_falls_back_to_the_default_and_never_reaches_order_by():
    order, sorting = listing.sorting_for(
        QueryDict("sort=password&page=3&q=x"), keys={"name": "full_name"}, default="-name"
    )
    assert (sorting.key, sorting.descending) == ("name", True)
    # The header link keeps the filters, drops the page, and reverses the active column.
    assert sorting.links["name"].query == "sort=name&q=x"


def test_hr_sorts_the_staff_register_by_name(client_for, hr, department):
    for name in ("丙", "甲", "乙"):
        UserFactory(department=department, full_name=name)
    client = client_for(hr)
    ascending = _names_on_page(client, f"department={department.pk}&sort=name")
    assert ascending == sorted(ascending)
    assert _names_on_page(client, f"department={department.pk}&sort=-name") == ascending[::-1]
    page = client.get(f"{reverse('accounts:staff_list')}?sort=name").content.decode()
    assert 'aria-sort="ascending"' in page and 'data-testid="sort-name"' in page
    # Filtering keeps the sort.
    assert '<input type="hidden" name="sort" value="name">' in page


def test_the_staff_export_writes_the_filtered_sorted_register_and_is_audited(client_for, hr, department, staff):
    UserFactory(department=department, full_name='=HYPERLINK("x")', position_title="科员\x0b一级")
    response = client_for(hr).post(f"{reverse('accounts:staff_export')}?department={department.pk}&sort=-name")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f"attachment; filename*=utf-8''{quote('人员名册-')}")
    rows = _rows(response.content)
    names = [row[1] for row in rows[1:]]
    expected = list(
        User.objects.filter(department=department).order_by("-full_name", "-pk").values_list("full_name", flat=True)
    )
    assert rows[0][:2] == ("工号", "姓名") and names == expected
    # Word's Shift+Enter (U+000B) is not allowed in a workbook: written as a line break (excel.cell_value).
    assert "科员\n一级" in [row[4] for row in rows[1:]]
    sheet = load_workbook(BytesIO(response.content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    entry = AuditEntry.objects.filter(event="export").latest("pk")
    assert entry.actor == hr and f"department={department.pk}" in entry.changes_dict["filters"][1]


def test_a_long_export_becomes_a_job_with_a_progress_page(
    client_for, hr, department, staff, settings, django_capture_on_commit_callbacks
):
    settings.LIST_EXPORT_INLINE_ROWS = 1
    UserFactory(department=department)
    client = client_for(hr)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{reverse('accounts:staff_export')}?sort=name")
    job = Job.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.state) == ("list_export.accounts.staff", Job.State.DONE)
    download = client.get(reverse("accounts:job_download", args=[job.pk]))
    rows = _rows(b"".join(download.streaming_content))
    assert len(rows) == 1 + User.objects.filter(organisation=hr.organisation).count()
    page = client.get(job.get_absolute_url()).content.decode()
    assert f'href="{reverse("accounts:staff_list")}?sort=name"' in page


def test_the_export_job_checks_the_right_again_when_it_runs(
    client_for, hr, staff, settings, django_capture_on_commit_callbacks
):
    settings.LIST_EXPORT_INLINE_ROWS = 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for(hr).post(reverse("accounts:staff_export"))
    hr.role_assignments.all().delete()
    for callback in callbacks:
        callback()
    job = Job.objects.get()
    assert job.state == Job.State.FAILED and not job.has_file


def test_people_without_the_register_cannot_export_it(client_for, staff, head, auditor, hr):
    for person in (staff, head, auditor):
        assert client_for(person).post(reverse("accounts:staff_export")).status_code == 403
    assert client_for(hr).get(reverse("accounts:staff_export")).status_code == 405
    assert not AuditEntry.objects.filter(event="export").exists()


def test_the_auditor_sorts_the_log_by_actor(client_for, auditor, hr, staff):
    client = client_for(auditor)
    response = client.get(f"{reverse('accounts:audit_list')}?sort=-time")
    assert response.status_code == 200 and response.context["sorting"].param == "-time"
    assert client.get(f"{reverse('accounts:audit_list')}?sort=actor").status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_the_register_and_its_export_take_the_same_queries_for_few_and_many(
    client_for, hr, department, count, django_assert_num_queries
):
    UserFactory.create_batch(count, department=department)
    client = client_for(hr)
    client.get(reverse("accounts:staff_list"))  # session, caches
    with django_assert_num_queries(FEW_MANY_QUERIES["page"]):
        client.get(f"{reverse('accounts:staff_list')}?sort=name")
    with django_assert_num_queries(FEW_MANY_QUERIES["export"]):
        client.post(f"{reverse('accounts:staff_export')}?sort=name")


FEW_MANY_QUERIES = {"page": 9, "export": 8}


def test_the_role_filter_sorts_by_department_too(client_for, hr, department, staff, head):
    # The role filter makes the query DISTINCT: its sort columns must still be accepted (PostgreSQL).
    response = client_for(hr).get(f"{reverse('accounts:staff_list')}?role=staff&sort=-department")
    assert response.status_code == 200
    assert {p.pk for p in response.context["page"]} >= {staff.pk, head.pk}
