"""Once the agency head has approved a quarter (accounts.PeriodLock), the monthly summaries that fed
it are read-only — also one returned before the approval, or submitted and returned after it."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from accounts import periods
from accounts import services as account_services
from accounts.models import PeriodLock
from accounts.workflow import ReviewStatus
from summaries import services
from summaries.models import MonthlySummary
from tests.factories import PeriodLockFactory

from .helpers import text_of

CLOSED = "已审批"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def close_quarter(organisation, chief):
    def close(year: int = 2026, quarter: int = 4) -> PeriodLock:
        return PeriodLockFactory(organisation=organisation, year=year, quarter=quarter, locked_by=chief)

    return close


@pytest.fixture
def returned(submitted, head):
    return services.summary_return(summary=submitted, actor=head, reason="请补充数据")


def test_a_returned_summary_of_an_approved_quarter_cannot_be_edited_or_handed_in_again(returned, staff, close_quarter):
    close_quarter()
    with pytest.raises(services.SummaryConflict, match=CLOSED):
        services.summary_autosave(
            summary=returned, actor=staff, based_on_version=returned.version, text=text_of(returned, other_work="改")
        )
    with pytest.raises(ValidationError, match=CLOSED):
        services.summary_submit(summary=returned, actor=staff)
    stored = MonthlySummary.objects.get(pk=returned.pk)
    assert stored.status == ReviewStatus.RETURNED and stored.other_work == returned.other_work
    # The typed text is not lost: it is kept as a copy for its author.
    assert stored.conflict_copies.count() == 1


def test_a_submitted_summary_of_an_approved_quarter_cannot_be_returned_to_reopen_it(submitted, head, close_quarter):
    close_quarter()
    with pytest.raises(ValidationError, match=CLOSED):
        services.summary_return(summary=submitted, actor=head, reason="重新修改")
    assert MonthlySummary.objects.get(pk=submitted.pk).status == ReviewStatus.SUBMITTED


def test_the_page_of_a_summary_of_an_approved_quarter_offers_approval_and_no_return(
    client_for, submitted, head, close_quarter
):
    """The page offered 退回修改, which the service then refused: only 审核通过 is offered."""
    close_quarter()
    page = client_for(head).get(reverse("summaries:detail", args=[submitted.pk])).content.decode()
    assert 'data-testid="approve-form"' in page and 'data-testid="no-return"' in page
    assert 'value="return"' not in page


def test_attachments_of_a_summary_of_an_approved_quarter_are_neither_added_nor_removed(returned, staff, close_quarter):
    attachment = services.summary_attachment_add(
        summary=returned, actor=staff, uploaded=SimpleUploadedFile("a.pdf", PDF, "application/pdf")
    )
    close_quarter()
    with pytest.raises(ValidationError, match=CLOSED):
        services.summary_attachment_add(
            summary=returned, actor=staff, uploaded=SimpleUploadedFile("b.pdf", PDF + b" ", "application/pdf")
        )
    with pytest.raises(ValidationError, match=CLOSED):
        services.summary_attachment_delete(attachment=attachment, actor=staff)
    assert returned.attachments.count() == 1


def test_no_new_summary_is_started_for_a_month_of_an_approved_quarter(staff, make_targets, close_quarter, october_now):
    make_targets(staff)
    close_quarter()
    with pytest.raises(ValidationError, match=CLOSED):
        services.summary_get_or_create(owner=staff, year=2026, month=10, now=october_now)
    assert not MonthlySummary.objects.exists()


def test_the_page_offers_no_editor_and_the_post_is_refused(client_for, returned, staff, close_quarter):
    close_quarter()
    client = client_for(staff)
    page = client.get(reverse("summaries:detail", args=[returned.pk]))
    assert 'name="other_work"' not in page.content.decode()
    data = {"version": returned.version, "other_work": "改写", "problems": "", "next_month_plan": ""}
    response = client.post(reverse("summaries:autosave", args=[returned.pk]), data)
    assert response.status_code == 409
    assert MonthlySummary.objects.get(pk=returned.pk).other_work == returned.other_work


def test_a_summary_of_another_quarter_stays_editable(returned, staff, close_quarter):
    close_quarter(quarter=3)
    saved = services.summary_autosave(
        summary=returned, actor=staff, based_on_version=returned.version, text=text_of(returned, other_work="改")
    )
    assert saved.other_work == "改"


def _a_backend_waits_for_a_lock(seconds: float = 10) -> bool:
    """Whether another session of this database is waiting for a row lock (PostgreSQL says so;
    the test does not guess with a sleep)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers with BEGIN IMMEDIATE")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_write_racing_the_approval_waits_for_it_and_is_then_refused(
    summary, staff, organisation, chief
):
    approving, commit, outcome = threading.Event(), threading.Event(), {}

    def approve():  # the approval's own steps: take the organisation's row, then write the lock
        try:
            with transaction.atomic():
                account_services.period_approval_begin(organisation_id=organisation.pk)
                account_services.period_lock(organisation=organisation, quarter=periods.Quarter(2026, 4), actor=chief)
                approving.set()
                commit.wait(20)
        finally:
            connection.close()

    def write():
        try:
            services.summary_autosave(
                summary=summary, actor=staff, based_on_version=summary.version, text=text_of(summary, other_work="抢写")
            )
            outcome["result"] = "saved"
        except ValidationError as error:
            outcome["result"] = " ".join(error.messages)
        finally:
            connection.close()

    approval = threading.Thread(target=approve)
    approval.start()
    assert approving.wait(20)
    writer = threading.Thread(target=write)
    writer.start()
    # The write checked the lock while the approval was not yet committed: it must wait for it.
    waited = _a_backend_waits_for_a_lock()
    commit.set()
    approval.join(20)
    writer.join(20)
    assert waited, "the write did not wait for the approval"
    assert CLOSED in outcome["result"]
    assert MonthlySummary.objects.get(pk=summary.pk).other_work == ""


def test_a_month_of_an_approved_quarter_is_neither_owed_on_home_nor_offered_to_write_late(
    client_for, staff, close_quarter, settings
):
    """A user test moved a newcomer's 参加考核日期 back into an approved quarter: October became a
    to-do on home (以前月份未交的小结) and 已逾期 with 补写 on the summaries page, which the service
    then refused — a to-do that could never be done."""
    from datetime import date

    settings.APPRAISAL_TODAY = date(2027, 1, 20)
    client = client_for(staff)
    home = client.get(reverse("home")).content.decode()
    assert "以前月份未交的小结" in home and "2026年10月" in home
    close_quarter(2026, 4)
    home = client.get(reverse("home")).content.decode()
    assert "2026年10月" not in home
    page = client.get(reverse("summaries:list"), {"year": 2026}).content.decode()
    october = page.split('data-testid="month-10"', 1)[1].split("</li>", 1)[0]
    assert 'data-testid="quarter-closed"' in october and "补写" not in october and "已逾期" not in october
    # A draft of a month of the approved quarter is offered to 查看, not 填写 (it opens read-only).
    MonthlySummary.objects.create(
        owner=staff, organisation=staff.organisation, department=staff.department, year=2026, month=11
    )
    page = client.get(reverse("summaries:list"), {"year": 2026}).content.decode()
    november = page.split('data-testid="month-11"', 1)[1].split("</li>", 1)[0]
    assert "查看" in november and "填写" not in november


def test_last_month_is_not_the_summary_due_once_its_quarter_is_approved_before_its_deadline(
    client_for, staff, close_quarter, settings
):
    """A re-test: Q4 approved on 4 January, before December's deadline (5 January): home still asked
    for December (12月小结待提交) and the summaries page offered 填写12月小结, which was refused."""
    from datetime import date

    settings.APPRAISAL_TODAY = date(2027, 1, 4)
    client = client_for(staff)
    assert "12月小结" in client.get(reverse("home")).content.decode()
    close_quarter(2026, 4)
    home = client.get(reverse("home")).content.decode()
    assert "12月小结" not in home and "1月小结" in home
    page = client.get(reverse("summaries:list")).content.decode()
    assert "填写12月小结" not in page
