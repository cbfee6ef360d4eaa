"""The grade rows' copy of their person's 工号 (QuarterGrade.employee_number), the grading lists'
sort key: kept here when a person's number changes, so the lists read a page through an index."""

from __future__ import annotations

from django.conf import settings

from ..models import QuarterGrade


def grade_rows_renumber(*, person_id: int, employee_number: str) -> int:
    """Copy ``employee_number`` onto the person's grade rows that hold another; how many changed."""
    return (
        QuarterGrade.objects.filter(person_id=person_id)
        .exclude(employee_number=employee_number)
        .update(employee_number=employee_number)
    )


def _person_saved(sender, instance, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if created or raw:
        return
    if update_fields is None or "employee_number" in update_fields:
        grade_rows_renumber(person_id=instance.pk, employee_number=instance.employee_number)
    loaded = getattr(instance, "_appraisal_start_loaded", None)
    if (update_fields is None or "appraisal_start" in update_fields) and loaded != instance.appraisal_start:
        # A newcomer's start moved: what each of their quarters asks of them (services.documents),
        # an approved one too (its roll-up may be run again).
        from .documents import grade_documents_refresh

        grade_documents_refresh(rows=QuarterGrade.objects.filter(person_id=instance.pk))
        # An open quarter that ended before the new start is no longer theirs (if not graded yet).
        from .headship import grade_rows_not_due_remove

        grade_rows_not_due_remove(person_id=instance.pk, appraisal_start=instance.appraisal_start)
        instance._appraisal_start_loaded = instance.appraisal_start


def connect() -> None:
    """Called once from the app's ``ready()``."""
    from django.db.models.signals import post_save

    post_save.connect(_person_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="grade_rows_renumber")
