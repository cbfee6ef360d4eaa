from django.core.management.base import BaseCommand, CommandError

from evaluations.grading.models import AppraisalQuarter
from evaluations.grading.tasks import rollup_quarter

from ._organisations import organisations_to_run


class Command(BaseCommand):
    help = "Roll up a quarter now, without a broker (all organisations unless --organisation is given)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--organisation", help="organisation code")

    def handle(self, *args, year, quarter, organisation, **options):
        for org in organisations_to_run(organisation):
            if not AppraisalQuarter.objects.filter(organisation=org, year=year, quarter=quarter).exists():
                self.stdout.write(f"{org.code}: {year} Q{quarter} has not been opened; skipped.")
                continue
            # apply() runs the task in this process, the same code a worker runs.
            result = rollup_quarter.apply(args=(org.pk, year, quarter)).get()
            if result["state"] != "done":
                raise CommandError(f"{org.code}: roll-up {result['state']} (job {result.get('job')}).")
            self.stdout.write(
                f"{org.code}: {year} Q{quarter} rolled up: {result['people']} people, "
                f"{result['departments']} departments (job {result['job']})."
            )
