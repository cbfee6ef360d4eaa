"""Forms and list filters of sanctions, their policy table and the veto flags (DOMAIN.md §5)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import ActiveDepartmentsFilterSet, PersonSearchFilter, YearFilter
from accounts.formparts import PersonDepartmentFilter
from accounts.forms import PersonChoiceField, check_date_order
from accounts.models import Organisation, User
from accounts.selectors import choosable_people
from accounts.text import reason_field
from accounts.widgets import DateInput

from .models import DEFAULT_SANCTION_EFFECTS, Sanction, SanctionEffect, SanctionKind, VetoFlag


class SanctionForm(forms.ModelForm):
    person = PersonChoiceField(label=_("人员"), queryset=User.objects.none(), include_leaders=True)

    class Meta:
        model = Sanction
        fields = ["person", "kind", "decided_on", "closed_on", "note"]
        widgets = {"decided_on": DateInput(), "closed_on": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "closed_on": _("立案审查填写结案日期；未结案的，结案前各年度均不确定等次。"),
        }

    # A correction's reason (the audit trail keeps it); not asked when a sanction is recorded.
    reason = reason_field(
        _("更正理由"),
        max_length=VetoFlag._meta.get_field("lift_reason").max_length,
        required=_("更正处分记录须说明理由。"),
        help_text=_("更正已登记的处分须说明理由，将记入审计日志。"),
        rows=2,
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["reason"]
        # Participants and the agency's leaders; people who have left stay choosable on the
        # record that already names them.
        people = Q(pk__in=choosable_people(organisation=organisation, include_leaders=True).values("pk"))
        if self.instance.person_id:
            people |= Q(pk=self.instance.person_id)
        self.fields["person"].queryset = (
            User.objects.filter(people, organisation=organisation)
            .select_related("department")
            .order_by("department__sort_order", "employee_number", "pk")
        )

    def clean(self):
        cleaned = super().clean()
        check_date_order(self, "decided_on", "closed_on", _("结案/解除日期不能早于决定日期。"))
        return cleaned


class SanctionRulesForm(forms.Form):
    """One choice per sanction kind: its effect on the annual grade."""

    reason = forms.CharField(
        label=_("修改说明"),
        required=False,
        max_length=300,
        help_text=_("记入审计日志，例如依据的文件。"),
    )

    def __init__(self, *args, rules: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in SanctionKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=SanctionEffect.choices,
                initial=rules[kind.value],
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
        # The reason field last, after the table.
        self.order_fields([*SanctionKind.values, "reason"])

    def effects(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in SanctionKind.values}

    def rows(self):
        """(kind label, default effect label, bound field) for the table."""
        for kind in SanctionKind:
            yield kind.label, SanctionEffect(DEFAULT_SANCTION_EFFECTS[kind]).label, self[kind.value]


class SanctionDeleteForm(forms.Form):
    """The reason for deleting a sanction: kept in the audit trail of the sanction and of each veto
    flag removed with it (the service checks it)."""

    reason = reason_field(
        _("删除理由"),
        max_length=VetoFlag._meta.get_field("lift_reason").max_length,
        required=_("删除处分记录须说明理由。"),
        help_text=_("记入审计日志，由该记录产生的一票否决随之移除。例如：录入错误，当事人未受此处分。"),
    )


class VetoLiftForm(forms.Form):
    reason = reason_field(_("解除理由"), max_length=2000, required=_("解除一票否决须说明理由。"))


# --- List filters ---------------------------------------------------------------------------


class SanctionFilter(ActiveDepartmentsFilterSet):
    year = YearFilter(field_name="decided_on", lookup_expr="year")
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=SanctionKind.choices, empty_label=_("全部"))
    department = PersonDepartmentFilter()
    q = PersonSearchFilter()

    class Meta:
        model = Sanction
        fields = ["year", "kind", "department", "q"]


FLAG_STATES = [("active", _("生效中")), ("lifted", _("已解除"))]


class VetoFlagFilter(ActiveDepartmentsFilterSet):
    year = YearFilter()
    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=FLAG_STATES, empty_label=_("全部"), method="filter_state"
    )
    department = PersonDepartmentFilter()
    q = PersonSearchFilter()

    class Meta:
        model = VetoFlag
        fields = ["year", "state", "department", "q"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(lifted_at__isnull=(value == "active"))
