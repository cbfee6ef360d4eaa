"""Pages for department goals and quarterly targets. Views parse input and call one service;
the workflow rules live in ``services`` and the permission rules in ``rules``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import periods
from accounts.decorators import permission_required
from accounts.formerrors import error_text, run_service
from accounts.formparts import posted_version
from accounts.pages import confirm_page, keep_refused_reason, visible_or_404
from accounts.pagination import page_of, query_without_page
from accounts.selectors import departments_headed_by, policy_for_organisation, secondments_of
from accounts.text import join_sentences
from accounts.view_access import permitted_or_403, reviewable_or_403
from accounts.workflow import ReviewStatus, StaleVersion

from . import selectors, services
from .forms import (
    AssignItemForm,
    CompletionForm,
    DepartmentGoalForm,
    ReturnForm,
    TargetItemFormSet,
    VersionForm,
    item_initial,
)
from .models import DepartmentGoal, TargetSet

# Five years of quarters, and a department's goals of several years, a page.
MY_TARGETS_PAGE_SIZE = 20
GOALS_PAGE_SIZE = 30


def _get_target_set_for_user(request: HttpRequest, pk: int) -> TargetSet:
    """A set the user may see; anything else is a 404, so other people's ids are not confirmed to exist."""
    return visible_or_404(
        request,
        lambda: selectors.target_set_for_detail(pk=pk, organisation_id=request.user.organisation_id),
        perm="targets.view_targetset",
    )


def _get_target_set_to_act_on(request: HttpRequest, pk: int, perm: str) -> TargetSet:
    """A visible set on which the user holds ``perm`` (review, assign, record); a visible one
    without it is refused (403), since the page itself may be seen."""
    return permitted_or_403(request, _get_target_set_for_user(request, pk), perm)


def _get_goal_for_head(request: HttpRequest, pk: int) -> DepartmentGoal:
    return visible_or_404(
        request, lambda: DepartmentGoal.objects.select_related("department").get(pk=pk), perm="targets.change_goal"
    )


# --- My targets ------------------------------------------------------------------------


@permission_required("targets.write_targets")
def my_targets(request: HttpRequest) -> HttpResponse:
    """The person's quarters, with a button for the current quarter's targets."""
    current_period = periods.Quarter.current()
    year, quarter = current_period.year, current_period.quarter
    own = selectors.target_sets_of_owner(owner=request.user)
    previous_period = current_period.previous()
    # This quarter's and last quarter's sets, whichever page of the list is shown (one query).
    near = {
        (s.year, s.quarter): s
        for s in own.filter(
            Q(year=year, quarter=quarter) | Q(year=previous_period.year, quarter=previous_period.quarter)
        )
    }
    current = near.get((year, quarter))
    previous = near.get((previous_period.year, previous_period.quarter))
    # Last quarter's items can start this quarter while this quarter has none yet.
    can_copy = (
        previous is not None
        and previous.item_count > 0
        and (current is None or (current.status == ReviewStatus.DRAFT and current.item_count == 0))
    )
    # Sets waiting for the person's review: only a head or leader reviews (the inbox's right).
    awaiting = (
        list(selectors.target_sets_awaiting_review(reviewer=request.user)[:50])
        if request.user.has_perm("summaries.use_review_inbox")
        else []
    )
    policy = periods.person_policy(policy_for_organisation(organisation_id=request.user.organisation_id), request.user)
    # Last quarter ended without a set (a late joiner, a missed deadline): it is still taken, late,
    # until the quarter's results are approved and closed — else its grading could never be approved.
    # Not a quarter the person spent wholly seconded out (挂职/援派): the host appraises them.
    away = secondments_of(person=request.user)
    missing_previous = (
        previous is None
        and periods.is_due(policy, previous_period)
        and not away.through(previous_period)
        and not periods.is_period_locked(request.user.organisation_id, previous_period)
    )
    return render(
        request,
        "targets/my_targets.html",
        {
            "missing_previous": missing_previous,
            "target_sets": page_of(request, own, per_page=MY_TARGETS_PAGE_SIZE),
            "current": current,
            "can_copy": can_copy,
            "previous_period": previous_period,
            "year": year,
            "quarter": quarter,
            "awaiting": awaiting,
            "deadline": periods.target_deadline(policy, current_period),
            # Before a go-live date still to come nothing is due (the page says when it starts).
            "started_on": None if periods.is_due(policy, current_period) else policy.started_on,
            # Seconded out all this quarter: nothing asked of it here (the home page says the same).
            "seconded": away.through(current_period),
        },
    )


@require_POST
@permission_required("targets.write_targets")
def start(request: HttpRequest) -> HttpResponse:
    return _start_current_quarter(request, services.target_set_start)


@require_POST
@permission_required("targets.write_targets")
def start_from_previous(request: HttpRequest) -> HttpResponse:
    """从上季度复制: the current quarter's draft, filled with last quarter's items (not submitted)."""
    return _start_current_quarter(
        request, services.target_set_start_from_previous, success=_("已从上季度复制目标，请修改后保存并提交。")
    )


def _start_current_quarter(request: HttpRequest, start_service, *, success: str = "") -> HttpResponse:
    """Open the person's set of the current quarter (or, when the form names it, of last quarter:
    补填, written late) with ``start_service`` and go to it; a refusal goes back to their targets."""
    period = periods.Quarter.current()
    if request.POST.get("period") == "previous":
        period = period.previous()
    try:
        target_set = start_service(owner=request.user, year=period.year, quarter=period.quarter)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("targets:my_targets")
    if success:
        messages.success(request, success)
    return redirect("targets:detail", pk=target_set.pk)


# --- One target set --------------------------------------------------------------------


def _goal_choices(target_set: TargetSet) -> list[tuple[int, str]]:
    goals = selectors.goals_for_quarter(
        department_id=target_set.department_id, year=target_set.year, quarter=target_set.quarter
    )
    return [
        (goal.pk, f"{_('年度') if goal.quarter is None else _('本季度')}：{goal.content[:60]}")
        for goal in goals.order_by("quarter", "sort_order", "pk")
    ]


def _render_detail(request: HttpRequest, target_set: TargetSet, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    items = list(target_set.items.select_related("goal", "assigned_by").order_by("sort_order", "pk"))
    revisions = list(target_set.revisions.select_related("submitted_by", "decided_by").order_by("-number"))
    # An approved quarter is closed: the services refuse every change, so the page offers none.
    closed = periods.period_lock(target_set.organisation_id, target_set.period)
    can_edit = closed is None and user.has_perm("targets.change_targetset", target_set)
    is_owner = target_set.owner_id == user.pk
    if not is_owner:
        # A head reading someone else's set came from the review inbox, not from "my targets".
        request.nav_active = "review" if user.has_perm("summaries.use_review_inbox") else ""
    ctx: dict = {
        "target_set": target_set,
        "is_owner": is_owner,
        "items": items,
        "revisions": revisions,
        "closed": closed,
        "can_edit": can_edit,
        # Approved also once the quarter is closed (the service allows it), never returned then.
        "can_review": target_set.status == ReviewStatus.SUBMITTED
        and user.has_perm("targets.review_targetset", target_set),
        # Not to a quarter already over (the service refuses it too).
        "can_assign": closed is None
        and target_set.status == ReviewStatus.APPROVED
        and periods.today() <= target_set.period.last_day
        and user.has_perm("targets.assign_item", target_set),
        "can_record": closed is None
        and target_set.status == ReviewStatus.APPROVED
        and bool(items)
        and user.has_perm("targets.record_completion", target_set)
        and periods.today() >= target_set.period.first_day,
        "version_form": VersionForm(initial={"version": target_set.version}, auto_id=False),
    }
    if can_edit and "formset" not in forms:
        # Weights saved not totalling 100 (a draft kept after a refused 提交审核): said on coming back,
        # not first at the next submission (a user test found the page silent).
        ctx["weights_warning"] = services.weights_refusal(target_set)
        forms["formset"] = TargetItemFormSet(
            initial=item_initial(items), prefix="items", form_kwargs={"goal_choices": _goal_choices(target_set)}
        )
    if not can_edit and forms.get("formset") is not None and forms["formset"].is_bound:
        # Typed on a page the set can no longer be saved from (handed in from another tab, the
        # quarter closed meanwhile): shown to be copied, never dropped.
        ctx["unsaved_rows"] = forms["formset"].typed_rows()
    if ctx["can_review"]:
        forms.setdefault("return_form", ReturnForm())
    if ctx["can_assign"]:
        forms.setdefault("assign_form", AssignItemForm())
    if ctx["can_record"]:
        forms.setdefault("completion_form", CompletionForm(items=items))
    ctx.update(forms)
    return render(request, "targets/detail.html", ctx, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """View a set; its owner edits it here while it is a draft or returned (save as draft / submit)."""
    target_set = _get_target_set_for_user(request, pk)
    if request.method != "POST":
        return _render_detail(request, target_set)
    formset = TargetItemFormSet(request.POST, prefix="items", form_kwargs={"goal_choices": _goal_choices(target_set)})
    if not request.user.has_perm("targets.change_targetset", target_set):
        if target_set.owner_id != request.user.pk:
            raise PermissionDenied
        # Handed in from another tab since this page was loaded (a user test lost the typed text
        # to a redirect): the set as it is now, read-only, and what was typed, to be copied.
        refusal = [_("已提交或已通过的目标不能修改。"), _("您填写的内容未保存，列在下方，可复制留用。")]
        messages.error(request, join_sentences(refusal))
        return _render_detail(request, target_set, status=409, formset=formset)
    version_form = VersionForm(request.POST)
    if not (version_form.is_valid() and formset.is_valid()):
        messages.error(request, _("请按提示修改后再保存。"))
        return _render_detail(request, target_set, status=400, formset=formset, unsent=True)
    submit = request.POST.get("action") == "submit"
    service = services.target_set_submit_from_form if submit else services.target_set_save_draft
    try:
        service(
            target_set=target_set,
            actor=request.user,
            version=version_form.cleaned_data["version"],
            items=formset.items(),
        )
    except StaleVersion as exc:
        # Keep the person's text on the page; the hidden version moves to the stored one,
        # so saving again (after checking the saved items shown above) is a deliberate overwrite.
        messages.error(request, join_sentences([exc.happened, _("您填写的内容未丢失，请查看当前内容后再保存。")]))
        target_set.refresh_from_db()
        return _render_detail(request, target_set, status=409, formset=formset, stale=True, unsent=True)
    except ValidationError as exc:
        code = getattr(exc, "code", None)
        if code == "weights":
            formset.refuse_weights(error_text(exc))
            messages.error(request, _("已保存为草稿，尚未提交：请按提示修改后再提交。"))
        elif code == "empty":
            messages.error(request, _("已保存为草稿，尚未提交：%(problem)s") % {"problem": error_text(exc)})
        else:
            # The weights too, at once: not first at the next 提交审核.
            problem = submit and services.items_weights_refusal(formset.items())
            if (index := getattr(exc, "item_index", None)) is not None:
                # At the item's own box (its 时间节点), said once there; the banner says where to look.
                formset.kept_forms()[index].add_error("deadline", exc.item_message)
                messages.error(request, _("请按提示修改后再保存。"))
            else:
                messages.error(request, error_text(exc))
            if problem:
                formset.refuse_weights(problem)
        # Kept as a draft (weights, empty): the page's hidden version is the saved one. Any other
        # refusal saved nothing: leaving the page asks first.
        target_set.refresh_from_db()
        return _render_detail(request, target_set, status=400, formset=formset, unsent=code not in ("weights", "empty"))
    messages.success(request, _("目标已提交，等待审核。") if submit else _("草稿已保存。"))
    if not submit and (warning := services.weights_refusal(target_set)):
        # Saved as typed; said now, not first at 提交审核.
        messages.warning(request, _("提交前请修改：%(problem)s") % {"problem": warning})
    return redirect("targets:detail", pk=pk)


@require_POST
@login_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    target_set = reviewable_or_403(request, _get_target_set_for_user(request, pk), "targets.review_targetset")
    run_service(
        request,
        lambda: services.target_set_approve(
            target_set=target_set, actor=request.user, version=posted_version(request.POST)
        ),
        success=_("已通过审核。"),
    )
    return redirect("targets:detail", pk=pk)


@require_POST
@login_required
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    target_set = reviewable_or_403(request, _get_target_set_for_user(request, pk), "targets.review_targetset")
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请按提示修改后再提交。"))
        return _render_detail(request, target_set, status=400, return_form=form)
    reason = form.cleaned_data["reason"]
    returned = run_service(
        request,
        lambda: services.target_set_return(
            target_set=target_set, actor=request.user, reason=reason, version=posted_version(request.POST)
        ),
        success=_("已退回。"),
    )
    if not returned:
        keep_refused_reason(request, reason)
    return redirect("targets:detail", pk=pk)


@require_POST
@login_required
def assign_item(request: HttpRequest, pk: int) -> HttpResponse:
    target_set = _get_target_set_to_act_on(request, pk, "targets.assign_item")
    form = AssignItemForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, target_set, status=400, assign_form=form)
    assigned = run_service(
        request,
        # The version the leader read: the form sent again (Back, a phone's retry) is refused, not a
        # second copy of the task (a user test: two identical tasks nobody could delete).
        lambda: services.target_set_assign_item(
            target_set=target_set, actor=request.user, version=posted_version(request.POST), **form.cleaned_data
        ),
        success=_("交办事项已添加，并已通知本人。"),
        form=form,
        flash_refusal=False,
    )
    if not assigned:
        # The refusal at its box (a deadline outside the quarter …), what was typed kept (a user test:
        # a refused deadline emptied the task and its requirements).
        return _render_detail(request, target_set, status=400, assign_form=form)
    return redirect("targets:detail", pk=pk)


@require_POST
@login_required
def record_completion(request: HttpRequest, pk: int) -> HttpResponse:
    target_set = _get_target_set_to_act_on(request, pk, "targets.record_completion")
    form = CompletionForm(request.POST, items=target_set.items.order_by("sort_order", "pk"))
    if not form.is_valid():
        return _render_detail(request, target_set, status=400, completion_form=form)
    try:
        services.target_set_record_completion(
            target_set=target_set,
            actor=request.user,
            completions=form.completions(),
            version=posted_version(request.POST),
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        # Each item whose 说明 is wanted is marked at its box (aria-invalid, the message beside).
        for item_id in getattr(exc, "item_ids", ()):
            form.add_error(f"note_{item_id}", _("请写明原因。"))
        return _render_detail(request, target_set, status=400, completion_form=form)
    messages.success(request, _("完成情况已保存。"))
    return redirect("targets:detail", pk=pk)


# --- Department goals --------------------------------------------------------------------


@permission_required("targets.manage_goals")
def goal_list(request: HttpRequest) -> HttpResponse:
    departments = list(departments_headed_by(person=request.user))
    year = request.GET.get("year")
    goals = selectors.goals_of_departments(
        department_ids=[d.pk for d in departments], year=int(year) if year and year.isdigit() else None
    )
    page = page_of(request, goals, per_page=GOALS_PAGE_SIZE)
    # A goal of an approved quarter is read-only: no 编辑/删除 that the service would refuse (one query).
    closed = periods.locked_quarters(
        request.user.organisation_id, [periods.Quarter(g.year, g.quarter) for g in page if g.quarter]
    )
    for goal in page:
        goal.closed = bool(goal.quarter) and periods.Quarter(goal.year, goal.quarter) in closed
    return render(
        request,
        "targets/goal_list.html",
        {
            "goals": page,
            "query": query_without_page(request.GET),
            "departments": departments,
        },
    )


def _goal_fields(form: DepartmentGoalForm) -> dict:
    return {name: form.cleaned_data[name] for name in ("year", "quarter", "content", "sort_order")}


def _goal_closed(goal: DepartmentGoal) -> str:
    """Why a goal of an approved quarter is neither edited nor deleted ("" when it may be)."""
    if goal.quarter and periods.is_period_locked(
        goal.department.organisation_id, periods.Quarter(goal.year, goal.quarter)
    ):
        return _("%(quarter)s的考核结果已审批，该季度的科室目标只读，不能再修改或删除。") % {
            "quarter": periods.Quarter(goal.year, goal.quarter).label
        }
    return ""


@permission_required("targets.manage_goals")
def goal_create(request: HttpRequest) -> HttpResponse:
    departments = departments_headed_by(person=request.user)
    current_period = periods.Quarter.current()
    form = DepartmentGoalForm(
        request.POST or None,
        departments=departments,
        initial={"year": current_period.year, "quarter": current_period.quarter, "department": departments.first()},
    )
    if request.method == "POST" and form.is_valid():
        created = run_service(
            request,
            lambda: services.department_goal_create(
                actor=request.user, department=form.cleaned_data["department"], **_goal_fields(form)
            ),
            success=_("科室目标已添加。"),
        )
        if created:
            return redirect("targets:goal_list")
    return render(request, "targets/goal_form.html", {"form": form}, status=400 if request.method == "POST" else 200)


@permission_required("targets.manage_goals")
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _get_goal_for_head(request, pk)
    form = DepartmentGoalForm(
        request.POST or None,
        instance=DepartmentGoal.objects.get(pk=goal.pk),
        departments=departments_headed_by(person=request.user).filter(pk=goal.department_id),
    )
    # Refused (on the form) when the goal's quarter is approved and closed.
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.department_goal_update(actor=request.user, goal=goal, **_goal_fields(form)),
            success=_("科室目标已保存。"),
            form=form,
        )
    ):
        return redirect("targets:goal_list")
    return render(
        request,
        "targets/goal_form.html",
        {"form": form, "goal": goal, "closed": _goal_closed(goal)},
        status=400 if request.method == "POST" else 200,
    )


@permission_required("targets.manage_goals")
def goal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _get_goal_for_head(request, pk)
    if request.method == "POST":
        # Refused when the goal's quarter is approved and closed.
        run_service(
            request,
            lambda: services.department_goal_delete(actor=request.user, goal=goal),
            success=_("科室目标已删除。"),
        )
        return redirect("targets:goal_list")
    if closed := _goal_closed(goal):
        return confirm_page(
            request, title=_("删除科室目标"), message=closed, cancel_url=reverse("targets:goal_list"), refused=True
        )
    used = goal.target_items.count()
    message = _("确定删除科室目标“%(content)s”吗？") % {"content": goal.content[:60]}
    if used:
        message += _("已有%(count)s项个人目标对应此目标，删除后这些事项将不再关联科室目标。") % {"count": used}
    return confirm_page(
        request,
        title=_("删除科室目标"),
        message=message,
        cancel_url=reverse("targets:goal_list"),
        confirm_label=_("确定删除"),
    )
