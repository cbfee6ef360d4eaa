"""The 个人述职's last day when the unit opens the year late (a user test: a unit opening the
assessment after the policy's window had closed made its workers 逾期未提交 on the day they were
told to write), and the lateness HR sees on its pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts import periods
from accounts.models import Policy
from evaluations.welfare import services
from tests.support.clock import movable_today
from tests.support.home import todo

LATE_OPENING = date(2026, 12, 20)  # after the default window, 1–15 December


@pytest.fixture
def today(monkeypatch):
    return movable_today(monkeypatch, LATE_OPENING)


@pytest.mark.parametrize(
    ("opened_on", "deadline"),
    [
        (None, date(2026, 12, 15)),
        (date(2026, 11, 20), date(2026, 12, 15)),
        (date(2026, 12, 1), date(2026, 12, 15)),
        # Opened too late to leave the window's fourteen days: fourteen days from the opening, with
        # no jump at the last day (a review: opened on the 15th it was due that day, on the 16th on the 30th).
        (date(2026, 12, 10), date(2026, 12, 24)),
        (date(2026, 12, 15), date(2026, 12, 29)),
        (date(2026, 12, 16), date(2026, 12, 30)),
        (LATE_OPENING, date(2027, 1, 3)),
    ],
)
def test_the_report_is_due_on_the_windows_last_day_or_as_long_after_a_late_opening(opened_on, deadline):
    assert periods.welfare_report_deadline(Policy(), 2026, opened_on) == deadline


def _opened_late(hr, organisation, worker):
    services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026)
    return worker.welfare_assessments.get()


def test_a_worker_of_a_unit_opening_late_is_not_overdue_at_once(client_for, hr, organisation, worker, today):
    assessment = _opened_late(hr, organisation, worker)
    assert assessment.opened_on == LATE_OPENING
    today["value"] = date(2026, 12, 21)
    client = client_for(worker)
    home = client.get("/").content.decode()
    assert todo(home, "welfare-report") == 1 and "2026年度个人述职待提交（1月3日截止）" in home
    report = client.get(reverse("evaluations:welfare_report", args=[assessment.pk])).content.decode()
    assert "请于2027年1月3日前提交" in report
    today["value"] = date(2027, 1, 4)
    assert "2026年度个人述职已逾期未提交（1月3日截止）" in client.get("/").content.decode()
    # The report page says so too (a user test read 请于…前提交 there after the day).
    report = client.get(reverse("evaluations:welfare_report", args=[assessment.pk])).content.decode()
    assert "已逾期（截止日为2027年1月3日）" in report and "请于2027年1月3日前提交" not in report


def test_a_report_handed_in_before_the_late_openings_deadline_is_not_late(hr, organisation, worker, today):
    assessment = _opened_late(hr, organisation, worker)
    today["value"] = date(2027, 1, 3)
    services.welfare_report_save(actor=worker, assessment=assessment, text="一年来认真保洁。")
    assert services.welfare_report_submit(actor=worker, assessment=assessment).is_late is False


def test_hr_sees_a_report_handed_in_late_on_the_list_and_the_workers_page(client_for, hr, organisation, worker, today):
    assessment = _opened_late(hr, organisation, worker)
    today["value"] = date(2027, 1, 4)
    services.welfare_report_save(actor=worker, assessment=assessment, text="一年来认真保洁。")
    assert services.welfare_report_submit(actor=worker, assessment=assessment).is_late is True
    client = client_for(hr)
    listing = client.get(reverse("evaluations:welfare", args=[2026])).content.decode()
    assert 'data-testid="welfare-row-late"' in listing
    # HR reads the later deadline beside the policy's window (a review).
    assert "个人述职截止日随开展考核的日期顺延，最晚为2027-01-03" in listing
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert 'data-testid="welfare-report-late"' in page


def test_the_to_do_reads_the_deadline_of_the_first_year_waiting_even_opened_after_the_next(
    client_for, hr, organisation, worker, today
):
    """A review: the to-do took the earliest opening of all the years waiting, not the first
    year's, so a year left over and opened after the next one read the next one's deadline."""
    from evaluations.welfare.models import WelfareAssessment, WelfarePost

    WelfarePost.objects.filter(person=worker).update(agreement_start=date(2025, 1, 1))  # in post in 2025 too
    today["value"] = date(2026, 12, 1)
    services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026)
    today["value"] = date(2026, 12, 20)
    services.welfare_assessments_open(actor=hr, organisation=organisation, year=2025)
    assert WelfareAssessment.objects.get(owner=worker, year=2025).opened_on == date(2026, 12, 20)
    home = client_for(worker).get("/").content.decode()
    # 2025's window ended a year ago; opened on 20 December 2026, it is due on 3 January 2027.
    assert "2025年度个人述职待提交（1月3日截止）" in home


def test_under_a_moved_clock_a_report_handed_in_after_its_day_is_late(settings, hr, organisation, worker):
    """A user test moved the clock (APPRAISAL_TODAY, demos and browser tests) past the deadline:
    the home page said 已逾期, but the hand-in was judged on the machine's clock and not marked 迟交.
    The workflow's stamps follow the moved day (periods.now)."""
    settings.APPRAISAL_TODAY = date(2026, 12, 1)
    services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026)
    assessment = worker.welfare_assessments.get()
    settings.APPRAISAL_TODAY = date(2026, 12, 16)
    services.welfare_report_save(actor=worker, assessment=assessment, text="一年来认真保洁。")
    submitted = services.welfare_report_submit(actor=worker, assessment=assessment)
    assert submitted.is_late is True
    assert periods.today(submitted.submitted_at) == date(2026, 12, 16)


def test_the_moved_clock_keeps_the_time_of_day_and_production_is_not_moved(settings):
    from django.utils import timezone

    settings.APPRAISAL_TODAY = None
    before = timezone.now()
    assert before <= periods.now() <= timezone.now()
    settings.APPRAISAL_TODAY = date(2027, 2, 28)
    moved = periods.now()
    assert periods.today(moved) == date(2027, 2, 28)

    def seconds(instant) -> int:
        local = timezone.localtime(instant, periods.CHINA_TZ)
        return local.hour * 3600 + local.minute * 60 + local.second

    apart = abs(seconds(moved) - seconds(timezone.now())) % 86400
    assert min(apart, 86400 - apart) < 60  # the same time of day


def test_a_year_opens_for_those_in_post_in_it_and_not_for_a_year_before_last(hr, organisation, worker, today):
    """A user test opened 2026 in January 2027 and a worker whose post began in March 2027 was
    assessed for 2026 (不合格, not renewed); 2025 opened in 2027 asked everyone for a 述职 of it."""
    from django.core.exceptions import ValidationError

    from evaluations.welfare.models import WelfareAssessment
    from tests.factories import WelfarePostFactory

    later = WelfarePostFactory(
        person__department=worker.department, agreement_start=date(2027, 3, 1), agreement_end=date(2028, 2, 28)
    ).person
    today["value"] = date(2027, 1, 5)
    assert services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026) == 1
    assert set(WelfareAssessment.objects.values_list("owner", flat=True)) == {worker.pk}
    refusal = services.welfare_open_refusal(organisation_id=organisation.pk, year=2025, today=date(2027, 1, 5))
    assert refusal == "2025年度已过去，不能再开展该年度的公益性岗位考核。"
    with pytest.raises(ValidationError, match="2025年度已过去"):
        services.welfare_assessments_open(actor=hr, organisation=organisation, year=2025)
    assert not WelfareAssessment.objects.filter(owner=later).exists()
