from accounts.management.base import TaskCommand
from publicity.feedback.tasks import send_feedback_reminders


class Command(TaskCommand):
    help = "Remind talkers of feedback talks overdue after locking (every organisation), without a broker."
    task = send_feedback_reminders

    def summary(self, result: dict, **options) -> str:
        return f"Feedback talk reminders queued for the daily digest: {result['reminded']}."
