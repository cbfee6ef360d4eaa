"""The demo as it stands on 1 December: its publications (appraisal_site.demo.publication) and its
weekly board (appraisal_site.demo.boards), each built on the same organisation and year.

Publications: past quarters published and locked, one objection answered after a regrade, and the
latest approved quarter's window open today. Weekly board: four published weeks, and this week
posted by every department but demo_head's, so the walk-through can post, compile and publish it."""

from datetime import date

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts import periods
from accounts.models import User
from accounts.periods import Week
from appraisal_site.demo.appraisals import build_demo_appraisals
from appraisal_site.demo.boards import PUBLISHED_WEEKS, build_demo_boards
from appraisal_site.demo.organisation import DEMO_HEAD_DEPARTMENT, build_demo_organisation
from appraisal_site.demo.publication import build_demo_publication
from appraisal_site.demo.year import build_demo_year
from evaluations.grading.models import AppraisalQuarter, QuarterGrade
from publicity.boards.models import WeeklyDigest, WeeklyPost
from publicity.publication.models import EntryState, Objection, ObjectionState, Publication
from tests.factories import NotificationFactory
from tests.support.demo import SEED, STAFF
from tests.support.shared_rows import shared_rows

# The demo story is the same on every database: run once, on SQLite (make test-postgres skips it).
pytestmark = pytest.mark.one_database

TODAY = date(2026, 12, 1)
YEAR = 2026


@pytest.fixture(scope="module")
def december(django_db_setup, django_db_blocker):
    """The demo's organisation and its year as of TODAY, built once for this module (most of a
    minute); what each test builds on it (appraisals, publications, boards) goes with its savepoint.
    The function-scoped settings fixtures (the fast password hasher) have not run yet."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=hashers, APPRAISAL_TODAY=TODAY), shared_rows(django_db_blocker):
        organisation = build_demo_organisation(staff=STAFF, seed=SEED)
        build_demo_year(organisation, year=YEAR, seed=SEED, today=TODAY)
        yield organisation


@pytest.fixture
def organisation(december, db, settings):
    settings.APPRAISAL_TODAY = TODAY
    return december


def test_the_demo_locks_past_quarters_and_leaves_the_latest_window_open(organisation, client):
    build_demo_appraisals(organisation, year=YEAR, seed=SEED, today=TODAY)
    report = build_demo_publication(organisation, year=YEAR, seed=SEED, today=TODAY)
    assert report.locked and report.open_publication
    for quarter in report.locked:
        appraisal_quarter = AppraisalQuarter.objects.get(organisation=organisation, year=YEAR, quarter=quarter)
        assert appraisal_quarter.locked_at is not None
        assert not QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, locked_at__isnull=True).exists()
    live = Publication.objects.get(pk=report.open_publication)
    assert live.is_open_on(TODAY) and live.closed_at is None
    assert not live.entries.exclude(state=EntryState.PUBLISHED).exists()

    objection = Objection.objects.get()
    assert objection.state == ObjectionState.ANSWERED and objection.sent_back_at is not None
    assert objection.entry.republished_at is not None and objection.entry.state == EntryState.LOCKED
    assert objection.entry.quarter_grade.grade == "fairly_good"
    # The objector's notices name the day it was lodged in the story, not the day the demo was built.
    lodged = periods.today(objection.lodged_at).isoformat()
    notices = list(
        objection.objector.notifications.filter(message__contains="提出的异议").values_list("message", flat=True)
    )
    assert notices and all(f"您于{lodged}对" in notice for notice in notices), notices

    client.force_login(User.objects.get(username="demo_staff"))
    html = client.get(live.get_absolute_url()).content.decode()
    assert 'data-testid="object-link"' in html
    assert live.title in client.get(reverse("publicity:board")).content.decode()


def test_the_demo_publishes_past_weeks_and_leaves_this_week_to_compile(organisation, client):
    report = build_demo_boards(organisation, year=YEAR, seed=SEED, today=TODAY)
    assert report.published_weeks == PUBLISHED_WEEKS
    published = list(WeeklyDigest.objects.filter(organisation=organisation).order_by("-year", "-week"))
    assert [d.period for d in published] == [Week(2026, 48), Week(2026, 47), Week(2026, 46), Week(2026, 45)]
    assert all(d.is_published and d.sections.count() == organisation.departments.count() for d in published)
    this_week = WeeklyPost.objects.filter(organisation=organisation, year=YEAR, week=49)
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


def test_the_demo_delivers_its_years_digests_so_the_first_digest_after_seeding_replays_nothing(organisation):
    """A user test: the first daily digest after seed_demo listed the whole demo year (Q1–Q3
    approvals) as the day's news; every step of the story happened before its "today"."""
    from accounts.models import Notification
    from accounts.services import notifications_send_digests
    from appraisal_site.demo.story import build_demo_digests
    from tests.factories import OrganisationFactory, UserFactory

    build_demo_appraisals(organisation, year=YEAR, seed=SEED, today=TODAY)
    queued = Notification.objects.filter(digest_day__isnull=False, digest=None)
    assert queued.exists()  # the story's steps queued entries for the daily digests
    # Someone of another organisation on the same site: their entry waits for their own digest.
    elsewhere = UserFactory(organisation=OrganisationFactory())
    theirs = NotificationFactory(recipient=elsewhere, message="别单位的通知", digest_day=date(2026, 11, 20))
    report = build_demo_digests(organisation, year=YEAR, seed=SEED, today=TODAY)
    assert report.digests > 0 and list(queued) == [theirs]
    theirs.refresh_from_db()
    assert theirs.digest_day == date(2026, 11, 20) and not elsewhere.notifications.exclude(pk=theirs.pk).exists()
    head = User.objects.get(username="demo_head")
    [digest] = head.notifications.filter(dedupe_key="digest:2026-11-30")
    assert digest.read_at is not None and digest.entries.exists()
    assert not digest.entries.filter(read_at=None).exists()
    # Nor does the bell count the past as news (a re-test read 29 unread for demo_staff).
    assert not Notification.objects.filter(recipient__organisation=organisation, read_at=None).exists()
    # The day's digest at 17:30 has nothing of the demo's past to send.
    assert notifications_send_digests(day=TODAY, organisation_id=organisation.pk) == 0
