"""The models of every publicity room, gathered for Django's app registry (the app label stays
``publicity``). Rooms import their own ``models`` module, never this one."""

from .boards.models import *  # noqa: F403
from .dingtalk.models import *  # noqa: F403
from .feedback.models import *  # noqa: F403
from .publication.models import *  # noqa: F403
from .reports.models import *  # noqa: F403
