from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import (
    Department,
    DepartmentMembership,
    Organisation,
    Policy,
    RoleAssignment,
    StaffStatus,
    User,
    WorkingDayOverride,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # As organisation_create does: the policy row exists from the start.
            Policy.objects.get_or_create(organisation=obj)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["organisation", "code", "name", "head", "supervising_leader", "is_active"]
    list_filter = ["organisation", "is_active"]
    list_select_related = ["organisation", "head", "supervising_leader"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "organisation", "department", "employee_number", "is_active"]
    list_filter = ["organisation", "is_active", "staff_type"]
    list_select_related = ["organisation", "department"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            "Appraisal",
            {
                "fields": (
                    "full_name",
                    "organisation",
                    "department",
                    "employee_number",
                    "position_title",
                    "staff_type",
                    "position_category",
                    "is_leader_position",
                    "must_change_password",
                )
            },
        ),
    )


admin.site.register(DepartmentMembership)
admin.site.register(StaffStatus)
admin.site.register(RoleAssignment)
admin.site.register(Policy)


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(admin.ModelAdmin):
    # Global rows (no organisation) are kept here; HR keeps their own organisation's on the calendar page.
    list_display = ["date", "organisation", "is_working_day", "note", "created_by"]
    list_filter = ["organisation", "is_working_day"]
    list_select_related = ["organisation", "created_by"]
    date_hierarchy = "date"
