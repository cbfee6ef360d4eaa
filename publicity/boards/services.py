"""Posting, compiling and publishing the weekly progress (每周工作进展)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import periods
from accounts.models import Department, Notification, User
from accounts.periods import Week
from accounts.selectors import policy_for_organisation, taking_part
from accounts.services import notify_many
from accounts.text import in_site_language
from accounts.textlimits import MEDIUM, SHORT, check_length
from targets.selectors import goals_for_quarter

from ..dingtalk.models import DingTalkKind
from ..dingtalk.services import dingtalk_push, weekly_digest_markdown
from .models import WeeklyDigest, WeeklyDigestSection, WeeklyPost, WeeklyPostItem

# A week's post is a few lines, not a report (DOMAIN §9: less burden).
MAX_ITEMS = 10
# How far back a head may still post and the office still compile: the week before this one,
# so a week can be posted on Friday and compiled on Monday.
POSTABLE_WEEKS = 2
COMPILABLE_WEEKS = 4


@dataclass(frozen=True)
class ItemData:
    """One progress item as typed on the form."""

    text: str
    goal_id: int | None = None


@dataclass(frozen=True)
class SectionData:
    """One department's part of the compiled week as the office set it."""

    department_id: int
    position: int
    text: str


def _recent_weeks(count: int) -> list[Week]:
    weeks = [Week.current()]
    while len(weeks) < count:
        weeks.append(weeks[-1].previous())
    return weeks


def weekly_postable_weeks() -> list[Week]:
    """The weeks a head may post for, this week first."""
    return _recent_weeks(POSTABLE_WEEKS)


def weekly_compilable_weeks() -> list[Week]:
    """The weeks the office may start compiling, this week first."""
    return _recent_weeks(COMPILABLE_WEEKS)


def goal_week_quarter(week: Week) -> periods.Quarter:
    """The quarter whose goals a week's items may serve: the quarter of its Thursday (the day ISO
    weeks are counted by), so a week straddling two quarters belongs to one."""
    return periods.Quarter.of(week.first_day + timedelta(days=3))


def _refuse_unless_enabled(organisation_id: int) -> None:
    if not policy_for_organisation(organisation_id=organisation_id).weekly_progress_enabled:
        raise ValidationError(_("本单位未启用每周工作进展（考核政策中可启用）。"))


def _published(organisation_id: int, week: Week) -> bool:
    return WeeklyDigest.objects.filter(
        organisation_id=organisation_id, year=week.year, week=week.week, state=WeeklyDigest.State.PUBLISHED
    ).exists()


@transaction.atomic
def weekly_post_save(*, actor: User, department: Department, week: Week, items: list[ItemData]) -> WeeklyPost:
    """The head's post of ``department``'s progress for ``week``, replacing what they posted before.

    Refused: for a department the actor does not head, where the policy has not switched the board
    on, for a week other than this one or the last, once the office has published that week, with
    no item or more than :data:`MAX_ITEMS`, with an item longer than the limit, linked to a goal
    that is not the department's for that year and quarter, or with a goal but no text.
    """
    if not actor.has_perm("publicity.post_weekly_progress_for", department):
        raise PermissionDenied
    _refuse_unless_enabled(department.organisation_id)
    if week not in weekly_postable_weeks():
        raise ValidationError(_("只能填报本周或上周的工作进展。"))
    if _published(department.organisation_id, week):
        raise ValidationError(_("%(week)s的工作进展已发布，不能再修改。") % {"week": week.label})
    for n, item in enumerate(items, start=1):
        if item.goal_id and not item.text.strip():
            # Dropped as an empty row, the goal chosen would be lost without a word.
            raise ValidationError(_("第%(n)s项已选择对应科室目标，请填写工作进展，或改为“不关联”。") % {"n": n})
    items = [ItemData(text=item.text.strip(), goal_id=item.goal_id) for item in items if item.text.strip()]
    if not items:
        raise ValidationError(_("请至少填写一项工作进展。"))
    if len(items) > MAX_ITEMS:
        raise ValidationError(_("每周最多填写%(limit)s项工作进展。") % {"limit": MAX_ITEMS})
    label = WeeklyPostItem._meta.get_field("text").verbose_name
    for item in items:
        check_length(item.text, limit=SHORT, label=label)
    quarter = goal_week_quarter(week)
    allowed = set(
        goals_for_quarter(department_id=department.pk, year=quarter.year, quarter=quarter.quarter).values_list(
            "pk", flat=True
        )
    )
    if any(item.goal_id and item.goal_id not in allowed for item in items):
        raise ValidationError(_("所选科室目标不是本科室%(quarter)s的目标。") % {"quarter": quarter.label})
    post, created = WeeklyPost.objects.get_or_create(
        department=department,
        year=week.year,
        week=week.week,
        defaults={"organisation_id": department.organisation_id, "author": actor, "posted_at": periods.now()},
    )
    if not created:
        post.author, post.posted_at = actor, periods.now()
        post.save()
        for old in post.items.all():
            old.delete()  # one by one, so the audit trail keeps each old item's text
    for position, item in enumerate(items, start=1):
        WeeklyPostItem.objects.create(post=post, position=position, text=item.text, goal_id=item.goal_id or None)
    return post


@transaction.atomic
def weekly_digest_start(*, actor: User, week: Week) -> WeeklyDigest:
    """The office's compilation of ``week`` (created as a draft the first time)."""
    if not actor.has_perm("publicity.compile_weekly"):
        raise PermissionDenied
    _refuse_unless_enabled(actor.organisation_id)
    if week not in weekly_compilable_weeks():
        raise ValidationError(_("只能汇编最近%(count)s周的工作进展。") % {"count": COMPILABLE_WEEKS})
    digest, _created = WeeklyDigest.objects.get_or_create(
        organisation_id=actor.organisation_id, year=week.year, week=week.week, defaults={"compiled_by": actor}
    )
    return digest


def _lock_draft(*, actor: User, digest: WeeklyDigest) -> WeeklyDigest:
    if not actor.has_perm("publicity.change_weekly_digest", digest):
        raise PermissionDenied
    # Re-read inside the transaction (a row lock on PostgreSQL; SQLite's writers queue anyway).
    digest = WeeklyDigest.objects.select_for_update().get(pk=digest.pk)
    if digest.is_published:
        raise ValidationError(_("%(week)s的工作进展已发布，不能再修改。") % {"week": digest.period.label})
    return digest


class PostsChangedSinceSeen(ValidationError):
    """A department corrected its post after the compile page was drawn (``department_ids``)."""

    def __init__(self, department_ids: list[int], names: list[str]) -> None:
        self.department_ids = department_ids
        super().__init__(
            _("%(departments)s在您打开此页后修改了填报：请对照上方的最新填报核对文字，再保存或发布。")
            % {"departments": "、".join(names)},
            code="changed_since_seen",
        )


@transaction.atomic
def weekly_digest_compile(
    *,
    actor: User,
    digest: WeeklyDigest,
    sections: list[SectionData],
    publish: bool = False,
    seen_at: datetime | None = None,
) -> WeeklyDigest:
    """Set which departments the week shows, in what order and wording; with ``publish``, publish it too.

    A department is included only if it posted for that week; its text may be the office's edit
    of the post, but not empty. Publishing needs at least one department. Refused
    (:class:`PostsChangedSinceSeen`) when a post was corrected after ``seen_at``, the moment the
    page was drawn: what would be saved or published is the wording of the post before (a user
    test published a head's corrected 500万 as 300万).
    """
    digest = _lock_draft(actor=actor, digest=digest)
    if seen_at is not None:
        changed = list(
            WeeklyPost.objects.filter(
                organisation_id=digest.organisation_id, year=digest.year, week=digest.week, posted_at__gt=seen_at
            )
            .order_by("department__sort_order", "department__code")
            .values_list("department_id", "department__name")
        )
        if changed:
            raise PostsChangedSinceSeen([pk for pk, _name in changed], [name for _pk, name in changed])
    posted = set(
        WeeklyPost.objects.filter(
            organisation_id=digest.organisation_id, year=digest.year, week=digest.week
        ).values_list("department_id", flat=True)
    )
    label = WeeklyDigestSection._meta.get_field("text").verbose_name
    names = dict(Department.objects.filter(pk__in=posted).values_list("pk", "name"))
    chosen: dict[int, SectionData] = {}
    for section in sections:
        if section.department_id not in posted:
            raise ValidationError(_("只能汇编本周已填报进展的科室。"))
        if not section.text.strip():
            # Named: among a dozen departments the office finds the empty box at once.
            raise ValidationError(
                _("%(department)s已选入本周进展，其进展内容不能为空：请填写，或取消选入。")
                % {"department": names[section.department_id]}
            )
        check_length(section.text, limit=MEDIUM, label=label)
        chosen[section.department_id] = section
    existing = {s.department_id: s for s in digest.sections.all()}
    for department_id, old in existing.items():
        if department_id not in chosen:
            old.delete()
    for department_id, section in chosen.items():
        row = existing.get(department_id) or WeeklyDigestSection(digest=digest, department_id=department_id)
        text = section.text.strip()
        if row.pk is None or (row.position, row.text) != (section.position, text):
            row.position, row.text = section.position, text
            row.save()
    digest.saved_at = periods.now()
    digest.save(update_fields=["saved_at"])
    if publish:
        return _publish(actor=actor, digest=digest)
    return digest


@transaction.atomic
def weekly_digest_publish(*, actor: User, digest: WeeklyDigest) -> WeeklyDigest:
    """Publish the compiled week to every member of the organisation (the bell) and the DingTalk
    work group (when configured; sent after commit, never holding up the publication)."""
    return _publish(actor=actor, digest=_lock_draft(actor=actor, digest=digest))


def _publish(*, actor: User, digest: WeeklyDigest) -> WeeklyDigest:
    sections = list(digest.sections.select_related("department").order_by("position", "department__sort_order"))
    if not sections:
        raise ValidationError(_("请至少选择一个科室的进展后再发布。"))
    digest.state = WeeklyDigest.State.PUBLISHED
    digest.published_by, digest.published_at = actor, periods.now()
    digest.save()
    week = digest.period
    with in_site_language():
        message = _("%(week)s各科室工作进展已发布。") % {"week": week.label}
        url = digest.get_absolute_url()
        recipients = taking_part(organisation_id=digest.organisation_id)
        notify_many(
            [Notification(recipient_id=pk, message=message, url=url) for pk in recipients.values_list("pk", flat=True)],
            dedupe_key=f"weekly-digest:{digest.pk}",
        )
        title = _("每周工作进展：%(week)s") % {"week": week.label}
        dingtalk_push(
            organisation_id=digest.organisation_id,
            title=title,
            markdown_text=weekly_digest_markdown(
                title=title, sections=[(s.department.name, s.text) for s in sections], path=url
            ),
            kind=DingTalkKind.WEEKLY_DIGEST,
            key=f"weekly:{week.code}",
        )
    return digest


def weekly_post_wording(post: WeeklyPost) -> str:
    """The office's starting text for a department: the head's items, numbered, one a line."""
    return "\n".join(f"{n}. {item.text}" for n, item in enumerate(post.items.all(), start=1))
