"""HR keeps the register: departments and people, with history and confirmations."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import DepartmentMembership, PendingRoleChange, Role, User
from accounts.services import staff_create
from tests.accounts.helpers import post_new_person
from tests.factories import DepartmentFactory, UserFactory


def test_hr_creates_a_person_who_must_change_the_shown_password(client_for, hr, department, client):
    response = post_new_person(client_for(hr), department, username="newbie", employee_number="E90001")
    assert response.status_code == 200
    password = response.context["password"]
    person = User.objects.get(username="newbie")
    assert person.must_change_password
    assert person.roles == {Role.STAFF}
    assert DepartmentMembership.objects.filter(user=person, department=department, end_date__isnull=True).exists()
    assert password in response.content.decode()

    client.logout()
    client.post(reverse("accounts:login"), {"username": "newbie", "password": password})
    assert client.get("/")["Location"] == reverse("accounts:password_change")


def test_people_given_one_password_hash_share_it_and_keep_it_at_first_login(organisation, department, client):
    # The demo's accounts: one hash of the documented password, no change forced at first login.
    encoded = make_password("Shared@2026!")
    people = [
        staff_create(
            organisation=organisation,
            username=username,
            full_name="同事",
            department=department,
            password_hash=encoded,
            employee_number=number,
        )[0]
        for username, number in (("first", "E90002"), ("second", "E90003"))
    ]
    assert {person.password for person in people} == {encoded}
    assert not any(person.must_change_password for person in people)
    client.post(reverse("accounts:login"), {"username": "second", "password": "Shared@2026!"})
    assert client.get("/").status_code == 200


def test_a_duplicate_employee_number_is_refused_with_a_message(client_for, hr, staff, department):
    response = post_new_person(
        client_for(hr), department, username="dup", employee_number=staff.employee_number, full_name="重复"
    )
    assert response.status_code == 200
    assert "已被使用" in response.content.decode()
    assert not User.objects.filter(username="dup").exists()


def test_the_new_person_form_names_who_holds_the_employee_number_as_the_import_does(client_for, hr, staff, department):
    """A user test: the form said only 工号“X002”已被使用。 where the import names the person."""
    response = post_new_person(client_for(hr), department, username="dup", employee_number=staff.employee_number)
    assert response.context["form"].errors["employee_number"] == [
        f"工号“{staff.employee_number}”已被使用：本单位的“{staff.full_name}”（用户名{staff.username}）。"
    ]


def test_the_new_person_form_takes_the_employee_number_as_user_name_when_none_is_given(
    client_for, hr, staff, department
):
    """As the staff import does: 用户名 may be left blank, and a 工号 someone uses as a user name is
    refused naming them."""
    client = client_for(hr)
    page = client.get(reverse("accounts:staff_create")).content.decode()
    assert "不填则使用工号" in page
    # Not followed by Django's 必填 (required) for a field that is not (a user test).
    assert "必填" not in page.split("不填则使用工号", 1)[1].split("</div>", 1)[0]
    response = post_new_person(client, department, username="", employee_number="X002", full_name="王新")
    assert response.status_code == 200 and "initial_password" in response.templates[0].name
    assert User.objects.get(employee_number="X002").username == "X002"

    refused = post_new_person(client, department, username="", employee_number=staff.username.upper())
    assert refused.context["form"].errors["username"] == [
        f"用户名“{staff.username.upper()}”已被本单位的“{staff.full_name}”（工号{staff.employee_number}）使用，请另填用户名"
    ]


def test_deactivating_asks_for_confirmation_first(client_for, hr, staff):
    client = client_for(hr)
    url = reverse("accounts:staff_deactivate", args=[staff.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "确定停用" in response.content.decode()
    staff.refresh_from_db()
    assert staff.is_active

    client.post(url, {"reason": "调出本单位"})
    staff.refresh_from_db()
    assert not staff.is_active
    assert not staff.memberships.filter(end_date__isnull=True).exists()


def test_deactivating_a_head_says_their_department_loses_its_reviewer(client_for, hr, head, department):
    page = client_for(hr).get(reverse("accounts:staff_deactivate", args=[head.pk])).content.decode()
    assert f"该人员现为“{department.name}”的科室负责人，停用后请另行指定" in page


def test_hr_cannot_deactivate_themselves(client_for, hr):
    assert client_for(hr).post(reverse("accounts:staff_deactivate", args=[hr.pk]), {"reason": "x"}).status_code == 403


def _move(client, person, department_id: int, on_date: str, reason: str = "轮岗"):
    return client.post(
        reverse("accounts:staff_move", args=[person.pk]),
        {"department": department_id, "on_date": on_date, "reason": reason},
    )


def test_a_move_closes_the_old_membership_and_opens_a_new_one(client_for, hr, staff, department, organisation):
    target = DepartmentFactory(organisation=organisation, name="信息科")
    response = _move(client_for(hr), staff, target.pk, "2026-07-01")
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.department == target
    history = list(staff.memberships.order_by("start_date").values_list("department__name", "end_date"))
    assert history[0][0] == "办公室" and str(history[0][1]) == "2026-07-01"
    assert history[1] == ("信息科", None)


def test_a_move_dated_back_into_an_ended_quarter_says_its_grades_stay_where_they_were(
    client_for, hr, staff, colleague, organisation, settings
):
    """A user test moved someone as of a day of the last quarter and was told nothing of what that
    changes: the rosters from that day follow the move, the quarter's grades do not."""
    settings.APPRAISAL_TODAY = date(2026, 11, 20)
    target = DepartmentFactory(organisation=organisation, name="信息科")
    response = client_for(hr).post(
        reverse("accounts:staff_move", args=[staff.pk]),
        {"department": target.pk, "on_date": "2026-09-15", "reason": "轮岗"},
        follow=True,
    )
    page = response.content.decode()
    assert "已调整科室" in page
    assert "调动日期在已结束的2026年第3季度内" in page and "该季度已有的等次仍记在原科室" in page
    # A move within the quarter under way says nothing of it.
    response = _move(client_for(hr), colleague, target.pk, "2026-10-08")
    page = client_for(hr).get(response["Location"]).content.decode()
    assert "已调整科室" in page and "已结束的" not in page


def test_the_move_page_names_what_the_person_handed_in_and_the_new_head_will_review(client_for, hr, staff):
    from accounts.workflow import ReviewStatus
    from tests.factories import MonthlySummaryFactory, TargetSetFactory

    TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.SUBMITTED)
    MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    MonthlySummaryFactory(owner=staff, year=2026, month=10, status=ReviewStatus.APPROVED)
    html = client_for(hr).get(reverse("accounts:staff_move", args=[staff.pk])).content.decode()
    assert 'data-testid="waiting-documents"' in html
    assert "2026年第4季度目标" in html and "2026年11月工作小结" in html and "2026年10月" not in html
    assert "（共2份）已提交、正在等待审核：调整后将转由新科室的负责人审核。" in html


def test_the_new_head_and_the_person_are_told_of_the_documents_that_now_wait_for_the_new_head(
    client_for, hr, staff, colleague, head, other_department, other_head
):
    """A user test moved two people with documents waiting: nobody was told, the new head found
    them only by the inbox's count."""
    from accounts.models import Notification
    from accounts.workflow import ReviewStatus
    from tests.factories import MonthlySummaryFactory, TargetSetFactory

    TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.SUBMITTED)
    MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    assert _move(client_for(hr), staff, other_department.pk, "2026-11-20").status_code == 302
    [theirs] = Notification.objects.filter(recipient=other_head)
    assert theirs.message.startswith(f"{staff.get_full_name()}调至{other_department}，其已提交待审核的")
    assert "2026年第4季度目标" in theirs.message and "2026年11月工作小结" in theirs.message
    assert theirs.message.endswith("转由您审核。")
    assert theirs.url == reverse("review")
    [own] = Notification.objects.filter(recipient=staff)
    assert own.message.endswith(f"转由{other_head.get_full_name()}审核。")
    # Nothing waiting, nothing said; the former head is told nothing either way.
    assert _move(client_for(hr), colleague, other_department.pk, "2026-11-20").status_code == 302
    assert Notification.objects.filter(recipient=other_head).count() == 1
    assert not Notification.objects.filter(recipient__in=[colleague, head])


def test_the_system_administrator_moving_someone_is_told_that_documents_wait_not_which(client_for, sysadmin, staff):
    """三员分立: the system administrator sees no appraisal content (a user test read a person's
    handed-in targets and summaries on their move page); that some wait for review is said."""
    from accounts.workflow import ReviewStatus
    from tests.factories import MonthlySummaryFactory, TargetSetFactory

    TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.SUBMITTED)
    MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    html = client_for(sysadmin).get(reverse("accounts:staff_move", args=[staff.pk])).content.decode()
    assert "该人员有已提交、正在等待审核的考核材料：调整后将转由新科室的负责人审核。" in html
    assert "第4季度目标" not in html and "工作小结" not in html and "共2份" not in html


def test_the_move_page_of_someone_with_nothing_waiting_says_nothing_of_it(client_for, hr, colleague):
    html = client_for(hr).get(reverse("accounts:staff_move", args=[colleague.pk])).content.decode()
    assert 'data-testid="waiting-documents"' not in html


def test_a_move_dated_before_the_current_posting_began_is_refused_at_the_date(
    client_for, hr, staff, department, organisation
):
    staff.memberships.update(start_date="2026-01-01")
    target = DepartmentFactory(organisation=organisation, name="信息科")
    response = _move(client_for(hr), staff, target.pk, "2025-06-01")
    assert response.status_code == 200
    assert "调动日期不能早于在现科室任职的开始日期（2026-01-01）" in response.context["form"].errors["on_date"][0]
    staff.refresh_from_db()
    assert staff.department == department
    assert list(staff.memberships.values_list("department__name", "end_date")) == [("办公室", None)]
    # The day the posting began is a correction HR may make.
    assert _move(client_for(hr), staff, target.pk, "2026-01-01").status_code == 302


def test_a_move_dated_in_the_future_is_refused_and_changes_nothing(client_for, hr, staff, department, organisation):
    """A user test dated a move 2027-03-01 on 2026-12-05: the person left the department at once,
    and every later correction was refused as "earlier than the posting began"."""
    from accounts import periods

    target = DepartmentFactory(organisation=organisation, name="信息科")
    later = periods.today() + timedelta(days=30)
    response = _move(client_for(hr), staff, target.pk, later.isoformat())
    assert response.status_code == 200 and "调动日期" in response.context["form"].errors["on_date"][0]
    staff.refresh_from_db()
    assert staff.department == department
    assert _move(client_for(hr), staff, target.pk, periods.today().isoformat()).status_code == 302


def test_a_move_into_the_department_the_person_is_in_says_so_and_records_nothing(client_for, hr, staff, department):
    response = _move(client_for(hr), staff, department.pk, "2026-07-01")
    assert response.status_code == 200
    assert "该人员已在办公室，无需调整。" in response.context["form"].errors["department"][0]
    assert "已调整科室" not in response.content.decode()
    assert staff.memberships.count() == 1


def test_a_move_into_another_organisations_department_is_refused(client_for, hr, staff, outsider):
    response = _move(client_for(hr), staff, outsider.department_id, "2026-07-01", reason="x")
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.department.name == "办公室"


def test_naming_a_department_head_grants_the_role_and_replacing_them_revokes_it(
    client_for, hr, department, head, staff, leader, security_admin
):
    response = client_for(hr).post(
        reverse("accounts:department_edit", args=[department.pk]),
        {
            "code": department.code,
            "name": department.name,
            "head": staff.pk,
            "supervising_leader": leader.pk,
            "sort_order": 0,
        },
    )
    assert response.status_code == 302
    # The appointment waits for a second person (test_separation_of_duties tests the refusal).
    change = PendingRoleChange.objects.get(user=staff, role=Role.DEPARTMENT_HEAD)
    client_for(security_admin).post(reverse("accounts:role_change_confirm", args=[change.pk]))
    assert Role.DEPARTMENT_HEAD in User.objects.get(pk=staff.pk).roles
    assert Role.DEPARTMENT_HEAD not in User.objects.get(pk=head.pk).roles


def test_a_department_with_staff_cannot_be_deactivated(client_for, hr, department, staff):
    client = client_for(hr)
    response = client.post(reverse("accounts:department_deactivate", args=[department.pk]), follow=True)
    assert "仍有在职人员" in response.content.decode()
    department.refresh_from_db()
    assert department.is_active
    # Said before the question, not after it.
    asked = client.get(reverse("accounts:department_deactivate", args=[department.pk]), follow=True)
    body = asked.content.decode()
    assert "仍有在职人员" in body and "确定停用科室" not in body


def test_the_staff_list_filters_and_paginates(client_for, hr, department, organisation):
    other = DepartmentFactory(organisation=organisation, name="财务科")
    for i in range(30):
        UserFactory(department=department, full_name=f"办公室{i:02d}")
    UserFactory(department=other, full_name="财务张三")
    client = client_for(hr)
    page1 = client.get(reverse("accounts:staff_list")).content.decode()
    assert "第 1 / 2 页" in page1
    filtered = client.get(reverse("accounts:staff_list"), {"department": other.pk}).content.decode()
    assert "财务张三" in filtered and "办公室00" not in filtered
    searched = client.get(reverse("accounts:staff_list"), {"q": "张三"}).content.decode()
    assert "财务张三" in searched


def test_the_staff_list_query_count_does_not_grow_with_people(
    client_for, hr, department, django_assert_max_num_queries
):
    client = client_for(hr)
    for _i in range(3):
        UserFactory(department=department)
    with django_assert_max_num_queries(15):
        client.get(reverse("accounts:staff_list"))
    for _i in range(40):
        UserFactory(department=department)
    with django_assert_max_num_queries(15):
        client.get(reverse("accounts:staff_list"))


def test_the_staff_list_asks_as_many_queries_for_few_and_many_people(client_for, hr, department):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(hr)
    for _i in range(3):
        UserFactory(department=department)
    client.get(reverse("accounts:staff_list"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("accounts:staff_list")).status_code == 200
    for _i in range(40):
        UserFactory(department=department)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("accounts:staff_list"), {"page": 2}).status_code == 200
    assert len(many) == len(few)


def test_the_department_list_query_count_is_bounded(client_for, hr, organisation, django_assert_max_num_queries):
    for _i in range(30):
        DepartmentFactory(organisation=organisation, head=UserFactory(department=None, organisation=organisation))
    client = client_for(hr)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("accounts:department_list")).status_code == 200


def test_resetting_a_password_asks_first_and_shows_the_new_one_once(client_for, hr, staff):
    client = client_for(hr)
    url = reverse("accounts:staff_reset_password", args=[staff.pk])
    assert "确定" in client.get(url).content.decode()
    response = client.post(url, follow=True)  # to the page that shows it (Post/Redirect/Get)
    staff.refresh_from_db()
    assert staff.must_change_password
    assert staff.check_password(response.context["password"])


def test_hr_records_a_special_status_for_a_period(client_for, hr, staff):
    response = client_for(hr).post(
        reverse("accounts:staff_status_add", args=[staff.pk]),
        {"kind": "probation", "start_date": "2026-01-01", "end_date": "2026-12-31", "note": "新录用"},
    )
    assert response.status_code == 302
    assert staff.statuses.get().get_kind_display() == "试用期"


def test_a_status_ending_before_it_starts_is_refused(client_for, hr, staff):
    response = client_for(hr).post(
        reverse("accounts:staff_status_add", args=[staff.pk]),
        {"kind": "long_leave", "start_date": "2026-05-01", "end_date": "2026-04-01"},
    )
    assert response.status_code == 200
    assert "不能早于" in response.content.decode()
    assert not staff.statuses.exists()


def test_statuses_of_another_organisations_people_are_out_of_reach(client_for, hr, outsider):
    response = client_for(hr).post(
        reverse("accounts:staff_status_add", args=[outsider.pk]),
        {"kind": "probation", "start_date": "2026-01-01"},
    )
    assert response.status_code == 404
    assert not outsider.statuses.exists()


def test_date_pickers_render_iso_dates_so_the_browser_keeps_them():
    from datetime import date

    from accounts.widgets import DateInput

    html = DateInput().render("d", date(2026, 12, 11))
    assert 'type="date"' in html and 'value="2026-12-11"' in html


def test_the_active_filter_offers_all_yes_no_and_keeps_the_choice(client_for, hr, staff, colleague):
    colleague.is_active = False
    colleague.save()
    client = client_for(hr)
    body = client.get(reverse("accounts:staff_list"), {"is_active": "false"}).content.decode()
    assert "科员乙" in body and "科员甲" not in body
    assert '<option value="false" selected>' in body
    assert "未知" not in client.get(reverse("accounts:staff_list")).content.decode()


@pytest.mark.postgres
def test_the_staff_search_is_served_by_a_trigram_index_on_postgresql(organisation):
    """A "contains" search (``%q%``) cannot use a B-tree index; at 100 000 people it read the whole table."""
    from django.db import connection, transaction

    from accounts.filters import StaffFilter
    from accounts.models import User

    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    # The staff filter's own condition, on the whole table (what a province-wide HR search reads).
    search = StaffFilter({"q": "张三"}, queryset=User.objects.all(), organisation=organisation)
    queryset = search.filter_q(User.objects.order_by(), "q", "张三")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    for index in ("full_name", "username", "employee_number"):
        assert f"accounts_user_{index}_trgm" in plan


def test_a_move_dated_1900_is_refused_on_the_form(client_for, hr, staff, department, organisation):
    target = DepartmentFactory(organisation=organisation, name="信息科")
    response = _move(client_for(hr), staff, target.pk, "1900-01-01")
    assert response.status_code == 200
    assert "调动日期须在2000年至" in response.content.decode()
    staff.refresh_from_db()
    assert staff.department == department
    assert not staff.memberships.filter(start_date__year=1900).exists()


def test_the_staff_lists_default_order_pages_the_same_people_as_a_sort_of_everyone(hr, department, organisation):
    """The register pages department by department from the 工号 index (lists.DepartmentOrderedPeople):
    every page holds exactly the rows a sort of the whole organisation puts there — departments
    in their order, people without a 工号 or a department included."""
    from django.core.paginator import Paginator
    from django.http import QueryDict

    from accounts import lists

    first = DepartmentFactory(organisation=organisation, code="A0", name="前科", sort_order=0)
    last = DepartmentFactory(organisation=organisation, code="Z9", name="后科", sort_order=99)
    for number in range(9):
        UserFactory(department=first, employee_number=f"E{(number * 7) % 9:03d}")
        UserFactory(department=last, employee_number="" if number % 3 == 0 else f"L{number:03d}")
        UserFactory(department=department, employee_number=f"M{number:03d}")
    UserFactory(department=None, organisation=organisation, employee_number="X001")
    filterset, sorting = lists.staff_register(hr, QueryDict(""))
    items = lists.staff_page_items(filterset, sorting)
    assert isinstance(items, lists.DepartmentOrderedPeople)
    everyone = list(filterset.qs)
    paged = [person for number in (1, 2, 3) for person in Paginator(items, 11).page(number).object_list]
    assert paged == everyone
    assert Paginator(items, 11).page(2).object_list == everyone[11:22]
    # Every slice, from anywhere to anywhere, as a sort of everyone puts it.
    for start, stop in [(0, 1), (8, 9), (9, 10), (17, 40), (len(everyone) - 1, len(everyone)), (5, 5)]:
        assert items[start:stop] == everyone[start:stop], (start, stop)


def test_a_staff_list_page_reads_only_the_departments_it_shows(hr, organisation, django_assert_num_queries):
    """An organisation of many departments: page 1 of the register reads the first departments'
    people, not every department's (one UNION ALL part per department it shows), and a filtered
    register pages the same people as a sort of everyone."""
    from django.core.paginator import Paginator
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from accounts import lists

    departments = [
        DepartmentFactory(organisation=organisation, code=f"K{n:02d}", name=f"第{n}科", sort_order=n) for n in range(12)
    ]
    for n, department in enumerate(departments):
        for number in range(4):
            UserFactory(department=department, employee_number=f"{n:02d}{number}", full_name=f"人员{n}-{number}")
    filterset, sorting = lists.staff_register(hr, QueryDict(""))
    items = lists.staff_page_items(filterset, sorting)
    everyone = list(filterset.qs)
    with CaptureQueriesContext(connection) as captured:
        page = Paginator(items, 6).page(1)
        assert list(page.object_list) == everyone[:6]
    # The counts per department, the departments' order, the page: two departments of four read.
    assert len(captured) == 3
    assert captured[-1]["sql"].count("UNION ALL") == 1
    assert Paginator(items, 6).page(5).object_list == everyone[24:30]
    searched, sorting = lists.staff_register(hr, QueryDict("q=人员1"))
    items = lists.staff_page_items(searched, sorting)
    assert Paginator(items, 3).page(2).object_list == list(searched.qs)[3:6]


def test_a_department_changed_in_the_django_admin_is_a_move(
    client, staff, department, organisation, other_organisation
):
    """The Django admin moves a person as the staff page does (the membership history is closed and
    opened); a department of another organisation is refused on the form."""
    from tests.factories import UserFactory

    superuser = UserFactory(
        username="root", organisation=organisation, department=None, is_superuser=True, is_staff=True
    )
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[staff.pk])
    target = DepartmentFactory(organisation=organisation, name="信息科")
    form = {
        "username": staff.username,
        "full_name": staff.full_name,
        "organisation": organisation.pk,
        "department": target.pk,
        "employee_number": staff.employee_number or "",
        "staff_type": staff.staff_type,
        "position_category": staff.position_category,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
    }
    foreign = DepartmentFactory(organisation=other_organisation, name="外单位科")
    refused = client.post(url, {**form, "department": foreign.pk})
    assert refused.status_code == 200
    staff.refresh_from_db()
    assert staff.department == department
    assert client.post(url, form).status_code == 302
    staff.refresh_from_db()
    assert staff.department == target
    history = list(staff.memberships.order_by("start_date", "pk").values_list("department__name", "end_date"))
    assert history[-1] == ("信息科", None)
    assert all(end is not None for _, end in history[:-1])

    # A posting that begins later than today (moved ahead of time on the staff page): the admin's
    # move (dated today) is refused on the department field, not with an error page.
    staff.memberships.filter(end_date__isnull=True).update(start_date="2099-01-01")
    again = client.post(url, {**form, "department": department.pk})
    assert again.status_code == 200
    refused_at = str(again.context["adminform"].form.errors["department"])
    assert "调动日期不能早于在现科室任职的开始日期（2099-01-01）" in refused_at
    staff.refresh_from_db()
    assert staff.department == target


def test_a_second_department_with_a_taken_code_or_name_is_refused_in_words(client_for, hr, department):
    """HR reads which value clashes, not Django's "包含 单位 和 科室编码 的 科室 已经存在"."""
    client = client_for(hr)
    body = client.post(
        reverse("accounts:department_create"), {"code": department.code, "name": "新设科", "sort_order": 0}
    ).content.decode()
    assert f"本单位已有编码为“{department.code}”的科室" in body and "已经存在" not in body
    body = client.post(
        reverse("accounts:department_create"), {"code": "NEW-1", "name": department.name, "sort_order": 0}
    ).content.decode()
    assert f"本单位已有名为“{department.name}”的科室" in body


def test_hr_takes_a_leader_out_of_every_department_keeping_the_history(client_for, hr, staff, department):
    page = client_for(hr).get(reverse("accounts:staff_move", args=[staff.pk])).content.decode()
    assert "不在科室（领导班子成员）" in page
    assert f'<option value="{department.pk}" selected>' in page  # the choice to leave is made, not defaulted
    leave = {"department": "", "on_date": "2026-11-20", "reason": "任副局长"}
    response = client_for(hr).post(reverse("accounts:staff_move", args=[staff.pk]), leave)
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.department is None
    from accounts.models import DepartmentMembership

    [posting] = DepartmentMembership.objects.filter(user=staff)
    assert posting.department == department and posting.end_date.isoformat() == "2026-11-20"
    again = client_for(hr).post(
        reverse("accounts:staff_move", args=[staff.pk]), {"department": "", "on_date": "2026-11-21", "reason": "再次"}
    )
    assert "该人员已不在任何科室" in again.content.decode()


def test_the_department_form_offers_no_administrator_and_tells_namesakes_apart(client_for, hr, sysadmin, department):
    from tests.factories import UserFactory

    UserFactory(department=department, full_name="王芳", employee_number="E501")
    UserFactory(department=department, full_name="王芳", employee_number="E502")
    page = client_for(hr).get(reverse("accounts:department_edit", args=[department.pk])).content.decode()
    assert f"王芳（E501，{department.name}）" in page and f"王芳（E502，{department.name}）" in page
    assert f'<option value="{sysadmin.pk}"' not in page


def test_a_department_code_differing_only_in_case_is_refused(client_for, hr, department):
    """The import finds departments by code whatever the case: BGS and bgs would be one code to it."""
    body = (
        client_for(hr)
        .post(
            reverse("accounts:department_create"),
            {"code": department.code.swapcase(), "name": "新设科", "sort_order": 0},
        )
        .content.decode()
    )
    assert "编码不区分大小写" in body


def test_the_department_list_shows_an_appointment_waiting_for_confirmation(client_for, hr, department, head, colleague):
    client = client_for(hr)
    data = {"code": department.code, "name": department.name, "head": colleague.pk, "sort_order": 0}
    if department.supervising_leader_id:
        data["supervising_leader"] = department.supervising_leader_id
    assert client.post(reverse("accounts:department_edit", args=[department.pk]), data).status_code == 302
    body = client.get(reverse("accounts:department_list")).content.decode()
    row = body.split('data-testid="department-row"', 1)[1].split("</tr>", 1)[0]
    assert head.get_full_name() in row and f"待确认：{colleague.get_full_name()}" in row


def test_the_one_time_password_page_says_where_and_with_which_code_to_sign_in(client_for, hr, department):
    from tests.accounts.helpers import post_new_person

    page = post_new_person(client_for(hr), department, username="newbie", employee_number="E777").content.decode()
    assert f"<strong>{department.organisation.code}</strong>" in page
    assert "http://testserver/accounts/login/" in page


def test_a_head_is_not_moved_out_of_the_department_they_head(client_for, hr, head, department):
    from accounts import services
    from tests.factories import DepartmentFactory

    other = DepartmentFactory(organisation=department.organisation, code="D099", name="另一科")
    with pytest.raises(ValidationError, match="科室负责人：请先在科室管理中更换负责人"):
        services.staff_move(user=head, department=other, reason="调动")
    with pytest.raises(ValidationError, match="更换负责人"):
        services.staff_move(user=head, department=None, reason="任副局长")


def test_a_confirmation_without_its_reason_is_refused_under_the_box_by_the_page_not_the_browser(client_for, hr, staff):
    """The shared confirmation page (includes/confirm.html) leaves checking to the page, as every
    form of the publicity rooms does: an empty 原因 is said in Chinese under its box."""
    client = client_for(hr)
    url = reverse("accounts:staff_deactivate", args=[staff.pk])
    assert '<form method="post" novalidate>' in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.context["form"].errors["reason"] == ["这个字段是必填项。"]
    staff.refresh_from_db()
    assert staff.is_active


def test_a_new_persons_department_is_chosen_not_left_as_the_leaderships(client_for, hr, department):
    """A user test: 所在科室 opened on 不在科室（领导班子成员）, and ordinary staff were created with no
    department (so nobody to review them)."""
    page = client_for(hr).get(reverse("accounts:staff_create")).content.decode()
    options = page.split('name="department"', 1)[1].split("</select>", 1)[0]
    assert options.index("请选择科室") < options.index("不在科室（领导班子成员）") < options.index(department.name)

    data = {"username": "nodept", "full_name": "王六", "employee_number": "E888", "staff_type": "civil_servant"}
    response = client_for(hr).post(reverse("accounts:staff_create"), {**data, "position_category": "general"})
    assert "请选择所在科室；领导班子成员选择“不在科室”。" in response.content.decode()
    assert not User.objects.filter(username="nodept").exists()

    post_new_person(client_for(hr), None, username="deputy", employee_number="E889")
    assert User.objects.get(username="deputy").department is None


def test_each_label_of_a_persons_page_keeps_its_value_beside_it(client_for, hr, staff):
    """A user test: with 审核评鉴人 shown, the tenth pair's value (角色, ten columns wide) did not fit
    beside its label and stood on the next line at the far left."""
    import re

    html = client_for(hr).get(reverse("accounts:staff_detail", args=[staff.pk])).content.decode()
    facts = html.split('<dl class="row">')[1].split("</dl>")[0]
    assert "审核评鉴人" in facts and 'data-testid="roles"' in facts
    widths = [int(w) for w in re.findall(r'<d[td] class="col-\d+ col-md-(\d+)"', facts)]
    # Label and value together half a row on a desktop, so no pair is broken across two lines.
    assert widths and all(label + value == 6 for label, value in zip(widths[::2], widths[1::2], strict=True))


def test_moving_into_a_department_without_a_head_is_warned_of_before_and_after(
    client_for, hr, staff, organisation, settings
):
    """A user test: the page said 调整后将转由新科室的负责人审核 of a department with no head, and
    afterwards the person's 审核评鉴人 was "—". A warning, not a refusal: the head may come later."""
    from accounts.workflow import ReviewStatus
    from tests.factories import TargetSetFactory

    settings.APPRAISAL_TODAY = date(2026, 12, 5)
    TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.SUBMITTED)
    headless = DepartmentFactory(organisation=organisation, name="信息科")
    vacated = DepartmentFactory(organisation=organisation, name="档案科", head=UserFactory(is_active=False))
    headed = DepartmentFactory(organisation=organisation, name="法规科")
    headed.head = UserFactory(department=headed)
    headed.save()
    url = reverse("accounts:staff_move", args=[staff.pk])

    page = client_for(hr).get(url)

    labels = dict(page.context["form"].fields["department"].choices)
    assert labels[headless.pk] == "信息科（无科室负责人）" and labels[vacated.pk] == "档案科（无科室负责人）"
    assert labels[headed.pk] == "法规科" and labels[staff.department_id] == "办公室"
    html = page.content.decode()
    assert "目前没有科室负责人（列表中已标明）" in html and "无人审核" in html
    # Sent back (a reason missing), the page says it of the department chosen.
    resent = client_for(hr).post(url, {"department": headless.pk, "on_date": "2026-12-05"}).content.decode()
    assert 'data-testid="move-without-head"' in resent
    assert (
        "“信息科”目前没有科室负责人：在任命负责人之前，科员甲提交的目标和小结（包括正在等待审核的）无人审核" in resent
    )

    moved = client_for(hr).post(
        url, {"department": headless.pk, "on_date": "2026-12-05", "reason": "轮岗"}, follow=True
    )

    staff.refresh_from_db()
    assert staff.department == headless
    assert "“信息科”目前没有科室负责人" in moved.content.decode()
    # Into a department with a head, nothing of it.
    again = client_for(hr).post(url, {"department": headed.pk, "on_date": "2026-12-05", "reason": "轮岗"}, follow=True)
    assert "目前没有科室负责人" not in again.content.decode()


def test_the_new_persons_password_page_is_reached_by_a_redirect_and_reloads_without_sending_the_form_again(
    client_for, hr, department, settings
):
    """A user test: the page showing the 初始密码 was the POST's answer, so a reload sent the form
    again — 用户名 and 工号 taken, the password gone. As the import's result page: Post/Redirect/Get,
    the password kept in the creator's session (never in the URL) for the import's 30 minutes."""
    from accounts import imports

    client = client_for(hr)
    data = {"username": "newbie", "full_name": "新同事", "employee_number": "E90101", "department": department.pk}
    data.update(staff_type="civil_servant", position_category="general")
    response = client.post(reverse("accounts:staff_create"), data)

    person = User.objects.get(username="newbie")
    page_url = reverse("accounts:staff_initial_password", args=[person.pk])
    assert response.status_code == 302 and response["Location"] == page_url
    first = client.get(page_url)
    password = first.context["password"]
    assert password not in response["Location"] and person.check_password(password)
    reloaded = client.get(page_url)
    assert reloaded.status_code == 200 and reloaded.context["password"] == password
    assert f'data-testid="initial-password">{password}<' in reloaded.content.decode()
    # It says how long it is shown, not 只显示这一次 (a user test reloaded it and saw it again).
    assert "刷新本页仍可查看；30分钟后或退出登录后不再显示" in reloaded.content.decode()
    # Another session of theirs has nothing to show, and after 30 minutes neither has this one.
    other = Client()
    other.force_login(hr)
    assert password not in other.get(page_url, follow=True).content.decode()
    session = client.session
    session[imports.CREATED_PASSWORD_KEY]["at"] -= imports.INITIAL_PASSWORDS_TTL + 1
    session.save()
    late = client.get(page_url, follow=True).content.decode()
    assert password not in late and "的初始密码已不再显示：只在设置它的登录中、30分钟内" in late
    # Gone from the session too, not only hidden (a review: the password stayed in the database).
    assert imports.CREATED_PASSWORD_KEY not in client.session


def test_a_wrong_email_address_is_refused_in_the_applications_words_on_creation_and_edit(
    client_for, hr, sysadmin, staff, department
):
    """A user test: the staff form said Django's "输入一个有效的 Email 地址。"."""
    data = {"username": "newbie", "full_name": "新同事", "employee_number": "E90201", "department": department.pk}
    data.update(staff_type="civil_servant", position_category="general", email="not-an-address")

    created = client_for(hr).post(reverse("accounts:staff_create"), data)

    assert created.context["form"].errors["email"] == ["请输入有效的电子邮箱地址。"]
    assert "Email" not in created.content.decode()
    edit = reverse("accounts:staff_edit", args=[staff.pk])
    edited = client_for(sysadmin).post(edit, {"full_name": staff.full_name, "employee_number": "E1", "email": "x@"})
    assert edited.context["form"].errors["email"] == ["请输入有效的电子邮箱地址。"]


def test_expired_sessions_and_what_they_kept_are_deleted_daily(settings, client_for, hr):
    """A session that timed out kept its row, a one-time password with it, in the database and its
    backups: beat deletes the expired ones every night."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts import tasks

    client_for(hr)
    live = Session.objects.count()
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1))
    assert tasks.clear_expired_sessions.apply().get() == 1
    assert Session.objects.count() == live and not Session.objects.filter(session_key="x" * 32).exists()
    entry = settings.CELERY_BEAT_SCHEDULE["expired-sessions"]
    assert entry["task"] == "accounts.tasks.clear_expired_sessions"


def test_the_password_page_shows_no_password_the_person_has_already_changed(client_for, hr, department):
    """A review: the kept password stayed shown after the person had changed it."""
    data = {"username": "newbie", "full_name": "新同事", "employee_number": "E90301", "department": department.pk}
    data.update(staff_type="civil_servant", position_category="general")
    client = client_for(hr)
    client.post(reverse("accounts:staff_create"), data)
    person = User.objects.get(username="newbie")
    page_url = reverse("accounts:staff_initial_password", args=[person.pk])
    password = client.get(page_url).context["password"]
    person.set_password("Changed@2026!")
    person.must_change_password = False
    person.save()
    later = client.get(page_url, follow=True).content.decode()
    assert password not in later and "的初始密码已不再显示" in later


def test_hr_is_offered_a_special_status_only_where_it_may_record_one(client_for, hr, staff, sysadmin):
    """A user test: on the system administrator's page 特殊状态 新增 led to 没有权限."""
    client = client_for(hr)
    add = 'href="{}"'
    assert (
        add.format(reverse("accounts:staff_status_add", args=[staff.pk]))
        in client.get(reverse("accounts:staff_detail", args=[staff.pk])).content.decode()
    )
    page = client.get(reverse("accounts:staff_detail", args=[sysadmin.pk]))
    assert page.status_code == 200
    assert add.format(reverse("accounts:staff_status_add", args=[sysadmin.pk])) not in page.content.decode()
    assert client.get(reverse("accounts:staff_status_add", args=[sysadmin.pk])).status_code == 403
