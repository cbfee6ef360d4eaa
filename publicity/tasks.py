"""Every publicity room's Celery tasks, imported so that the worker's autodiscovery (which looks
for ``publicity.tasks``) registers them. Rooms never import this module."""
