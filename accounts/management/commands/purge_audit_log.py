"""Delete audit entries older than the retention, as beat does daily (accounts.tasks.purge_audit_log)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.audit import RETENTION_MIN_DAYS, purge_expired


class Command(BaseCommand):
    help = (
        f"Delete audit entries older than each organisation's retention (the security settings' "
        f"audit_retention_days, raised to AUDIT_RETENTION_DAYS and to --days; never fewer than "
        f"{RETENTION_MIN_DAYS}). On PostgreSQL this is the only path the append-only trigger lets through."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days: int | None, **options):
        try:
            deleted = purge_expired(days=days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"deleted {deleted}")
