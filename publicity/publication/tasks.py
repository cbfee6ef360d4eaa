"""Celery tasks of the publication room."""
