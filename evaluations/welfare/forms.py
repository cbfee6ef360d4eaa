"""Forms of the welfare room: they parse; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.formparts import paragraph_field, version_field
from accounts.forms import check_date_order, person_label
from accounts.models import StaffType, User
from accounts.text import MultiLineCharField
from accounts.textlimits import MEDIUM
from accounts.widgets import DateInput
from summaries.services import attachment_limit, attachment_too_large_message

from .models import WelfareAssessment, WelfareGrade, WelfarePost


class ReportForm(forms.ModelForm):
    upload = forms.FileField(label=_("上传述职材料"), required=False)
    version = version_field()

    class Meta:
        model = WelfareAssessment
        fields = ["report_text"]
        widgets = {"report_text": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        # The policy's limit said beside the field, and checked in the browser before the file is
        # sent (static/js/app.js): a file too large is refused there and the typed text stays.
        upload = self.fields["upload"]
        upload.help_text = _("PDF、图片或 Office 文档，不超过 %(mb)s MB。") % {"mb": policy.attachment_max_mb}
        upload.widget.attrs.update(
            {"data-max-bytes": attachment_limit(policy), "data-too-large": attachment_too_large_message(policy)}
        )


class ReturnForm(forms.Form):
    """The reason of a 述职 returned (the 通过 beside it in the same form reads nothing of it)."""

    reason = MultiLineCharField(
        label=_("退回原因"),
        max_length=MEDIUM,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-sm",
                "placeholder": _("退回原因（退回时必填）"),
                "aria-label": _("退回原因"),
            }
        ),
        error_messages={"required": _("退回时请填写退回原因。")},
    )


class InterviewForm(forms.Form):
    notes = paragraph_field(_("谈话记录"), max_length=2000, rows=5, missing=_("请填写谈话记录。"))


class DecisionForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("考核等次"),
        choices=WelfareGrade.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择考核等次。"), "invalid_choice": _("请选择考核等次。")},
    )
    renew = forms.TypedChoiceField(
        label=_("是否续签上岗协议"),
        choices=[("1", _("续签")), ("0", _("不续签"))],
        coerce=lambda value: value == "1",
        # Never pre-selected and left to the service to require: whether it must be answered
        # depends on the grade (不合格 is never renewed), so a silent default cannot slip through.
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("请选择是否续签上岗协议。")},
        help_text=_("考核合格、基本合格的须选择；考核不合格的不予续签。"),
    )
    notes = paragraph_field(_("集体研究意见"), max_length=2000, rows=4, missing=_("请填写集体研究意见。"))


class PostForm(forms.ModelForm):
    class Meta:
        model = WelfarePost
        fields = ["person", "post_name", "agreement_start", "agreement_end", "monthly_subsidy"]
        widgets = {
            "agreement_start": DateInput(),
            "agreement_end": DateInput(),
        }
        # Django's own words read "具有 人员 的 公益性岗位 已存在。" and "确认总共不超过 9 个数字."
        error_messages = {
            "person": {"unique": _("该人员已登记公益性岗位，请在“岗位与协议”列表中点击其姓名修改协议。")},
            "monthly_subsidy": {
                "max_digits": _("岗位补贴最多为9999999.99元，请核对金额。"),
                "max_whole_digits": _("岗位补贴最多为9999999.99元，请核对金额。"),
                "max_decimal_places": _("岗位补贴最多保留两位小数（角、分）。"),
            },
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        person.queryset = User.objects.filter(
            organisation=organisation, staff_type=StaffType.PUBLIC_WELFARE, is_active=True
        ).order_by("employee_number", "pk")
        # Not offered: someone whose post is registered already (a page opened before still sends
        # them, and the unique check says where to change their post); a post keeps its own person.
        offered = person.queryset.filter(Q(welfare_post__isnull=True) | Q(pk=self.instance.person_id))
        offered = offered.select_related("department")
        # Named with their staff ID and department (two 王 read alike) as every person picker names
        # them, 姓名（工号，科室）, and where the list comes from.
        person.widget.choices = [("", person.empty_label)] + [(u.pk, person_label(u)) for u in offered]
        if not self.instance.pk:
            person.help_text = _("列出人员类别为“公益性岗位”、尚未登记岗位的在职人员；请先在“人员管理”中添加。")
        if self.instance.pk:
            self.fields["person"].disabled = True

    def clean(self):
        cleaned = super().clean()
        # Said at the field (the table's check constraint, welfare_agreement_end_after_start,
        # would otherwise be reported by its name).
        check_date_order(self, "agreement_start", "agreement_end", _("协议截止日期不能早于协议开始日期。"))
        return cleaned


class AbsenceForm(forms.Form):
    since = forms.DateField(label=_("不在岗起始"), required=False, widget=DateInput())
    note = forms.CharField(label=_("不在岗说明"), required=False, max_length=500)


class ConsequenceForm(forms.Form):
    note = paragraph_field(_("办理记录"), max_length=2000, rows=3, missing=_("请填写办理记录。"))
