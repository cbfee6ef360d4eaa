"""Read-mostly admin views for support staff; the workflow is changed only through the pages and services."""

from django.contrib import admin

from accounts.admin import ReviewedDocumentAdmin

from .models import DepartmentGoal, TargetItem, TargetSet, TargetSetRevision


class TargetItemInline(admin.TabularInline):
    model = TargetItem
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in TargetItem._meta.fields if f.name != "id"]


class TargetSetRevisionInline(admin.TabularInline):
    model = TargetSetRevision
    extra = 0
    can_delete = False
    readonly_fields = ["number", "submitted_at", "submitted_by", "outcome", "decided_by", "decided_at", "reason"]
    exclude = ["items"]


@admin.register(TargetSet)
class TargetSetAdmin(ReviewedDocumentAdmin):
    list_display = ["owner", "year", "quarter", "department", "status", "is_late", "submitted_at"]
    list_filter = ["status", "year", "quarter", "is_late"]
    readonly_fields = [f.name for f in TargetSet._meta.fields if f.name != "id"]
    inlines = [TargetItemInline, TargetSetRevisionInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DepartmentGoal)
class DepartmentGoalAdmin(admin.ModelAdmin):
    list_display = ["department", "year", "quarter", "content"]
    list_filter = ["year", "quarter"]
    list_select_related = ["department"]
