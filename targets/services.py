"""Writes for department goals and quarterly targets: each workflow step is one function.

Handing in and reviewing go through the shared review workflow (:mod:`accounts.workflow`);
what is particular to targets — the item form, the snapshot of each submission and the
decision written onto it — is done here as the workflow's hooks. Every step checks the state
and the actor's right, bumps ``TargetSet.version`` (so a stale form cannot overwrite newer
work) and leaves an audit record through django-auditlog's signals on the saved rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts import periods, workflow
from accounts.models import Department, User
from accounts.selectors import policy_for_organisation
from accounts.sent_again import refuse_sent_again
from accounts.services import notify
from accounts.text import in_site_language, join_list
from accounts.textlimits import check_text_limits
from accounts.workflow import ReviewStatus

from . import selectors
from .models import (
    Completion,
    DepartmentGoal,
    TargetItem,
    TargetKind,
    TargetSet,
    TargetSetRevision,
)


@dataclass
class ItemData:
    """One target item as written on the form; ``id`` is empty for a new item."""

    content: str
    kind: str = TargetKind.KEY
    measures: str = ""
    deadline: date | None = None
    weight: int | None = None
    goal_id: int | None = None
    # Empty when the person gave no number: such items go after the numbered ones.
    sort_order: int | None = None
    id: int | None = None


# --- Department goals ------------------------------------------------------------------


def _check_heads(*, actor: User, department: Department) -> None:
    if department.head_id != actor.pk or not department.is_active:
        raise PermissionDenied(_("只有本科室负责人可以维护科室目标。"))


def _check_goal(goal: DepartmentGoal) -> None:
    if not (goal.content or "").strip():
        raise ValidationError({"content": _("请填写目标内容。")})
    periods.check_plausible_year(goal.year, label=_("年度"), field="year")
    check_text_limits(goal)
    _check_goal_quarter_open(goal)


def _check_goal_quarter_open(goal: DepartmentGoal) -> None:
    """A quarter's goal is what that quarter's targets served: read-only once the quarter is
    approved, like the targets themselves (an annual goal, without a quarter, stays editable)."""
    if goal.quarter:
        periods.refuse_if_locked(goal.department.organisation_id, periods.Quarter(goal.year, goal.quarter))


@transaction.atomic
def department_goal_create(
    *, actor: User, department: Department, year: int, quarter: int | None, content: str, sort_order: int = 0
) -> DepartmentGoal:
    """Record an annual goal (``quarter`` empty) or a quarter's goal for the head's department."""
    _check_heads(actor=actor, department=department)
    goal = DepartmentGoal(
        department=department, year=year, quarter=quarter, content=content, sort_order=sort_order, created_by=actor
    )
    _check_goal(goal)
    refuse_sent_again(
        goal,
        fields=("department", "year", "quarter", "content"),
        by="created_by",
        actor=actor,
        made_at="created_at",
        what=pgettext("the record a form sent again would make", "科室目标"),
    )
    goal.save()
    return goal


@transaction.atomic
def department_goal_update(
    *, actor: User, goal: DepartmentGoal, year: int, quarter: int | None, content: str, sort_order: int = 0
) -> DepartmentGoal:
    _check_heads(actor=actor, department=goal.department)
    _check_goal_quarter_open(goal)  # as it was: a goal of a closed quarter cannot be moved out either
    goal.year, goal.quarter, goal.content, goal.sort_order = year, quarter, content, sort_order
    _check_goal(goal)
    goal.save()
    return goal


@transaction.atomic
def department_goal_delete(*, actor: User, goal: DepartmentGoal) -> None:
    """Delete a goal. Items that served it keep their text; submitted snapshots keep the goal's wording."""
    _check_heads(actor=actor, department=goal.department)
    _check_goal_quarter_open(goal)
    goal.delete()


# --- Target sets -----------------------------------------------------------------------


def _check_quarter_not_closed(target_set: TargetSet) -> None:
    """Once the agency head has approved the quarter, what fed it is read-only for everyone (a
    change goes only through a recorded review). The lock lives in accounts (evaluations writes
    it on approval), so this layer reads it without knowing about grading."""
    periods.refuse_if_locked(target_set.organisation_id, target_set.period)


@transaction.atomic
def target_set_start(*, owner: User, year: int, quarter: int) -> TargetSet:
    """The owner's set for a quarter, created as an empty draft the first time."""
    if owner.department_id is None or owner.organisation_id is None:
        raise ValidationError(_("您尚未分配科室，无法填写季度目标。"))
    periods.refuse_if_locked(owner.organisation_id, periods.Quarter(year, quarter))
    target_set, _created = TargetSet.objects.get_or_create(
        owner=owner,
        year=year,
        quarter=quarter,
        defaults={"organisation_id": owner.organisation_id, "department_id": owner.department_id},
    )
    return target_set


@transaction.atomic
def target_set_start_from_previous(*, owner: User, year: int, quarter: int) -> TargetSet:
    """Start the quarter's targets from the owner's previous quarter: its items copied into a
    draft (content, kind, measures, weight, and the department goal when it still serves this
    quarter), nothing submitted. Deadlines and completions belong to the old quarter and are left
    out, as are the tasks a leader assigned there (领导交办 after approval: that quarter's, and
    unweighted — copied into a weighted set they made it one that could not be handed in, a user
    test). Refused when this quarter already has items or was handed in, or when the previous
    quarter has nothing to copy."""
    if not owner.has_perm("targets.write_targets"):
        raise PermissionDenied(_("您无权填写季度目标。"))
    previous_period = periods.Quarter(year, quarter).previous()
    previous = (
        TargetSet.objects.filter(owner=owner, year=previous_period.year, quarter=previous_period.quarter)
        .prefetch_related("items")
        .first()
    )
    old_items = (
        sorted(
            (item for item in previous.items.all() if item.assigned_by_id is None),
            key=lambda item: (item.sort_order, item.pk),
        )
        if previous
        else []
    )
    if not old_items:
        raise ValidationError(_("上季度没有可复制的目标。"), code="nothing_to_copy")
    target_set = target_set_start(owner=owner, year=year, quarter=quarter)
    locked = workflow.lock(target_set)
    if locked.status != ReviewStatus.DRAFT or locked.items.exists():
        raise ValidationError(_("本季度已填写目标，不能再从上季度复制。"), code="not_empty")
    allowed_goals = set(
        selectors.goals_for_quarter(department_id=locked.department_id, year=year, quarter=quarter).values_list(
            "pk", flat=True
        )
    )
    _write_items(
        target_set=locked,
        items=[
            ItemData(
                content=item.content,
                kind=item.kind,
                measures=item.measures,
                weight=item.weight,
                goal_id=item.goal_id if item.goal_id in allowed_goals else None,
                sort_order=position,
            )
            for position, item in enumerate(old_items, start=1)
        ],
    )
    _bump(locked)
    return locked


def _write_items(*, target_set: TargetSet, items: list[ItemData]) -> None:
    allowed_goals = set(
        selectors.goals_for_quarter(
            department_id=target_set.department_id, year=target_set.year, quarter=target_set.quarter
        ).values_list("pk", flat=True)
    )
    existing = {item.pk: item for item in target_set.items.all()}
    kept: set[int] = set()
    # Numbered items in their order, then the unnumbered ones in the order they were written.
    ordered = sorted(
        enumerate(items),
        key=lambda pair: (pair[1].sort_order is None, pair[1].sort_order or 0, pair[0]),
    )
    for position, (_index, data) in enumerate(ordered, start=1):
        if data.goal_id is not None and data.goal_id not in allowed_goals:
            raise ValidationError(_("所选科室目标不属于本科室本季度。"), code="invalid_goal")
        if not (data.content or "").strip():
            raise ValidationError({"content": _("第%(n)s项目标内容为空，请填写或删除该项。") % {"n": position}})
        if data.deadline is not None:
            _check_deadline(data.deadline, target_set.period, item=position, index=_index)
        item = existing.get(data.id) if data.id else None
        if item is None:
            item = TargetItem(target_set=target_set)
        else:
            kept.add(item.pk)
        item.target_set = target_set  # cached, so the audit hook reads the organisation without a query
        item.sort_order = position
        item.content = data.content.strip()
        item.kind = data.kind
        item.measures = data.measures
        item.deadline = data.deadline
        item.weight = data.weight
        item.goal_id = data.goal_id
        check_text_limits(item)
        item.save()
    for pk, item in existing.items():
        if pk not in kept:
            item.target_set = target_set
            item.delete()


def _bump(target_set: TargetSet, **fields) -> None:
    for name, value in fields.items():
        setattr(target_set, name, value)
    target_set.version += 1
    target_set.save()


def _check_deadline(
    deadline: date,
    period: periods.Quarter,
    *,
    item: int | None = None,
    index: int | None = None,
    field: str | None = None,
) -> None:
    """A target's 时间节点 lies near its quarter (:func:`accounts.periods.check_plausible_date`) and
    not before the quarter begins: a quarter's work cannot be due before it starts. Later is
    allowed (work that runs on into the next quarter). An item's refusal names it (第2项：…, its
    position ``item``) and carries ``item_index``, its place in the items given (``index``), and
    ``item_message``, the words for its own box: the page says it there (a user test read only a
    banner, without the item's number)."""
    try:
        periods.check_plausible_date(deadline, around=period, label=_("时间节点"), field=field)
        if deadline < period.first_day:
            message = _("时间节点%(date)s早于%(quarter)s开始之日（%(first)s），请填写本季度内或之后的日期。") % {
                "date": deadline.isoformat(),
                "quarter": period.label,
                "first": period.first_day.isoformat(),
            }
            raise ValidationError({field: message} if field else message, code="deadline_before_quarter")
    except ValidationError as refusal:
        if item is None:
            raise
        own = refusal.messages[0]
        error = ValidationError(_("第%(n)s项：%(message)s") % {"n": item, "message": own}, code=refusal.code)
        error.item_index, error.item_message = index, own
        raise error from None


@transaction.atomic
def target_set_save_draft(*, target_set: TargetSet, actor: User, version: int, items: list[ItemData]) -> TargetSet:
    """Save the owner's items without submitting them (a draft, or a returned set being reworked)."""
    locked = workflow.lock(target_set, version)
    _check_quarter_not_closed(locked)
    workflow.check_owner_may_edit(locked, actor)
    _write_items(target_set=locked, items=items)
    _bump(locked)
    return locked


def _weights_problem(weights: list[int | None]) -> str:
    """What 提交审核 says of the items' weights, in order ("" when they would do): all or none, and
    summing to 100."""
    given = [weight for weight in weights if weight is not None]
    # All or none (the form says so): 100 on one item and nothing on the other went through.
    unweighted = [str(number) for number, weight in enumerate(weights, start=1) if weight is None]
    if given and unweighted:
        message = ngettext(
            "设置权重时每项都须填写权重（第%(items)s项未填）。不设权重时请全部留空。",
            "设置权重时每项都须填写权重（第%(items)s项未填）。不设权重时请全部留空。",
            len(unweighted),
        )
        return message % {"items": join_list(unweighted)}
    if given and sum(given) != 100:
        return _("各项权重之和须为100（当前为%(total)s）。不设权重时请全部留空。") % {"total": sum(given)}
    return ""


def _check_submittable(target_set: TargetSet) -> None:
    items = list(target_set.items.all())
    if not any(item.content.strip() for item in items):
        raise ValidationError(_("请至少填写一项目标后再提交。"), code="empty")
    # A task a leader assigned after approval (``assigned_by``) carries no weight: the weights are
    # the owner's, over the items they wrote, 领导交办 ones too (a user test read a weighted set
    # broken by an assigned task the owner could not weigh).
    if problem := _weights_problem([item.weight for item in items if item.assigned_by_id is None]):
        raise ValidationError(problem, code="weights")


def items_weights_refusal(items: list[ItemData]) -> str:
    """What 提交审核 would say of the weights of the items as typed ("" when they would do): said
    beside another refusal of the same submission, so both are mended at once (a user test was told
    of a deadline first and of the weights only at the next try)."""
    return _weights_problem([item.weight for item in items])


def weights_refusal(target_set: TargetSet) -> str:
    """What 提交审核 would say of the weights of the saved items ("" when they would do), for the
    draft's own save to warn of it rather than leave it to the submission."""
    try:
        _check_submittable(target_set)
    except ValidationError as error:
        return " ".join(error.messages) if error.code == "weights" else ""
    return ""


def target_set_submit_from_form(
    *, target_set: TargetSet, actor: User, version: int, items: list[ItemData]
) -> TargetSet:
    """提交审核 from the owner's form: when the submission is refused for what the items say (none
    filled in, weights not totalling 100), the items are first kept as a draft, so what was typed is
    not lost if the person leaves the page; the refusal is raised as before (the set stays a draft)."""
    try:
        return target_set_submit(target_set=target_set, actor=actor, version=version, items=items)
    except ValidationError as refusal:
        if getattr(refusal, "code", None) not in ("weights", "empty"):
            raise
        target_set_save_draft(target_set=target_set, actor=actor, version=version, items=items)
        raise


def _snapshot(target_set: TargetSet) -> list[dict]:
    items = target_set.items.select_related("goal", "assigned_by").order_by("sort_order", "pk")
    return [
        {
            "id": item.pk,
            "sort_order": item.sort_order,
            "content": item.content,
            "kind": item.kind,
            "kind_label": str(item.get_kind_display()),
            "measures": item.measures,
            "deadline": item.deadline.isoformat() if item.deadline else None,
            "weight": item.weight,
            "goal": item.goal.content if item.goal else "",
            "assigned_by": str(item.assigned_by) if item.assigned_by else "",
        }
        for item in items
    ]


def _is_late(target_set: TargetSet, now: datetime) -> bool:
    policy = policy_for_organisation(organisation_id=target_set.organisation_id)
    # A newcomer's own start (入职、调入) stands in for the organisation's: the quarter they began
    # in gives them the usual lead time from that day.
    policy = periods.person_policy(policy, target_set.owner)
    return periods.is_late(periods.target_deadline(policy, target_set.period), now)


@transaction.atomic
def target_set_submit(
    *,
    target_set: TargetSet,
    actor: User,
    version: int,
    items: list[ItemData] | None = None,
    now: datetime | None = None,
) -> TargetSet:
    """Submit a draft or returned set for review, optionally saving the form's items first.

    Late submission (after the policy's deadline day) is recorded, never refused.
    Lateness is judged on the first submission: reworking a returned set later is not lateness.
    Each submission keeps a snapshot of the items, so the reviewer's decisions stay readable.
    ``now`` is the moment of submission (default: the present), which decides lateness.
    """

    def save_and_snapshot(locked: TargetSet, now: datetime) -> None:
        _check_quarter_not_closed(locked)
        if items is not None:
            _write_items(target_set=locked, items=items)
        _check_submittable(locked)
        TargetSetRevision.objects.create(
            target_set=locked,
            number=locked.revisions.count() + 1,
            items=_snapshot(locked),
            submitted_at=now,
            submitted_by=actor,
        )

    return workflow.submit(target_set, actor, version=version, now=now, is_late=_is_late, prepare=save_and_snapshot)


def _record_decision(target_set: TargetSet) -> None:
    # The decision also goes onto the submission it answers: the visible history of rounds.
    revision = target_set.revisions.order_by("-number").first()
    if revision is not None:
        revision.outcome = target_set.status
        revision.decided_by = target_set.reviewer
        revision.decided_at = target_set.reviewed_at
        revision.reason = target_set.return_reason
        revision.save()


def target_set_approve(
    *, target_set: TargetSet, actor: User, version: int | None = None, now: datetime | None = None
) -> TargetSet:
    """The owner's evaluator approves a submitted set; it becomes read-only and the owner is notified.
    Also once the quarter is approved, as a monthly summary is: approving changes nothing of what
    fed the quarter, and a set left handed in (someone the approval did not wait for: on long leave,
    gone) stayed in the reviewer's inbox and home count for ever (a user test). Returning is refused
    then (:func:`target_set_return`): it would reopen the set."""
    return workflow.approve(target_set, actor, version=version, now=now, on_decided=_record_decision)


def target_set_return(
    *, target_set: TargetSet, actor: User, reason: str, version: int | None = None, now: datetime | None = None
) -> TargetSet:
    """The owner's evaluator returns a submitted set with a reason; the owner is notified, reworks and resubmits."""
    _check_quarter_not_closed(target_set)
    return workflow.return_(target_set, actor, reason, version=version, now=now, on_decided=_record_decision)


@transaction.atomic
def target_set_assign_item(
    *,
    target_set: TargetSet,
    actor: User,
    content: str,
    measures: str = "",
    deadline: date | None = None,
    version: int | None = None,
    today: date | None = None,
) -> TargetItem:
    """A leader adds a 领导交办 task to an approved set of a quarter not yet over (``today``, the
    moment it is assigned: the present by default), and the owner is notified."""
    locked = workflow.lock(target_set, version)
    _check_quarter_not_closed(locked)
    if locked.status != ReviewStatus.APPROVED:
        raise ValidationError(_("只能向已通过的目标追加领导交办事项。"), code="not_approved")
    if not actor.has_perm("targets.assign_item", locked):
        raise PermissionDenied(_("只有被考核人的考核人、分管领导或单位主要负责人可以交办事项。"))
    if not content.strip():
        raise ValidationError({"content": _("请填写交办事项内容。")})
    if deadline is not None:
        _check_deadline(deadline, locked.period, field="deadline")
    # The same task again (the form sent again after Back, whose page came back with the new version
    # and the typed text: a re-test added it twice, and an assigned task cannot be deleted).
    same = {"content": content.strip(), "measures": measures.strip(), "deadline": deadline}
    if locked.items.filter(kind=TargetKind.ASSIGNED, assigned_by__isnull=False, **same).exists():
        raise ValidationError(
            {"content": _("该事项已交办（同样的内容已在目标中），未重复添加。")}, code="already_assigned"
        )
    last = locked.items.aggregate(last=Max("sort_order"))["last"] or 0
    item = TargetItem(
        target_set=locked,
        sort_order=last + 1,
        content=content.strip(),
        kind=TargetKind.ASSIGNED,
        measures=measures.strip(),
        deadline=deadline,
        assigned_by=actor,
    )
    check_text_limits(item)
    # A task added to a quarter already over, while it is graded, changed the grading card's
    # 完成 5/5 into 5/6 and asked the owner for a self-assessment of it (a user test).
    if (today or periods.today()) > locked.period.last_day:
        raise ValidationError(
            _("%(quarter)s已结束，不能再向该季度交办事项；请交办到本季度的目标。") % {"quarter": locked.period.label},
            code="quarter_over",
        )
    item.save()
    _bump(locked)
    with in_site_language():
        notify(
            recipient=locked.owner,
            message=_("%(leader)s向您交办了一项工作（%(quarter)s目标）：%(content)s")
            % {"leader": actor, "quarter": locked.period.label, "content": item.content[:100]},
            url=locked.get_absolute_url(),
        )
    return item


@transaction.atomic
def target_set_record_completion(
    *,
    target_set: TargetSet,
    actor: User,
    completions: dict[int, tuple[str, str]],
    version: int | None = None,
    today: date | None = None,
) -> TargetSet:
    """The owner marks each item 完成 / 部分完成 / 未完成 with a note (自评), once the quarter has begun.

    ``completions`` maps item id → (completion, note); items not mentioned are left as they are.
    """
    locked = workflow.lock(target_set, version)
    if locked.owner_id != actor.pk:
        raise PermissionDenied(_("只能填写本人目标的完成情况。"))
    _check_quarter_not_closed(locked)
    if locked.status != ReviewStatus.APPROVED:
        raise ValidationError(_("目标通过审核后才能填写完成情况。"), code="not_approved")
    today = today or periods.today()
    if today < locked.period.first_day:
        raise ValidationError(_("季度开始后才能填写完成情况。"), code="too_early")
    items = {item.pk: item for item in locked.items.order_by("sort_order", "pk")}
    numbers = {pk: number for number, pk in enumerate(items, start=1)}
    unexplained = []
    for pk, (completion, note) in completions.items():
        item = items.get(pk)
        if item is None:
            raise ValidationError(_("目标事项不存在。"))
        if completion and completion not in Completion.values:
            raise ValidationError(_("完成情况无效。"))
        if completion in (Completion.PARTIAL, Completion.NOT_DONE) and not note.strip():
            unexplained.append(pk)
    if unexplained:
        # DOMAIN §3: 部分完成 and 未完成 come with a short explanation — what the grader reads.
        refusal = ValidationError(
            _("第%(items)s项为“部分完成”或“未完成”，请在说明中简要写明原因。")
            % {"items": "、".join(str(number) for number in sorted(numbers[pk] for pk in unexplained))},
            code="unexplained",
        )
        refusal.item_ids = sorted(unexplained)  # the page marks each item's 说明 box
        raise refusal
    for pk, (completion, note) in completions.items():
        item = items[pk]
        if (item.completion, item.completion_note) == (completion, note):
            continue
        item.target_set = locked
        item.completion, item.completion_note = completion, note
        check_text_limits(item, "completion_note")
        item.save(update_fields=["completion", "completion_note"])
    _bump(locked)
    return locked
