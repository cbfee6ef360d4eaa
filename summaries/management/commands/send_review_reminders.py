from django.core.management.base import BaseCommand

from summaries.tasks import send_review_reminders


class Command(BaseCommand):
    help = "Run the review-reminder task now, without a broker."

    def handle(self, *args, **options):
        result = send_review_reminders.apply().get()
        self.stdout.write(f"Reminded {result['reviewers']} reviewers.")
