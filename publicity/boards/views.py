"""The weekly progress board (/publicity/weekly/) and the goals board (/publicity/goals/)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import periods
from accounts.decorators import permission_required
from accounts.formerrors import error_text, run_service
from accounts.models import Department
from accounts.pages import visible_or_404
from accounts.pagination import page_of
from accounts.periods import Week
from accounts.selectors import departments_headed_by, policy_for_organisation
from targets.selectors import goals_for_quarter, goals_with_progress

from ..dingtalk.selectors import dingtalk_failures
from . import selectors, services
from .forms import SPARE_ROWS, CompileWeekForm, DigestForm, ProgressItemFormSet
from .models import WeeklyDigest


def _enabled(request: HttpRequest) -> bool:
    return policy_for_organisation(organisation_id=request.user.organisation_id).weekly_progress_enabled


@permission_required("publicity.view_boards")
def weekly_board(request: HttpRequest) -> HttpResponse:
    """The published weeks (newest in full, all of them a page at a time); the head's and the
    office's actions, and for the office the drafts and the pushes that failed."""
    organisation_id = request.user.organisation_id
    page = page_of(request, selectors.published_digests(organisation_id=organisation_id), per_page=20)
    page.object_list = list(page.object_list)  # one query for the page, read twice below
    latest = page.object_list[0] if page.number == 1 and page.object_list else None
    context = {
        "enabled": _enabled(request),
        "page": page,
        "latest": latest,
        "latest_sections": selectors.digest_sections(digest=latest) if latest else [],
        "can_post": request.user.has_perm("publicity.post_weekly_progress"),
        "can_compile": request.user.has_perm("publicity.compile_weekly"),
    }
    if context["can_compile"]:
        context["drafts"] = list(selectors.draft_digests(organisation_id=organisation_id)[:5])
        context["compile_form"] = CompileWeekForm(weeks=services.weekly_compilable_weeks())
    if request.user.has_perm("publicity.view_dingtalk_messages"):
        context["dingtalk_failures"] = dingtalk_failures(organisation_id=organisation_id)
    return render(request, "publicity/weekly_board.html", context)


def _digest_for_user(request: HttpRequest, pk: int, perm: str) -> WeeklyDigest:
    # A draft is not there for anyone but the office.
    return visible_or_404(
        request, lambda: selectors.digest_for_detail(pk=pk, organisation_id=request.user.organisation_id), perm=perm
    )


@permission_required("publicity.view_boards")
def weekly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    digest = _digest_for_user(request, pk, "publicity.view_weekly_digest")
    return render(
        request,
        "publicity/weekly_detail.html",
        {"digest": digest, "sections": selectors.digest_sections(digest=digest)},
    )


def _chosen_week(request: HttpRequest, weeks: list[Week]) -> Week:
    try:
        week = Week.parse(request.GET.get("week", ""))
    except ValueError:
        return weeks[0]
    return week if week in weeks else weeks[0]


@permission_required("publicity.post_weekly_progress")
def weekly_post(request: HttpRequest) -> HttpResponse:
    """The head posts a department's progress for this week (or last week, ``?week=``)."""
    departments = list(departments_headed_by(person=request.user).filter(organisation_id=request.user.organisation_id))
    if not departments:
        raise PermissionDenied
    chosen = request.GET.get("department")
    department: Department = next((d for d in departments if str(d.pk) == chosen), departments[0])
    weeks = services.weekly_postable_weeks()
    week = _chosen_week(request, weeks)
    quarter = services.goal_week_quarter(week)
    goals = list(goals_for_quarter(department_id=department.pk, year=quarter.year, quarter=quarter.quarter))
    post = selectors.post_of_department(department=department, week=week)
    initial = [{"text": item.text, "goal": item.goal_id} for item in post.items.all()] if post else []
    initial += [{} for _n in range(max(0, min(SPARE_ROWS, services.MAX_ITEMS - len(initial))))]
    formset = ProgressItemFormSet(request.POST or None, initial=initial, goals=goals, prefix="items")
    enabled = _enabled(request)
    if request.method == "POST":
        if formset.is_valid():
            items = [
                services.ItemData(text=form.cleaned_data.get("text") or "", goal_id=form.cleaned_data.get("goal"))
                for form in formset.forms
            ]
            if run_service(
                request,
                lambda: services.weekly_post_save(actor=request.user, department=department, week=week, items=items),
                success=_("本周工作进展已填报，组织人事汇编后向全体人员公开。"),
            ):
                return redirect(f"{request.path}?week={week.code}&department={department.pk}")
        else:
            messages.error(request, _("保存失败，请修改标红的项目。"))
    return render(
        request,
        "publicity/weekly_post.html",
        {
            "enabled": enabled,
            "departments": departments,
            "department": department,
            "weeks": weeks,
            "week": week,
            "post": post,
            "formset": formset,
            "published": WeeklyDigest.objects.filter(
                organisation_id=department.organisation_id,
                year=week.year,
                week=week.week,
                state=WeeklyDigest.State.PUBLISHED,
            ).exists(),
        },
    )


@require_POST
@permission_required("publicity.compile_weekly")
def weekly_compile_start(request: HttpRequest) -> HttpResponse:
    form = CompileWeekForm(request.POST, weeks=services.weekly_compilable_weeks())
    if not form.is_valid():
        messages.error(request, _("请选择要汇编的周次。"))
        return redirect("publicity:weekly")
    try:
        digest = services.weekly_digest_start(actor=request.user, week=Week.parse(form.cleaned_data["week"]))
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("publicity:weekly")
    return redirect("publicity:weekly_compile", pk=digest.pk)


@permission_required("publicity.compile_weekly")
def weekly_compile(request: HttpRequest, pk: int) -> HttpResponse:
    """The office chooses the departments' posts, orders them, edits the wording, and publishes."""
    digest = _digest_for_user(request, pk, "publicity.change_weekly_digest")
    if digest.is_published:
        return redirect(digest)
    posts = selectors.posts_of_week(organisation_id=digest.organisation_id, week=digest.period)
    sections = {section.department_id: section for section in selectors.digest_sections(digest=digest)}
    rows = []
    for n, post in enumerate(posts, start=1):
        section = sections.get(post.department_id)
        wording = services.weekly_post_wording(post)
        # Corrected by its head after the compilation was saved: the post's new wording is proposed,
        # the compilation's earlier one shown beside it (a user test published the stale draft).
        corrected = section is not None and digest.saved_at is not None and post.posted_at > digest.saved_at
        rows.append(
            {
                "post": post,
                # Before the first save every posted department is proposed, in the departments' order.
                "include": section is not None or not sections,
                "position": section.position if section else n,
                "text": wording if corrected or section is None else section.text,
                "earlier": section.text if corrected and section.text != wording else None,
            }
        )
    drawn_at = periods.now()
    form = DigestForm(request.POST or None, rows=rows, initial={"seen_at": drawn_at.isoformat()})
    if request.method == "POST" and form.is_valid():
        publish = "publish" in request.POST
        chosen = [services.SectionData(department_id=d, position=p, text=t) for d, p, t in form.sections()]
        changed: list[int] = []

        def compile_it():
            try:
                return services.weekly_digest_compile(
                    actor=request.user,
                    digest=digest,
                    sections=chosen,
                    publish=publish,
                    seen_at=form.cleaned_data["seen_at"],
                )
            except services.PostsChangedSinceSeen as refusal:
                changed.extend(refusal.department_ids)
                raise

        compiled = run_service(
            request,
            compile_it,
            success=_("本周工作进展已发布，全体人员可在“每周进展”中查看。") if publish else _("已保存汇编稿。"),
            form=form,
            flash_refusal=False,
        )
        if changed:
            # What was typed stays; the corrected posts are shown above their boxes, marked, and the
            # page counts as seen now: saving again keeps what the office then has in the boxes.
            for row in form.rows:
                row["changed"] = row["department"].pk in changed
            form.data = form.data.copy()
            form.data["seen_at"] = drawn_at.isoformat()
        if compiled:
            return redirect(digest) if publish else redirect("publicity:weekly_compile", pk=digest.pk)
    # The departments that have not posted yet, so publishing without them is a choice made.
    missing = selectors.departments_without_post(organisation_id=digest.organisation_id, posts=posts)
    return render(request, "publicity/weekly_compile.html", {"digest": digest, "form": form, "missing": missing})


@permission_required("publicity.view_boards")
def goals_board(request: HttpRequest) -> HttpResponse:
    """目标展示: every department's goals of the year and how far their targets have got; ``?screen=1``
    for the meeting-room screen, printable on A3 landscape."""
    organisation_id = request.user.organisation_id
    current = periods.Quarter.current()
    try:
        year = int(request.GET.get("year", current.year))
        periods.Quarter(year, 1)
    except ValueError:
        year = current.year
    goals = list(goals_with_progress(organisation_id=organisation_id, year=year))
    by_department: dict[int, list] = {}
    for goal in goals:
        goal.percent = round(100 * goal.done_count / goal.item_count) if goal.item_count else 0
        by_department.setdefault(goal.department_id, []).append(goal)
    departments = [
        {
            "department": d,
            "annual": [g for g in by_department.get(d.pk, []) if g.quarter is None],
            "quarterly": [g for g in by_department.get(d.pk, []) if g.quarter is not None],
        }
        for d in Department.objects.filter(organisation_id=organisation_id, is_active=True)
    ]
    return render(
        request,
        "publicity/goals_board.html",
        {
            "year": year,
            "years": [current.year - 1, current.year, current.year + 1],
            "current_quarter": current.quarter if year == current.year else None,
            "departments": departments,
            "screen": request.GET.get("screen") == "1",
            "organisation": request.user.organisation,
        },
    )
