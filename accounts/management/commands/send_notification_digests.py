"""Send the daily notification digests once, as beat does at 17:30 (accounts.tasks.send_notification_digests)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from accounts import periods, services


class Command(BaseCommand):
    help = "Gather each person's pending digest entries into one notice on the bell (and e-mail when configured)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the digest's day, YYYY-MM-DD (default: today)")

    def handle(self, *args, date: str | None = None, **options):
        try:
            day = datetime.date.fromisoformat(date) if date else periods.today()
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from exc
        sent = services.notifications_send_digests(day=day)
        self.stdout.write(f"digests sent: {sent}")
