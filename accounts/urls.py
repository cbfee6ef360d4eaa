from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:pk>/deactivate/", views.department_deactivate, name="department_deactivate"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/import/", views.staff_import, name="staff_import"),
    path("staff/import/template.xlsx", views.staff_import_template, name="staff_import_template"),
    path("staff/import/passwords.xlsx", views.staff_import_passwords, name="staff_import_passwords"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/move/", views.staff_move, name="staff_move"),
    path("staff/<int:pk>/deactivate/", views.staff_set_active, {"active": False}, name="staff_deactivate"),
    path("staff/<int:pk>/reactivate/", views.staff_set_active, {"active": True}, name="staff_reactivate"),
    path("staff/<int:pk>/statuses/new/", views.staff_status_add, name="staff_status_add"),
    path("staff/<int:pk>/statuses/<int:status_pk>/delete/", views.staff_status_remove, name="staff_status_remove"),
    path("staff/<int:pk>/roles/", views.staff_roles, name="staff_roles"),
    path("staff/<int:pk>/reset-password/", views.staff_reset_password, name="staff_reset_password"),
    path("staff/<int:pk>/two-factor/reset/", views.staff_two_factor_reset, name="staff_two_factor_reset"),
    path("policy/", views.policy, name="policy"),
    path("security/", views.security_settings, name="security_settings"),
    path("pending/", views.pending_changes, name="pending_changes"),
    path("pending/roles/<int:pk>/confirm/", views.role_change_decide, {"confirm": True}, name="role_change_confirm"),
    path("pending/roles/<int:pk>/reject/", views.role_change_decide, {"confirm": False}, name="role_change_reject"),
    path(
        "pending/passwords/<int:pk>/confirm/",
        views.password_reset_decide,
        {"confirm": True},
        name="password_reset_confirm",
    ),
    path(
        "pending/passwords/<int:pk>/reject/",
        views.password_reset_decide,
        {"confirm": False},
        name="password_reset_reject",
    ),
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
