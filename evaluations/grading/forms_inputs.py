"""Forms and list filters of the grading inputs (satisfaction scores, praise and complaints)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import ActiveDepartmentsFilterSet, PersonSearchFilter, YearFilter
from accounts.formparts import PersonDepartmentFilter
from accounts.forms import PersonChoiceField
from accounts.models import Department, Organisation, User
from accounts.selectors import choosable_people, departments_of
from accounts.widgets import DateInput, YesNoAllSelect
from targets.models import QUARTER_CHOICES

from .imports import MAX_YEAR, MIN_YEAR
from .models import SatisfactionScore, ServiceEvent, ServiceEventKind
from .services.inputs import satisfaction_check, service_event_check


def _people(organisation: Organisation):
    # Only the appraisal's participants: never 系统管理员 or another back-office account.
    return choosable_people(organisation=organisation)


class _InputForm(forms.ModelForm):
    """HR's form for one grading input of the organisation: a person picker of its participants,
    and the service's rules run by :meth:`_run_check`."""

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["person"].queryset = _people(organisation)

    def _run_check(self, check, *names: str, **values) -> None:
        """The service's rules, given the cleaned ``names`` and ``values``; their refusal goes on
        top of the form."""
        given = {name: self.cleaned_data.get(name) for name in names}
        try:
            check(organisation_id=self.organisation.pk, **given, **values)
        except forms.ValidationError as exc:
            self.add_error(None, exc)


class SatisfactionScoreForm(_InputForm):
    person = PersonChoiceField(label=_("人员"), queryset=User.objects.none(), required=False)

    class Meta:
        model = SatisfactionScore
        fields = ["year", "quarter", "department", "person", "score"]
        help_texts = {
            "department": _("按科室测评时选择科室。"),
            "score": _("0–100，最多两位小数。"),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        # A deactivated department takes no new score; one a stored score names stays choosable on it.
        self.fields["department"].queryset = departments_of(
            organisation=organisation, active_only=True, keep=self.instance.department_id
        )
        self.fields["person"].help_text = _("按个人测评时选择人员；个人得分优先于所在科室的得分。")
        year = self.fields["year"]
        year.validators += [MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
        year.widget.attrs.update(min=MIN_YEAR, max=MAX_YEAR)

    def clean(self):
        cleaned = super().clean()
        if "department" in self.errors or "person" in self.errors:
            return cleaned
        # The service's rules, run here so their errors land on the fields: a field with an error is
        # left out of the model's constraint checks, whose generic wording HR would not understand.
        self._run_check(
            satisfaction_check, "year", "quarter", "department", "person", "score", exclude_pk=self.instance.pk
        )
        return cleaned


HANDLED_CHOICES = [("", _("—（表扬不填）")), ("true", _("已处理")), ("false", _("未处理"))]


class ServiceEventForm(_InputForm):
    person = PersonChoiceField(label=_("人员"), queryset=User.objects.none())
    handled = forms.TypedChoiceField(
        label=_("是否已处理"),
        choices=HANDLED_CHOICES,
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        help_text=_("仅投诉填写。"),
    )

    class Meta:
        model = ServiceEvent
        fields = ["date", "person", "kind", "description", "handled"]
        widgets = {"date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        if self.instance.pk and self.instance.handled is not None:
            self.initial["handled"] = "true" if self.instance.handled else "false"

    def clean(self):
        cleaned = super().clean()
        self._run_check(service_event_check, "date", "person", "kind", "handled", "description")
        return cleaned


# --- List filters ---------------------------------------------------------------------------


class SatisfactionFilter(ActiveDepartmentsFilterSet):
    year = YearFilter()
    quarter = django_filters.ChoiceFilter(label=_("季度"), choices=QUARTER_CHOICES, empty_label=_("全部"))
    department = django_filters.ModelChoiceFilter(
        label=_("科室"), queryset=Department.objects.none(), method="filter_department"
    )
    target = django_filters.ChoiceFilter(
        label=_("测评对象"),
        choices=[("department", _("科室")), ("person", _("个人"))],
        empty_label=_("全部"),
        method="filter_target",
    )

    class Meta:
        model = SatisfactionScore
        fields = ["year", "quarter", "department", "target"]

    def filter_department(self, queryset, name, value):
        # A department's own score and the scores of its people.
        return queryset.filter(Q(department=value) | Q(person__department=value))

    def filter_target(self, queryset, name, value):
        return queryset.filter(person__isnull=(value == "department"))


class ServiceEventFilter(ActiveDepartmentsFilterSet):
    year = YearFilter(field_name="date", lookup_expr="year")
    quarter = django_filters.ChoiceFilter(
        label=_("季度"), choices=QUARTER_CHOICES, empty_label=_("全部"), field_name="date", lookup_expr="quarter"
    )
    department = PersonDepartmentFilter()
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=ServiceEventKind.choices, empty_label=_("全部"))
    handled = django_filters.BooleanFilter(label=_("投诉已处理"), widget=YesNoAllSelect())
    q = PersonSearchFilter()

    class Meta:
        model = ServiceEvent
        fields = ["year", "quarter", "department", "kind", "handled", "q"]
