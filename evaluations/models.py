"""The models of every room, gathered for Django's app registry (the app label stays ``evaluations``).

Rooms import their own ``models`` module, never this one (import-linter checks it).
"""

from .annual.models import *  # noqa: F403
from .ballots.models import *  # noqa: F403
from .discipline.models import *  # noqa: F403
from .grading.models import *  # noqa: F403
from .grading.models import score_field  # noqa: F401
from .welfare.models import *  # noqa: F403
