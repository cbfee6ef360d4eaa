from django.core.management.base import BaseCommand, CommandError

from accounts import jobs
from accounts.models import Organisation
from evaluations.discipline.services.inspections import month_has_ended
from evaluations.discipline.tasks import check_discipline_months


class Command(BaseCommand):
    help = "Judge a month's number of discipline inspections for all organisations now, without a broker."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("month", type=int, choices=range(1, 13), metavar="MONTH")

    def handle(self, *args, year, month, **options):
        if not month_has_ended(year=year, month=month):
            raise CommandError(f"{year}-{month:02d} has not ended; a month is judged after it ends.")
        # apply() runs the task in this process, the same code a worker runs.
        result = check_discipline_months.apply(args=(year, month)).get()
        short, failed = set(result["short"]), set(result["failed"])
        for org in Organisation.objects.filter(is_active=True).order_by("code"):
            if org.pk in failed:
                state = "not judged: the check failed and is retried"
            else:
                state = "short of the required inspections (alert open)" if org.pk in short else "ok"
            self.stdout.write(f"{org.code}: {year}-{month:02d} {state}.")
        if failed:
            raise CommandError(jobs.failed_organisations_message(result["failed"]))
