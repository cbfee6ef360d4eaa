from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import periods
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
from .services import (
    staff_move,
    staff_move_check,
    staff_status_add,
    staff_status_dates_check,
    staff_status_overlap_check,
)


class ReviewedDocumentAdmin(admin.ModelAdmin):
    """The admin list of a reviewed document (:class:`accounts.workflow.ReviewedDocument`: targets,
    summaries): found by its owner's name, listed with the owner and the department."""

    search_fields = ["owner__full_name", "owner__username"]
    list_select_related = ["owner", "department"]


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


class UserAdminForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        department, organisation = cleaned.get("department"), cleaned.get("organisation")
        if department is not None and organisation is not None and department.organisation_id != organisation.pk:
            raise ValidationError({"department": _("不能调入其他单位的科室。")})
        if self.instance.pk and "department" in self.changed_data and department and self.initial.get("department"):
            # A move as UserAdmin.save_model makes it (today): refused here, on the field, not at the save.
            try:
                staff_move_check(user=self.instance, department=department, on_date=periods.today())
            except ValidationError as refusal:
                raise ValidationError({"department": refusal.messages}) from refusal
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminForm
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

    def save_model(self, request, obj, form, change):
        # A change of department here is a move like the staff page's (staff_move): the membership
        # history is closed and opened, and what the person handed in goes to the new head.
        moved_to = obj.department
        if change and "department" in form.changed_data and moved_to is not None and form.initial.get("department"):
            obj.department_id = form.initial["department"]
            super().save_model(request, obj, form, change)
            staff_move(user=obj, department=moved_to, reason=str(_("系统管理后台修改科室")))
            return
        super().save_model(request, obj, form, change)


admin.site.register(DepartmentMembership)


class StaffStatusAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        # The overlap the staff page refuses, refused here too, at its field (the instance takes
        # the form's values only after clean()).
        values = {name: cleaned.get(name) for name in ("user", "kind", "start_date", "end_date")}
        staff_status_dates_check(status=StaffStatus(pk=self.instance.pk, **values))
        staff_status_overlap_check(status=StaffStatus(pk=self.instance.pk, **values))
        return cleaned


@admin.register(StaffStatus)
class StaffStatusAdmin(admin.ModelAdmin):
    form = StaffStatusAdminForm
    list_display = ["user", "kind", "start_date", "end_date"]
    list_select_related = ["user"]

    def save_model(self, request, obj, form, change):
        staff_status_add(status=obj)


admin.site.register(RoleAssignment)
admin.site.register(Policy)


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(admin.ModelAdmin):
    # Global rows (no organisation) are kept here; HR keeps their own organisation's on the calendar page.
    list_display = ["date", "organisation", "is_working_day", "note", "created_by"]
    list_filter = ["organisation", "is_working_day"]
    list_select_related = ["organisation", "created_by"]
    date_hierarchy = "date"
