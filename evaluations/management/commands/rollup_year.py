from django.core.management.base import BaseCommand, CommandError

from evaluations.annual.tasks import rollup_year

from ._organisations import organisations_to_run


class Command(BaseCommand):
    help = "Suggest annual grades now, without a broker (all organisations unless --organisation is given)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--organisation", help="organisation code")

    def handle(self, *args, year, organisation, **options):
        for org in organisations_to_run(organisation):
            # apply() runs the task in this process, the same code a worker runs.
            result = rollup_year.apply(args=(org.pk, year)).get()
            if result["state"] != "done":
                raise CommandError(f"{org.code}: annual roll-up {result['state']}.")
            self.stdout.write(
                f"{org.code}: {year} rolled up: {result['people']} people, "
                f"{result['excellent_suggested']} of {result['excellent_quota']} 优秀 places suggested."
            )
