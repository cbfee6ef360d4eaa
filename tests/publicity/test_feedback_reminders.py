"""Talks not recorded N working days after locking: counted on the talker's home page (one query,
the same for few and many people) and reminded once in the daily digest, by the calendar's working
days (国庆 2026: 1–7 October off, Saturday 10 October a make-up working day)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Job, Notification
from accounts.periods import CHINA_TZ
from evaluations.grading.models import Grade, GradeState
from publicity.feedback import selectors, services
from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory, UserFactory, policy_with
from tests.publicity.conftest import LOCKED_AT
from tests.support.clock import movable_today
from tests.support.home import todo

# LOCKED_AT is Wednesday 30 September; the ten working days after it are 8, 9, 10 (Saturday, 调休),
# 12–16 and 19–20 October: overdue from 21 October (22 October if the make-up Saturday were missed,
# 15 October if the holiday were counted).


@pytest.fixture
def today(monkeypatch):
    return movable_today(monkeypatch, date(2026, 10, 20))


def locked_grade(person, quarter, grade=Grade.FAIRLY_GOOD):
    return QuarterGradeFactory(
        person=person, appraisal_quarter=quarter, grade=grade, state=GradeState.CONFIRMED, locked_at=LOCKED_AT
    )


def overdue(leader, day) -> int:
    return selectors.feedback_counts_for_talker(talker=leader, today=day).overdue


def test_a_talk_is_overdue_after_ten_working_days_counted_around_national_day(leader, staff, quarter):
    locked_grade(staff, quarter)
    assert overdue(leader, date(2026, 10, 15)) == 0
    assert overdue(leader, date(2026, 10, 20)) == 0
    assert overdue(leader, date(2026, 10, 21)) == 1


def test_the_number_of_working_days_follows_the_policy(organisation, leader, staff, quarter):
    locked_grade(staff, quarter)
    policy_with(organisation, feedback_talk_working_days=3)  # 8, 9 and 10 October
    assert overdue(leader, date(2026, 10, 10)) == 0
    assert overdue(leader, date(2026, 10, 11)) == 1


def test_a_recorded_talk_is_no_longer_counted(leader, staff, colleague, quarter, today):
    grade = locked_grade(staff, quarter)
    locked_grade(colleague, quarter)
    services.feedback_talk_record(
        actor=leader, grade=grade, data=services.TalkData(talked_on=date(2026, 10, 12), content="谈话")
    )
    counts = selectors.feedback_counts_for_talker(talker=leader, today=date(2026, 10, 21))
    assert (counts.to_record, counts.overdue) == (1, 1)


def test_reminders_go_into_the_talkers_digest_once_and_only_when_overdue(organisation, leader, staff, quarter, today):
    locked_grade(staff, quarter)
    assert services.feedback_reminders_send(organisation=organisation, today=date(2026, 10, 20)) == 0
    today["value"] = date(2026, 10, 21)
    assert services.feedback_reminders_send(organisation=organisation, today=today["value"]) == 1
    assert services.feedback_reminders_send(organisation=organisation, today=today["value"]) == 0
    reminder = Notification.objects.get(recipient=leader)
    assert reminder.digest_day == date(2026, 10, 21)
    assert "1人的结果反馈谈话未记录" in reminder.message


def test_the_command_runs_the_reminders_as_a_recorded_job(organisation, leader, staff, quarter, today, capsys):
    today["value"] = date(2026, 10, 21)
    locked_grade(staff, quarter)
    call_command("send_feedback_reminders")
    call_command("send_feedback_reminders")
    assert Notification.objects.filter(recipient=leader).count() == 1
    jobs = Job.objects.filter(kind=services.FEEDBACK_REMINDERS, organisation=organisation)
    assert [job.state for job in jobs] == [Job.State.DONE, Job.State.DONE]
    assert "1" in capsys.readouterr().out


def test_the_reminders_are_on_the_beat_schedule():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "publicity.tasks.send_feedback_reminders" in tasks


# --- The home page --------------------------------------------------------------------------------


def test_the_talker_sees_overdue_and_waiting_talks_and_the_person_the_talk_to_confirm(
    client, leader, staff, colleague, quarter, today
):
    today["value"] = date(2026, 10, 21)
    locked_grade(colleague, quarter)
    grade = locked_grade(staff, quarter)
    QuarterGradeFactory(  # locked yesterday: waiting, not overdue
        person=UserFactory(department=staff.department),
        appraisal_quarter=AppraisalQuarterFactory(organisation=quarter.organisation, year=2026, quarter=2),
        grade=Grade.GOOD,
        locked_at=datetime(2026, 10, 20, 9, 0, tzinfo=CHINA_TZ),
    )
    client.force_login(leader)
    html = client.get("/").content.decode()
    assert (todo(html, "feedback-overdue"), todo(html, "feedback-talks")) == (2, 1)

    services.feedback_talk_record(
        actor=leader, grade=grade, data=services.TalkData(talked_on=date(2026, 10, 21), content="谈话")
    )
    client.force_login(staff)
    assert todo(client.get("/").content.decode(), "feedback-confirm") == 1


def test_the_feedback_to_dos_cost_the_same_queries_for_few_and_many_people(
    client, leader, department, staff, quarter, today
):
    today["value"] = date(2026, 10, 21)
    locked_grade(staff, quarter)
    client.force_login(leader)
    client.get("/")

    def home_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        return len(queries.captured_queries)

    few = home_queries()
    for _n in range(8):
        locked_grade(UserFactory(department=department), quarter)
    many = home_queries()
    assert few == many
    assert todo(client.get("/").content.decode(), "feedback-overdue") == 9
