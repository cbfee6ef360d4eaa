"""The review inbox (/review/) and the roster (/review/roster/)."""

import re
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.workflow import ReviewStatus
from summaries import review
from tests.factories import DepartmentFactory, MonthlySummaryFactory, TargetSetFactory, UserFactory

CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def waiting(staff, colleague, head):
    return {
        "summary": MonthlySummaryFactory(owner=staff, submitted=True),
        "late_summary": MonthlySummaryFactory(
            owner=colleague, submitted=True, is_late=True, submitted_at=datetime(2026, 11, 7, 9, tzinfo=CHINA)
        ),
        "targets": TargetSetFactory(owner=staff, submitted=True),
        "head_summary": MonthlySummaryFactory(owner=head, submitted=True),
    }


def test_a_head_sees_the_targets_and_summaries_of_their_department(client_for, head, waiting):
    body = client_for(head).get(reverse("review")).content.decode()
    assert body.count('data-testid="inbox-row"') == 3
    assert "科员甲" in body and "科员乙" in body
    assert "科长" not in body.split("inbox-count")[1].split("</table>")[0]  # their own summary is not here


def test_on_a_phone_each_row_still_says_when_it_was_handed_in(client_for, head, waiting):
    """The 提交时间 column is hidden on a phone: a user test's head could not tell the oldest there."""
    body = client_for(head).get(reverse("review")).content.decode()
    assert '<div class="d-sm-none small text-muted" data-testid="inbox-submitted-phone">11-07</div>' in body


def test_a_leader_sees_the_heads_items_of_the_departments_they_supervise(client_for, leader, waiting):
    body = client_for(leader).get(reverse("review")).content.decode()
    assert body.count('data-testid="inbox-row"') == 1
    assert "科长" in body


def test_approving_on_a_documents_own_page_asks_as_in_the_inbox(client_for, head, waiting):
    """A user test: 通过 in the inbox asked first, 审核通过 on the set's or summary's page did not."""
    client = client_for(head)
    for item, kind in ((waiting["targets"], "季度目标"), (waiting["summary"], "月小结")):
        page = client.get(item.get_absolute_url()).content.decode()
        form = re.search(r'<form[^>]*data-testid="approve-form"[^>]*>', page).group(0)
        assert f"确定通过{item.owner.get_full_name()}的{kind}（{item.period.label}）吗？通过后不能在此撤回。" in form


def test_the_inbox_filters_by_kind_and_lateness(client_for, head, waiting):
    client = client_for(head)
    assert client.get(reverse("review"), {"kind": "targets"}).content.decode().count('data-testid="inbox-row"') == 1
    late = client.get(reverse("review"), {"late": "true"}).content.decode()
    assert late.count('data-testid="inbox-row"') == 1
    # Handed in after the deadline: 迟交, as the roster says it (逾期 there is not handed in at all).
    assert 'data-testid="inbox-late">迟交<' in late
    assert client.get(reverse("review"), {"q": "乙"}).content.decode().count('data-testid="inbox-row"') == 1


def test_the_inbox_says_who_has_left(client_for, head, staff, waiting):
    """A user test: items of people who had left stood in the inbox with nothing to say so."""
    client = client_for(head)
    assert 'data-testid="inbox-left"' not in client.get(reverse("review")).content.decode()
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    body = client.get(reverse("review")).content.decode()
    assert body.count('data-testid="inbox-left">已离开（账号已停用）<') == 2  # their summary and targets


def test_staff_and_hr_have_no_inbox(client_for, staff, hr):
    assert client_for(staff).get(reverse("review")).status_code == 403
    assert client_for(hr).get(reverse("review")).status_code == 403


def test_a_head_approves_several_at_once(client_for, head, waiting):
    refs = [f"summaries:{waiting['summary'].pk}", f"targets:{waiting['targets'].pk}"]
    data = {"items": refs, "action": "approve", "confirm": "1"}
    response = client_for(head).post(reverse("review_decide"), data, follow=True)
    assert "已审核通过2项" in response.content.decode()
    waiting["summary"].refresh_from_db()
    waiting["targets"].refresh_from_db()
    assert waiting["summary"].status == ReviewStatus.APPROVED
    assert waiting["targets"].status == ReviewStatus.APPROVED
    waiting["late_summary"].refresh_from_db()
    assert waiting["late_summary"].status == ReviewStatus.SUBMITTED


def test_returning_from_the_inbox_requires_a_reason(client_for, head, waiting):
    ref = f"summaries:{waiting['summary'].pk}"
    response = client_for(head).post(reverse("review_decide"), {"items": [ref], "action": "return"}, follow=True)
    assert "退回原因" in response.content.decode()
    waiting["summary"].refresh_from_db()
    assert waiting["summary"].status == ReviewStatus.SUBMITTED


def test_a_head_cannot_approve_outside_their_remit_by_forging_ids(client_for, head, waiting, outsider):
    foreign = MonthlySummaryFactory(owner=outsider, submitted=True)
    refs = [f"summaries:{waiting['head_summary'].pk}", f"summaries:{foreign.pk}"]
    data = {"items": refs, "action": "approve", "confirm": "1"}
    response = client_for(head).post(reverse("review_decide"), data, follow=True)
    # Said in words, counted, without the internal references or whose they are.
    page = response.content.decode()
    assert "2项不在您的审核范围内或已不存在，未处理。" in page
    assert "summaries:" not in page.split('id="main"')[1].split("<form")[0] and outsider.full_name not in page
    for item in (waiting["head_summary"], foreign):
        item.refresh_from_db()
        assert item.status == ReviewStatus.SUBMITTED


def test_the_inbox_query_count_does_not_grow_with_waiting_items(
    client_for, head, department, django_assert_max_num_queries
):
    client = client_for(head)
    for _ in range(3):
        person = UserFactory(department=department)
        MonthlySummaryFactory(owner=person, submitted=True)
        TargetSetFactory(owner=person, submitted=True)
    with django_assert_max_num_queries(16):
        client.get(reverse("review"))
    for _ in range(20):
        person = UserFactory(department=department)
        MonthlySummaryFactory(owner=person, submitted=True)
        TargetSetFactory(owner=person, submitted=True)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("review")).content.decode().count('data-testid="inbox-row"') == 46


def test_the_inbox_query_count_is_the_same_for_few_and_many_items(client_for, head, department):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(head)
    for _ in range(2):
        person = UserFactory(department=department)
        MonthlySummaryFactory(owner=person, submitted=True)
        TargetSetFactory(owner=person, submitted=True)
    client.get(reverse("review"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("review"))
    for _ in range(40):
        person = UserFactory(department=department)
        MonthlySummaryFactory(owner=person, submitted=True)
        TargetSetFactory(owner=person, submitted=True)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("review"))
    assert len(many) == len(few)


def test_bulk_approval_asks_for_confirmation_first_and_changes_nothing_until_then(client_for, head, waiting):
    refs = [f"summaries:{waiting['summary'].pk}", f"targets:{waiting['targets'].pk}"]
    response = client_for(head).post(reverse("review_decide"), {"items": refs, "action": "approve"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "确定通过所选的2项吗" in html
    assert "科员甲" in html
    for ref in refs:
        assert f'name="items" value="{ref}"' in html
    assert 'name="confirm" value="1"' in html
    for item in (waiting["summary"], waiting["targets"]):
        item.refresh_from_db()
        assert item.status == ReviewStatus.SUBMITTED


def test_a_bulk_approval_from_a_stale_inbox_says_what_another_tab_decided(client_for, head, waiting):
    """A user test: an inbox open in two tabs; 通过 in one, then 全选本页 and 批量通过 in the other
    asked about 8 items (one already approved) and then said only 只有已提交的月小结可以审核。"""
    from summaries.services import summary_approve

    refs = [f"summaries:{waiting['summary'].pk}", f"targets:{waiting['targets'].pk}"]
    summary_approve(summary=waiting["summary"], actor=head)
    client = client_for(head)
    html = client.post(reverse("review_decide"), {"items": refs, "action": "approve"}).content.decode()
    assert "确定通过所选的1项吗" in html
    assert "以下1项已不在待审核状态（可能已在另一个窗口处理），不再处理：月小结 · 科员甲" in html
    assert f'name="items" value="{refs[0]}"' not in html and f'name="items" value="{refs[1]}"' in html
    # Decided one by one meanwhile: who decided it, and when.
    said = client.post(reverse("review_decide"), {"items": refs[:1], "action": "approve"}, follow=True)
    assert "已于" in said.content.decode() and f"由{head}审核通过（可能在另一个窗口）" in said.content.decode()


def test_the_batch_approvals_address_opened_again_goes_back_to_the_inbox_and_decides_nothing(
    client_for, head, staff, waiting
):
    refs = [f"summaries:{waiting['summary'].pk}", f"targets:{waiting['targets'].pk}"]
    client = client_for(head)
    # Back, the history or a bookmark: the confirmation's address as a GET, even with its fields.
    response = client.get(reverse("review_decide"), {"items": refs, "action": "approve", "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("review")
    for item in (waiting["summary"], waiting["targets"]):
        item.refresh_from_db()
        assert item.status == ReviewStatus.SUBMITTED
    assert client_for(staff).get(reverse("review_decide")).status_code == 403  # guarded as the inbox is


def test_the_bulk_button_with_one_item_ticked_asks_too(client_for, head, waiting):
    ref = f"summaries:{waiting['summary'].pk}"
    client = client_for(head)
    assert 'name="bulk" value="1"' in client.get(reverse("review")).content.decode()
    response = client.post(reverse("review_decide"), {"items": [ref], "action": "approve", "bulk": "1"})
    assert response.status_code == 200 and "确定通过所选的1项吗" in response.content.decode()
    waiting["summary"].refresh_from_db()
    assert waiting["summary"].status == ReviewStatus.SUBMITTED
    client.post(reverse("review_decide"), {"items": [ref], "action": "approve", "confirm": "1"})
    waiting["summary"].refresh_from_db()
    assert waiting["summary"].status == ReviewStatus.APPROVED


def test_a_single_approval_from_its_row_needs_no_extra_step(client_for, head, waiting):
    ref = f"summaries:{waiting['summary'].pk}"
    # No extra page; the browser asks once, naming whose document (data-confirm of the row's form).
    inbox = client_for(head).get(reverse("review")).content.decode()
    assert inbox.count('data-confirm="确定通过科员甲的') == 2
    response = client_for(head).post(reverse("review_decide"), {"items": [ref], "action": "approve"})
    assert response.status_code == 302
    waiting["summary"].refresh_from_db()
    assert waiting["summary"].status == ReviewStatus.APPROVED


def test_the_inbox_offers_select_all(client_for, head, waiting):
    html = client_for(head).get(reverse("review")).content.decode()
    assert 'data-testid="select-all"' in html
    assert "js/review_inbox.js" in html


def names_in_order(response) -> list[str]:
    return [row.item.owner.get_full_name() for row in response.context["page"]]


def test_the_inbox_sorts_by_person_kind_and_date(client_for, head, staff, colleague):
    early, late = datetime(2026, 10, 2, 9, tzinfo=CHINA), datetime(2026, 10, 9, 9, tzinfo=CHINA)
    MonthlySummaryFactory(owner=staff, submitted=True, submitted_at=early)  # 科员甲
    TargetSetFactory(owner=colleague, submitted=True, submitted_at=late)  # 科员乙
    client = client_for(head)
    by_date = client.get(reverse("review"), {"sort": "date"})
    assert names_in_order(by_date) == ["科员甲", "科员乙"]
    assert names_in_order(client.get(reverse("review"), {"sort": "-date"})) == ["科员乙", "科员甲"]
    # By name as the database orders text (乙 U+4E59 before 甲 U+7532), whatever the dates say.
    assert names_in_order(client.get(reverse("review"), {"sort": "person"})) == sorted(["科员甲", "科员乙"])
    assert names_in_order(client.get(reverse("review"), {"sort": "-person"})) == sorted(["科员甲", "科员乙"])[::-1]
    assert [row.kind for row in client.get(reverse("review"), {"sort": "kind"}).context["page"]] == [
        "summaries",
        "targets",
    ]
    assert [row.kind for row in client.get(reverse("review"), {"sort": "-kind"}).context["page"]] == [
        "targets",
        "summaries",
    ]


def test_an_unknown_sort_key_is_ignored_not_passed_to_sql(client_for, head, waiting):
    response = client_for(head).get(reverse("review"), {"sort": "owner__password"})
    assert response.status_code == 200
    assert response.context["sort"] == "date"


@pytest.fixture
def sixty_waiting(department):
    """30 people of the head's department, each with a summary and targets waiting: 60 documents."""
    for _ in range(30):
        person = UserFactory(department=department)
        MonthlySummaryFactory(owner=person, submitted=True)
        TargetSetFactory(owner=person, submitted=True)


@pytest.mark.usefixtures("sixty_waiting")
def test_the_inbox_pages_in_sql(client_for, head):
    client = client_for(head)
    first = client.get(reverse("review"), {"sort": "person"})
    second = client.get(reverse("review"), {"sort": "person", "page": 2})
    assert len(first.context["page"]) == 50 and len(second.context["page"]) == 10
    assert first.context["page"].paginator.count == 60
    refs = {row.ref for row in first.context["page"]} | {row.ref for row in second.context["page"]}
    assert len(refs) == 60
    assert "sort=person" in first.content.decode().split("下一页")[0].rsplit("href=", 1)[1]


@pytest.mark.usefixtures("sixty_waiting")
def test_a_page_past_the_end_of_the_inbox_shows_the_last_page(client_for, head):
    client = client_for(head)
    for asked in ("9", "junk", "0"):
        page = client.get(reverse("review"), {"page": asked}).context["page"]
        assert page.paginator.count == 60
        assert (page.number, len(page)) == ((1, 50) if asked == "junk" else (2, 10))


def test_an_empty_inbox_counts_no_items_without_another_query(client_for, head):
    page = client_for(head).get(reverse("review")).context["page"]
    assert page.paginator.count == 0 and len(page) == 0


# --- Roster ---------------------------------------------------------------------------------


def test_the_roster_shows_who_has_not_submitted_who_is_late_and_who_was_returned(client_for, head, staff, colleague):
    MonthlySummaryFactory(owner=staff, submitted=True, is_late=True)
    MonthlySummaryFactory(owner=colleague, submitted=True, status=ReviewStatus.RETURNED)
    client = client_for(head)
    body = client.get(reverse("roster"), {"year": 2026, "month": 10}).content.decode()
    assert body.count('data-testid="roster-row"') == 3  # staff, colleague and the head
    assert "迟交" in body and "已退回" in body and "未提交" in body
    missing = client.get(reverse("roster"), {"year": 2026, "month": 10, "show": "not_submitted"}).content.decode()
    # The head's own summary, and the colleague's returned one: it is back with its owner.
    assert missing.count('data-testid="roster-row"') == 2
    assert "科员乙" in missing and "科员甲" not in missing
    returned = client.get(reverse("roster"), {"year": 2026, "month": 10, "show": "returned"}).content.decode()
    assert "科员乙" in returned and "科员甲" not in returned


def test_past_the_deadline_what_is_not_handed_in_is_marked_overdue(client_for, head, staff, colleague, settings):
    """A user test: after the deadline seven people read 未提交 with nothing saying it was overdue."""
    MonthlySummaryFactory(owner=staff, submitted=True)
    MonthlySummaryFactory(owner=colleague, status=ReviewStatus.RETURNED)
    client = client_for(head)
    settings.APPRAISAL_TODAY = "2026-11-03"  # before October's deadline (the 5th)
    body = client.get(reverse("roster"), {"year": 2026, "month": 10}).content.decode()
    assert 'data-testid="summary-overdue"' not in body
    settings.APPRAISAL_TODAY = "2026-11-20"
    body = client.get(reverse("roster"), {"year": 2026, "month": 10}).content.decode()
    # The colleague's returned summary and the head's missing one; not staff's, handed in.
    assert body.count('data-testid="summary-overdue"') == 2


def test_the_roster_counts_line_tells_not_submitted_from_returned_as_the_rows_do(client_for, head, staff, colleague):
    MonthlySummaryFactory(owner=staff, submitted=True, status=ReviewStatus.RETURNED)
    TargetSetFactory(owner=staff, submitted=True, status=ReviewStatus.RETURNED)
    MonthlySummaryFactory(owner=head, submitted=True)  # the colleague has handed in nothing
    client = client_for(head)

    def counts_line(**show) -> str:
        body = client.get(reverse("roster"), {"year": 2026, "month": 10, **show}).content.decode()
        return re.search(r'data-testid="roster-counts">([^<]*)<', body).group(1)

    assert counts_line() == "共 3 人；月小结未提交 1 人，被退回 1 人；季度目标未提交 2 人，被退回 1 人。"
    # 月小结未提交 lists the returned summary too (it is not handed in): the line still tells them apart.
    assert (
        counts_line(show="not_submitted")
        == "共 2 人；月小结未提交 1 人，被退回 1 人；季度目标未提交 1 人，被退回 1 人。"
    )
    assert counts_line(show="returned") == "共 1 人；月小结未提交 0 人，被退回 1 人；季度目标未提交 0 人，被退回 1 人。"


def test_hr_sees_the_whole_organisation_and_a_head_only_their_department(
    client_for, hr, head, staff, organisation, leader
):
    elsewhere = UserFactory(department=DepartmentFactory(organisation=organisation), full_name="别的科室")
    hr_body = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 10}).content.decode()
    head_body = client_for(head).get(reverse("roster"), {"year": 2026, "month": 10}).content.decode()
    assert elsewhere.full_name in hr_body
    assert elsewhere.full_name not in head_body


def test_the_roster_exports_to_excel_with_text_kept_as_text(client_for, hr, staff):
    staff.full_name = "=1+1"
    staff.save()
    MonthlySummaryFactory(owner=staff, submitted=True)
    response = client_for(hr).get(reverse("roster_export"), {"year": 2026, "month": 10})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("科室", "工号", "姓名", "月小结")
    names = {row[2]: row for row in rows[1:]}
    assert names["=1+1"][3] == "已提交"
    assert sheet.cell(row=2, column=3).data_type == "s"


def test_staff_and_the_separated_roles_cannot_see_the_roster(client_for, staff, sysadmin, auditor):
    for person in (staff, sysadmin, auditor):
        assert client_for(person).get(reverse("roster")).status_code == 403
        assert client_for(person).get(reverse("roster_export")).status_code == 403


@pytest.mark.parametrize("moved_deadlines", [False, True], ids=["fixed deadlines", "deadlines moved off days off"])
def test_the_roster_query_count_is_the_same_for_few_and_many_people(client_for, hr, department, moved_deadlines):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Policy

    # 截止日遇节假日顺延 reads the working calendar: once a request, not once a row (a review counted
    # 21 queries for 5 people and 101 for 45).
    Policy.objects.filter(organisation=hr.organisation).update(deadlines_on_working_days=moved_deadlines)
    client = client_for(hr)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("roster"), {"year": 2026, "month": 10}).status_code == 200
        return len(captured)

    for _ in range(5):
        MonthlySummaryFactory(owner=UserFactory(department=department), submitted=True)
    few = queries()
    for _ in range(120):  # more than a page of 100
        MonthlySummaryFactory(owner=UserFactory(department=department), submitted=True)
    assert queries() == few


def test_the_roster_pages_in_the_database_and_counts_everyone(client_for, hr, department):
    for _ in range(102):
        UserFactory(department=department)
    body = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 10}).content.decode()
    assert body.count('data-testid="roster-row"') == 100
    # The counts are of everyone listed, not of the page shown.
    total = review.roster_people(viewer=hr, year=2026, month=10).count()
    assert total > 100 and f"共 {total} 人" in body
    second = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 10, "page": 2}).content.decode()
    assert 0 < second.count('data-testid="roster-row"') < 100


def test_a_bad_month_is_a_404_not_a_crash(client_for, hr):
    assert client_for(hr).get(reverse("roster"), {"year": 2026, "month": 13}).status_code == 404
    assert client_for(hr).get(reverse("roster"), {"year": "x"}).status_code == 404


def test_a_large_organisations_roster_opens_on_its_first_department_and_pages_by_department(
    client_for, hr, organisation, department, staff, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import DepartmentFactory

    monkeypatch.setattr(review, "ROSTER_ALL_LIMIT", 5)
    second = DepartmentFactory(
        organisation=organisation, code="D002", name="财务科", sort_order=department.sort_order + 1
    )
    client = client_for(hr)

    def page(**params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("roster"), {"year": 2026, "month": 10, **params})
        assert response.status_code == 200
        return response.content.decode(), len(captured)

    for _ in range(2):
        UserFactory(department=second)
    body, few = page()
    assert body.count('data-testid="roster-row"') == 4  # few people: everyone, as before
    assert 'data-testid="roster-department-pager"' not in body
    for _ in range(6):
        UserFactory(department=second)
    body, many = page()
    assert many == few
    # Only the first department's two (the head and staff), and the way on to 财务科.
    assert body.count('data-testid="roster-row"') == 2
    assert f"department={second.pk}" in body and 'data-testid="roster-next-department"' in body
    body, _ = page(department=second.pk)
    assert body.count('data-testid="roster-row"') == 8 and 'data-testid="roster-previous-department"' in body
    body, _ = page(department="")  # 全部, chosen in the form
    assert body.count('data-testid="roster-row"') == 10


def test_a_moved_persons_waiting_items_go_to_the_new_departments_head(
    client_for, head, staff, other_head, other_department, waiting
):
    from accounts.services import staff_move

    draft = MonthlySummaryFactory(owner=staff, month=6)
    staff_move(user=staff, department=other_department, reason="调动")

    assert {item.owner for item in review.inbox_querysets(reviewer=head)[review.SUMMARIES]} == {
        waiting["late_summary"].owner
    }
    assert not review.inbox_querysets(reviewer=head)[review.TARGETS].exists()
    moved = review.inbox_querysets(reviewer=other_head)
    assert list(moved[review.SUMMARIES]) == [waiting["summary"]]
    assert list(moved[review.TARGETS]) == [waiting["targets"]]
    # Every document of the person follows, a draft too (its hand-in will go to the new head).
    draft.refresh_from_db()
    assert draft.owner_department_id == other_department.pk
    # The department the document was written in stays.
    waiting["summary"].refresh_from_db()
    assert waiting["summary"].department_id == head.department_id
    body = client_for(other_head).get(reverse("review")).content.decode()
    assert body.count('data-testid="inbox-row"') == 2


def test_the_leader_of_a_moved_persons_new_department_reads_what_they_wrote_in_the_former_one(
    client_for, organisation, staff, other_department, waiting
):
    """A user test: after a move, the new department's leader (who confirms the quarter's grade)
    met a 404 on the person's targets and summaries, written in the former department."""
    from accounts.models import Department, Role
    from accounts.services import staff_move

    new_leader, stranger = (
        UserFactory(username=name, department=None, organisation=organisation, roles=[Role.SUPERVISING_LEADER])
        for name in ("newleader", "strangeleader")
    )
    Department.objects.filter(pk=other_department.pk).update(supervising_leader=new_leader)
    staff_move(user=staff, department=other_department, reason="调动")
    pages = (
        reverse("targets:detail", args=[waiting["targets"].pk]),
        reverse("summaries:detail", args=[waiting["summary"].pk]),
    )
    assert [client_for(new_leader).get(url).status_code for url in pages] == [200, 200]
    # Not a leader of either department.
    assert [client_for(stranger).get(url).status_code for url in pages] == [404, 404]


def test_a_change_of_head_hands_the_waiting_items_to_the_new_head(head, staff, colleague, department, waiting):
    department.head = colleague
    department.save()
    # The new head reviews the old head and the other staff; their own summary is not theirs to review.
    assert {item.owner for item in review.inbox_querysets(reviewer=colleague)[review.SUMMARIES]} == {staff, head}
    assert not review.inbox_querysets(reviewer=head)[review.SUMMARIES].exists()


def test_a_reviewer_goes_back_from_a_summary_to_the_inbox_as_from_targets(client_for, head, staff):
    summary = MonthlySummaryFactory(owner=staff, submitted=True)
    page = client_for(head).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert f'href="{reverse("review")}" data-testid="back-to-inbox">返回待我审核' in page


def test_deciding_keeps_the_inbox_as_the_reviewer_left_it(client_for, head, waiting):
    """A user test: after 通过, 批量通过 or its 取消 the inbox came back unfiltered."""
    client = client_for(head)
    listed = client.get(reverse("review"), {"kind": "summaries", "sort": "-date"}).content.decode()
    assert 'name="back" value="kind=summaries&amp;sort=-date"' in listed
    back = "kind=summaries&sort=-date"
    one = client.post(
        reverse("review_decide"), {"items": [f"summaries:{waiting['summary'].pk}"], "action": "approve", "back": back}
    )
    assert one["Location"] == f"{reverse('review')}?{back}"
    refs = [f"targets:{waiting['targets'].pk}", f"summaries:{waiting['late_summary'].pk}"]
    confirm = client.post(reverse("review_decide"), {"items": refs, "action": "approve", "bulk": "1", "back": back})
    page = confirm.content.decode()
    assert f'href="{reverse("review")}?kind=summaries&amp;sort=-date"' in page  # 取消
    assert 'name="back" value="kind=summaries&amp;sort=-date"' in page


def test_an_empty_inbox_says_nothing_awaits_review_of_any_kind_it_holds(client_for, head):
    """The inbox also holds the public-welfare 述职 (summaries.review.INBOX_KINDS): its empty text
    said only that no targets or summaries were waiting."""
    body = client_for(head).get(reverse("review")).content.decode()
    empty = body.split('data-testid="inbox-empty">')[1].split("</p>")[0]
    assert empty == "没有等待您审核的材料（目标、小结或公益性岗位述职）。"


def test_the_department_filter_keeps_what_a_move_handed_over(client_for, staff, other_department, other_head):
    """A user test: a person moved to the head's department; their handed-in summary came to the new
    head, labelled with the department it was written in, and the head's filter on their only
    department hid it."""
    summary = MonthlySummaryFactory(owner=staff, submitted=True)
    written_in = summary.department
    from accounts.services import staff_move

    staff_move(user=staff, department=other_department, reason="工作需要")
    client = client_for(other_head)
    everything = client.get(reverse("review")).content.decode()
    filtered = client.get(reverse("review"), {"department": other_department.pk}).content.decode()
    assert written_in != other_department
    assert everything.count('data-testid="inbox-row"') == filtered.count('data-testid="inbox-row"') == 1


def test_each_rows_buttons_name_the_document_for_a_screen_reader(client_for, head, waiting):
    """A user test: every row's buttons read only 查看 and 通过, which a screen reader cannot tell apart."""
    body = client_for(head).get(reverse("review")).content.decode()
    labels = re.findall(r'data-testid="approve-one" aria-label="([^"]+)"', body)
    assert len(labels) == 3 and len(set(labels)) == 3
    assert all(label.startswith("通过") and "（" in label for label in labels)
    assert any(label.startswith("通过科员甲的") for label in labels)
    assert len(set(re.findall(r'aria-label="(查看[^"]+)"', body))) == 3
    # The check boxes too (a re-test heard two "选择 科员甲" for his targets and his summary).
    boxes = re.findall(r'type="checkbox" name="items" value="[^"]+" aria-label="([^"]+)"', body)
    assert len(boxes) == 3 and len(set(boxes)) == 3 and all(box.startswith("选择") for box in boxes)


def _handed_in_again(summary, head, staff):
    """Returned in another tab, reworked by its owner and handed in again."""
    from summaries.services import summary_return, summary_submit

    summary_return(summary=summary, actor=head, reason="请补充")
    summary.refresh_from_db()
    summary.other_work = "【第二版】补充了本月的其他工作"
    summary.save(update_fields=["other_work"])
    summary_submit(summary=summary, actor=staff)
    summary.refresh_from_db()
    return summary


def test_an_approval_on_a_summarys_page_read_before_it_was_handed_in_again_is_refused(client_for, head, staff, waiting):
    """A user test: the head approved, from a tab opened before, a summary returned in another tab
    and handed in again meanwhile: text the head never read was approved."""
    summary = waiting["summary"]
    client = client_for(head)
    page = client.get(summary.get_absolute_url()).content.decode()
    version = re.search(r'data-testid="approve-form".*?name="version" value="(\d+)"', page, re.S).group(1)
    assert int(version) == summary.version
    summary = _handed_in_again(summary, head, staff)
    url = reverse("summaries:review", args=[summary.pk])
    said = client.post(url, {"action": "approve", "version": version}, follow=True).content.decode()
    assert "（可能在另一个窗口）。请查看当前内容后再操作" in said
    summary.refresh_from_db()
    assert summary.status == ReviewStatus.SUBMITTED
    # A return typed on the old page is refused the same way, its reason said back to copy.
    said = client.post(url, {"action": "return", "reason": "第三段不清楚", "version": version}, follow=True)
    assert "您填写的退回原因未保存：第三段不清楚" in said.content.decode()
    summary.refresh_from_db()
    assert summary.status == ReviewStatus.SUBMITTED
    client.post(url, {"action": "approve", "version": summary.version})
    summary.refresh_from_db()
    assert summary.status == ReviewStatus.APPROVED


def test_the_inbox_refuses_a_row_handed_in_again_since_it_was_drawn(client_for, head, staff, waiting):
    client = client_for(head)
    inbox = client.get(reverse("review")).content.decode()
    summary = waiting["summary"]
    ref = re.search(rf'name="items" value="(summaries:{summary.pk}:\d+)"', inbox).group(1)
    targets_ref = re.search(rf'name="items" value="(targets:{waiting["targets"].pk}:\d+)"', inbox).group(1)
    _handed_in_again(summary, head, staff)
    # The row's own 通过: refused with what became of it.
    said = client.post(reverse("review_decide"), {"items": [ref], "action": "approve"}, follow=True)
    assert "（可能在另一个窗口）。请查看当前内容后再操作" in said.content.decode()
    summary.refresh_from_db()
    assert summary.status == ReviewStatus.SUBMITTED
    # 批量通过: asked about the unchanged one only, the other named to be read first.
    html = client.post(reverse("review_decide"), {"items": [ref, targets_ref], "action": "approve"}).content.decode()
    assert "确定通过所选的1项吗" in html and "已重新提交，请打开查看后再审核：月小结 · 科员甲" in html
    assert f'value="{ref}"' not in html and f'value="{targets_ref}"' in html


def test_a_review_sent_after_the_owner_moved_says_who_reviews_it_now_and_keeps_the_reason(
    client_for, head, staff, other_head, other_department, waiting
):
    """A user test: the owner was moved while the head's page was open; 退回 answered a bare
    没有权限 and the reason typed was lost."""
    from accounts.services import staff_move

    client = client_for(head)
    client.get(waiting["summary"].get_absolute_url())
    staff_move(user=staff, department=other_department, reason="调动")
    for url, data in (
        (reverse("summaries:review", args=[waiting["summary"].pk]), {"action": "return", "reason": "第三段不清楚"}),
        (reverse("targets:return", args=[waiting["targets"].pk]), {"reason": "第三段不清楚"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 403
        page = response.content.decode()
        assert f"这份材料现由{other_head.get_full_name()}审核" in page and "您的操作未执行" in page
        assert "您填写的退回原因未保存：第三段不清楚" in page
    for item in (waiting["summary"], waiting["targets"]):
        item.refresh_from_db()
        assert item.status == ReviewStatus.SUBMITTED
