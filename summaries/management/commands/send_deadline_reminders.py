from accounts.management.base import TaskCommand
from summaries.tasks import send_deadline_reminders


class Command(TaskCommand):
    help = "Run the deadline-reminder task now, without a broker."
    task = send_deadline_reminders

    def summary(self, result: dict, **options) -> str:
        overdue = f"overdue: {result['targets_overdue']} about targets, {result['summaries_overdue']} about summaries"
        return f"Reminded {result['targets']} about targets, {result['summaries']} about summaries; {overdue}."
