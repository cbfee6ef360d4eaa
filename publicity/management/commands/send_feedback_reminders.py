from django.core.management.base import BaseCommand, CommandError

from accounts import jobs
from publicity.feedback.tasks import send_feedback_reminders


class Command(BaseCommand):
    help = "Remind talkers of feedback talks overdue after locking (every organisation), without a broker."

    def handle(self, *args, **options):
        # apply() runs the task in this process, the same code a worker runs.
        result = send_feedback_reminders.apply().get()
        self.stdout.write(f"Feedback talk reminders queued for the daily digest: {result['reminded']}.")
        if result["failed"]:
            raise CommandError(jobs.failed_organisations_message(result["failed"]))
