from __future__ import annotations

import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import audit, excel, imports, jobs, listing, lists, lockout, periods, selectors, services, workflow
from .decorators import permission_required
from .filters import DepartmentFilter
from .formerrors import add_service_errors, error_text, run_service, service_result
from .forms import (
    DeactivateForm,
    DepartmentForm,
    LoginForm,
    MoveDateForm,
    PasswordChangeRequiredForm,
    PolicyForm,
    ReasonForm,
    RolesForm,
    SecuritySettingsForm,
    StaffForm,
    StaffMoveForm,
    StaffStatusForm,
    TwoFactorEnrolForm,
    TwoFactorTokenForm,
    WorkingDayOverrideForm,
    person_label,
)
from .middleware import (
    RESTORED_FORM_KEY,
    SESSION_ENDED_KEY,
    TWO_FACTOR_ENROL,
    TWO_FACTOR_SESSION_KEY,
    TWO_FACTOR_VERIFY,
    password_expired,
    request_policy,
)
from .models import (
    ROLE_CHANGE_SIDES,
    Department,
    Job,
    Notification,
    PendingChange,
    PendingPasswordReset,
    PendingRoleChange,
    Role,
    RoleAssignment,
    StaffStatus,
    User,
    WorkingDayOverride,
    url_without_tokens,
)
from .pages import (
    confirm_page,
    confirm_then,
    form_page,
    import_page,
    person_page_links,
    stored_file_download,
    xlsx_download,
)
from .pagination import filtered_page, page_of
from .sessions import REMEMBER_SESSION_KEY
from .text import join_list, join_sentences
from .view_access import permitted_or_403


def _get_person_for_admin(request: HttpRequest, pk: int, perm: str = "accounts.change_person") -> User:
    """A person of the administrator's own organisation; anyone else is a 404, not a 403,
    so ids of other agencies are not confirmed to exist. ``perm`` is the object-level right
    the page needs (changing the person by default: not another administrator)."""
    person = get_object_or_404(
        User.objects.select_related("department", "organisation"),
        pk=pk,
        organisation_id=request.user.organisation_id,
    )
    return permitted_or_403(request, person, perm)


def _get_department_for_admin(request: HttpRequest, pk: int) -> Department:
    department = get_object_or_404(Department, pk=pk, organisation_id=request.user.organisation_id)
    return permitted_or_403(request, department, "accounts.change_department")


# --- Sign-in -------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Sent here because the session had ended (EndedSessionMiddleware), with what a form posted then.
        context["session_ended"] = SESSION_ENDED_KEY in self.request.session
        context["form_kept"] = RESTORED_FORM_KEY in self.request.session
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.pop(SESSION_ENDED_KEY, None)
        if form.cleaned_data.get("remember"):
            # The cookie outlives the browser (accounts.sessions); the idle timeout still applies.
            self.request.session[REMEMBER_SESSION_KEY] = True
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeRequiredForm
    success_url = reverse_lazy("home")

    def post(self, request, *args, **kwargs):
        # A session left open must not become an oracle for the password: guesses of the current
        # password count as failed sign-ins of the pair (account, address) and end in the lockout.
        credentials = lockout.credentials_of(request.user)
        if not AxesProxyHandler.is_allowed(request, credentials):
            return self._locked_out(credentials)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if "old_password" in form.errors:
            credentials = lockout.credentials_of(self.request.user)
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            if getattr(self.request, "axes_locked_out", False):
                return self._locked_out(credentials)
        return super().form_invalid(form)

    def _locked_out(self, credentials):
        logout(self.request)
        return get_lockout_response(self.request, None, credentials)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["password_expired"] = bool(user.organisation_id) and password_expired(
            user, request_policy(self.request)
        )
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        messages.success(self.request, _("密码已修改。"))
        return response


# --- Two-factor sign-in ------------------------------------------------------------------


def _qr_svg(text: str) -> str:
    """An inline SVG QR code (no script, no external image, so the CSP holds)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def _second_factor_failed(request: HttpRequest) -> HttpResponse | None:
    """A wrong code counts as a failed sign-in of the pair (account, address); the lockout ends
    the half-signed-in session."""
    credentials = lockout.credentials_of(request.user)
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return get_lockout_response(request, None, credentials)
    return None


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in for a person with an authenticator."""
    if request.session.get(TWO_FACTOR_SESSION_KEY) != TWO_FACTOR_VERIFY:
        return redirect("home")
    form = TwoFactorTokenForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        credentials = lockout.credentials_of(request.user)
        if not AxesProxyHandler.is_allowed(request, credentials):
            logout(request)
            return get_lockout_response(request, None, credentials)
        if wait := services.two_factor_wait(user=request.user):
            # Not a failed attempt: the code was not tried.
            form.add_error("token", _("输入过快，请%(seconds)s秒后再试。") % {"seconds": wait})
            return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})
        device = services.two_factor_verify(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            request.session.pop(TWO_FACTOR_SESSION_KEY, None)
            safe = url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            return redirect(next_url if next_url and safe else "home")
        locked = _second_factor_failed(request)
        if locked is not None:
            return locked
        form.add_error("token", _("验证码不正确或已使用。"))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: start (POST) makes a key, the page shows it as a QR code and as
    text, the first correct code confirms it and shows the recovery codes once."""
    from base64 import b32encode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    action = request.POST.get("action")
    form = TwoFactorEnrolForm(request.POST if action == "confirm" else None)
    if request.method == "POST":
        if action == "start":
            try:
                services.two_factor_enrol_start(user=user)
            except ValidationError as error:
                messages.error(request, error_text(error))
            return redirect("accounts:two_factor_setup")
        try:
            if form.is_valid():
                device, codes = services.two_factor_enrol_confirm(user=user, token=form.cleaned_data["token"])
                update_session_auth_hash(request, user)
                otp_login(request, device)
                request.session.pop(TWO_FACTOR_SESSION_KEY, None)
                return render(request, "accounts/two_factor_recovery_codes.html", {"codes": codes})
        except ValidationError as error:
            add_service_errors(form, error)
    devices = {device.confirmed: device for device in TOTPDevice.objects.filter(user=user)}
    context = {
        "form": form,
        "confirmed": True in devices,
        "required": request.session.get(TWO_FACTOR_SESSION_KEY) == TWO_FACTOR_ENROL,
    }
    waiting = devices.get(False) if True not in devices else None
    if waiting is not None:
        context["qr_svg"] = _qr_svg(waiting.config_url)
        context["secret"] = b32encode(waiting.bin_key).decode()
    return render(request, "accounts/two_factor_setup.html", context)


@never_cache
@permission_required("accounts.manage_roles")
def staff_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a person's authenticator and recovery codes (a lost phone); audited. The security
    administrator's (三员分立), for anyone but themselves."""
    person = _get_person_for_admin(request, pk, perm="accounts.change_roles")
    if request.method == "POST":
        try:
            reset = services.two_factor_reset(user=person, actor=request.user)
        except ValidationError as refusal:
            messages.error(request, error_text(refusal))
        else:
            if reset:
                messages.success(request, _("已重置“%(name)s”的双因素登录。") % {"name": person})
            else:
                messages.info(request, _("已提交申请，待另一名管理员确认后生效。"))
                _warn_when_nobody_can_confirm(request, person)
        return redirect(person_url(person))
    return confirm_page(
        request,
        title=_("重置双因素登录"),
        message=_("确定删除“%(name)s”的验证器和恢复码吗？其下次登录时须重新设置。") % {"name": person},
        cancel_url=person_url(person),
    )


@never_cache
@permission_required("accounts.manage_roles")
def staff_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """Unlock an account locked out by failed sign-ins (the security administrator's; audited)."""
    person = _get_person_for_admin(request, pk, perm="accounts.unlock_account")
    return confirm_then(
        request,
        act=lambda: services.account_unlock(actor=request.user, user=person, request=request),
        success=lambda failures: (
            _("已解除“%(name)s”的登录锁定（清除失败登录%(n)s次）。") % {"name": person, "n": failures}
        ),
        back_url=person_url(person),
        title=_("解除登录锁定"),
        message=_("确定清除“%(name)s”的失败登录记录、解除其登录锁定吗？") % {"name": person},
    )


# --- Departments -----------------------------------------------------------------------


@permission_required("accounts.manage_departments")
def department_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        Department.objects.filter(organisation_id=request.user.organisation_id)
        .select_related("head", "supervising_leader")
        .annotate(
            # People at work: the list offers no 停用 then (services.department_deactivate_check refuses it).
            staff_count=Count("members", filter=Q(members__is_active=True)),
            # People at work and no head at work: nobody reviews or grades them (a warning on the row).
            lacks_head=Exists(selectors.without_head_at_work(Department.objects.filter(pk=OuterRef("pk")))),
            # An appointment asked for and not yet confirmed by the second person (one per post).
            **{
                f"pending_{name}": Subquery(
                    PendingRoleChange.objects.filter(
                        department=OuterRef("pk"), role=role, state=PendingRoleChange.State.PENDING
                    ).values("user__full_name")[:1]
                )
                for name, role in (("head", Role.DEPARTMENT_HEAD), ("leader", Role.SUPERVISING_LEADER))
            },
        )
        .order_by("sort_order", "code")
    )
    filterset = DepartmentFilter(request.GET, queryset=queryset)
    return render(
        request,
        "accounts/department_list.html",
        {
            **filtered_page(request, filterset),
            # Said above the list, whatever page or filter shows the rows themselves.
            "without_head_count": selectors.without_head_at_work(
                Department.objects.filter(organisation_id=request.user.organisation_id)
            ).count(),
        },
    )


@permission_required("accounts.manage_departments")
def department_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new department, or one to edit (``pk``); a change of head or supervising leader may wait
    for a second person's confirmation, which the page then says."""
    department = _get_department_for_admin(request, pk) if pk is not None else None
    previous = (
        {"previous_head": department.head, "previous_leader": department.supervising_leader} if department else {}
    )
    form = DepartmentForm(request.POST or None, instance=department, organisation=request.user.organisation)
    saved_text = _("科室“%(name)s”已保存。") if department else _("科室“%(name)s”已创建。")

    def to_list(waiting: list) -> str:
        if department is not None and previous["previous_head"] is not None and form.instance.head_id is None:
            # Emptying the post takes effect at once, and filling it again waits for a second person.
            messages.warning(
                request,
                _(
                    "“%(head)s”已不再是科室“%(name)s”的负责人：在新的负责人经确认任命之前，"
                    "本科室人员的目标和小结无人审核、季度无人评鉴。"
                )
                % {"head": person_label(previous["previous_head"]), "name": form.instance.name},
            )
        for change in waiting:
            messages.info(request, _waiting_for_confirmation(change, requester=request.user))
        return reverse("accounts:department_list")

    return form_page(
        request,
        form,
        save=lambda: services.department_save(department=form.instance, actor=request.user, **previous),
        success=lambda _waiting: saved_text % {"name": form.instance.name},
        done=to_list,
        template="accounts/department_form.html",
        # The head as saved, not as the form's instance now says (a refused POST emptied it there).
        context={
            "department": department,
            "head": previous["previous_head"] and person_label(previous["previous_head"]),
        }
        if department
        else {},
    )


@permission_required("accounts.manage_departments")
def department_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    department = _get_department_for_admin(request, pk)
    try:
        # Refused before the question, not after it.
        services.department_deactivate_check(department=department)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("accounts:department_list")
    return confirm_then(
        request,
        act=lambda: services.department_deactivate(department=department),
        success=_("科室“%(name)s”已停用。") % {"name": department.name},
        back_url=reverse("accounts:department_list"),
        title=_("停用科室"),
        message=_("确定停用科室“%(name)s”吗？停用后不再参与考核。") % {"name": department.name},
    )


def _waiting_for_confirmation(change: PendingRoleChange, *, requester: User) -> str:
    """An appointment asked for on the department pages, naming who confirms it."""
    return _("%(change)s须由%(confirmers)s确认后生效，已提交待确认。") % {
        "change": change,
        "confirmers": services.role_change_confirmers(requester=requester),
    }


@require_POST
@permission_required("accounts.manage_departments")
def department_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a deactivated department again (asked on the list by the button's ``data-confirm``)."""
    department = _get_department_for_admin(request, pk)

    def reopened(waiting: list) -> str:
        for change in waiting:
            messages.info(request, _waiting_for_confirmation(change, requester=request.user))
        return _("科室“%(name)s”已重新启用。") % {"name": department.name}

    run_service(
        request,
        lambda: services.department_reactivate(department=department, actor=request.user),
        success=reopened,
    )
    return redirect("accounts:department_list")


# --- Staff ----------------------------------------------------------------------------


@permission_required("accounts.search_people")
def people_search(request: HttpRequest) -> JsonResponse:
    """The person pickers' search beyond PICKER_INLINE_LIMIT people: one page of the organisation's
    choosable people matching ``q`` (name, employee number, department), as JSON.

    ``leaders=1`` adds the agency's leaders (the pickers of findings and sanctions); ``department``
    (repeatable) narrows to those departments and the leaders in none; ``page`` pages on. Only the
    asker's organisation."""
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), 1000)
        department_ids = [int(value) for value in request.GET.getlist("department") if value]
    except ValueError:
        return JsonResponse({"error": _("参数无效。")}, status=400)
    people, more = selectors.people_search(
        organisation=request.user.organisation,
        words=request.GET.get("q", "")[:50],
        include_leaders=request.GET.get("leaders") == "1",
        department_ids=department_ids,
        page=page,
    )
    return JsonResponse(
        {
            "results": [
                {"id": person.pk, "text": person_label(person), "department": person.department_id or ""}
                for person in people
            ],
            "more": more,
        }
    )


@permission_required("accounts.view_staff")
def staff_list(request: HttpRequest) -> HttpResponse:
    filterset, sorting = lists.staff_register(request.user, request.GET)
    context = filtered_page(request, filterset, items=lists.staff_page_items(filterset, sorting))
    lists.attach_role_labels(context["page"].object_list)
    return render(request, "accounts/staff_list.html", {**context, "sorting": sorting})


# 导出Excel: the register as filtered and sorted on the page.
staff_export = listing.export_view(lists.STAFF_EXPORT)


@never_cache
@permission_required("accounts.manage_staff")
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffForm(request.POST or None, organisation=request.user.organisation, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("username", "full_name", "department")}
        try:
            person, password = services.staff_create(
                organisation=request.user.organisation,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                department=form.cleaned_data["department"],
                actor=request.user,
                **data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Post/Redirect/Get, as the import's result: a reload shows the password again instead
            # of sending the form a second time (its 用户名 and 工号 now taken, the password gone).
            imports.initial_passwords_keep(
                request.session, created=[(person, password)], now=time.time(), key=imports.CREATED_PASSWORD_KEY
            )
            return redirect("accounts:staff_initial_password", pk=person.pk)
    return render(request, "accounts/staff_form.html", {"form": form})


@never_cache
@permission_required("accounts.manage_staff")
def staff_initial_password(request: HttpRequest, pk: int) -> HttpResponse:
    """The one-time password of the person the 新增人员 form just created or whose password was just
    reset, kept in the actor's session (never in the URL) for as long as an import's: a reload
    shows it again."""
    return _kept_password_page(request, _get_person_for_admin(request, pk), gone_url=person_url)


def _kept_password_page(request: HttpRequest, person: User, *, gone_url) -> HttpResponse:
    """The page of ``person``'s one-time password kept in the actor's session (``gone_url(person)``
    with a message once it is no longer to be shown)."""
    password = imports.initial_passwords_peek(request.session, now=time.time(), key=imports.CREATED_PASSWORD_KEY).get(
        person.pk
    )
    minutes = imports.INITIAL_PASSWORDS_TTL // 60
    # Not once the person has changed it or it was reset since (a review: a stale one stayed shown).
    if not password or not person.must_change_password or not person.check_password(password):
        messages.info(
            request,
            _(
                "“%(name)s”的初始密码已不再显示：只在设置它的登录中、%(minutes)d分钟内、本人修改密码前，"
                "为最近新建或重置密码的一人显示。如需要，请为其重置密码。"
            )
            % {"name": person, "minutes": minutes},
        )
        return redirect(gone_url(person))
    return render(
        request,
        "accounts/initial_password.html",
        {"person": person, "password": password, "kept_minutes": minutes},
    )


@permission_required("accounts.view_staff")
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_admin(request, pk, "accounts.view_person")
    # Special statuses and who evaluates whom are appraisal input: HR's, not the administrators' (三员分立).
    sees_appraisal = request.user.has_perm("accounts.see_appraisal_content")
    recused = selectors.recused(user=request.user, person_id=person.pk)
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "person": person,
            "memberships": person.memberships.select_related("department"),
            "sees_appraisal": sees_appraisal,
            "statuses": person.statuses.all() if sees_appraisal else [],
            "role_labels": [Role(r).label for r in Role.values if r in person.roles],
            "evaluator": selectors.evaluator_of(person=person) if sees_appraisal else None,
            "can_change": request.user.has_perm("accounts.change_person", person),
            # Offered where the page would allow it: not on another administrator's page (a user
            # test followed 新增 to 没有权限 on the system administrator's), nor HR's own status or
            # move where another HR administrator takes it (回避; the services refuse them too).
            "can_change_statuses": request.user.has_perm("accounts.manage_statuses")
            and request.user.has_perm("accounts.change_person", person)
            and not recused,
            "can_move": not recused,
            "can_correct_move": not recused
            and request.user.has_perm("accounts.manage_staff")
            and request.user.has_perm("accounts.change_person", person)
            and services.latest_move(user=person) is not None,
            "can_reset": request.user.has_perm("accounts.reset_password", person),
            "can_change_roles": request.user.has_perm("accounts.change_roles", person),
            "can_unlock": request.user.has_perm("accounts.unlock_account", person),
            "failed_sign_ins": lockout.failed_sign_ins(person),
            "appraisal_links": person_page_links(request.user, person),
        },
    )


@permission_required("accounts.manage_staff")
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_admin(request, pk)
    form = StaffForm(request.POST or None, instance=person, organisation=request.user.organisation, actor=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("“%(name)s”的信息已保存。") % {"name": person})
        if "appraisal_start" in form.changed_data:
            start = form.cleaned_data["appraisal_start"]
            messages.info(
                request,
                _("参加考核日期改为%(date)s：此前结束的季度、月份不再要求其填报目标和小结，也不计逾期；已交的仍保留。")
                % {"date": start.isoformat()}
                if start
                else _("参加考核日期已清除：自本单位系统启用日期起要求其填报目标和小结。"),
            )
            for note in services.appraisal_start_notes(person):
                messages.warning(request, note)
        return redirect("accounts:staff_detail", pk=person.pk)
    return render(request, "accounts/staff_form.html", {"form": form, "person": person})


@permission_required("accounts.manage_staff")
def staff_move(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_admin(request, pk)
    # Opens on the person's department, so "不在科室" is a choice made, never the default.
    form = StaffMoveForm(
        request.POST or None, organisation=request.user.organisation, initial={"department": person.department_id}
    )
    if request.method == "POST" and form.is_valid():
        leaves = form.cleaned_data["department"] is None
        moved = run_service(
            request,
            lambda: services.staff_move(
                user=person,
                department=form.cleaned_data["department"],
                on_date=form.cleaned_data["on_date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            ),
            success=(_("“%(name)s”已移出科室（领导班子成员）。") if leaves else _("“%(name)s”已调整科室。"))
            % {"name": person},
            form=form,
            flash_refusal=False,
        )
        if moved:
            if (department := form.chosen_without_head) is not None:
                # A warning, not a refusal: HR may appoint the head afterwards.
                messages.warning(request, _without_head_warning(department, person))
            person.refresh_from_db(fields=["department"])
            # The open quarters whose grade went along (grading says which).
            notes = services.move_notes(person)
            followed = {quarter for quarter, _text in notes}
            on_date = form.cleaned_data["on_date"]
            if on_date < periods.Quarter.current().first_day and periods.Quarter.of(on_date) not in followed:
                # A move dated back into a quarter that has ended changes the history, not its grades.
                messages.info(request, _backdated_move_note(periods.Quarter.of(on_date)))
            for _quarter, text in notes:
                messages.info(request, text)
            return redirect("accounts:staff_detail", pk=person.pk)
    # What they handed in and is waiting goes to the new department's head: said before the move,
    # and that a department without one leaves it unreviewed.
    waiting = workflow.documents_awaiting_review_of(owner=person)
    # Which documents, to HR only: the system administrator, who may move people too, sees no
    # appraisal content (三员分立; a user test read them on this page), only that some wait.
    named = request.user.has_perm("accounts.edit_appraisal_attributes")
    chosen = form.chosen_without_head
    return render(
        request,
        "accounts/staff_move.html",
        {
            "form": form,
            "person": person,
            "waiting": join_list(waiting) if named else "",
            "waiting_count": len(waiting),
            "waiting_unnamed": bool(waiting) and not named,
            "without_head": [] if chosen else form.departments_without_head,
            "chosen_without_head": _without_head_warning(chosen, person) if chosen else "",
        },
    )


@permission_required("accounts.manage_staff")
def staff_move_date(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the date of the person's latest move (services.staff_move_date_correct)."""
    person = _get_person_for_admin(request, pk)
    move = services.latest_move(user=person)
    if move is None:
        raise Http404
    closed, current = move
    form = MoveDateForm(request.POST or None, initial={"on_date": current.start_date})
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.staff_move_date_correct(
                user=person,
                on_date=form.cleaned_data["on_date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            ),
            success=_("已将“%(name)s”调入%(department)s的日期由%(old)s更正为%(new)s。")
            % {
                "name": person,
                "department": current.department,
                "old": current.start_date.isoformat(),
                "new": form.cleaned_data["on_date"].isoformat(),
            },
            form=form,
            flash_refusal=False,
        )
    ):
        earliest = min(current.start_date, form.cleaned_data["on_date"])
        if earliest < periods.Quarter.current().first_day:
            # Not where the grade is: a quarter open at the move took the row along (a re-test
            # read 仍记在原科室 of a grade the new head had given).
            messages.info(
                request,
                _("更正涉及已结束的%(quarter)s：各月的名册按更正后的日期列出该人员；已有的季度等次不随更正改变。")
                % {"quarter": periods.Quarter.of(earliest).label},
            )
        return redirect("accounts:staff_detail", pk=person.pk)
    return render(
        request,
        "accounts/staff_move_date.html",
        {"form": form, "person": person, "closed": closed, "current": current},
        status=400 if request.method == "POST" else 200,
    )


def _backdated_move_note(quarter: periods.Quarter) -> str:
    return _(
        "调动日期在已结束的%(quarter)s内：自该日起各月的名册将其列入新科室；该季度已有的等次仍记在原科室，不随调动改变。"
    ) % {"quarter": quarter.label}


def _without_head_warning(department: Department, person: User) -> str:
    return _(
        "“%(department)s”目前没有科室负责人：在任命负责人之前，%(name)s提交的目标和小结（包括正在等待审核的）"
        "无人审核，也无人评鉴。请在科室管理中指定科室负责人。"
    ) % {"department": department, "name": person}


@permission_required("accounts.manage_staff")
def staff_set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    person = _get_person_for_admin(request, pk)
    if person.pk == request.user.pk:
        raise PermissionDenied
    form = (ReasonForm if active else DeactivateForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_set_active(
                user=person,
                active=active,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                left_on=form.cleaned_data.get("left_on"),
            )
        except ValidationError as refusal:
            if not hasattr(refusal, "error_dict"):
                messages.error(request, error_text(refusal))
                return redirect("accounts:staff_detail", pk=person.pk)
            # A date refused at its box, the reason typed kept (the page again, 400).
            add_service_errors(form, refusal)
        else:
            messages.success(
                request, (_("“%(name)s”已启用。") if active else _("“%(name)s”已停用。")) % {"name": person}
            )
            return redirect("accounts:staff_detail", pk=person.pk)
    title = _("启用账号") if active else _("停用账号")
    message = (
        _("确定启用“%(name)s”的账号吗？") if active else _("确定停用“%(name)s”的账号吗？停用后不能登录，历史记录保留。")
    ) % {"name": person}
    if not active:
        # A head or supervising leader leaves their departments' staff without a reviewer: said first.
        headed = selectors.departments_headed_by(person=person)
        posts = [_("“%(department)s”的科室负责人") % {"department": d.name} for d in headed] + [
            _("“%(department)s”的分管领导") % {"department": d.name}
            for d in selectors.departments_supervised_by(person=person)
        ]
        if posts:
            message += _("该人员现为%(posts)s，停用后请另行指定，否则该科室人员的审核与评鉴无人办理。") % {
                "posts": join_list(str(p) for p in posts)
            }
    page = confirm_page(request, title=title, message=message, form=form, cancel_url=person_url(person))
    if form.is_bound:
        page.status_code = 400
    return page


def person_url(person: User) -> str:
    return reverse("accounts:staff_detail", args=[person.pk])


@permission_required("accounts.manage_statuses")
def staff_status_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_admin(request, pk)
    form = StaffStatusForm(request.POST or None, instance=StaffStatus(user=person))
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.staff_status_add(status=form.instance, actor=request.user),
            success=_("已为“%(name)s”记录特殊状态。") % {"name": person},
            form=form,
        )
    ):
        return redirect("accounts:staff_detail", pk=person.pk)
    return render(request, "accounts/staff_status_form.html", {"form": form, "person": person})


@permission_required("accounts.manage_statuses")
def staff_status_remove(request: HttpRequest, pk: int, status_pk: int) -> HttpResponse:
    person = _get_person_for_admin(request, pk)
    status = get_object_or_404(StaffStatus, pk=status_pk, user=person)
    # Read before the removal: the grades resting on the status (said before and after).
    notes = services.status_removal_notes(status)
    form = ReasonForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.staff_status_remove(status=status, reason=form.cleaned_data["reason"], actor=request.user),
            success=_("特殊状态已删除。"),
        )
    ):
        for note in notes:
            messages.warning(request, note)
        return redirect("accounts:staff_detail", pk=person.pk)
    return confirm_page(
        request,
        title=_("删除特殊状态"),
        message=_("确定删除“%(name)s”的特殊状态“%(status)s”吗？")
        % {"name": person, "status": status.get_kind_display()},
        detail="\n".join(notes),
        form=form,
        cancel_url=person_url(person),
    )


@permission_required("accounts.manage_roles")
def staff_roles(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_admin(request, pk, "accounts.change_roles")
    waiting_changes = list(selectors.role_changes_waiting_for(person=person))
    # Bound on every POST: withdrawing every role posts no field at all.
    form = RolesForm(
        request.POST if request.method == "POST" else None,
        person=person,
        withdrawing={change.withdraw_on_confirm for change in waiting_changes},
    )
    if request.method == "POST" and form.is_valid() and not form.has_changed():
        # Saved as the page showed it (a role held until a waiting grant lands shows unticked, and
        # its withdrawal already waits with the grant): said so, and nothing asked or written.
        messages.info(request, _("角色未作更改。"))
        return redirect("accounts:staff_detail", pk=person.pk)
    if request.method == "POST" and form.is_valid():
        waiting = service_result(
            request,
            lambda: services.roles_set(actor=request.user, user=person, roles=form.cleaned_data["roles"]),
            success=lambda waiting: (
                (
                    _("“%(name)s”的角色变更已登记，须确认的部分确认后生效。")
                    if any(
                        not change.already_waiting or change.withdrawal_attached or change.withdrawal_detached
                        for change in waiting
                    )
                    else _("“%(name)s”的角色已更新。")
                )
                % {"name": person}
            ),
            form=form,
            flash_refusal=False,
        )
        if waiting is not None:
            if asked := [str(change) for change in waiting if not change.already_waiting]:
                messages.info(
                    request,
                    _("以下变更须由%(confirmers)s确认后生效：%(changes)s。")
                    % {
                        "confirmers": services.role_change_confirmers(requester=request.user),
                        "changes": join_list(asked),
                    },
                )
            if repeated := [
                str(change) for change in waiting if change.already_waiting and not change.withdrawal_detached
            ]:
                messages.info(
                    request,
                    _("以下变更已在等待确认，未重复登记：%(changes)s。") % {"changes": join_list(repeated)},
                )
            if withdrawn := {
                change.get_withdraw_on_confirm_display() for change in waiting if change.withdrawal_attached
            }:
                messages.info(
                    request,
                    _(
                        "“%(roles)s”角色在待确认的授予确认后才撤销，在此之前保留，以免%(name)s在等待期间没有任何角色；"
                        "授予被拒绝或撤回时不撤销。"
                    )
                    % {"roles": join_list(sorted(str(role) for role in withdrawn)), "name": person},
                )
            if kept := {change.withdrawal_detached for change in waiting if change.withdrawal_detached}:
                messages.info(
                    request,
                    _("“%(roles)s”角色保留，待确认的授予确认后不再撤销。")
                    % {"roles": join_list(sorted(str(role) for role in kept))},
                )
            return redirect("accounts:staff_detail", pk=person.pk)
    return render(
        request,
        "accounts/staff_roles.html",
        {
            "form": form,
            "person": person,
            "waiting": waiting_changes,
            # A role the person keeps that is no box of this page (a post, a grant waiting): with one,
            # unticking 工作人员 is asked about whatever else is ticked; without, only while another
            # box stays ticked (with none left the server refuses, and asking first would mislead).
            "keeps_role_off_page": bool(form.post_role_labels)
            or any(not change.withdraw for change in waiting_changes),
        },
    )


NOBODY_TO_CONFIRM = gettext_lazy(
    "本单位目前没有可以确认此项申请的另一名系统管理员或安全管理员（申请人和当事人不能确认）。"
    "申请保持待确认，须先增设一名管理员并由其确认。"
)
# An administrator's access can also be restored without a second administrator, from the server.
BREAK_GLASS_HINT = gettext_lazy(
    "如无法增设（例如本单位唯一的安全管理员无法登录），可由有服务器操作权限的运维人员执行"
    "“manage.py break_glass_reset %(username)s --organisation %(code)s --reason 原因”应急重置，"
    "该操作记入审计日志。"
)


def _nobody_to_confirm(person: User) -> str:
    """What a reset nobody can confirm waits for, and for an administrator the operator's way out
    (accounts/management/commands/break_glass_reset.py, which resets administrators only)."""
    sentences = [str(NOBODY_TO_CONFIRM)]
    if services.break_glass_applies(user=person):
        sentences.append(str(BREAK_GLASS_HINT) % {"username": person.username, "code": person.organisation.code})
    return join_sentences(sentences)


def _warn_when_nobody_can_confirm(request: HttpRequest, person: User) -> None:
    """A reset that waits for a second administrator whom the organisation does not have: said at
    once (what it waits for), not left waiting unexplained."""
    if not services.second_admin_exists(user=person, actor=request.user):
        messages.warning(request, _nobody_to_confirm(person))


@never_cache
@permission_required("accounts.manage_staff")
def staff_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_admin(request, pk, "accounts.reset_password")
    if request.method == "POST":
        password = services.staff_reset_password(user=person, actor=request.user)
        if password is None:
            messages.info(
                request,
                _(
                    "有评鉴、审批权限的人员（科室负责人、分管领导、主要负责人、组织人事、纪检督查）和管理员的密码重置，须由另一名管理员确认，已提交确认。"
                ),
            )
            _warn_when_nobody_can_confirm(request, person)
            return redirect("accounts:staff_detail", pk=person.pk)
        # Post/Redirect/Get, as a new person's: a reload shows the password again instead of
        # resetting it once more (the password told a minute ago no longer working).
        imports.initial_passwords_keep(
            request.session, created=[(person, password)], now=time.time(), key=imports.CREATED_PASSWORD_KEY
        )
        return redirect("accounts:staff_initial_password", pk=person.pk)
    if services.password_reset_needs_second_admin(user=person):
        # Said before the request is made, not only after it: the reset waits for a second
        # administrator, who is the one shown the new password (services.password_reset_decide).
        message = _(
            "确定为“%(name)s”申请重置密码吗？其密码重置须由另一名管理员（系统管理员或安全管理员）确认后生效；"
            "新密码在其确认时向确认的管理员显示一次，首次登录须修改。"
        ) % {"name": person}
        if not services.second_admin_exists(user=person, actor=request.user):
            # Sentences joined as the language joins them (English lost its space: "sign-in.Nobody").
            message = join_sentences([message, _nobody_to_confirm(person)])
    else:
        message = _("确定为“%(name)s”重置密码吗？新密码仅显示一次，首次登录须修改。") % {"name": person}
    return confirm_page(request, title=_("重置密码"), message=message, cancel_url=person_url(person))


# --- Changes waiting for a second person (三员分立) ----------------------------------------------


@permission_required("accounts.view_pending_changes")
def pending_changes(request: HttpRequest) -> HttpResponse:
    """Role changes and password resets one person asked for, for a second person to confirm or reject."""
    organisation_id = request.user.organisation_id
    # A change asked for by someone of the reader's own side (security administrator or HR) is
    # confirmed by the other side (services.role_change_decide): no buttons for it.
    own_side = request.user.roles & ROLE_CHANGE_SIDES
    role_changes = (
        PendingRoleChange.objects.filter(organisation_id=organisation_id, state=PendingRoleChange.State.PENDING)
        .select_related("user", "requested_by", "department")
        .annotate(
            asked_by_own_side=Exists(
                RoleAssignment.objects.filter(user=OuterRef("requested_by"), role__in=own_side or [""])
            )
        )
    )
    resets = PendingPasswordReset.objects.filter(
        organisation_id=organisation_id, state=PendingPasswordReset.State.PENDING
    ).select_related("user", "requested_by")
    return render(
        request,
        "accounts/pending_changes.html",
        {
            "role_changes": page_of(request, role_changes),
            "resets": list(resets[:50]),
            "can_confirm_roles": request.user.has_perm("accounts.confirm_role_changes"),
            "can_confirm_resets": request.user.has_perm("accounts.confirm_password_resets"),
        },
    )


@require_POST
@permission_required("accounts.confirm_role_changes")
def role_change_decide(request: HttpRequest, pk: int, confirm: bool) -> HttpResponse:
    change = get_object_or_404(PendingRoleChange, pk=pk, organisation_id=request.user.organisation_id)
    done = _("已确认：%(change)s。") if confirm else _("已拒绝：%(change)s。")
    run_service(
        request,
        lambda: services.role_change_decide(actor=request.user, change=change, confirm=confirm),
        success=lambda _result: done % {"change": change},
    )
    return redirect("accounts:pending_changes")


@require_POST
@login_required
def pending_withdraw(request: HttpRequest, pk: int, model: type[PendingChange]) -> HttpResponse:
    """The person who asked withdraws their waiting role change or reset; anyone else's is not found."""
    pending = get_object_or_404(
        model.objects.select_related("user"),
        pk=pk,
        organisation_id=request.user.organisation_id,
        requested_by=request.user,
    )
    run_service(
        request,
        lambda: services.pending_withdraw(actor=request.user, pending=pending),
        success=lambda _result: _("已撤回：%(change)s。") % {"change": pending},
    )
    return redirect("accounts:pending_changes")


@require_POST
@never_cache
@permission_required("accounts.confirm_password_resets")
def password_reset_decide(request: HttpRequest, pk: int, confirm: bool) -> HttpResponse:
    reset = get_object_or_404(
        PendingPasswordReset.objects.select_related("user"), pk=pk, organisation_id=request.user.organisation_id
    )
    try:
        password = services.password_reset_decide(actor=request.user, reset=reset, confirm=confirm)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("accounts:pending_changes")
    if password is None:
        messages.success(request, _("已拒绝：%(change)s。") % {"change": reset})
        return redirect("accounts:pending_changes")
    if reset.second_factor:
        messages.success(request, _("已确认：%(change)s。") % {"change": reset})
        return redirect("accounts:pending_changes")
    # Post/Redirect/Get, as the first administrator's own reset: a reload shows the password again
    # instead of sending the confirmation once more (refused, the password told gone).
    imports.initial_passwords_keep(
        request.session, created=[(reset.user, password)], now=time.time(), key=imports.CREATED_PASSWORD_KEY
    )
    return redirect("accounts:password_reset_password", pk=reset.pk)


@never_cache
@permission_required("accounts.confirm_password_resets")
def password_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """The new password of a reset the reader confirmed, kept in their session as a new person's."""
    reset = get_object_or_404(
        PendingPasswordReset.objects.select_related("user", "user__organisation"),
        pk=pk,
        organisation_id=request.user.organisation_id,
        state=PendingPasswordReset.State.CONFIRMED,
        confirmed_by=request.user,
    )
    return _kept_password_page(request, reset.user, gone_url=lambda _person: reverse("accounts:pending_changes"))


# --- Working-day calendar ----------------------------------------------------------------


@permission_required("accounts.manage_calendar")
def working_day_calendar(request: HttpRequest) -> HttpResponse:
    """The organisation's corrections to the statutory working-day calendar, and a form to add one."""
    form = WorkingDayOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            override = services.working_day_override_add(
                actor=request.user,
                day=form.cleaned_data["date"],
                is_working_day=form.cleaned_data["is_working_day"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("已设置%(date)s：%(kind)s。") % {"date": f"{override.date:%Y-%m-%d}", "kind": override.kind_label},
            )
            return redirect("accounts:calendar")
    overrides = (
        WorkingDayOverride.objects.filter(organisation_id=request.user.organisation_id)
        .select_related("created_by")
        .order_by("-date")
    )
    page = page_of(request, overrides)
    for override in page:
        # What the day would be without the override, so HR sees what the row changes.
        override.statutory = periods.statutory_is_working_day(override.date)
    first_year, last_year = periods.statutory_year_range()
    # The year at work (and, from December, the next) beyond the built-in calendar: said at the top,
    # since every working-day deadline of that year counts Monday to Friday until HR enters it.
    missing = selectors.calendar_years_missing(
        organisation_id=request.user.organisation_id, today=periods.today(), last_known_year=last_year
    )
    return render(
        request,
        "accounts/calendar.html",
        {
            "form": form,
            "page": page,
            "statutory_first_year": first_year,
            "statutory_last_year": last_year,
            "missing_year": missing[0] if missing else None,
        },
    )


@permission_required("accounts.manage_calendar")
def working_day_override_delete(request: HttpRequest, pk: int) -> HttpResponse:
    # Another organisation's rows and the global ones are a 404 here, not a 403.
    override = get_object_or_404(WorkingDayOverride, pk=pk, organisation_id=request.user.organisation_id)
    return confirm_then(
        request,
        act=lambda: services.working_day_override_remove(actor=request.user, override=override),
        success=_("已删除%(date)s的调整。") % {"date": f"{override.date:%Y-%m-%d}"},
        back_url=reverse("accounts:calendar"),
        title=_("删除工作日调整"),
        message=_("确定删除%(date)s（%(kind)s）的调整吗？删除后该日按法定安排计算。")
        % {"date": f"{override.date:%Y-%m-%d}", "kind": override.kind_label},
        confirm_label=_("确定删除"),
    )


# --- Policy -----------------------------------------------------------------------------


@permission_required("accounts.view_policy")
def policy(request: HttpRequest) -> HttpResponse:
    current = selectors.policy_for_organisation(organisation_id=request.user.organisation_id)
    can_edit = request.user.has_perm("accounts.edit_policy")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = PolicyForm(request.POST, instance=current)
        if (
            form.is_valid()
            and not set(form.changed_data) - {"reason", "seen"}
            and form.dingtalk_secret_change() is None
        ):
            # Saved as it was: said so, and nothing written (no audit entry of no change).
            messages.info(request, _("考核政策没有改动。"))
            return redirect("accounts:policy")
        if form.is_valid():
            try:
                services.policy_update(
                    policy=form.instance,
                    reason=form.cleaned_data["reason"],
                    dingtalk_secret=form.dingtalk_secret_change(),
                    seen=form.cleaned_data["seen"] or None,
                )
            except ValidationError as error:
                if getattr(error, "code", None) == "stale":
                    form = _policy_after_stale(request, form, error)
                    return render(request, "accounts/policy.html", {"form": form, "can_edit": can_edit}, status=409)
                add_service_errors(form, error)
            else:
                messages.success(request, _("考核政策已保存。"))
                # From which period a changed deadline or 好 quota applies: the past keeps its own.
                for note in services.policy_change_notes(policy=form.instance, changed=form.changed_data):
                    messages.info(request, note)
                return redirect("accounts:policy")
        messages.error(request, _("保存失败，请修改标红的项目。"))
    else:
        form = PolicyForm(instance=current)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
        # A reader (the agency head) sees the DingTalk robot's address, not its access token (a
        # security test read it in full): masked as the audit trail masks it.
        if form.initial.get("dingtalk_webhook_url"):
            form.initial["dingtalk_webhook_url"] = url_without_tokens(
                form.initial["dingtalk_webhook_url"], mask=_("（不显示）")
            )
    return render(request, "accounts/policy.html", {"form": form, "can_edit": can_edit})


def _policy_after_stale(request: HttpRequest, form, error: ValidationError):
    """After a stale save (``code="stale"``: the policy saved meanwhile, in another tab or by another
    administrator): the page shows the settings as saved now — never the older page's, which a
    second save would put back (a re-test) — and says what was filled in and not saved, beside what
    is saved now, to fill in again. Returns the fresh form."""
    stored = type(form.instance).objects.get(pk=form.instance.pk)

    def shown(value) -> str:
        if isinstance(value, bool):
            return str(_("是") if value else _("否"))
        if isinstance(value, (list, tuple)):
            return "、".join(map(str, value)) or "—"
        return "—" if value in (None, "") else str(value)

    unsaved = [
        _("%(field)s（您填写：%(typed)s；当前：%(saved)s）")
        % {
            "field": form.fields[name].label,
            "typed": shown(form.cleaned_data.get(name)),
            "saved": shown(getattr(stored, name)),
        }
        for name in form.changed_data
        if name not in ("seen", "reason") and hasattr(stored, name)
    ]
    message = str(error.message)
    if unsaved:
        message += str(_("本页已换为当前保存的设置；您刚才的以下填写没有保存，请核对后重新填写：%(fields)s。")) % {
            "fields": "；".join(map(str, unsaved))
        }
    messages.warning(request, message)
    return type(form)(instance=stored)


@permission_required("accounts.edit_security_settings")
def security_settings(request: HttpRequest) -> HttpResponse:
    """The security administrator's settings (idle timeout); the appraisal policy is HR's."""
    current = selectors.policy_for_organisation(organisation_id=request.user.organisation_id)
    form = SecuritySettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(
                policy=form.instance, reason=form.cleaned_data["reason"], seen=form.cleaned_data["seen"] or None
            )
        except ValidationError as error:
            if getattr(error, "code", None) != "stale":
                raise
            form = _policy_after_stale(request, form, error)
        else:
            messages.success(request, _("安全设置已保存。"))
            return redirect("accounts:security_settings")
    # The lockout is the deployment's, not an organisation's (an address, a made-up name belong to
    # none, and a limit that differed by organisation would tell which names exist): shown here.
    lockout = {
        "pair": settings.AXES_FAILURE_LIMIT,
        "address": settings.AXES_ADDRESS_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "accounts/security_settings.html", {"form": form, "lockout": lockout})


# --- Audit trail ------------------------------------------------------------------------


@permission_required("accounts.view_audit_log")
def audit_list(request: HttpRequest) -> HttpResponse:
    filterset, sorting = lists.audit_log(request.user, request.GET)
    # A filter refused (a date range ending before it begins) lists nothing, as its export writes nothing.
    entries = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    context = filtered_page(request, filterset, items=entries, per_page=50)
    audit.prefetch_related_labels(context["page"].object_list)
    return render(request, "accounts/audit_list.html", {**context, "sorting": sorting})


# The entries the auditor's filters select; the export is audited.
audit_export = listing.export_view(lists.AUDIT_EXPORT)


# --- Staff import -------------------------------------------------------------------------


@permission_required("accounts.import_staff")
def staff_import_template(request: HttpRequest) -> HttpResponse:
    content = imports.build_template_workbook(organisation=request.user.organisation)
    return xlsx_download(request, content, "staff_import_template.xlsx")


@never_cache
@permission_required("accounts.import_staff")
@excel.excel_upload_limited
def staff_import(request: HttpRequest) -> HttpResponse:
    """Validate every row first; import nothing unless all rows are valid; show the changes to
    people already in the system and write them only once HR confirms."""
    organisation = request.user.organisation

    def parse(*, organisation, file):
        skipped: list[str] = []
        skipped_rows: list[int] = []
        rows, errors = imports.parse_staff_workbook(
            organisation=organisation, file=file, skipped=skipped, skipped_rows=skipped_rows, actor=request.user
        )
        if skipped and not (errors and getattr(errors[0], "is_file_error", False)):
            messages.info(
                request,
                _("已忽略人员列表导出的只读列：%(columns)s（角色、状态不能通过导入修改）。")
                % {"columns": join_list(skipped)},
            )
        if skipped_rows:
            messages.info(
                request,
                _("已跳过第%(rows)s行：没有工号的系统账号（如系统管理员），不通过导入修改。")
                % {"rows": join_list(str(number) for number in skipped_rows)},
            )
        return rows, errors

    return import_page(
        request,
        parse=parse,
        write=lambda rows: imports.staff_import(organisation=organisation, rows=rows, actor=request.user),
        preview=lambda rows: imports.staff_import_preview(organisation=organisation, rows=rows),
        imported=lambda result: imports.import_result_keep(request.session, result=result, now=time.time()),
        done=lambda result: reverse("accounts:staff_import_result"),
        context={
            "title": _("批量导入人员"),
            "list_url": reverse("accounts:staff_list"),
            "list_label": _("返回人员列表"),
            "template_url": reverse("accounts:staff_import_template"),
            "import_url": reverse("accounts:staff_import"),
            "keep_note": imports.KEEP_NOTE,
        },
        template="accounts/staff_import.html",
        result_template="accounts/staff_import_result.html",
    )


@never_cache
@permission_required("accounts.import_staff")
def staff_import_result(request: HttpRequest) -> HttpResponse:
    """The last import's result, kept in the importer's session: a reload shows it again (the POST
    redirected here), the new people's passwords with it until downloaded or expired."""
    result, passwords_shown = imports.import_result_read(
        request.session, organisation=request.user.organisation, now=time.time()
    )
    if result is None:
        messages.info(request, _("没有可显示的导入结果：请选择文件导入。"))
        return redirect("accounts:staff_import")
    return render(
        request,
        "accounts/staff_import_result.html",
        {
            "result": result,
            "passwords_shown": passwords_shown,
            "list_url": reverse("accounts:staff_list"),
            "list_label": _("返回人员列表"),
            "import_url": reverse("accounts:staff_import"),
        },
    )


@require_POST
@never_cache
@permission_required("accounts.import_staff")
def staff_import_passwords(request: HttpRequest) -> HttpResponse:
    """The last import's initial passwords as an Excel file, once: the copy kept in the session
    is removed as it is served (a POST, since it changes what the server holds)."""
    rows = imports.initial_passwords_take(request.session, now=time.time())
    if rows is None:
        messages.error(request, _("初始密码已下载过或已过期，不能再次下载。可在人员页面为其重置密码。"))
        return redirect("accounts:staff_import")
    return xlsx_download(request, imports.initial_passwords_workbook(rows), "initial_passwords.xlsx")


# --- Notifications (the bell) ------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(recipient=request.user)
        return redirect("accounts:notification_list")
    # Digest entries are shown under their digest, not on their own.
    notifications = Notification.objects.filter(recipient=request.user, digest_day__isnull=True).prefetch_related(
        Prefetch("entries", queryset=Notification.objects.order_by("created_at", "pk"))
    )
    return render(request, "accounts/notification_list.html", {"page": page_of(request, notifications)})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what a notification points at: a POST (the list's button) marks it read on the way; a
    GET (a bookmark, a link from elsewhere) only goes there, since a GET never writes."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if request.method == "POST":
        services.notifications_mark_read(recipient=request.user, notification_id=notification.pk)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("accounts:notification_list")


# --- Background jobs: progress page, status (polled), download ---------------------------------


def _get_job_for_user(request: HttpRequest, pk: int) -> Job:
    """A job the signed-in person may follow: theirs, or one of a kind whose permission they hold,
    in their own organisation. Anything else is a 404, so job ids are not confirmed to exist."""
    job = get_object_or_404(
        Job.objects.select_related("requested_by"), pk=pk, organisation_id=request.user.organisation_id
    )
    if not jobs.job_visible_to(user=request.user, job=job):
        raise Http404
    return job


def _job_payload(job: Job) -> dict:
    return {
        "id": job.pk,
        "state": job.state,
        "state_label": job.get_state_display(),
        "progress": job.progress,
        "message": jobs.job_message(
            kind=job.kind, state=job.state, message=job.message, summary=job.summary, queued_since=job.created_at
        ),
        "error": job.error if job.state == Job.State.FAILED else "",
        "finished": job.is_finished,
        "download_url": reverse("accounts:job_download", args=[job.pk]) if job.has_file else "",
        "result_name": job.result_name if job.has_file else "",
        "summary": job.summary if job.state == Job.State.DONE else {},
    }


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress bar, kept current by static/js/jobs.js, then its download link or its error."""
    job = _get_job_for_user(request, pk)
    return render(
        request,
        "accounts/job_detail.html",
        {"job": job, "label": jobs.kind_label(job.kind), "payload": _job_payload(job)},
    )


@never_cache
@login_required
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """A job's state and progress as JSON, polled every second by the progress page."""
    return JsonResponse(_job_payload(_get_job_for_user(request, pk)))


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The job's result file, under the name the runner gave it; a 404 until it is done or once it expired."""
    job = _get_job_for_user(request, pk)
    if not job.has_file:
        raise Http404
    return stored_file_download(
        request,
        job.file,
        obj=job,
        filename=job.result_name or job.file.name.rsplit("/", 1)[-1],
        content_type=job.content_type or "application/octet-stream",
        label=job.result_name or str(job),
    )
