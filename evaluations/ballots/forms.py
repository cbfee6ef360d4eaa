"""民主测评 forms: they parse (people by 工号, the presets) and hand over to the services, which validate."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django import forms
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from accounts import periods
from accounts.models import Department, Organisation, Role, User
from accounts.selectors import participants_of
from accounts.text import MultiLineCharField, code, join_list

from .models import BallotScale
from .services import DIMENSIONS, MAX_CODES

SEPARATORS = re.compile(r"[\s,，、;；]+")


def _numbers(text: str) -> list[str]:
    """The 工号 of a pasted list, full-width ones as stored (:func:`accounts.text.code`)."""
    return [code(part) for part in SEPARATORS.split(text or "") if part]


class BallotOpenForm(forms.Form):
    title = forms.CharField(label=_("测评名称"), max_length=100, error_messages={"required": _("请填写测评名称。")})
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    scale = forms.ChoiceField(label=_("评价选项"), choices=BallotScale.choices, initial=BallotScale.GRADE)
    with_scores = forms.BooleanField(label=_("德、能、勤、绩、廉分项打分"), required=False)
    all_heads = forms.BooleanField(label=_("被测评人：全部科室负责人"), required=False, initial=True)
    subject_numbers = MultiLineCharField(
        label=_("其他被测评人（工号）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("多个工号用空格、逗号或换行分隔。"),
    )
    all_staff = forms.BooleanField(label=_("测评人：全体参加考核的干部职工"), required=False, initial=True)
    all_leaders = forms.BooleanField(label=_("测评人：领导班子（主要负责人、分管领导）"), required=False, initial=True)
    rater_numbers = MultiLineCharField(
        label=_("其他测评人（工号）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    service_user_codes = forms.IntegerField(
        label=_("服务对象测评码数量"),
        min_value=0,
        max_value=MAX_CODES,
        initial=0,
        help_text=_("没有账号的服务对象代表凭测评码投票，每个码只能用一次；发起后可打印。"),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        # The year whose year-end is under way (January–February still belong to the year before),
        # as the annual pages open on.
        self.fields["year"].initial = periods.year_at_work()

    def _people(self, field: str) -> list[User]:
        numbers = _numbers(self.cleaned_data.get(field, ""))
        if not numbers:
            return []
        # Whatever the case of its letters, as the staff register refuses s00004 beside S00004.
        people = User.objects.annotate(number=Upper("employee_number"))
        found = {
            u.number: u
            for u in people.filter(
                organisation=self.organisation, is_active=True, number__in=[n.upper() for n in numbers]
            )
        }
        unknown = [n for n in numbers if n.upper() not in found]
        if unknown:
            self.add_error(field, _("未找到以下工号：%(numbers)s") % {"numbers": join_list(unknown, limit=20)})
        return [found[n.upper()] for n in numbers if n.upper() in found]

    def clean(self):
        data = super().clean()
        subjects: list[User] = []
        if data.get("all_heads"):
            subjects += list(
                User.objects.filter(
                    pk__in=Department.objects.filter(
                        organisation=self.organisation, is_active=True, head__isnull=False
                    ).values("head_id"),
                    is_active=True,
                ).order_by("department__sort_order", "department__code", "employee_number")
            )
        subjects += self._people("subject_numbers")
        leaders: list[User] = []
        if data.get("all_leaders"):
            leaders = list(
                User.objects.filter(
                    organisation=self.organisation,
                    is_active=True,
                    role_assignments__organisation=self.organisation,
                    role_assignments__role__in=[Role.AGENCY_HEAD, Role.SUPERVISING_LEADER],
                )
                .distinct()
                .order_by("employee_number", "pk")
            )
        raters: list[User] = []
        if data.get("all_staff"):
            raters += list(participants_of(organisation=self.organisation).order_by("employee_number", "pk"))
        raters += self._people("rater_numbers")
        data["subjects"], data["leaders"], data["raters"] = subjects, leaders, raters
        return data


class CodesForm(forms.Form):
    count = forms.IntegerField(label=_("增发测评码数量"), min_value=1, max_value=MAX_CODES, initial=1)


class CodeEntryForm(forms.Form):
    code = forms.CharField(
        label=_("测评码"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"}),
    )


def paper_answers(data: Mapping[str, str], subject_ids: Iterable[int]) -> dict[str, dict]:
    """The paper's fields as the services take them, exactly as typed (``choice-<id>`` and
    ``score-<id>-<dimension>``; blanks left out): the services judge them, and a refused paper is
    shown again with what the rater entered."""
    answers: dict[str, dict] = {}
    for pk in subject_ids:
        item: dict = {}
        choice = data.get(f"choice-{pk}", "")
        if choice:
            item["choice"] = choice
        scores = {
            dimension: data.get(f"score-{pk}-{dimension}", "").strip()
            for dimension in DIMENSIONS
            if data.get(f"score-{pk}-{dimension}", "").strip()
        }
        if scores:
            item["scores"] = scores
        if item:
            answers[str(pk)] = item
    return answers
