from accounts.management.base import TaskCommand
from evaluations.discipline.tasks import reconcile_veto_flags


class Command(TaskCommand):
    help = "Re-derive every active organisation's veto flags now, without a broker (the nightly task)."
    task = reconcile_veto_flags

    def summary(self, result: dict, **options) -> str:
        return f"Veto flags reconciled: {result['raised']} raised, {result['removed']} removed."
