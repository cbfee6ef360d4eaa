"""Publication of the demo year's results (结果公示 · 异议 · 定等), after the graded quarters.

- Every approved quarter but the latest is published by demo_hr the working day after its
  approval and locked (定等) when its window closes, all through the publication services.
- In the first of them one objection is answered after a regrade: a colleague of demo_staff
  objects to a 好 (in demo_head's department when there is one); demo_hr accepts it, records the verification and
  sends the grade back; demo_head regrades it 较好, demo_leader confirms, demo_hr answers, the entry
  is published again for its own window and then locked.
- The latest approved quarter is published on the demo's "today" (or its last working day), so
  the board shows a live window and demo_staff can still object.

A handful of rows per person; the services stamp the present, so the moments are backdated after.
"""

from __future__ import annotations

from datetime import timedelta

from accounts import periods
from accounts.models import Organisation, User
from accounts.selectors import evaluator_of
from evaluations.grading.models import AppraisalQuarter, Grade, QuarterState
from evaluations.grading.services.grading import grade_assign, grade_confirm
from publicity.publication import services
from publicity.publication.models import Publication, PublicationEntry

from . import Report, Story, account, act, backdate, builder, load, quarter_list
from .organisation import DEMO_HEAD_DEPARTMENT

_TEXT = load("publication")


def _objection_with_regrade(publication: Publication, story: Story, hr: User) -> bool:
    """One objection to a 好 in demo_head's department, upheld: sent back, regraded, answered."""
    staff = account(publication.organisation_id, "demo_staff")
    # Not demo_hr's own 好: HR would have to recuse themselves from handling it (回避).
    entries = PublicationEntry.objects.filter(publication=publication, quarter_grade__grade=Grade.GOOD)
    entries = entries.exclude(person__in=[staff, hr]).exclude(person__headed_departments__isnull=False)
    candidates = list(entries.select_related("person", "quarter_grade", "department").order_by("pk"))
    if not candidates:
        return False
    # demo_head's department when it has a 好 to object to, so the walk-through meets it there.
    entry = next((e for e in candidates if e.department.code == DEMO_HEAD_DEPARTMENT), candidates[0])
    day = publication.starts_on + timedelta(days=1)
    objection = act(staff, services.objection_lodge, entry=entry, text=_TEXT["objection"], today=day)
    # Lodged on the story's day, before the steps whose notices name that day (您于…提出的异议已受理).
    backdate(objection, lodged_at=story.at(day, 10))
    act(hr, services.objection_accept, objection=objection)
    act(hr, services.objection_verify, objection=objection, notes=_TEXT["verification"])
    act(hr, services.objection_send_back, objection=objection, reason=_TEXT["send_back"])
    # The service reads the grade afresh (sent back since the entry was read) and returns it regraded;
    # heads are not objected to, so the evaluator is the head and the leader confirms after.
    regrade = {"grade": Grade.FAIRLY_GOOD, "comment": _TEXT["regrade_comment"]}
    grade = act(evaluator_of(person=entry.person), grade_assign, grade_row=entry.quarter_grade, **regrade)
    act(grade.department.supervising_leader, grade_confirm, grade_row=grade)
    act(hr, services.objection_answer, objection=objection, answer=_TEXT["answer"])
    republished = periods.add_working_days(day + timedelta(days=1), 1, publication.organisation_id)
    act(hr, services.entry_republish, entry=entry, today=republished)
    # Each step days after the objection was lodged, at its hour (data/publication.json).
    handled = _TEXT["handled_at"].items()
    backdate(objection, **{step: story.at(day + timedelta(days=days), hour) for step, (days, hour) in handled})
    return True


@builder(seed_offset=13)
def build_demo_publication(organisation: Organisation, story: Story) -> Report:
    hr = account(organisation, "demo_hr")
    approved = AppraisalQuarter.objects.filter(organisation=organisation, year=story.year, state=QuarterState.APPROVED)
    quarters = list(approved.order_by("quarter"))
    report = Report(locked=[], open_publication=None, objections=0)
    for appraisal_quarter in quarters[:-1]:
        # Published the working day after the quarter's approval.
        approved_on = periods.today(appraisal_quarter.approved_at)
        starts = periods.add_working_days(approved_on + timedelta(days=1), 1, organisation)
        publication = act(hr, services.publication_open_quarter, appraisal_quarter=appraisal_quarter, today=starts)
        if not report.objections and _objection_with_regrade(publication, story, hr):
            report.objections = 1
        # The day after the last window of the publication (a republished entry's may run later).
        closed = max(publication.entries.values_list("window_ends_on", flat=True)) + timedelta(days=1)
        services.publication_lock_due(publication=publication, today=closed)
        published_at, locked_at = story.at(starts, 9), story.at(closed, 1)
        backdate(publication, published_at=published_at, closed_at=locked_at)
        publication.entries.update(locked_at=locked_at)
        # The grades and the quarter were locked "now" by the service; the story locked them the
        # night the window closed, so talks and their overdue dates follow from that day.
        appraisal_quarter.grades.filter(locked_at__isnull=False).update(locked_at=locked_at)
        AppraisalQuarter.objects.filter(pk=appraisal_quarter.pk, locked_at__isnull=False).update(locked_at=locked_at)
        report.locked.append(appraisal_quarter.quarter)
    if quarters:
        # The latest on the demo's "today" (or its last working day), its window open.
        starts = periods.working_day_back(story.as_of, 1, organisation)
        publication = act(hr, services.publication_open_quarter, appraisal_quarter=quarters[-1], today=starts)
        report.open_publication = publication.pk
    live = f"Q{quarters[-1].quarter} published, window open" if quarters else "nothing to publish"
    report.text = f"Publication: {quarter_list(report.locked)} published and locked ({report.objections} objection "
    report.text += f"answered after a regrade); {live}"
    return report
