"""Who grades a person in the open quarter, kept in step with HR's personnel changes.

- Who headed a department in a quarter (``QuarterGrade.headed``): a head is graded by the
  department's supervising leader (谁管理谁认定), and stays so for the quarter when another head is
  appointed, who was their subordinate in it. Marked here when a department's head changes.
- Where a person's open-quarter row is: a person moved to another department (accounts.services
  .staff_move) is graded by its head, as their handed-in documents go to its head
  (``documents_follow_owner``); their row of each open quarter moves with them, so it is on the
  lists of those who may grade and confirm it.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.audit import audit_reason
from accounts.models import Department
from accounts.services import (
    notify,
    register_appraisal_start_note,
    register_move_note,
    register_person_left,
    register_status_removal_note,
)
from accounts.text import in_site_language

from ..models import GradeState, QuarterGrade, QuarterState
from .counts import grade_counts_refresh
from .suggestions import grades_resting_on_status


def grade_rows_mark_headed(*, department_id: int, person_id: int) -> int:
    """Mark ``person_id``'s rows of the department in its open quarters as headed; how many changed.
    A row already graded (by the head before them, when they were staff) now waits for the
    supervising leader's own grade: the leader is told (a review: only their home count changed)."""
    rows = list(
        QuarterGrade.objects.filter(
            person_id=person_id, department_id=department_id, appraisal_quarter__state=QuarterState.OPEN
        )
        .exclude(headed=True)
        .select_related("person", "department__supervising_leader", "appraisal_quarter")
    )
    if not rows:
        return 0
    QuarterGrade.objects.filter(pk__in=[row.pk for row in rows]).update(headed=True)
    # update() sends no signal: the counters (待确认 → 待分管领导评定) are recounted here.
    for quarter_id in {row.appraisal_quarter_id for row in rows}:
        grade_counts_refresh(appraisal_quarter_id=quarter_id, department_ids=[department_id])
    for row in rows:
        leader = row.department.supervising_leader
        if row.state == GradeState.GRADED and leader is not None and leader.is_active:
            with in_site_language():
                notify(
                    recipient=leader,
                    message=_(
                        "%(person)s已任%(department)s负责人，其%(quarter)s等次（原由科室负责人评为“%(grade)s”）改由您评定。"
                    )
                    % {
                        "person": row.person,
                        "department": row.department.name,
                        "quarter": row.appraisal_quarter.period.label,
                        "grade": row.get_grade_display(),
                    },
                    url=reverse("evaluations:grade_detail", args=[row.pk]),
                )
    return len(rows)


def grade_rows_follow_person(*, person_id: int, department_id: int | None) -> int:
    """Move the person's rows of open quarters to ``department_id`` (their department now), as
    headed only if they head it (not one they were graded in as a head); how many moved. Each row
    saved on its own (one or two), so the move reaches the audit trail and the counters of both
    departments are recounted (services.counts). A row keeps its grade: the new department's head
    may change it and its leader confirms it."""
    if department_id is None:
        # Out of every department (领导班子): no longer graded routinely; a row nobody graded yet is
        # taken out of the quarter (audited), one graded stays for HR (a review: it was left on the
        # former head's list, whom the rules no longer let grade it).
        _remove_ungraded(_ungraded_open_rows(person_id), reason=_("人员调出科室（领导班子），不再参加本季度平时考核"))
        return 0
    # Not a row of someone who headed its department in the quarter: they are graded for it by that
    # department's supervising leader wherever they are now (a re-test: a former head moved out
    # was graded by the head of their new department, a peer).
    moving = list(
        QuarterGrade.objects.select_for_update(of=("self",))
        .filter(person_id=person_id, appraisal_quarter__state=QuarterState.OPEN, headed=False)
        .exclude(department_id=department_id)
        .select_related("appraisal_quarter__organisation", "person")
    )
    if not moving:
        return 0
    heads = Department.objects.filter(pk=department_id, head_id=person_id).exists()
    with audit_reason(_("人员调整科室，本季度等次随其调入新科室")):
        for row in moving:
            row.department_id = department_id
            row.version += 1
            fields = ["department", "version"]
            if row.state == GradeState.GRADED:
                # Graded by the former head, not yet confirmed: the new head looks at it again (the
                # grade kept as it was), rather than the new leader confirming it unseen (a review).
                row.state = GradeState.PENDING
                fields.append("state")
            row.save(update_fields=fields)
    # ``headed`` is never written by saving a row (QuarterGrade.DERIVED_FIELDS).
    QuarterGrade.objects.filter(pk__in=[row.pk for row in moving]).update(headed=heads)
    return len(moving)


def _ungraded_open_rows(person_id: int):
    """The person's rows of open quarters that nobody has graded (nor sent back) yet."""
    return QuarterGrade.objects.filter(
        person_id=person_id,
        appraisal_quarter__state=QuarterState.OPEN,
        state=GradeState.PENDING,
        grade="",
        returned_at__isnull=True,
    ).select_related("appraisal_quarter")


def _remove_ungraded(rows, *, reason: str = "") -> int:
    """Delete ``rows`` one by one, so each removal reaches the audit trail with its person, quarter
    and ``reason`` (the counters are recounted by their delete signal, services.counts)."""
    removed = 0
    with audit_reason(reason):
        for row in rows:
            row.delete()
            removed += 1
    return removed


def grade_rows_not_due_remove(*, person_id: int, appraisal_start) -> int:
    """Remove the person's rows of open quarters that ended before their 参加考核日期 and that nobody
    has graded yet: a start moved later takes them out of those quarters (periods.due_for_people),
    which no longer wait for their grade. A graded row stays (its grade is HR's to deal with).
    How many were removed."""
    if appraisal_start is None:
        return 0
    return _remove_ungraded(
        row for row in _ungraded_open_rows(person_id) if row.appraisal_quarter.period.last_day < appraisal_start
    )


def grade_rows_after_leaving_remove(person, left_on) -> int:
    """Remove the ungraded rows of open quarters that began after ``left_on``, the day the person
    left (a back-dated 离开日期): they did not serve in them, as a quarter opened after they left
    would not list them (accounts.selectors.participants_who_left). A graded row stays (HR's).
    How many were removed."""
    return _remove_ungraded(
        (row for row in _ungraded_open_rows(person.pk) if row.appraisal_quarter.period.first_day > left_on),
        reason=_("人员已于%(date)s离开本单位，未在本季度任职") % {"date": left_on.isoformat()},
    )


def grade_rows_moved_notes(person) -> list[tuple]:
    """What HR reads after moving ``person``, by quarter: each open quarter whose row went along
    with them (:func:`grade_rows_follow_person`), graded now by the new department's head."""
    if person.department_id is None:
        return []
    rows = QuarterGrade.objects.filter(
        person_id=person.pk,
        department_id=person.department_id,
        headed=False,
        appraisal_quarter__state=QuarterState.OPEN,
    ).select_related("appraisal_quarter", "department")
    return [
        (
            row.appraisal_quarter.period,
            _(
                "%(quarter)s尚未审批：%(name)s该季度的等次随其调入%(department)s，由该科室负责人评鉴"
                "（原科室负责人给出、未经确认的等次须重新评鉴）。"
            )
            % {
                "quarter": row.appraisal_quarter.period.label,
                "name": person.get_full_name(),
                "department": row.department,
            },
        )
        for row in rows.order_by("appraisal_quarter__year", "appraisal_quarter__quarter")
    ]


def graded_rows_not_due_notes(person) -> list[str]:
    """What HR reads after moving ``person``'s 参加考核日期 past an open quarter in which they are
    already graded: the row stays (``grade_rows_not_due_remove`` takes out only ungraded ones), and a
    re-test found it staying with nothing said."""
    if person.appraisal_start is None:
        return []
    rows = QuarterGrade.objects.filter(person_id=person.pk, appraisal_quarter__state=QuarterState.OPEN)
    return [
        _("%(quarter)s在新的参加考核日期之前结束，但%(name)s在该季度已有评鉴，仍保留在该季度的评鉴中。")
        % {"quarter": row.appraisal_quarter.period.label, "name": person.get_full_name()}
        for row in rows.select_related("appraisal_quarter").order_by(
            "appraisal_quarter__year", "appraisal_quarter__quarter"
        )
        if row.appraisal_quarter.period.last_day < person.appraisal_start
    ]


def _department_saved(sender, instance, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    if raw or instance.head_id is None:
        return
    if update_fields is None or "head" in update_fields:
        grade_rows_mark_headed(department_id=instance.pk, person_id=instance.head_id)


def _person_saved(sender, instance, created: bool, update_fields=None, raw: bool = False, **kwargs) -> None:
    # A move saves the department alone (accounts.services.staff_move, which the staff page, the
    # import and the admin site go through).
    if not created and not raw and update_fields is not None and "department" in update_fields:
        grade_rows_follow_person(person_id=instance.pk, department_id=instance.department_id)


def connect() -> None:
    """Called once from the app's ``ready()``."""
    from django.conf import settings
    from django.db.models.signals import post_save

    post_save.connect(_department_saved, sender="accounts.Department", dispatch_uid="grade_rows_mark_headed")
    post_save.connect(_person_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="grade_rows_follow_person")
    register_appraisal_start_note(graded_rows_not_due_notes)
    register_status_removal_note(grades_resting_on_status)
    register_person_left(grade_rows_after_leaving_remove)
    register_move_note(grade_rows_moved_notes)
