from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Case, Exists, OuterRef, When
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import periods, selectors, services
from .models import (
    DEPARTMENT_POSTS,
    SEPARATED_ROLES,
    Department,
    Policy,
    Role,
    RoleAssignment,
    StaffStatus,
    StaffType,
    User,
)
from .selectors import PICKER_INLINE_LIMIT, departments_of
from .text import CodeField, PersonNameField, SingleLineCharField
from .validators import help_texts_for
from .widgets import DateInput


class EmailField(forms.EmailField):
    """An e-mail address, refused in the application's words, not Django's zh-hans "输入一个有效的
    Email 地址。" (a user test): every form of ours that takes one uses this field."""

    default_error_messages = {"invalid": _("请输入有效的电子邮箱地址。")}


class LoginForm(AuthenticationForm):
    """Django's sign-in form, plus an optional organisation code (typed, never a list) for a name
    several organisations use (accounts.backends). A shared name without the code is answered like
    a wrong password, so an anonymous visitor learns neither whether the name exists elsewhere nor
    which organisations there are; the demo's and most people's sign-in stays name and password."""

    error_messages = {
        "invalid_login": _("用户名或密码错误。连续失败5次，账号将被锁定15分钟。"),
        "inactive": _("该账号已停用，请联系组织人事部门。"),
    }

    organisation = forms.CharField(
        label=_("单位代码"),
        required=False,
        max_length=32,
        help_text=_("选填。与其他单位人员用户名相同时，请填写本单位代码（可向组织人事部门询问）。"),
        widget=forms.TextInput(attrs={"autocomplete": "organization", "autocapitalize": "none"}),
    )

    def clean(self):
        from django.contrib.auth import authenticate

        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(
                self.request,
                username=username,
                password=password,
                organisation=(self.cleaned_data.get("organisation") or "").strip(),
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    remember = forms.BooleanField(
        label=_("记住我"),
        required=False,
        help_text=_("关闭浏览器后仍保持登录；无操作超时仍会自动退出。公用电脑请勿勾选。"),
    )


class PasswordChangeRequiredForm(PasswordChangeForm):
    def validate_password_for_user(self, user, password_field_name="new_password2"):
        # The rules' messages go under the new password, beside the rules, not under its repetition.
        super().validate_password_for_user(user, "new_password1")

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].help_text = format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((text,) for text in help_texts_for(user)))
        )
        if user.must_change_password:
            # Set by someone else (a new account, a reset) and printed on the slip as 初始密码: the
            # first sign-in's form names it so, not 旧密码 (which the person never chose).
            self.fields["old_password"].label = _("初始密码")
            self.error_messages = {
                **self.error_messages,
                "password_incorrect": _("初始密码不正确，请按发给您的密码单重新输入。"),
            }


class TwoFactorTokenForm(forms.Form):
    token = forms.CharField(
        label=_("动态验证码"),
        max_length=16,
        help_text=_("验证器应用显示的6位数字；手机不在身边时，可输入一个备用恢复码。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())


class TwoFactorEnrolForm(TwoFactorTokenForm):
    """The first code, confirming a new authenticator: no recovery code exists yet (they are given
    once this code is accepted), so the help does not offer one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = _(
            "验证器应用显示的6位数字。设置完成后将给出一组备用恢复码，手机不在身边时可用恢复码登录。"
        )


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "head", "supervising_leader", "sort_order"]
        field_classes = {"code": SingleLineCharField, "name": SingleLineCharField}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        # Not the administrators (三员分立: the service refuses them too), and each told from a namesake.
        administrators = RoleAssignment.objects.filter(user=OuterRef("pk"), role__in=SEPARATED_ROLES)
        people = (
            User.objects.filter(organisation=organisation, is_active=True)
            .exclude(Exists(administrators))
            .select_related("department")
            .order_by("department__sort_order", "full_name", "employee_number")
        )
        # The head is nearly always one of the department's own people: they come first, then the rest.
        own_first = Case(When(department_id=self.instance.pk, then=0), default=1) if self.instance.pk else None
        orderings = {
            "head": people.order_by(own_first, *people.query.order_by) if own_first is not None else people,
            "supervising_leader": people,
        }
        # An appointment asked for and waiting for the second person leaves the post as it was
        # (services.department_save): the field shows the holder, and beside it who is to come.
        pending = selectors.department_pending_appointments(department=self.instance) if self.instance.pk else {}
        for name in ("head", "supervising_leader"):
            self.fields[name].queryset = orderings[name]
            if name in pending:
                # Two 李明 are told apart; escaped, as crispy writes help texts unescaped (``|safe``).
                self.fields[name].help_text = escape(
                    _("待确认：%(name)s（已申请，须由另一人确认后生效；在此之前仍为上面所选）")
                    % {"name": person_label(pending[name].user)}
                )
            self.fields[name].label_from_instance = person_label
            self.fields[name].empty_label = _("（暂不指定）")
            # Searchable, and beyond PICKER_INLINE_LIMIT people searched on the server (the agency's
            # leaders included: a supervising leader is one) rather than the whole organisation inline.
            widget = PersonSelect()
            widget.include_leaders = True
            widget.choices = self.fields[name].choices
            self.fields[name].widget = widget
        if not self.instance.pk:
            # After the last department, not 0 (which sorted a new one second in the list).
            self.initial.setdefault("sort_order", selectors.department_next_sort_order(organisation=organisation))

    def clean(self):
        cleaned = super().clean()
        head, leader = cleaned.get("head"), cleaned.get("supervising_leader")
        if head and leader and head.pk == leader.pk:
            self.add_error("supervising_leader", _("分管领导不能与科室负责人为同一人。"))
        return cleaned


# The attributes of a person that decide their appraisal: whether they take part (staff_type), the
# quota pool (is_leader_position), the indicator set (position_category) and from when they are asked
# for targets and summaries (appraisal_start).
APPRAISAL_ATTRIBUTES = ("staff_type", "position_category", "is_leader_position", "appraisal_start")


class _DepartmentChoices(forms.models.ModelChoiceIterator):
    def __iter__(self):
        rows = super().__iter__()
        yield next(rows)  # 请选择科室
        yield (DepartmentOrLeadershipField.LEADERSHIP, self.field.leadership_label)
        yield from rows

    def __len__(self) -> int:
        return super().__len__() + 1


class DepartmentOrLeadershipField(forms.ModelChoiceField):
    """A new person's department, chosen: "不在科室（领导班子成员）" is an option of its own, not what
    an untouched list gives (a user test created ordinary staff with no department, so nobody to
    review them). Cleans to the department, or None for a member of the leadership."""

    LEADERSHIP = "leadership"
    iterator = _DepartmentChoices

    def __init__(self, queryset, **kwargs):
        self.leadership_label = _("不在科室（领导班子成员）")
        kwargs.setdefault("empty_label", _("请选择科室"))
        kwargs.setdefault("error_messages", {"required": _("请选择所在科室；领导班子成员选择“不在科室”。")})
        kwargs["required"] = True  # the model field is blank=True: here a choice is asked for
        super().__init__(queryset, **kwargs)

    def clean(self, value):
        if value == self.LEADERSHIP:
            return None
        return super().clean(value)


class StaffForm(forms.ModelForm):
    """Attributes of a person. The department is set at creation; later moves use StaffMoveForm."""

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "employee_number",
            "department",
            "position_title",
            "staff_type",
            "position_category",
            "is_leader_position",
            "appraisal_start",
            "email",
        ]
        widgets = {"appraisal_start": DateInput()}
        # A name pasted from Word may carry its Shift+Enter (U+000B): stored as a space.
        field_classes = {
            "employee_number": CodeField,
            "position_title": SingleLineCharField,
            "full_name": PersonNameField,
            "department": DepartmentOrLeadershipField,
            "email": EmailField,
        }

    def __init__(self, *args, organisation, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation
        self.fields["full_name"].required = True
        self.fields["employee_number"].required = True
        self.fields["department"].queryset = departments_of(organisation=organisation, active_only=True)
        if not self.instance.pk:
            # As in the staff import: a new person's user name is their 工号 unless one is given.
            self.fields["username"].required = False
            # Not Django's "必填。…" after it: the field is not required here (a user test).
            self.fields["username"].help_text = _("不填则使用工号。最多150个字符，可用字母、数字和@/./+/-/_。")
        if self.instance.pk:
            # Moves keep history, so they go through their own form.
            del self.fields["department"]
        elif "appraisal_start" in self.fields:
            # Someone added once the organisation appraises in the system is usually a newcomer
            # (入职、调入): nothing before today is asked of them unless HR clears or moves the date.
            self.fields["appraisal_start"].initial = periods.today()
        # HR's own record: who takes part and in which pool is their own matter (本人事项). Another HR
        # administrator sets it where there is one (回避: a user test's HR moved their own 参加考核日期
        # past the open quarter, left its grading and lowered everyone's 好 quota); a sole one does,
        # told so (``self.own_matter``, the page's notice).
        sets_appraisal = actor.has_perm("accounts.edit_appraisal_attributes")
        self.own_matter = (
            selectors.own_matter(user=actor, person_ids=[self.instance.pk], organisation_id=organisation.pk)
            if self.instance.pk and sets_appraisal
            else ""
        )
        if not sets_appraisal or self.own_matter == selectors.OWN_MATTER_RECUSED:
            # Who takes part, the quota pool and the indicator set: HR's alone (三员分立); the
            # system administrator keeps the account's other attributes.
            for name in APPRAISAL_ATTRIBUTES:
                del self.fields[name]

    def clean_appraisal_start(self):
        start = self.cleaned_data["appraisal_start"]
        # Only a date typed now: one set years ago stays as it was when other fields are edited.
        if start is not None and "appraisal_start" in self.changed_data:
            # Within a year either side of today: a typo (2062 for 2026) would silently excuse or
            # burden a whole year.
            periods.check_plausible_date(start, around=periods.today().year, label=_("参加考核日期"))
        return start

    def clean_employee_number(self):
        return self.cleaned_data["employee_number"].strip()

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("employee_number")
        if not self.instance.pk and number and "username" not in self.errors:
            cleaned["username"] = services.staff_username(username=cleaned.get("username", ""), employee_number=number)
        # Whose 工号 or user name it is: the service's rule, also checked as it creates the person.
        if number and cleaned.get("username"):
            try:
                services.staff_identity_check(
                    organisation=self.organisation,
                    username=cleaned["username"],
                    employee_number=number,
                    person=self.instance,
                )
            except ValidationError as refusal:
                for field, messages in refusal.message_dict.items():
                    self.add_error(field, messages)
        return cleaned


class _MoveDepartmentField(forms.ModelChoiceField):
    """A department to move into, those without a head at work marked so in the list: a person
    moved there has nobody to review what they hand in (a user test: the page promised 新科室的负责人)."""

    def label_from_instance(self, department: Department) -> str:
        if department.has_head_at_work:
            return str(department)
        return _("%(department)s（无科室负责人）") % {"department": department}


class StaffMoveForm(forms.Form):
    # Empty: out of every department (主要负责人、分管领导 are not appraised inside one).
    department = _MoveDepartmentField(
        queryset=Department.objects.none(),
        label=_("调入科室"),
        required=False,
        empty_label=_("不在科室（领导班子成员）"),
        help_text=_("主要负责人、分管领导等领导班子成员不在科室中参加平时考核，选择“不在科室”。"),
    )
    on_date = forms.DateField(label=_("调动日期"), initial=periods.today, widget=DateInput())
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_of(organisation=organisation, active_only=True).select_related(
            "head"
        )

    @property
    def departments_without_head(self) -> list[Department]:
        """The departments offered that have no head at work (the list's labels say which)."""
        return [department for department in self.fields["department"].queryset if not department.has_head_at_work]

    @property
    def chosen_without_head(self) -> Department | None:
        """The department chosen, when it has no head at work (a bound form sent back)."""
        chosen = getattr(self, "cleaned_data", {}).get("department")
        return chosen if chosen is not None and not chosen.has_head_at_work else None


class MoveDateForm(forms.Form):
    on_date = forms.DateField(label=_("正确的调动日期"), widget=DateInput())
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class DeactivateForm(ReasonForm):
    # The day the person left (the last posting ends on it): the quarters and rosters it reaches
    # read it (a user test's leaver of 31 March was recorded as leaving on the day HR clicked).
    left_on = forms.DateField(
        label=_("离开日期"),
        required=False,
        widget=DateInput(),
        help_text=_("离职、退休或调出本单位的日期；不填为今天。"),
    )


# The roles that follow a department post (科室负责人, 分管领导): set on the department form, not here.
_POST_ROLES = frozenset(DEPARTMENT_POSTS.values())


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("角色"),
        choices=[(value, label) for value, label in Role.choices if value not in _POST_ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, person, withdrawing=frozenset(), **kwargs):
        # A role held until a waiting grant is confirmed (``withdrawing``) shows unticked, as asked:
        # ticked again, it stays (accounts.services.roles_set).
        self.person_post_roles = set(person.roles) & _POST_ROLES
        super().__init__(*args, initial={"roles": sorted(set(person.roles) - _POST_ROLES - set(withdrawing))}, **kwargs)

    @property
    def post_role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in sorted(self.person_post_roles)]

    def clean_roles(self):
        # The separation of duties is the service's rule (services.roles_set); the form only parses.
        # The person's department posts are kept as they are.
        return set(self.cleaned_data["roles"]) | self.person_post_roles


# The security settings (三员分立: the security administrator's, not HR's) have a form of their own.
SECURITY_SETTINGS_FIELDS = Policy.SECURITY_SETTINGS_FIELDS


class ModelLimitsForm(forms.ModelForm):
    """A model form whose number fields state the model's own limits: a ``PositiveSmallIntegerField``
    with ``MinValueValidator(5)`` would otherwise refuse -5 with the column's floor ("大于或等于0")
    and only then 0 with the real one. The column's bounds give way to the model's validators (with
    their messages, checked by full_clean), and the input's min/max attributes follow them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if not isinstance(field, forms.IntegerField):
                continue
            try:
                model_validators = self._meta.model._meta.get_field(name).validators
            except FieldDoesNotExist:
                continue
            for kind, attribute in ((MinValueValidator, "min"), (MaxValueValidator, "max")):
                own = [v for v in model_validators if type(v) is kind]
                if not own:
                    continue
                field.validators = [v for v in field.validators if type(v) is not kind] + own[-1:]
                field.widget.attrs[attribute] = own[-1].limit_value


class PolicySeenMixin(forms.Form):
    """When the page was read: the policy's ``updated_at`` then, sent back with the form, so a save
    from a page read before another save (another tab, another administrator) is refused rather than
    silently undoing it (accounts.services.policy_update; a user test lost a change that way)."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk and instance.updated_at:
            self.fields["seen"].initial = instance.updated_at.isoformat()


class SecuritySettingsForm(PolicySeenMixin, ModelLimitsForm):
    reason = forms.CharField(label=_("修改原因"), max_length=200, required=False)

    class Meta:
        model = Policy
        fields = list(SECURITY_SETTINGS_FIELDS)
        help_texts = {"session_idle_minutes": _("无操作超过此时长自动退出登录；最长30分钟。")}


class PolicyForm(PolicySeenMixin, ModelLimitsForm):
    participating_staff_types = forms.MultipleChoiceField(
        label=_("参加平时考核的人员类别"),
        choices=StaffType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("只有这些类别的在职人员参加平时考核，也只有他们可在测评、检查和处分中被选择。"),
    )
    reason = forms.CharField(label=_("修改原因"), max_length=200, required=False)
    # The stored secret is never sent back to the browser: the field starts empty and its help
    # says whether one is set; typing replaces it, the box below clears it.
    dingtalk_secret = forms.CharField(
        label=_("钉钉机器人加签密钥"),
        max_length=200,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    dingtalk_secret_clear = forms.BooleanField(
        label=_("清除已设置的加签密钥"), required=False, help_text=_("勾选并保存后，删除已保存的加签密钥。")
    )
    dingtalk_webhook_url = forms.URLField(
        label=Policy._meta.get_field("dingtalk_webhook_url").verbose_name,
        help_text=Policy._meta.get_field("dingtalk_webhook_url").help_text,
        max_length=500,
        required=False,
        assume_scheme="https",
    )

    # The page shows the policy in these sections, in this order (DOMAIN.md's sections). A field
    # added to Policy later and not named here still appears, in the last section.
    SECTIONS = (
        (
            "period",
            _("考核周期与截止时间"),
            _("何时交季目标和月小结、何时完成评鉴，以及提醒。"),
            (
                "period",
                "started_on",
                "target_deadline_day",
                "summary_deadline_day",
                "deadlines_on_working_days",
                "grading_deadline_days",
                "reminder_days_before",
                "review_reminder_days",
                "attachment_max_mb",
            ),
        ),
        (
            "grading",
            _("季度评鉴与名额"),
            _("“好”等次名额、不确定等次和审批前的纪委意见。"),
            (
                "good_quota_percent",
                "good_quota_separate_pools",
                "uncertain_leave_share_percent",
                "discipline_review_step",
            ),
        ),
        (
            "scores",
            _("量化评分"),
            _("启用后，评鉴人按指标打分，系统给出建议等次。"),
            (
                "score_model_enabled",
                "common_indicator_weight",
                "individual_indicator_weight",
                "band_good",
                "band_fairly_good",
                "band_average",
                "unhandled_complaint_deduction",
                "handled_complaint_deduction",
                "praise_bonus",
                "linkage_enabled",
                "linkage_coefficient",
                "party_building_weight",
                "party_basics_share",
                "party_education_share",
                "party_bottom_line_share",
            ),
        ),
        (
            "discipline",
            _("纪律作风与公示"),
            _("纪律作风检查的频次和季度结果的公示。"),
            ("inspections_per_month", "publication_working_days", "publish_scores"),
        ),
        (
            "feedback",
            _("结果反馈谈话"),
            _("定等后由谁与被考核人谈心谈话（二级反馈），以及逾期提醒。"),
            ("feedback_talk_by", "feedback_talk_working_days"),
        ),
        (
            "openness",
            _("每周进展与钉钉推送"),
            _("每周工作进展的填报与公开，以及向钉钉工作群推送公示和每周进展。"),
            ("weekly_progress_enabled", "dingtalk_webhook_url", "dingtalk_secret", "dingtalk_secret_clear"),
        ),
        (
            "annual",
            _("年度考核"),
            _("年度等次的名额和建议规则、参加考核的人员类别。"),
            (
                "excellent_quota_percent",
                "excellent_min_good_share_percent",
                "excellent_forbids_average_or_below",
                "basic_competent_average_quarters",
                "probation_gets_annual_grade",
                "participating_staff_types",
            ),
        ),
        (
            "welfare",
            _("公益性岗位年度考核"),
            _("用人单位对公益性岗位人员的年度考核时间、民主测评的服务对象人数和考核结果的处理期限。"),
            (
                "welfare_window_month",
                "welfare_window_first_day",
                "welfare_window_last_day",
                "welfare_service_users_min",
                "welfare_service_users_max",
                "welfare_consequence_working_days",
                "welfare_agreement_notice_days",
            ),
        ),
        (
            "ballots",
            _("民主测评"),
            _("测评票的“优秀”比例、废票规则、去掉最高最低分，以及影响年度建议等次的测评结果比例。"),
            (
                "ballot_excellent_limit_percent",
                "ballot_void_identical",
                "ballot_void_full_marks",
                "ballot_max_dimension_score",
                "ballot_trim_extremes",
                "ballot_trim_above_papers",
                "ballot_low_share_percent",
                "ballot_dissatisfied_percent",
            ),
        ),
    )

    class Meta:
        model = Policy
        fields = [
            f.name
            for f in Policy._meta.get_fields()
            if f.concrete
            and f.editable
            and f.name not in ("id", "organisation", "updated_at")
            and f.name not in SECURITY_SETTINGS_FIELDS
        ]
        widgets = {"started_on": DateInput()}
        # Help for the fields whose model has none (the model's own help_text is kept).
        help_texts = {
            "period": _("平时考核按季度进行。"),
            "reminder_days_before": _("截止日前多少天提醒尚未提交的人员；0为不提前提醒。"),
            "attachment_max_mb": _("月小结每个附件的大小上限。"),
            "score_model_enabled": _("不启用时，评鉴人直接评定等次。"),
            "common_indicator_weight": _("个人得分中共性指标所占权重；与个性指标权重之和为100。"),
            "individual_indicator_weight": _("个人得分中个性指标所占权重。"),
            "band_good": _("综合得分达到此分数，建议评为“好”。"),
            "band_fairly_good": _("综合得分达到此分数，建议评为“较好”。"),
            "linkage_enabled": _("个人综合得分计入所在科室的得分（系数见下）。"),
            "discipline_review_step": _("启用后，主要负责人审批季度结果前须有纪检督查的意见。"),
            "inspections_per_month": _("每月纪律作风检查少于此次数时提醒纪检督查。"),
            "publication_working_days": _("季度和年度结果公示的工作日数。"),
            "publish_scores": _("不勾选时只公示等次。"),
            "excellent_quota_percent": _("按参加年度考核的人数计算，向下取整。"),
            "excellent_forbids_average_or_below": _("年内有季度评为“一般”或“较差”的，不建议为“优秀”。"),
            "basic_competent_average_quarters": _("年内“一般”和“较差”季度合计达到此数，建议为“基本称职”。"),
            "probation_gets_annual_grade": _("不勾选时，试用期人员只写评语，不定等次。"),
            "welfare_window_month": _("公益性岗位年度考核所在的月份（默认12月）。"),
            "welfare_window_first_day": _("自该日起可开展公益性岗位年度考核（默认1日）。"),
            "welfare_window_last_day": _("个人述职应在该日前提交，逾期提交的予以记录（默认15日）。"),
            "welfare_service_users_min": _("民主测评中服务对象（发放测评码）的最少人数。"),
            "welfare_service_users_max": _("民主测评中服务对象（发放测评码）的最多人数。"),
            "welfare_consequence_working_days": _(
                "考核结果确定后，诫勉谈话、不予续签、解除劳动合同须在此工作日数内办理，逾期在人事首页提示。"
            ),
            "welfare_agreement_notice_days": _(
                "上岗协议截止日前多少天起，在人事干部的待办和岗位列表中提醒续签；已到期未续签的一并提醒。"
            ),
            "ballot_void_full_marks": _("启用德能勤绩廉分项打分时，所有被测评人各项均为满分的票作废。"),
            "ballot_max_dimension_score": _("德、能、勤、绩、廉每项打分的上限。"),
            "ballot_trim_above_papers": _("默认5：有效票多于5张时才去掉最高分和最低分。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.dingtalk_secret_is_set:
            self.fields["dingtalk_secret"].help_text = _("已设置（不显示）。留空保持不变；填写新密钥则替换。")
        else:
            self.fields["dingtalk_secret"].help_text = _("未设置。机器人安全设置选择“加签”时，填写以SEC开头的密钥。")
            del self.fields["dingtalk_secret_clear"]

    def dingtalk_secret_change(self) -> str | None:
        """What policy_update does with the secret: None keeps it, "" clears it, text replaces it."""
        if self.cleaned_data.get("dingtalk_secret_clear"):
            return ""
        return self.cleaned_data.get("dingtalk_secret") or None

    def sections(self) -> list[dict]:
        """The bound fields grouped for the page; fields not named in SECTIONS go last."""
        named = {name for *_head, names in self.SECTIONS for name in names}
        groups = [
            {
                "key": key,
                "title": title,
                "description": description,
                "fields": [self[n] for n in names if n in self.fields],
            }
            for key, title, description, names in self.SECTIONS
        ]
        rest = [self[n] for n in self.fields if n not in named and n != "reason"]
        if rest:
            groups.append({"key": "other", "title": _("其他"), "description": "", "fields": rest})
        return [group for group in groups if group["fields"]]


class ExcelImportForm(forms.Form):
    """The upload of every Excel import page (:func:`accounts.pages.import_page`)."""

    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class StaffStatusForm(forms.ModelForm):
    class Meta:
        model = StaffStatus
        fields = ["kind", "start_date", "end_date", "note"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
        }

    def clean(self):
        cleaned = super().clean()
        check_date_order(self, "start_date", "end_date", _("结束日期不能早于起始日期。"))
        return cleaned


def check_date_order(form: forms.Form, start: str, end: str, message) -> None:
    """A period's end before its start, said at the end's field (its cleaned dates, when both are there)."""
    first, last = form.cleaned_data.get(start), form.cleaned_data.get(end)
    if first and last and last < first:
        form.add_error(end, message)


def person_label(person: User) -> str:
    """How a picker names a person: with the employee number and department."""
    # Not in a department (the agency's leaders): no "—" in its place, which read as a missing value.
    said = [person.employee_number or "—"] + ([person.department.name] if person.department_id else [])
    return f"{person.get_full_name()}（{'，'.join(said)}）"


class PersonSelect(forms.Select):
    """A person <select> that static/js/app.js makes searchable (a filter box above it) and, in a
    form with department checkboxes, narrows to the ticked departments (each option carries
    its person's department).

    Beyond PICKER_INLINE_LIMIT people it lists only the chosen person and carries
    ``data-search-url``: the script then asks the server (``accounts:people_search``) as one
    types, instead of the page carrying every participant of the organisation."""

    # Set by PersonChoiceField: whether the search includes the agency's leaders; the departments
    # the search keeps to (a correction's inspection's: whom the field's queryset offers); and
    # whether the list is always written out (a field whose people the asker may not search, such
    # as a leader's own departments' people).
    include_leaders = False
    departments: tuple[int, ...] = ()
    inline = False

    def __init__(self, attrs=None):
        super().__init__(
            {"data-person-picker": "", "data-search-placeholder": _("输入姓名、工号或科室筛选"), **(attrs or {})}
        )

    def get_context(self, name, value, attrs):
        iterator = self.choices
        self.searched = False
        if hasattr(iterator, "queryset"):
            # One query either way: the first PICKER_INLINE_LIMIT + 1 people tell whether to list
            # them (they are the list) or to search.
            people = list(iterator.queryset if self.inline else iterator.queryset[: PICKER_INLINE_LIMIT + 1])
            self.searched = not self.inline and len(people) > PICKER_INLINE_LIMIT
            if self.searched:
                # Only the empty choice and the chosen person; the rest come from the search.
                chosen = {str(v) for v in self.format_value(value)}
                people = [person for person in people if str(person.pk) in chosen]
                missing = [v for v in chosen - {str(person.pk) for person in people} if v.isdigit()]
                if missing:
                    people += list(iterator.queryset.filter(pk__in=missing))
                query = urlencode(
                    [("leaders", "1")] * self.include_leaders + [("department", pk) for pk in self.departments]
                )
                attrs = {
                    **(attrs or {}),
                    "data-search-url": reverse("accounts:people_search") + (f"?{query}" if query else ""),
                    "data-more-label": _("更多……"),
                }
            empty = [("", iterator.field.empty_label)] if iterator.field.empty_label is not None else []
            self.choices = empty + [iterator.choice(person) for person in people]
        return super().get_context(name, value, attrs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None and instance.department_id:
            option["attrs"]["data-department"] = str(instance.department_id)
        return option


class PersonChoiceField(forms.ModelChoiceField):
    """A person picker that names the person with their employee number and department.

    ``include_leaders`` says whether its queryset (``choosable_people``) includes the agency's
    leaders, so that the server-side search of a large organisation offers the same people."""

    widget = PersonSelect

    def __init__(self, *args, include_leaders: bool = False, departments=(), inline: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.widget.include_leaders = include_leaders
        self.widget.departments = tuple(departments)
        self.widget.inline = inline

    def label_from_instance(self, obj: User) -> str:
        return person_label(obj)


class WorkingDayOverrideForm(forms.Form):
    """Parses an override; the range and duplicate checks are the service's."""

    date = forms.DateField(label=_("日期"), widget=DateInput())
    is_working_day = forms.TypedChoiceField(
        label=_("当天安排"),
        choices=[("0", _("休息（放假）")), ("1", _("上班（补班）"))],
        # A radio pair, not a checkbox: an unticked box cannot be told from a forgotten one.
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    note = forms.CharField(label=_("说明"), max_length=100, required=False, help_text=_("例如：国庆节放假、调休补班。"))
