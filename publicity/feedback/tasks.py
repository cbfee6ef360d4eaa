"""Celery tasks of the feedback room."""
