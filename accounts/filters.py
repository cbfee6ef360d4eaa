import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from accounts.text import search_words

from .forms import check_date_order
from .models import AuditEntry, AuditEvent, AuditResult, Department, PositionCategory, Role, StaffType, User
from .periods import MAX_YEAR, MIN_YEAR
from .selectors import departments_of, without_head_at_work
from .widgets import DateInput, YesNoAllSelect


class YearFilter(django_filters.NumberFilter):
    """A year in a list's filter: whole, within the calendar's years. A year like 0 or 99999 in a
    link is then a form error shown on the page, not a date lookup that fails with a 500."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("年度"))
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        kwargs.setdefault("step_size", 1)
        super().__init__(*args, **kwargs)


class PersonSearchFilter(django_filters.CharFilter):
    """姓名/工号: the rows whose ``person`` has the words typed in their name or employee number."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("姓名/工号"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        value = search_words(value)
        return qs.filter(Q(person__full_name__icontains=value) | Q(person__employee_number__icontains=value))


class OrganisationFilterSet(django_filters.FilterSet):
    """A list filter of one organisation's rows: its ``department`` filter offers the organisation's
    departments, closed ones too (older rows still name them)."""

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["department"].queryset = departments_of(organisation=organisation)


class ActiveDepartmentsFilterSet(OrganisationFilterSet):
    """A list filter whose 科室 offers the active departments only (a closed department has no one
    in it to find), and the one the list is filtered on even if it has been deactivated since (so
    the filter does not silently change)."""

    def __init__(self, data=None, *args, organisation, **kwargs):
        super().__init__(data, *args, organisation=organisation, **kwargs)
        chosen = data.get("department") if data is not None else None
        self.filters["department"].queryset = departments_of(organisation=organisation, active_only=True, keep=chosen)


class _LoadedChoiceIterator(ModelChoiceIterator):
    """Iterates the field's choices as loaded once (``LoadedModelChoiceField.loaded``)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.field.loaded():
            yield self.choice(obj)

    def __len__(self):
        extra = (self.field.empty_label is not None) + (self.field.null_label is not None)
        return len(self.field.loaded()) + extra

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.loaded())


class LoadedModelChoiceField(ModelChoiceField):
    """A model choice whose choices are read once, by one query, and the chosen value checked
    against them: Django's field asks a second query (``queryset.get``) when a value is chosen, so
    a list that opens on a chosen department asked one query more than one opened on all of them."""

    iterator = _LoadedChoiceIterator

    def _get_queryset(self):
        return self._queryset

    def _set_queryset(self, queryset):
        self._loaded = None
        super()._set_queryset(queryset)

    queryset = property(_get_queryset, _set_queryset)

    def loaded(self) -> list:
        if getattr(self, "_loaded", None) is None:
            self._loaded = list(self.queryset)
        return self._loaded

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if self.null_label is not None and value == self.null_value:
            return value
        self.validate_no_null_characters(value)
        key = self.to_field_name or "pk"
        if isinstance(value, self.queryset.model):
            value = getattr(value, key)
        for obj in self.loaded():
            if str(getattr(obj, key)) == str(value):
                return obj
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})


class LoadedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter on :class:`LoadedModelChoiceField`: one query for the choices, whether or
    not one of them is chosen (short lists only, such as an organisation's departments)."""

    field_class = LoadedModelChoiceField


class StaffFilter(OrganisationFilterSet):
    q = django_filters.CharFilter(label=_("姓名/工号/用户名"), method="filter_q")
    department = django_filters.ModelChoiceFilter(label=_("科室"), queryset=Department.objects.none())
    staff_type = django_filters.ChoiceFilter(label=_("人员类别"), choices=StaffType.choices)
    position_category = django_filters.ChoiceFilter(label=_("岗位类别"), choices=PositionCategory.choices)
    role = django_filters.ChoiceFilter(label=_("角色"), choices=Role.choices, method="filter_role")
    is_active = django_filters.BooleanFilter(label=_("在职"), widget=YesNoAllSelect())

    class Meta:
        model = User
        fields = ["q", "department", "staff_type", "position_category", "role", "is_active"]

    def filter_q(self, queryset, name, value):
        value = search_words(value)
        return queryset.filter(
            Q(full_name__icontains=value) | Q(employee_number__icontains=value) | Q(username__icontains=value)
        )

    def filter_role(self, queryset, name, value):
        return queryset.filter(role_assignments__role=value).distinct()


class DepartmentFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("科室名称"), lookup_expr="icontains")
    is_active = django_filters.BooleanFilter(label=_("启用"), widget=YesNoAllSelect())
    lacks_head = django_filters.BooleanFilter(
        label=_("缺少科室负责人"), widget=YesNoAllSelect(), method="filter_lacks_head"
    )

    class Meta:
        model = Department
        fields = ["name", "is_active", "lacks_head"]

    def filter_lacks_head(self, queryset, name, value):
        lacking = without_head_at_work(Department.objects.all()).values("pk")
        return queryset.filter(pk__in=lacking) if value else queryset.exclude(pk__in=lacking)


class DateRangeForm(forms.Form):
    """A filter form with ``date_from`` and ``date_to``: a range that ends before it begins is said
    at the end date (the list would otherwise only say that nothing matches)."""

    def clean(self):
        cleaned = super().clean()
        check_date_order(self, "date_from", "date_to", _("截止日期不能早于起始日期。"))
        return cleaned


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("操作人"), method="filter_actor")
    # Every kind of object the trail writes about, and 安全设置 (accounts.audit.object_kinds).
    content_type = django_filters.ChoiceFilter(label=_("对象类型"), choices=[], method="filter_object_kind")
    # The entry's own labels (新增/修改/删除/访问), as the list shows them; auditlog's are English.
    action = django_filters.ChoiceFilter(label=_("操作"), choices=list(AuditEntry.ACTION_LABELS.items()))
    object_repr = django_filters.CharFilter(label=_("对象"), method="filter_object")
    event = django_filters.ChoiceFilter(label=_("事件"), choices=AuditEvent.choices)
    result = django_filters.ChoiceFilter(label=_("结果"), choices=AuditResult.choices)
    remote_addr = django_filters.CharFilter(label=_("地址"), lookup_expr="startswith")
    date_from = django_filters.DateFilter(
        label=_("起始日期"),
        field_name="timestamp",
        lookup_expr="date__gte",
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        label=_("截止日期"),
        field_name="timestamp",
        lookup_expr="date__lte",
        widget=DateInput(),
    )

    class Meta:
        model = AuditEntry
        form = DateRangeForm
        fields = [
            "actor",
            "content_type",
            "action",
            "object_repr",
            "event",
            "result",
            "remote_addr",
            "date_from",
            "date_to",
        ]

    def filter_object(self, queryset, name, value):
        """The object's text as the list shows it: the stored text of appraisal content holds more
        than its shown name (a grade, a sanction's kind, a veto's reason), so searching it would
        tell the auditor what the list hides (a user test found a veto by a person's name; a search
        for 好 would find the grades). Such entries are found by their kind, actor and time."""
        from .models import AUDIT_CONTENT_APPS, AUDIT_CONTENT_HIDDEN, AUDIT_CONTENT_SHOWN, AUDIT_NAME_IN_REPR

        def keys(labels):
            return Q(*(Q(app_label=key.split(".")[0], model=key.split(".")[1]) for key in labels), _connector=Q.OR)

        hidden = ContentType.objects.filter(Q(app_label__in=AUDIT_CONTENT_APPS) | keys(AUDIT_CONTENT_HIDDEN)).exclude(
            keys(AUDIT_CONTENT_SHOWN | AUDIT_NAME_IN_REPR)
        )
        return queryset.filter(object_repr__icontains=value).exclude(content_type__in=hidden)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from . import audit

        # One query for every model's content type while the cache is cold (a fresh worker:
        # get_for_model asked one each, 45 queries on its first audit page), none once it is warm.
        self.filters["content_type"].extra["choices"] = audit.object_kinds()

    def filter_object_kind(self, queryset, name, value):
        from . import audit

        return queryset.filter(audit.object_kind_filter(value))

    def filter_actor(self, queryset, name, value):
        return queryset.filter(Q(actor__full_name__icontains=value) | Q(actor__username__icontains=value))
