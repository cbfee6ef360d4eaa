from django.core.management.base import BaseCommand, CommandError

from accounts import jobs
from evaluations.discipline.tasks import reconcile_veto_flags


class Command(BaseCommand):
    help = "Re-derive every active organisation's veto flags now, without a broker (the nightly task)."

    def handle(self, *args, **options):
        # apply() runs the task in this process, the same code a worker runs.
        totals = reconcile_veto_flags.apply().get()
        self.stdout.write(f"Veto flags reconciled: {totals['raised']} raised, {totals['removed']} removed.")
        if totals["failed"]:
            # Each organisation is a job of its own: the others were reconciled, these are retried.
            raise CommandError(jobs.failed_organisations_message(totals["failed"]))
