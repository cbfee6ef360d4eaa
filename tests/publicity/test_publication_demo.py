"""The demo's publications (appraisal_site.demo.publication): past quarters published and locked,
one objection answered after a regrade, and the latest approved quarter's window open today."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import User
from appraisal_site.demo.publication import build_demo_publication
from evaluations.grading.models import AppraisalQuarter, QuarterGrade
from publicity.publication.models import EntryState, Objection, ObjectionState, Publication
from tests.support.demo import build_demo_until

# The demo story is the same on every database: run once, on SQLite (make test-postgres skips it).
pytestmark = pytest.mark.one_database

TODAY = date(2026, 12, 1)


@pytest.fixture
def demo(db, settings):
    organisation = build_demo_until(settings, today=TODAY)
    report = build_demo_publication(organisation, year=2026, seed=5, today=TODAY)
    return organisation, report


def test_the_demo_locks_past_quarters_and_leaves_the_latest_window_open(demo, client):
    organisation, report = demo
    assert report.locked and report.open_publication
    for quarter in report.locked:
        appraisal_quarter = AppraisalQuarter.objects.get(organisation=organisation, year=2026, quarter=quarter)
        assert appraisal_quarter.locked_at is not None
        assert not QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, locked_at__isnull=True).exists()
    live = Publication.objects.get(pk=report.open_publication)
    assert live.is_open_on(TODAY) and live.closed_at is None
    assert not live.entries.exclude(state=EntryState.PUBLISHED).exists()

    objection = Objection.objects.get()
    assert objection.state == ObjectionState.ANSWERED and objection.sent_back_at is not None
    assert objection.entry.republished_at is not None and objection.entry.state == EntryState.LOCKED
    assert objection.entry.quarter_grade.grade == "fairly_good"

    client.force_login(User.objects.get(username="demo_staff"))
    html = client.get(live.get_absolute_url()).content.decode()
    assert 'data-testid="object-link"' in html
    assert live.title in client.get(reverse("publicity:board")).content.decode()
