"""``python manage.py lock_publications``: the daily locking (定等) without a broker."""

from django.core.management.base import BaseCommand

from accounts.models import Job
from publicity.publication.tasks import lock_publications_now


class Command(BaseCommand):
    help = "Lock every publication entry whose window has closed and that has no open objection."

    def handle(self, *args, **options) -> None:
        for job in Job.objects.filter(pk__in=lock_publications_now()).select_related("organisation"):
            self.stdout.write(f"{job.organisation}: {job.state} {job.summary or job.message}")
