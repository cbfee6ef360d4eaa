from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .models import PendingPasswordReset, PendingRoleChange

app_name = "accounts"


def _pending_change_paths(segment: str, name: str, decide, model) -> list:
    """A change that waits for a second person (三员分立): confirmed or rejected by another
    (``<name>_confirm``, ``<name>_reject``), withdrawn by the one who asked (``<name>_withdraw``)."""
    return [
        path(f"pending/{segment}/<int:pk>/confirm/", decide, {"confirm": True}, name=f"{name}_confirm"),
        path(f"pending/{segment}/<int:pk>/reject/", decide, {"confirm": False}, name=f"{name}_reject"),
        path(
            f"pending/{segment}/<int:pk>/withdraw/", views.pending_withdraw, {"model": model}, name=f"{name}_withdraw"
        ),
    ]


urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_edit, name="department_create"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:pk>/deactivate/", views.department_deactivate, name="department_deactivate"),
    path("departments/<int:pk>/reactivate/", views.department_reactivate, name="department_reactivate"),
    path("people/search/", views.people_search, name="people_search"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/export/", views.staff_export, name="staff_export"),
    path("staff/import/", views.staff_import, name="staff_import"),
    path("staff/import/result/", views.staff_import_result, name="staff_import_result"),
    path("staff/import/template.xlsx", views.staff_import_template, name="staff_import_template"),
    path("staff/import/passwords.xlsx", views.staff_import_passwords, name="staff_import_passwords"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/initial-password/", views.staff_initial_password, name="staff_initial_password"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/move/", views.staff_move, name="staff_move"),
    path("staff/<int:pk>/move/date/", views.staff_move_date, name="staff_move_date"),
    path("staff/<int:pk>/deactivate/", views.staff_set_active, {"active": False}, name="staff_deactivate"),
    path("staff/<int:pk>/reactivate/", views.staff_set_active, {"active": True}, name="staff_reactivate"),
    path("staff/<int:pk>/statuses/new/", views.staff_status_add, name="staff_status_add"),
    path("staff/<int:pk>/statuses/<int:status_pk>/delete/", views.staff_status_remove, name="staff_status_remove"),
    path("staff/<int:pk>/roles/", views.staff_roles, name="staff_roles"),
    path("staff/<int:pk>/reset-password/", views.staff_reset_password, name="staff_reset_password"),
    path("staff/<int:pk>/two-factor/reset/", views.staff_two_factor_reset, name="staff_two_factor_reset"),
    path("staff/<int:pk>/unlock/", views.staff_unlock, name="staff_unlock"),
    path("policy/", views.policy, name="policy"),
    path("security/", views.security_settings, name="security_settings"),
    path("pending/", views.pending_changes, name="pending_changes"),
    *_pending_change_paths("roles", "role_change", views.role_change_decide, PendingRoleChange),
    *_pending_change_paths("passwords", "password_reset", views.password_reset_decide, PendingPasswordReset),
    path("pending/passwords/<int:pk>/password/", views.password_reset_password, name="password_reset_password"),
    path("calendar/", views.working_day_calendar, name="calendar"),
    path("calendar/<int:pk>/delete/", views.working_day_override_delete, name="calendar_delete"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status", views.job_status, name="job_status"),
    path("jobs/<int:pk>/download", views.job_download, name="job_download"),
]
