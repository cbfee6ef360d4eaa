import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from accounts.widgets import YesNoAllSelect

from .review import inbox_kind_choices


class InboxFilter(django_filters.FilterSet):
    """Filters shared by every kind in the inbox: each reviewed document has owner, department and is_late."""

    kind = django_filters.ChoiceFilter(label=_("类别"), choices=inbox_kind_choices, method="filter_nothing")
    department = django_filters.ModelChoiceFilter(
        label=_("科室"), queryset=Department.objects.none(), method="filter_department"
    )
    q = django_filters.CharFilter(label=_("姓名"), method="filter_q")
    late = django_filters.BooleanFilter(label=_("迟交"), field_name="is_late", widget=YesNoAllSelect())

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["department"].queryset = departments

    def filter_nothing(self, queryset, name, value):
        # The kind picks which querysets are shown (see views.review_inbox), not rows within one.
        return queryset

    def filter_department(self, queryset, name, value):
        # Written in the department, or by someone in it now: a document a move handed to this head
        # keeps the department it was written in (a user test's filter on their only department
        # hid the two documents the move had handed them).
        return queryset.filter(Q(department=value) | Q(owner__department=value))

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(owner__full_name__icontains=value) | Q(owner__username__icontains=value))
