"""Who headed a department in a quarter (``QuarterGrade.headed``): a head is graded by the
department's supervising leader (谁管理谁认定), and stays so for the quarter when another head is
appointed, who was their subordinate in it. Kept here when a department's head changes."""

from __future__ import annotations

from ..models import QuarterGrade, QuarterState


def grade_rows_mark_headed(*, department_id: int, person_id: int) -> int:
    """Mark ``person_id``'s rows of the department in its open quarters as headed; how many changed."""
    return (
        QuarterGrade.objects.filter(
            person_id=person_id, department_id=department_id, appraisal_quarter__state=QuarterState.OPEN
        )
        .exclude(headed=True)
        .update(headed=True)
    )


def _department_saved(sender, instance, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if raw or instance.head_id is None:
        return
    if update_fields is None or "head" in update_fields:
        grade_rows_mark_headed(department_id=instance.pk, person_id=instance.head_id)


def connect() -> None:
    """Called once from the app's ``ready()``."""
    from django.db.models.signals import post_save

    post_save.connect(_department_saved, sender="accounts.Department", dispatch_uid="grade_rows_mark_headed")
