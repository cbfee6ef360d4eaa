from accounts.management.base import TaskCommand
from summaries.tasks import send_review_reminders


class Command(TaskCommand):
    help = "Run the review-reminder task now, without a broker."
    task = send_review_reminders

    def summary(self, result: dict, **options) -> str:
        return f"Reminded {result['reviewers']} reviewers."
