"""Every publicity room's Celery tasks, imported so that the worker's autodiscovery (which looks
for ``publicity.tasks``) registers them. Rooms never import this module."""

from .feedback import tasks as feedback_tasks  # noqa: F401
from .publication import tasks as publication_tasks  # noqa: F401
from .reports import tasks as reports_tasks  # noqa: F401
