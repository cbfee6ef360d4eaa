"""The demo's story after its organisation, step by step in the order each builds on the one before:
the year's quarters and grades, the appraisals, discipline, the boards, publication, feedback talks,
and the daily digests of it all. ``seed_demo`` runs them (then puts the bureau above the
organisation); the browser tests that need the whole story run the same steps."""

from datetime import timedelta

from accounts.models import Notification, Organisation
from accounts.services import notifications_send_digests

from . import Report, Story, at_hour, builder
from .appraisals import build_demo_appraisals
from .boards import build_demo_boards
from .discipline import build_demo_discipline
from .feedback import build_demo_feedback
from .publication import build_demo_publication
from .year import build_demo_year


@builder(seed_offset=19)
def build_demo_digests(organisation: Organisation, story: Story) -> Report:
    """Every step of the story happened before its "today", so what the steps queued for the daily
    digests went out on the days before: gathered into a digest of the story's last day, read (a
    user test: the first digest after seeding listed the whole year's news as the day's); and every
    notice of the past has been read (a re-test: the bell counted the whole demo year, 29 unread)."""
    day = story.last_day
    Notification.objects.filter(recipient__organisation=organisation, digest_day__isnull=False, digest=None).update(
        digest_day=day
    )
    sent = notifications_send_digests(day=day, organisation_id=organisation.pk)
    read = at_hour(day, 18)
    digests = Notification.objects.filter(recipient__organisation=organisation, dedupe_key=f"digest:{day}")
    digests.update(created_at=read - timedelta(minutes=30))
    Notification.objects.filter(recipient__organisation=organisation, read_at=None).update(read_at=read)
    return Report(digests=sent, text=f"Daily digests: {sent} sent on {day}; every notice of the story read.")


# The year's work and its appraisal (targets, summaries, evaluations/), then what leaves the system (publicity/).
APPRAISAL = (build_demo_year, build_demo_appraisals, build_demo_discipline)
PUBLICITY = (build_demo_boards, build_demo_publication, build_demo_feedback)
STORY = (*APPRAISAL, *PUBLICITY, build_demo_digests)
