"""HR corrects the date of a person's latest move (a user test: a move recorded with the wrong date
could not be corrected anywhere — the move page refused an earlier date, the history had no edit)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import AuditEntry, DepartmentMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(settings, staff, other_department):
    settings.APPRAISAL_TODAY = date(2026, 11, 20)
    services.staff_move(user=staff, department=other_department, on_date=date(2026, 11, 12), reason="工作需要")
    return staff


def _postings(person) -> list[tuple[str, date, date | None]]:
    rows = DepartmentMembership.objects.filter(user=person).order_by("start_date")
    return [(m.department.name, m.start_date, m.end_date) for m in rows.select_related("department")]


def test_hr_corrects_the_date_on_the_staff_page_and_the_rosters_follow(
    client_for, hr, moved, department, other_department
):
    client = client_for(hr)
    detail = client.get(reverse("accounts:staff_detail", args=[moved.pk])).content.decode()
    url = reverse("accounts:staff_move_date", args=[moved.pk])
    assert url in detail
    page = client.get(url).content.decode()
    assert "2026-11-12" in page and other_department.name in page
    response = client.post(url, {"on_date": "2026-09-28", "reason": "调令日期为9月28日，录入有误"}, follow=True)
    assert response.redirect_chain[-1][1] == 302
    # What it reaches, not where a grade is (a re-test read 仍记在原科室 of a grade given in the new one).
    said = response.content.decode()
    assert "已有的季度等次不随更正改变" in said and "原科室" not in said
    assert _postings(moved) == [
        (department.name, date(2026, 1, 1), date(2026, 9, 28)),
        (other_department.name, date(2026, 9, 28), None),
    ]
    # Recorded, with the reason, on both postings.
    entries = AuditEntry.objects.filter(content_type__model="departmentmembership", reason__contains="录入有误")
    assert entries.count() == 2
    # October's roster (ended) now lists the person in the new department.
    roster = client.get(reverse("roster"), {"year": 2026, "month": 10, "department": other_department.pk})
    assert moved.full_name in roster.content.decode()


@pytest.mark.parametrize(
    ("on_date", "said"),
    [
        (date(2026, 11, 12), "没有改变"),
        (date(2025, 12, 31), "须晚于在原科室"),
        (date(2026, 12, 31), "不能晚于"),
    ],
)
def test_a_date_that_cannot_be_is_refused_at_the_box_and_nothing_changes(client_for, hr, moved, on_date, said):
    before = _postings(moved)
    response = client_for(hr).post(
        reverse("accounts:staff_move_date", args=[moved.pk]), {"on_date": on_date.isoformat(), "reason": "更正"}
    )
    assert response.status_code == 400 and said in response.content.decode()
    assert _postings(moved) == before


def test_a_reason_is_required_and_someone_never_moved_has_nothing_to_correct(client_for, hr, moved, colleague):
    with pytest.raises(ValidationError, match="更正原因"):
        services.staff_move_date_correct(user=moved, on_date=date(2026, 11, 1), reason=" ")
    client = client_for(hr)
    assert client.get(reverse("accounts:staff_move_date", args=[colleague.pk])).status_code == 404
    detail = client.get(reverse("accounts:staff_detail", args=[colleague.pk])).content.decode()
    assert 'data-testid="correct-move-date"' not in detail


def test_staff_and_heads_may_not_correct_a_move(client_for, staff, head, moved):
    for person in (staff, head):
        response = client_for(person).post(
            reverse("accounts:staff_move_date", args=[moved.pk]), {"on_date": "2026-11-01", "reason": "改"}
        )
        assert response.status_code in (403, 404)
    assert _postings(moved)[1][1] == date(2026, 11, 12)


def test_hr_does_not_correct_their_own_move_and_another_organisations_hr_finds_nothing(
    client_for, hr, department, other_department, moved, outsider
):
    from accounts.models import Role
    from tests.factories import UserFactory

    # Another HR administrator takes it (回避 applies where one exists).
    UserFactory(department=None, organisation=hr.organisation, roles=[Role.HR_ADMIN])
    hr.department = department
    hr.save(update_fields=["department"])
    DepartmentMembership.objects.create(user=hr, department=department, start_date=date(2026, 1, 1))
    services.staff_move(user=hr, department=other_department, on_date=date(2026, 11, 1), reason="调整", actor=None)
    response = client_for(hr).post(
        reverse("accounts:staff_move_date", args=[hr.pk]), {"on_date": "2026-10-20", "reason": "更正"}
    )
    assert response.status_code in (400, 403) and "回避" in response.content.decode()
    assert DepartmentMembership.objects.get(user=hr, end_date__isnull=True).start_date == date(2026, 11, 1)
    stranger = UserFactory(department__organisation=outsider.organisation, roles=[Role.HR_ADMIN])
    assert client_for(stranger).get(reverse("accounts:staff_move_date", args=[moved.pk])).status_code == 404
