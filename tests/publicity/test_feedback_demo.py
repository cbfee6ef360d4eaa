"""The demo's feedback talks (appraisal_site.demo.feedback): talks for the locked grades only, some
confirmed, each with what its grade requires; demo_staff's latest locked grade left for demo_leader.

On this branch nothing locks a quarter yet (the publication step does), so the test locks the
demo's first two quarters itself."""

from datetime import date, datetime

import pytest

from accounts.models import User
from accounts.periods import CHINA_TZ
from appraisal_site.demo.feedback import build_demo_feedback
from evaluations.grading.models import AppraisalQuarter, Grade, QuarterGrade
from publicity.feedback import selectors
from publicity.feedback.models import FeedbackTalk
from tests.support.demo import build_demo_until

# The demo story is the same on every database: run once, on SQLite (make test-postgres skips it).
pytestmark = pytest.mark.one_database

TODAY = date(2026, 11, 23)
YEAR = 2026


@pytest.fixture
def demo(db, settings):
    return build_demo_until(settings, today=TODAY, year=YEAR)


def lock(organisation, quarter: int, day: date) -> None:
    moment = datetime(day.year, day.month, day.day, 17, 0, tzinfo=CHINA_TZ)
    appraisal_quarter = AppraisalQuarter.objects.get(organisation=organisation, year=YEAR, quarter=quarter)
    AppraisalQuarter.objects.filter(pk=appraisal_quarter.pk).update(locked_at=moment)
    QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter).exclude(grade="").update(locked_at=moment)


def test_the_demo_records_talks_for_locked_grades_only_some_confirmed(demo):
    # Built once for both halves (the demo's year takes most of a minute).
    assert build_demo_feedback(demo, year=YEAR, seed=5, today=TODAY).talks == 0
    assert not FeedbackTalk.objects.exists()

    lock(demo, 1, date(2026, 4, 24))
    lock(demo, 2, date(2026, 7, 24))
    report = build_demo_feedback(demo, year=YEAR, seed=5, today=TODAY)

    locked = QuarterGrade.objects.filter(department__organisation=demo, locked_at__isnull=False).exclude(grade="")
    assert report.talks == FeedbackTalk.objects.count() == locked.count() - 1
    assert 0 < report.confirmed < report.talks
    assert not FeedbackTalk.objects.filter(quarter_grade__appraisal_quarter__quarter=3).exists()
    for talk in FeedbackTalk.objects.select_related("quarter_grade"):
        assert talk.talked_on >= talk.quarter_grade.locked_at.astimezone(CHINA_TZ).date()
        assert talk.grade != Grade.GOOD or talk.reasons
        assert talk.grade not in (Grade.AVERAGE, Grade.POOR) or (talk.shortcomings and talk.improvements)

    # demo_staff's Q2 talk is demo_leader's to record; the Q1 one is there to read.
    staff, leader = User.objects.get(username="demo_staff"), User.objects.get(username="demo_leader")
    waiting = selectors.locked_grades_for_talker(talker=leader).filter(feedback_talk__isnull=True)
    assert [(g.person, g.appraisal_quarter.quarter) for g in waiting] == [(staff, 2)]
    assert FeedbackTalk.objects.filter(person=staff, quarter_grade__appraisal_quarter__quarter=1).exists()
