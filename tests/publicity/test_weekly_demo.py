"""The demo's weekly board (appraisal_site.demo.boards): four published weeks, and this week posted
by every department but demo_head's, so the walk-through can post, compile and publish it."""

from datetime import date

import pytest
from django.urls import reverse

from accounts import periods
from accounts.models import User
from accounts.periods import Week
from appraisal_site.demo.boards import PUBLISHED_WEEKS, build_demo_boards
from appraisal_site.demo.organisation import DEMO_HEAD_DEPARTMENT
from publicity.boards.models import WeeklyDigest, WeeklyPost
from tests.support.demo import build_demo_until

# The demo story is the same on every database: run once, on SQLite (make test-postgres skips it).
pytestmark = pytest.mark.one_database

TODAY = date(2026, 12, 1)


@pytest.fixture
def demo(db, settings):
    organisation = build_demo_until(settings, today=TODAY, appraisals=False)
    report = build_demo_boards(organisation, year=2026, seed=5, today=TODAY)
    return organisation, report


def test_the_demo_publishes_past_weeks_and_leaves_this_week_to_compile(demo, client):
    organisation, report = demo
    assert report.published_weeks == PUBLISHED_WEEKS
    published = list(WeeklyDigest.objects.filter(organisation=organisation).order_by("-year", "-week"))
    assert [d.period for d in published] == [Week(2026, 48), Week(2026, 47), Week(2026, 46), Week(2026, 45)]
    assert all(d.is_published and d.sections.count() == organisation.departments.count() for d in published)
    this_week = WeeklyPost.objects.filter(organisation=organisation, year=2026, week=49)
    assert this_week.count() == organisation.departments.count() - 1
    assert not this_week.filter(department__code=DEMO_HEAD_DEPARTMENT).exists()
    assert WeeklyPost.objects.filter(items__goal__isnull=False).exists()
    # Nothing is posted or published after the demo's today.
    assert max(periods.today(p.posted_at) for p in WeeklyPost.objects.all()) == TODAY
    assert max(periods.today(d.published_at) for d in published) < TODAY

    client.force_login(User.objects.get(username="demo_staff"))
    html = client.get(reverse("publicity:weekly")).content.decode()
    assert Week(2026, 48).label in html and 'data-testid="weekly-section"' in html
    assert 'data-testid="board-goal"' in client.get(reverse("publicity:goals")).content.decode()
