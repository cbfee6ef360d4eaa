"""Delete finished background jobs older than the retention, as beat does daily (accounts.tasks.purge_jobs)."""

from django.core.management.base import BaseCommand

from accounts.jobs import jobs_purge, retention


class Command(BaseCommand):
    help = (
        "Delete finished (done or failed) background jobs asked for more than JOBS_RETENTION_DAYS "
        "(default 90) days ago, with any result file left; pending and running jobs are kept."
    )

    def handle(self, *args, **options):
        deleted = jobs_purge()
        self.stdout.write(f"deleted {deleted} (kept {retention().days} days)")
