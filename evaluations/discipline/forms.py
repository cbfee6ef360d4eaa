"""Forms and the list filter of discipline inspections (纪律作风检查).

The forms parse what was posted and catch what a single row can tell; the rules that need the
whole inspection (a finding's person within the covered departments) live in
:func:`evaluations.discipline.services.inspections.inspection_record`, whose errors the view shows.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import periods
from accounts.filters import OrganisationFilterSet
from accounts.formparts import model_limit, paragraph_field
from accounts.forms import PersonChoiceField
from accounts.models import Department, Organisation, User
from accounts.selectors import choosable_people, departments_of
from accounts.text import reason_field
from accounts.widgets import DateInput

from .models import ComplianceAlert, Finding, Inspection, InspectionKind, Severity


class InspectionForm(forms.Form):
    date = forms.DateField(label=_("检查日期"), widget=DateInput())
    kind = forms.ChoiceField(label=_("检查类别"), choices=[("", _("请选择")), *InspectionKind.choices])
    departments = forms.ModelMultipleChoiceField(
        label=_("检查科室"), queryset=Department.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    note = paragraph_field(
        _("检查情况及证据"),
        max_length=model_limit(Inspection, "note"),
        rows=4,
        required=False,
        help_text=_("检查方式、经过，及照片、记录等证据的存放说明。"),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        kwargs.setdefault("initial", {"date": periods.today()})
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments_of(organisation=organisation, active_only=True)


class FindingForm(forms.Form):
    """One finding: about a person or a department (one of the two)."""

    person = PersonChoiceField(label=_("人员"), queryset=User.objects.none(), required=False, include_leaders=True)
    # Narrowed to the ticked departments in the browser (app.js), as the person picker is.
    department = forms.ModelChoiceField(
        label=_("或科室"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs={"data-ticked-departments": ""}),
    )
    severity = forms.ChoiceField(
        label=_("严重程度"),
        choices=[("", _("请选择")), *Severity.choices],
        help_text=_("“严重”问题将对该人员当年考核一票否决。"),
        error_messages={"required": _("请选择严重程度。")},
    )
    description = paragraph_field(
        _("问题描述"), max_length=model_limit(Finding, "description"), rows=2, missing=_("请填写问题描述。")
    )
    evidence = paragraph_field(_("证据说明"), max_length=model_limit(Finding, "evidence"), rows=2, required=False)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        # Participants and the agency's leaders; the service also checks the ticked departments.
        self.fields["person"].queryset = choosable_people(organisation=organisation, include_leaders=True)
        self.fields["department"].queryset = departments_of(organisation=organisation, active_only=True)

    def clean(self):
        cleaned = super().clean()
        person, department = cleaned.get("person"), cleaned.get("department")
        if person and department:
            self.add_error("department", _("人员和科室只能选择一项。"))
        elif not person and not department and "person" not in self.errors and "department" not in self.errors:
            self.add_error("person", _("须指明涉及的人员或科室。"))
        return cleaned


WITHDRAW_CONFIRMATION = _("撤销的检查发现将被删除（连同其产生的一票否决），理由记入审计日志。确定撤销？")


class InspectionCorrectionForm(forms.Form):
    """更正: the inspection's date, kind and note, each finding's person or department, severity and
    wording or its withdrawal, and the reason. Whether a person or department is within the
    departments covered is the service's check, as when the inspection is recorded."""

    date = forms.DateField(label=_("检查日期"), widget=DateInput())
    kind = forms.ChoiceField(label=_("检查类别"), choices=InspectionKind.choices)
    note = paragraph_field(_("检查情况及证据"), max_length=model_limit(Inspection, "note"), rows=3, required=False)
    reason = reason_field(
        _("更正理由"), max_length=500, required=_("更正检查记录须说明理由。"), help_text=_("将记入审计日志。"), rows=2
    )

    def __init__(self, *args, inspection: Inspection, findings: list[Finding], **kwargs):
        kwargs.setdefault("initial", {"date": inspection.date, "kind": inspection.kind, "note": inspection.note})
        super().__init__(*args, **kwargs)
        self.findings = findings
        # Whom a finding may be moved to: as when it is recorded, the people and departments of the
        # departments the inspection covered (and the agency's leaders, in none); the service
        # checks it again. (All 64 people were offered, and choosing one elsewhere was refused with
        # 请勾选其科室, which this page cannot do.)
        covered = list(inspection.departments.values_list("pk", flat=True))
        people = choosable_people(organisation=inspection.organisation, include_leaders=True).filter(
            Q(department_id__in=covered) | Q(department__isnull=True)
        )
        for finding in findings:
            # The finding's own person or department stays offered even if no longer choosable (left,
            # closed): a correction of its wording only must not fail on it.
            self.fields[f"person_{finding.pk}"] = PersonChoiceField(
                label=_("人员"),
                queryset=User.objects.filter(Q(pk__in=people.values("pk")) | Q(pk=finding.person_id)),
                required=False,
                include_leaders=True,
                # A large organisation's search keeps to them too.
                departments=covered,
                initial=finding.person_id,
            )
            self.fields[f"department_{finding.pk}"] = forms.ModelChoiceField(
                label=_("或科室"),
                queryset=departments_of(
                    organisation=inspection.organisation, active_only=True, keep=finding.department_id
                ).filter(Q(pk__in=covered) | Q(pk=finding.department_id)),
                required=False,
                initial=finding.department_id,
            )
            self.fields[f"severity_{finding.pk}"] = forms.ChoiceField(
                label=_("严重程度"),
                choices=Severity.choices,
                initial=finding.severity,
                # A person's finding made 严重 here vetoes their year: the page asks first (app.js).
                widget=forms.Select(attrs={"data-was": finding.severity} if finding.person_id else {}),
            )
            self.fields[f"description_{finding.pk}"] = paragraph_field(
                _("问题描述"),
                max_length=model_limit(Finding, "description"),
                rows=2,
                missing=_("请填写问题描述。"),
                initial=finding.description,
            )
            self.fields[f"evidence_{finding.pk}"] = paragraph_field(
                _("证据说明"),
                max_length=model_limit(Finding, "evidence"),
                rows=2,
                required=False,
                initial=finding.evidence,
            )
            self.fields[f"withdraw_{finding.pk}"] = forms.BooleanField(
                label=_("撤销此项发现（系误记）"),
                required=False,
                # Withdrawing asks first (app.js); the reason below is the withdrawal's.
                widget=forms.CheckboxInput(attrs={"data-confirm-checked": WITHDRAW_CONFIRMATION}),
            )

    FIELDS = ("person", "department", "severity", "description", "evidence")

    def finding_rows(self) -> list[tuple[Finding, list, object]]:
        """Each finding with its fields and its withdrawal box, for the template."""
        return [
            (finding, [self[f"{name}_{finding.pk}"] for name in self.FIELDS], self[f"withdraw_{finding.pk}"])
            for finding in self.findings
        ]

    def clean(self):
        cleaned = super().clean()
        for finding in self.findings:
            if cleaned.get(f"withdraw_{finding.pk}"):
                # A withdrawn finding's other fields do not matter: nothing of it is kept.
                for name in self.FIELDS:
                    self._errors.pop(f"{name}_{finding.pk}", None)
                continue
            person, department = cleaned.get(f"person_{finding.pk}"), cleaned.get(f"department_{finding.pk}")
            if person and department:
                self.add_error(f"department_{finding.pk}", _("人员和科室只能选择一项。"))
            elif not person and not department and f"person_{finding.pk}" not in self.errors:
                self.add_error(f"person_{finding.pk}", _("须指明涉及的人员或科室。"))
        return cleaned

    def corrected_findings(self) -> dict[int, dict]:
        return {
            finding.pk: {
                **{name: self.cleaned_data.get(f"{name}_{finding.pk}") for name in self.FIELDS},
                "withdrawn": bool(self.cleaned_data.get(f"withdraw_{finding.pk}")),
            }
            for finding in self.findings
        }


class InspectionDeleteForm(forms.Form):
    """The reason for deleting an inspection recorded in error (the service checks it)."""

    reason = reason_field(
        _("删除理由"),
        max_length=model_limit(Finding, "description"),
        required=_("删除检查记录须说明理由。"),
        help_text=_("记入审计日志，本次检查的发现及其一票否决随之撤销。例如：重复录入。"),
    )


FINDING_KEYS = ("person", "department", "severity", "description", "evidence")


class BaseFindingFormSet(forms.BaseFormSet):
    def findings(self) -> list[dict]:
        """The filled-in rows, as the service takes them (untouched extra rows are skipped)."""
        return [
            {key: form.cleaned_data.get(key) for key in FINDING_KEYS}
            for form in self.forms
            if form.has_changed() and form.cleaned_data
        ]

    def numbered_findings(self) -> list[tuple[int, dict]]:
        """The filled-in rows that parsed, numbered as :meth:`findings` numbers them (its place among
        the filled-in rows): what the service can judge while other rows still have errors."""
        filled = [form for form in self.forms if form.has_changed()]
        return [
            (
                number,
                {key: form.cleaned_data.get(key) for key in FINDING_KEYS},
            )
            for number, form in enumerate(filled, start=1)
            if not form.errors and form.cleaned_data
        ]


FindingFormSet = forms.formset_factory(FindingForm, formset=BaseFindingFormSet, extra=2, max_num=50, validate_max=True)


class InspectionFilter(OrganisationFilterSet):
    month = django_filters.CharFilter(
        label=_("月份"), method="filter_month", widget=forms.DateInput(attrs={"type": "month"})
    )
    kind = django_filters.ChoiceFilter(label=_("检查类别"), choices=InspectionKind.choices, empty_label=_("全部"))
    department = django_filters.ModelChoiceFilter(
        label=_("科室"), queryset=Department.objects.none(), field_name="departments"
    )

    class Meta:
        model = Inspection
        fields = ["month", "kind", "department"]

    def filter_month(self, queryset, name, value):
        """``YYYY-MM`` (the month picker's value); anything else filters nothing."""
        try:
            month = datetime.datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            return queryset
        return queryset.filter(date__year=month.year, date__month=month.month)


class ComplianceAlertExplainForm(forms.Form):
    """The explanation of a month's shortfall of inspections (the service checks it)."""

    explanation = reason_field(
        _("情况说明"),
        max_length=model_limit(ComplianceAlert, "explanation"),
        required=_("请填写情况说明。"),
        help_text=_("说明该月检查次数不足的原因，记入审计日志；说明后不再在首页提醒。不必为此补录检查。"),
    )
