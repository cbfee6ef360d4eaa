from django.core.management.base import BaseCommand, CommandError

from accounts import jobs
from summaries.tasks import send_review_reminders


class Command(BaseCommand):
    help = "Run the review-reminder task now, without a broker."

    def handle(self, *args, **options):
        result = send_review_reminders.apply().get()
        self.stdout.write(f"Reminded {result['reviewers']} reviewers.")
        if result["failed"]:
            raise CommandError(jobs.failed_organisations_message(result["failed"]))
