"""Who sees which summary — and, as carefully, who does not."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.workflow import ReviewStatus
from summaries import selectors, services
from summaries.models import MonthlySummary
from tests.factories import DepartmentFactory, MonthlySummaryFactory, UserFactory

from .helpers import CHINA, submit_written

# The agency head reads everyone's (approving the quarter), read only.
VIEWERS = {"staff", "head", "leader", "hr", "chief"}
PERSONAS = ["staff", "colleague", "head", "leader", "hr", "chief", "inspector", "auditor", "sysadmin", "outsider"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_exactly_the_summaries_it_should(request, client_for, summary, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse("summaries:detail", args=[summary.pk]))
    assert response.status_code == (200 if persona in VIEWERS else 404)


def test_a_head_of_another_department_cannot_open_the_summary(client_for, summary, other_head):
    assert client_for(other_head).get(reverse("summaries:detail", args=[summary.pk])).status_code == 404


def test_a_leader_who_does_not_supervise_the_department_sees_nothing(client_for, summary, organisation):
    other_leader = UserFactory(organisation=organisation, department=None, roles=["supervising_leader"])
    DepartmentFactory(organisation=organisation, supervising_leader=other_leader)
    assert client_for(other_leader).get(reverse("summaries:detail", args=[summary.pk])).status_code == 404


def test_viewers_get_a_read_only_page(client_for, summary, head):
    page = client_for(head).get(reverse("summaries:detail", args=[summary.pk])).content.decode()
    assert "data-autosave-form" not in page
    assert "完成年度预算编制" in page


def test_a_viewer_cannot_post_the_owners_form(client_for, summary, head):
    from .helpers import form_data

    response = client_for(head).post(
        reverse("summaries:detail", args=[summary.pk]), {**form_data(summary, other_work="代写"), "action": "save"}
    )
    assert response.status_code == 403
    summary.refresh_from_db()
    assert summary.other_work == ""


def test_the_reviewer_sees_the_review_buttons_only_when_submitted(client_for, summary, submitted, head, hr):
    page = client_for(head).get(reverse("summaries:detail", args=[submitted.pk])).content.decode()
    assert 'data-testid="review"' in page
    page = client_for(hr).get(reverse("summaries:detail", args=[submitted.pk])).content.decode()
    assert 'data-testid="review"' not in page


def test_hr_cannot_review(client_for, submitted, hr):
    response = client_for(hr).post(reverse("summaries:review", args=[submitted.pk]), {"action": "approve"})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["sysadmin", "auditor"])
def test_the_separated_roles_have_no_summary_list(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("summaries:list")).status_code == 403


def test_a_stranger_is_sent_to_the_login_page(client, organisation):
    response = client.get(reverse("summaries:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- The list page -------------------------------------------------------------------


def _summaries(owner, months):
    for month in months:
        created = services.summary_get_or_create(
            owner=owner, year=2026, month=month, now=datetime(2026, 12, 1, tzinfo=CHINA)
        )
        if month % 2:
            submit_written(summary=created, actor=owner, now=datetime(2026, 12, 20, tzinfo=CHINA))


def test_the_list_shows_the_months_with_status_and_late_badges(client_for, staff, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 12, 20, 9, tzinfo=CHINA))
    _summaries(staff, [1, 2])
    page = client_for(staff).get(reverse("summaries:list")).content.decode()
    assert page.count('data-testid="status"') == 2
    assert 'data-testid="late"' in page
    assert 'data-testid="write-this-month"' in page
    assert "已逾期" in page


def test_the_list_offers_to_rework_a_returned_summary_and_to_write_a_draft(client_for, staff, monkeypatch):
    """A user test: a returned month offered 填写, as if nothing had been written."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 12, 20, 9, tzinfo=CHINA))
    MonthlySummaryFactory(owner=staff, year=2026, month=10, status=ReviewStatus.RETURNED)
    MonthlySummaryFactory(owner=staff, year=2026, month=9)
    page = client_for(staff).get(reverse("summaries:list")).content.decode()
    october = page.split('data-testid="month-10"')[1].split("</li>")[0]
    september = page.split('data-testid="month-9"')[1].split("</li>")[0]
    assert ">修改</a>" in october and ">填写</a>" not in october
    assert ">填写</a>" in september


@pytest.mark.parametrize("count", [3, 12])
def test_the_list_page_query_count_does_not_grow_with_summaries(
    client_for, staff, monkeypatch, django_assert_max_num_queries, count
):
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 12, 20, 9, tzinfo=CHINA))
    _summaries(staff, range(1, count + 1))
    client = client_for(staff)
    client.get(reverse("summaries:list"))  # warm the session and the policy row
    # About ten of these are the site's per-request work (session, user, roles, idle timeout,
    # navigation, notification bell); the page itself reads the policy, one summaries query and
    # the month due first (last month's and this month's summaries).
    with django_assert_max_num_queries(14):
        response = client.get(reverse("summaries:list"))
    assert response.content.decode().count('data-testid="status"') == count


@pytest.mark.parametrize(
    ("now", "due_month", "summary_queries"),
    [
        # 3 December: November's draft is due first (till 5 December), read from the year's rows.
        (datetime(2026, 12, 3, 9, tzinfo=CHINA), 11, 1),
        # 3 January: last December is not among this year's rows: read on its own.
        (datetime(2027, 1, 3, 9, tzinfo=CHINA), 12, 2),
    ],
)
def test_the_month_due_first_comes_from_the_years_rows(client_for, staff, monkeypatch, now, due_month, summary_queries):
    services.summary_get_or_create(owner=staff, year=2026, month=11, now=datetime(2026, 11, 20, tzinfo=CHINA))
    services.summary_get_or_create(owner=staff, year=2026, month=12, now=datetime(2026, 12, 1, tzinfo=CHINA))
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    client = client_for(staff)
    client.get(reverse("summaries:list"))
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("summaries:list")).content.decode()
    assert f'data-testid="write-this-month" data-month="{due_month}"' in page
    assert f"继续填写{due_month}月小结" in page
    # On 3 January the page is 2027's and the month due is last December: the button names its year.
    assert ('<span data-testid="due-year">2026年</span>' in page) == (now.year == 2027)
    reads = [query["sql"] for query in captured.captured_queries if 'FROM "summaries_monthlysummary"' in query["sql"]]
    assert len(reads) == summary_queries


# Once approved, it says so (a user test: the button still read 已提交 after the head's approval).
@pytest.mark.parametrize("status, said", [(ReviewStatus.SUBMITTED, "已提交"), (ReviewStatus.APPROVED, "已通过")])
def test_a_handed_in_summary_is_offered_to_read_by_its_status_not_to_go_on_writing(
    client_for, staff, monkeypatch, status, said
):
    summary = services.summary_get_or_create(owner=staff, year=2026, month=12, now=datetime(2026, 12, 1, tzinfo=CHINA))
    type(summary).objects.filter(pk=summary.pk).update(status=status)
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 12, 20, 9, tzinfo=CHINA))
    page = client_for(staff).get(reverse("summaries:list")).content.decode()
    assert f"查看12月小结（{said}）" in page and "继续填写12月小结" not in page
    assert ("已提交" in page) == (status == ReviewStatus.SUBMITTED)


def test_the_list_shows_only_my_summaries(client_for, staff, colleague, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 12, 20, 9, tzinfo=CHINA))
    _summaries(colleague, [1, 2, 3])
    page = client_for(staff).get(reverse("summaries:list")).content.decode()
    assert 'data-testid="status"' not in page


# --- The review inbox ----------------------------------------------------------------


def test_awaiting_review_lists_the_submitted_summaries_of_those_i_evaluate(
    submitted, staff, colleague, head, leader, other_head, october_now, django_assert_num_queries
):
    draft = services.summary_get_or_create(owner=colleague, year=2026, month=10, now=october_now)
    head_summary = submit_written(
        summary=services.summary_get_or_create(owner=head, year=2026, month=10, now=october_now), actor=head
    )
    with django_assert_num_queries(1):
        mine = list(selectors.summaries_awaiting_review(reviewer=head))
        names = [(s.owner.get_full_name(), s.owner.department.name) for s in mine]
    assert [s.pk for s in mine] == [submitted.pk]
    assert names == [("科员甲", "办公室")]
    assert draft.pk not in [s.pk for s in mine]
    assert [s.pk for s in selectors.summaries_awaiting_review(reviewer=leader)] == [head_summary.pk]
    assert list(selectors.summaries_awaiting_review(reviewer=other_head)) == []
    assert list(selectors.summaries_awaiting_review(reviewer=staff)) == []
    assert MonthlySummary.objects.count() == 3


def test_last_years_page_in_january_names_the_year_of_this_months_summary(client_for, staff, monkeypatch):
    """In January 2027, on 2026's page, 填写本月（1月）小结 is January 2027's, not the 1月 row below."""
    services.summary_get_or_create(owner=staff, year=2026, month=12, now=datetime(2026, 12, 20, tzinfo=CHINA))
    summary = staff.monthly_summaries.get(year=2026, month=12)
    summary.status, summary.submitted_at = "submitted", datetime(2026, 12, 30, tzinfo=CHINA)
    summary.save(update_fields=["status", "submitted_at"])
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2027, 1, 20, 9, tzinfo=CHINA))
    page = client_for(staff).get(reverse("summaries:list"), {"year": 2026}).content.decode()
    button = page.split('data-testid="write-this-month"')[1].split("</button>")[0]
    assert 'data-month="1"' in button and '<span data-testid="due-year">2027年</span>' in button
    this_year = client_for(staff).get(reverse("summaries:list")).content.decode()
    assert 'data-testid="due-year"' not in this_year
