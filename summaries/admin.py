from django.contrib import admin

from accounts.admin import ReviewedDocumentAdmin

from .models import MonthlySummary, SummaryAttachment, SummaryProgress


class SummaryProgressInline(admin.TabularInline):
    model = SummaryProgress
    extra = 0
    fields = ["item_content", "note", "sort_order"]
    readonly_fields = ["item_content"]


class SummaryAttachmentInline(admin.TabularInline):
    model = SummaryAttachment
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_at"]
    readonly_fields = fields


@admin.register(MonthlySummary)
class MonthlySummaryAdmin(ReviewedDocumentAdmin):
    list_display = ["owner", "department", "year", "month", "status", "is_late", "submitted_at"]
    list_filter = ["status", "is_late", "year", "month"]
    raw_id_fields = ["owner", "reviewer"]
    inlines = [SummaryProgressInline, SummaryAttachmentInline]
