"""Every room's Celery tasks, imported so that the worker's autodiscovery (which looks for
``evaluations.tasks``) registers them. Rooms never import this module."""

from .annual.tasks import rollup_year  # noqa: F401
from .discipline.tasks import (  # noqa: F401
    check_discipline_months,
    raise_veto_for_finding,
    raise_veto_for_sanction,
    reconcile_veto_flags,
)
from .grading.tasks import rollup_due_quarters, rollup_quarter  # noqa: F401
