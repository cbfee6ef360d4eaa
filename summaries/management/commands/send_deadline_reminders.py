from django.core.management.base import BaseCommand, CommandError

from accounts import jobs
from summaries.tasks import send_deadline_reminders


class Command(BaseCommand):
    help = "Run the deadline-reminder task now, without a broker."

    def handle(self, *args, **options):
        result = send_deadline_reminders.apply().get()
        self.stdout.write(f"Reminded {result['targets']} about targets, {result['summaries']} about summaries.")
        if result["failed"]:
            raise CommandError(jobs.failed_organisations_message(result["failed"]))
