"""python manage.py remove_expired_reports: what the daily task does, without a broker."""

from django.core.management.base import BaseCommand

from publicity.reports.services import year_workbooks_expire


class Command(BaseCommand):
    help = "Remove exported year workbooks past REPORTS_RETENTION_DAYS."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"removed {year_workbooks_expire()} workbook(s)")
