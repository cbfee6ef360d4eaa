from django.core.management.base import CommandError

from accounts.management.base import TaskCommand
from accounts.models import Organisation
from evaluations.discipline.services.inspections import month_has_ended
from evaluations.discipline.tasks import check_discipline_months


class Command(TaskCommand):
    help = "Judge a month's number of discipline inspections for all organisations now, without a broker."
    task = check_discipline_months

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("month", type=int, choices=range(1, 13), metavar="MONTH")

    def task_args(self, *, year: int, month: int, **options) -> tuple:
        if not month_has_ended(year=year, month=month):
            raise CommandError(f"{year}-{month:02d} has not ended; a month is judged after it ends.")
        return (year, month)

    def summary(self, result: dict, *, year: int, month: int, **options) -> str:
        short, failed = set(result["short"]), set(result["failed"])
        lines = []
        for org in Organisation.objects.filter(is_active=True).order_by("code"):
            if org.pk in failed:
                state = "not judged: the check failed and is retried"
            else:
                state = "short of the required inspections (alert open)" if org.pk in short else "ok"
            lines.append(f"{org.code}: {year}-{month:02d} {state}.")
        return "\n".join(lines)
