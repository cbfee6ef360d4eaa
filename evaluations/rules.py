"""Every room's permission rules, imported so that django-rules' autodiscovery (which looks for
``evaluations.rules``) registers them. Rooms never import this module."""

from .annual import rules as annual_rules  # noqa: F401
from .ballots import rules as ballots_rules  # noqa: F401
from .discipline import rules as discipline_rules  # noqa: F401
from .grading import rules as grading_rules  # noqa: F401
from .welfare import rules as welfare_rules  # noqa: F401
