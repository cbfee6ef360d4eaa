from django.core.management.base import BaseCommand, CommandError

from evaluations.annual.tasks import rollup_year

from ._organisations import organisations_to_run


class Command(BaseCommand):
    help = "Suggest annual grades now, without a broker (all organisations unless --organisation is given)."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--organisation", help="organisation code")

    def handle(self, *args, year, organisation, **options):
        organisations = list(organisations_to_run(organisation))
        # One set-based pass over every organisation (not one roll-up each); apply() runs the task
        # in this process, the same code a worker runs.
        result = rollup_year.apply(args=(None, year), kwargs={"organisation_ids": [org.pk for org in organisations]})
        result = result.get()
        for org in organisations:
            figures = result["organisations"][str(org.pk)]
            if figures["state"] != "done":
                raise CommandError(f"{org.code}: annual roll-up {figures['state']}.")
            self.stdout.write(
                f"{org.code}: {year} rolled up: {figures['people']} people, "
                f"{figures['excellent_suggested']} of {figures['excellent_quota']} 优秀 places suggested."
            )
