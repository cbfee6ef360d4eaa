"""The review workflow every handed-in document follows (DOMAIN.md §3):

    草稿 draft → 已提交 submitted → 已通过 approved | 已退回 returned → (edit) → submitted …

Quarterly targets and monthly summaries are both written by their owner, handed in, and approved
or returned with a reason by the owner's evaluator (谁管理谁认定). This module is the one place
that knows the statuses, what "handed in" means, the shared columns (:class:`ReviewedDocument`)
and the transitions. Each app keeps what only its document has (target snapshots, summary
progress rows) and passes it in as a hook; the app's service wraps the call in its own name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Case, F, Q, When
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import periods
from .audit import audit_reason
from .fields import actor_link
from .models import AuditEntry
from .selectors import departments_reviewed_by, evaluator_of
from .services import notify
from .text import in_site_language, join_list, join_sentences
from .textlimits import MEDIUM, bounded_text, check_length

if TYPE_CHECKING:
    from .models import User


class ReviewStatus(models.TextChoices):
    """Where a handed-in document stands in its review."""

    DRAFT = "draft", gettext_lazy("草稿")
    SUBMITTED = "submitted", gettext_lazy("已提交")
    APPROVED = "approved", gettext_lazy("已通过")
    RETURNED = "returned", gettext_lazy("已退回")


# The owner may edit a draft and a returned document; anything else is with the reviewer or done.
EDITABLE_STATUSES = (ReviewStatus.DRAFT, ReviewStatus.RETURNED)
# A returned document is back with its owner, so it is not handed in: reminders go out again
# and the roster lists the person as missing until they resubmit.
HANDED_IN_STATUSES = (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)


def handed_in(prefix: str = "") -> Q:
    """The filter "has been handed in" — the one definition reminders, rosters and roll-ups use.

    ``prefix`` reaches the status from elsewhere: ``handed_in("target_set__")`` through a
    relation, ``handed_in("summary_")`` on an annotated ``summary_status``. Negating it does not
    match a missing document (SQL NULL); add ``Q(<prefix>status__isnull=True)`` for that.
    """
    return Q(**{f"{prefix}status__in": HANDED_IN_STATUSES})


def met_the_deadline(prefix: str = "") -> Q:
    """The filter "not 逾期 whatever the date": handed in, or handed in on time and returned since.
    Lateness is judged on the first hand-in (:func:`submit`): the time a review round takes is not
    the owner's delay (a user test's targets handed in on 8 October, two days early, and returned on
    8 December read 已退回 逾期 at once). The returned document is still not handed in: the roster
    lists it, 催交 asks for it."""
    on_time = {
        f"{prefix}status": ReviewStatus.RETURNED,
        f"{prefix}is_late": False,
        f"{prefix}submitted_at__isnull": False,
    }
    return handed_in(prefix) | Q(**on_time)


def met_deadline(status: str | None, is_late: bool, submitted_at) -> bool:
    """:func:`met_the_deadline` for one document already read (its status, whether its first hand-in
    was late, when it was handed in)."""
    return status in HANDED_IN_STATUSES or (
        status == ReviewStatus.RETURNED and not is_late and submitted_at is not None
    )


def awaiting_review_by(reviewer: User) -> Q:
    """The filter "waiting for ``reviewer``'s decision" — the one definition of the review inbox
    and the home page's count (who reviews whom: ``accounts.selectors.evaluator_of``).

    A submitted document of a person in a department ``reviewer`` heads (the head's own excepted),
    or of the head of a department ``reviewer`` supervises. It reads the owner's current department
    from the document's ``owner_department`` (:func:`owner_department_field`, kept on every move by
    :func:`accounts.services.documents_follow_owner`), so the count of 12 500 waiting items is one range of the
    ``*_waiting_idx`` partial index rather than a look-up of each owner's user row; the
    department's current head and leader are read through the join, so a change of head hands the
    waiting items to the new head.
    """
    of_my_staff = Q(owner_department__head=reviewer) & ~Q(owner=reviewer)
    of_heads_i_supervise = Q(owner_department__supervising_leader=reviewer) & Q(owner_department__head_id=F("owner_id"))
    return (
        Q(status=ReviewStatus.SUBMITTED, organisation_id=reviewer.organisation_id)
        # Start from the reviewer's few departments: someone who reviews nobody costs nothing.
        & Q(owner_department_id__in=departments_reviewed_by(reviewer=reviewer))
        & (of_my_staff | of_heads_i_supervise)
    )


def reviewer_id_expression() -> Case:
    """The id of whoever decides a document, as a column (SQL NULL when nobody does): the same rule as
    :func:`awaiting_review_by`, for reads grouped by reviewer (the reminders of items waiting too
    long). The owner's department now (``owner_department``) gives the head, who reviews their
    staff; the head's own documents go to the department's supervising leader."""
    return Case(
        When(owner_id=F("owner_department__head_id"), then=F("owner_department__supervising_leader_id")),
        default=F("owner_department__head_id"),
    )


def owner_department_field() -> models.ForeignKey:
    """The owner's department now, on a document the review inbox counts (targets, summaries, the
    welfare 述职; the concrete model's ``department`` is the one the document was written in, and
    stays): who reviews it follows the owner. Set when the document is created and handed in, and on every
    move (:func:`accounts.services.documents_follow_owner`)."""
    return models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=gettext_lazy("被考核人当前科室"),
    )


def _follows_owner(model) -> bool:
    return any(field.name == "owner_department" for field in model._meta.concrete_fields)


def waiting_index(name: str) -> models.Index:
    """The partial index :func:`awaiting_review_by` counts from (each concrete document declares it
    under its own name): index-only for the count and the inbox's page in date order."""
    return models.Index(
        fields=["owner_department", "organisation", "owner", "submitted_at", "id"],
        condition=Q(status=ReviewStatus.SUBMITTED),
        name=name,
    )


class StaleVersion(ValidationError):
    """The page was based on an older version of the document than the one stored. ``happened``:
    what became of it, for a page that says more (that the person's text is kept)."""

    happened = ""


def review_indexes(*, period: list[str], waiting_index_name: str) -> list[models.Index]:
    """The indexes of a reviewed document's table (its Meta's ``indexes``): an organisation's
    documents of a period by status, a department's by status, and the partial index the review
    inbox and the home page's count read (:func:`waiting_index`, named ``waiting_index_name``).
    ``period`` names the period's fields (``["year", "month"]``)."""
    return [
        models.Index(fields=["organisation", *period, "status"]),
        models.Index(fields=["department", "status"]),
        waiting_index(waiting_index_name),
    ]


class ReviewedDocument(models.Model):
    """The columns shared by every reviewed document.

    A concrete model declares ``owner`` and ``department`` itself (each keeps its own
    ``related_name``), sets :attr:`review_permission` to the ``rules`` permission that lets a
    person review it, and implements :attr:`title` and ``get_absolute_url`` for the owner's
    notifications.
    """

    # The permission (object-level, via django-rules) checked before a decision.
    review_permission: str = ""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("单位")
    )
    status = models.CharField(
        gettext_lazy("状态"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    # Incremented on every save and every transition: a stale form or tab cannot overwrite newer work.
    version = models.PositiveIntegerField(default=1, verbose_name=gettext_lazy("版本"))
    submitted_at = models.DateTimeField(gettext_lazy("提交时间"), null=True, blank=True)
    is_late = models.BooleanField(gettext_lazy("逾期提交"), default=False)
    reviewer = actor_link(gettext_lazy("审核人"))
    reviewed_at = models.DateTimeField(gettext_lazy("审核时间"), null=True, blank=True)
    return_reason = bounded_text(gettext_lazy("退回原因"), limit=MEDIUM, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=gettext_lazy("创建时间"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=gettext_lazy("更新时间"))

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self._state.adding and _follows_owner(type(self)) and self.owner_department_id is None:
            self.owner_department_id = self.owner.department_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The page the owner's notification links to."""
        raise NotImplementedError

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def title(self) -> str:
        """What the owner calls the document in a notification, e.g. "2026年第2季度目标"."""
        raise NotImplementedError


D = TypeVar("D", bound=ReviewedDocument)


def _kind(document: ReviewedDocument) -> str:
    return str(document._meta.verbose_name)


def lock(document: D, version: int | None = None) -> D:
    """Re-read the document under a row lock and refuse a page based on an older version.

    The lock serialises transitions on PostgreSQL (SQLite serialises writers anyway); the
    version check is what catches a form that was open while someone else saved.
    """
    locked = (
        type(document)
        ._default_manager.select_for_update(of=("self",))
        .select_related("owner__department", "department", "organisation")
        .get(pk=document.pk)
    )
    if version is not None and locked.version != version:
        happened = stale_happened(locked)
        stale = StaleVersion(join_sentences([happened, _("请查看当前内容后再操作。")]), code="stale")
        stale.happened = happened
        raise stale
    return locked


# How close the audit entry must be to the document's time of change to name its author.
AUTHOR_WINDOW_SECONDS = 5


def stale_happened(document: ReviewedDocument) -> str:
    """What a page based on an older version of ``document`` is told became of it: who changed it,
    how and when (the version numbers that catch it mean nothing to a person), e.g.
    这份季度目标已于12-06 03:30由张三审核通过（可能在另一个窗口）。 The author is the audit trail's, the
    time the document's own; a change the trail does not name (a script) is said without a name.
    :func:`lock` adds 请查看当前内容后再操作; whether what the person typed is kept is the page's to say."""
    entry = (
        AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(type(document)), object_id=document.pk)
        .select_related("actor")
        .order_by("-timestamp", "-pk")
        .first()
    )
    said = {
        "document": _kind(document),
        "when": date_format(timezone.localtime(document.updated_at), "m-d H:i"),
    }
    # The trail's latest entry names the person only when it is this change's: a save that writes
    # no entry of the document (a summary's notes alone) would otherwise be put to an earlier author.
    if (
        entry is None
        or entry.actor is None
        or abs((entry.timestamp - document.updated_at).total_seconds()) > AUTHOR_WINDOW_SECONDS
    ):
        return _("这份%(document)s已于%(when)s被修改（可能在另一个窗口）。") % said
    said["person"] = entry.actor
    # A user test: a second tab's 退回 after the first tab's 审核通过 was told the set was 修改ed.
    moved_to = (entry.changes_dict.get("status") or [None, None])[-1]
    if moved_to == ReviewStatus.APPROVED:
        return _("这份%(document)s已于%(when)s由%(person)s审核通过（可能在另一个窗口）。") % said
    if moved_to == ReviewStatus.RETURNED:
        return _("这份%(document)s已于%(when)s由%(person)s退回（可能在另一个窗口）。") % said
    if moved_to == ReviewStatus.SUBMITTED:
        return _("这份%(document)s已于%(when)s由%(person)s提交审核（可能在另一个窗口）。") % said
    return _("这份%(document)s已于%(when)s由%(person)s修改（可能在另一个窗口）。") % said


def check_owner_may_edit(document: ReviewedDocument, actor: User) -> None:
    """Only the owner writes, and only while the document is a draft or returned."""
    if document.owner_id != actor.pk:
        raise PermissionDenied(_("只能修改本人的%(document)s。") % {"document": _kind(document)})
    if not document.is_editable:
        raise ValidationError(
            _("已提交或已通过的%(document)s不能修改。") % {"document": _kind(document)}, code="not_editable"
        )


def check_reviewer(document: ReviewedDocument, actor: User) -> None:
    """Refuse a decision on a document that is not waiting for review, or by someone not its reviewer."""
    if document.status != ReviewStatus.SUBMITTED:
        if document.status in (ReviewStatus.APPROVED, ReviewStatus.RETURNED) and document.reviewer_id:
            # Decided meanwhile (another tab, a bulk approval's stale page): said so, by whom and when.
            said = {
                "document": _kind(document),
                "when": date_format(timezone.localtime(document.reviewed_at), "m-d H:i"),
                "person": document.reviewer,
            }
            decided = (
                _("这份%(document)s已于%(when)s由%(person)s审核通过（可能在另一个窗口）。")
                if document.status == ReviewStatus.APPROVED
                else _("这份%(document)s已于%(when)s由%(person)s退回（可能在另一个窗口）。")
            )
            raise ValidationError(decided % said, code="not_submitted")
        raise ValidationError(
            _("只有已提交的%(document)s可以审核。") % {"document": _kind(document)}, code="not_submitted"
        )
    if not actor.has_perm(document.review_permission, document):
        raise PermissionDenied(_("您不是这份%(document)s的审核人。") % {"document": _kind(document)})


@transaction.atomic
def submit(
    document: D,
    actor: User,
    *,
    is_late: Callable[[D, datetime], bool],
    version: int | None = None,
    now: datetime | None = None,
    prepare: Callable[[D, datetime], None] | None = None,
) -> D:
    """The owner hands a draft or returned document in for review; returns the stored document.

    ``prepare(document, now)`` runs after the checks and before the status changes (to save and
    validate the form, or to snapshot the content). ``is_late(document, now)`` judges lateness,
    which is recorded, never refused.
    """
    now = now or periods.now()
    locked = lock(document, version)
    check_owner_may_edit(locked, actor)
    # Handing in to nobody would leave the document waiting for ever.
    reviewer = evaluator_of(person=locked.owner)
    if reviewer is None:
        raise ValidationError(_("您所在科室尚未设置审核人，请联系组织人事部门。"), code="no_reviewer")
    if prepare is not None:
        prepare(locked, now)
    # Judged on the first hand-in only: the time a review round takes is not the owner's delay.
    if locked.submitted_at is None:
        locked.is_late = is_late(locked, now)
    locked.status = ReviewStatus.SUBMITTED
    if _follows_owner(type(locked)):
        locked.owner_department_id = locked.owner.department_id
    locked.submitted_at = now
    locked.reviewer = None
    locked.reviewed_at = None
    locked.version += 1
    locked.save()
    # Into the reviewer's daily digest: one notice a day however many are handed in.
    with in_site_language():
        notify(
            recipient=reviewer,
            message=_("%(owner)s提交了%(document)s，待您审核。") % {"owner": locked.owner, "document": locked.title},
            url=locked.get_absolute_url(),
            digest=True,
        )
    return locked


def _decide(
    document: D,
    actor: User,
    *,
    outcome: str,
    reason: str,
    now: datetime | None,
    on_decided: Callable[[D], None] | None,
) -> None:
    document.status = outcome
    document.reviewer = actor
    document.reviewed_at = now or periods.now()
    document.return_reason = reason
    document.version += 1
    with audit_reason(reason):
        document.save()
        if on_decided is not None:
            on_decided(document)
    with in_site_language():
        if outcome == ReviewStatus.APPROVED:
            message = _("您的%(document)s已通过审核。") % {"document": document.title}
        else:
            message = _("您的%(document)s被退回：%(reason)s") % {"document": document.title, "reason": reason}
        notify(recipient=document.owner, message=message, url=document.get_absolute_url())


@transaction.atomic
def approve(
    document: D,
    actor: User,
    *,
    version: int | None = None,
    now: datetime | None = None,
    on_decided: Callable[[D], None] | None = None,
) -> D:
    """The owner's reviewer approves a submitted document; it becomes read-only.

    The owner is notified (bell, and e-mail when mail is configured). ``on_decided(document)``
    runs after the decision is saved, inside the transaction, for the app's own records.
    """
    locked = lock(document, version)
    check_reviewer(locked, actor)
    _decide(locked, actor, outcome=ReviewStatus.APPROVED, reason="", now=now, on_decided=on_decided)
    return locked


@transaction.atomic
def return_(
    document: D,
    actor: User,
    reason: str,
    *,
    version: int | None = None,
    now: datetime | None = None,
    on_decided: Callable[[D], None] | None = None,
) -> D:
    """The owner's reviewer returns a submitted document with a reason; the owner reworks and resubmits.

    The reason is required, stored on the document and in the audit record, and sent to the owner.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回时须填写退回原因。")}, code="reason_required")
    check_length(reason, limit=MEDIUM, label=_("退回原因"), field="reason")
    locked = lock(document, version)
    check_reviewer(locked, actor)
    _decide(locked, actor, outcome=ReviewStatus.RETURNED, reason=reason, now=now, on_decided=on_decided)
    return locked


@dataclass(frozen=True)
class ReviewStep:
    """One step of a document's review: handed in, approved or returned (with the reason)."""

    at: datetime
    actor: User | None
    status: str
    reason: str

    @property
    def status_label(self) -> str:
        return ReviewStatus(self.status).label if self.status in ReviewStatus.values else self.status


def review_history(document: ReviewedDocument) -> list[ReviewStep]:
    """Every hand-in and decision of ``document``, oldest first, read from the audit trail (one
    query): a resubmitted document still shows why it was returned before and who returned it.
    Saves of a draft, which change no status, are not steps."""
    entries = (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(document)),
            object_id=document.pk,
            changes__has_key="status",
        )
        .select_related("actor")
        .order_by("timestamp", "pk")
    )
    steps = []
    for entry in entries:
        status = entry.changes["status"][1]
        if status in (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED, ReviewStatus.RETURNED):
            reason = entry.reason if status == ReviewStatus.RETURNED else ""
            at = _stamped(entry, "submitted_at" if status == ReviewStatus.SUBMITTED else "reviewed_at")
            steps.append(ReviewStep(at=at, actor=entry.actor, status=status, reason=reason))
    return steps


def _stamped(entry: AuditEntry, field: str) -> datetime:
    """When the step happened as the document records it (the time the page shows beside it; the
    same as the entry's in use, the story's in the demo): django-auditlog keeps the new value of
    a date-time column as naive UTC text. The entry's own time where the column did not change."""
    text = (entry.changes.get(field) or [None, None])[1]
    parsed = parse_datetime(text) if text and text != "None" else None
    if parsed is None:
        return entry.timestamp
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def documents_awaiting_review_of(*, owner: User) -> list[str]:
    """The titles of ``owner``'s documents handed in and waiting for their reviewer (targets,
    monthly summaries, the welfare 述职: every reviewed document that follows its owner's department), oldest first:
    what a move of department hands to the new department's head. One query per kind."""
    waiting = []
    for model in apps.get_models():
        if _follows_owner(model):
            documents = model._default_manager.filter(owner=owner, status=ReviewStatus.SUBMITTED)
            waiting += [(d.submitted_at, d.pk, str(d.title)) for d in documents]
    return [title for _submitted, _pk, title in sorted(waiting, key=lambda w: (w[0] is None, w[0], w[1]))]


def documents_moved_tell(owner: User) -> None:
    """After ``owner`` moved department (:func:`accounts.services.staff_move`): their documents
    waiting for review now wait for another reviewer. The new reviewer is told which, the person
    who reviews them now (a user test moved two people with documents waiting; nobody was told,
    the new head found them only by the inbox's count)."""
    waiting = documents_awaiting_review_of(owner=owner)
    if not waiting:
        return
    reviewer = evaluator_of(person=owner)
    with in_site_language():
        said = {
            "person": owner.get_full_name(),
            "department": str(owner.department) if owner.department_id else _("领导班子"),
            "titles": join_list(waiting, limit=3),
            "reviewer": reviewer.get_full_name() if reviewer else "",
        }
        if reviewer is not None and reviewer.pk != owner.pk and reviewer.is_active:
            notify(
                recipient=reviewer,
                message=_("%(person)s调至%(department)s，其已提交待审核的%(titles)s转由您审核。") % said,
                url=reverse("review"),
            )
            own = _("您已调至%(department)s，已提交待审核的%(titles)s转由%(reviewer)s审核。") % said
        elif owner.department_id:
            own = _("您已调至%(department)s，已提交待审核的%(titles)s待新科室负责人审核。") % said
        else:
            # Into the leadership (领导班子): no department's head reviews them.
            own = _("您已调入领导班子，已提交待审核的%(titles)s暂无审核人。") % said
        if owner.is_active:
            notify(recipient=owner, message=own, url="")
