"""Navigation built from the permission rules, so a menu item shows exactly when its page allows entry."""

from functools import cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .middleware import RESTORED_FORM_KEY, TWO_FACTOR_SESSION_KEY, ForcePasswordChangeMiddleware, TwoFactorMiddleware

# Menu areas, in menu order. A person with many items (HR has about eighteen) sees one dropdown
# per area; a person with few sees them side by side.
NAV_GROUPS = (
    ("work", _("我的工作")),
    ("process", _("考核过程")),
    ("discipline", _("纪律作风")),
    ("annual", _("年度与结果")),
    ("people", _("组织与人员")),
    ("system", _("系统")),
)
# Eight: a head or a supervising leader (their work, review, grading, the weekly board and the
# results board) keeps a flat menu.
FLAT_MENU_MAX = 8


# Labels in the context "menu": their English is short, so a head's nine items fit one line.
NAV_ITEMS = (
    # (url name, label, permission or None for everyone signed in, menu area)
    ("targets:my_targets", pgettext_lazy("menu", "季度目标"), "targets.write_targets", "work"),
    ("summaries:list", pgettext_lazy("menu", "月小结"), "summaries.write_own_summary", "work"),
    ("review", pgettext_lazy("menu", "待我审核"), "summaries.use_review_inbox", "process"),
    ("roster", pgettext_lazy("menu", "提交情况"), "summaries.view_roster", "process"),
    ("targets:goal_list", pgettext_lazy("menu", "科室目标"), "targets.manage_goals", "process"),
    ("evaluations:grading", pgettext_lazy("menu", "评鉴"), "evaluations.grading_work", "process"),
    ("evaluations:quarters", pgettext_lazy("menu", "季度结果"), "evaluations.view_quarters", "process"),
    ("evaluations:satisfaction_list", pgettext_lazy("menu", "测评与评价"), "evaluations.manage_inputs", "process"),
    ("evaluations:score_indicator_set_list", pgettext_lazy("menu", "评分指标"), "evaluations.manage_scores", "process"),
    ("evaluations:rollup", pgettext_lazy("menu", "季度汇总"), "evaluations.run_rollup", "process"),
    ("evaluations:annual_index", pgettext_lazy("menu", "年度考核"), "evaluations.view_annual", "annual"),
    # The weekly progress board; the goals board (目标展示) is linked from it.
    ("publicity:weekly", pgettext_lazy("menu", "每周进展"), "publicity.view_boards", "annual"),
    # Published results (结果公示) and objections; its URL is the prefix of the other boards'.
    ("publicity:board", pgettext_lazy("menu", "结果公示"), "publicity.view_publications", "annual"),
    # HR's overview of the feedback talks per department (publicity.feedback).
    (
        "publicity:feedback_overview",
        pgettext_lazy("menu", "反馈谈话情况"),
        "publicity.view_feedback_overview",
        "annual",
    ),
    # The year-end workbook and the record forms (publicity.reports).
    ("reports:index", pgettext_lazy("menu", "年度报表"), "publicity.export_year", "annual"),
    # The year's figures and the 轮流坐庄 check (appraisal_site.dashboards).
    ("dashboard", pgettext_lazy("menu", "数据看板"), "publicity.view_dashboard", "annual"),
    # 创新突破: leaders propose, HR confirms (evaluations.annual.achievements).
    ("evaluations:achievements_index", pgettext_lazy("menu", "创新突破"), "evaluations.view_achievements", "annual"),
    # 民主测评: HR opens ballots, prints codes, reads the tally (evaluations.ballots).
    ("evaluations:ballot_list", pgettext_lazy("menu", "民主测评"), "evaluations.manage_ballots", "annual"),
    # 公务员主管部门: the overseen organisations' figures (appraisal_site.oversight).
    ("oversight:index", pgettext_lazy("menu", "各单位考核概况"), "accounts.view_oversight", "annual"),
    # 公益性岗位 (DOMAIN.md §8): the employing unit's annual assessment (evaluations.welfare), and
    # the worker's own year.
    ("evaluations:welfare_index", pgettext_lazy("menu", "公益性岗位考核"), "evaluations.view_welfare", "annual"),
    ("evaluations:welfare_mine", pgettext_lazy("menu", "我的年度考核"), "evaluations.view_own_welfare", "work"),
    ("evaluations:inspections", pgettext_lazy("menu", "纪律作风检查"), "evaluations.view_inspections", "discipline"),
    (
        "evaluations:sanction_list",
        pgettext_lazy("menu", "处分与组织处理"),
        "evaluations.manage_sanctions",
        "discipline",
    ),
    ("evaluations:veto_list", pgettext_lazy("menu", "一票否决"), "evaluations.view_veto_flags", "discipline"),
    ("accounts:staff_list", pgettext_lazy("menu", "人员管理"), "accounts.view_staff", "people"),
    ("accounts:pending_changes", pgettext_lazy("menu", "待确认变更"), "accounts.view_pending_changes", "people"),
    ("accounts:department_list", pgettext_lazy("menu", "科室管理"), "accounts.manage_departments", "people"),
    ("accounts:staff_import", pgettext_lazy("menu", "批量导入"), "accounts.import_staff", "people"),
    ("accounts:policy", pgettext_lazy("menu", "考核政策"), "accounts.view_policy", "system"),
    ("accounts:calendar", pgettext_lazy("menu", "工作日历"), "accounts.manage_calendar", "system"),
    ("accounts:security_settings", pgettext_lazy("menu", "安全设置"), "accounts.edit_security_settings", "system"),
    ("accounts:audit_list", pgettext_lazy("menu", "审计日志"), "accounts.view_audit_log", "system"),
)


@cache
def _menu_url(name: str, prefix: str, urlconf) -> str:
    """A menu item's URL: it takes no arguments, so it is the same on every page (for the same
    script prefix and URL configuration); reversed once, not on every page for every item."""
    return reverse(name, urlconf=urlconf)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if getattr(request, "session", {}).get(TWO_FACTOR_SESSION_KEY) in TwoFactorMiddleware.TARGETS:
        # Until the second factor is given the session reaches no other page: no menu to offer.
        return {"nav_items": [], "second_factor_pending": True}
    if ForcePasswordChangeMiddleware.must_change(request, user):
        # Likewise until a set or expired password is changed: every item would lead back to it.
        return {"nav_items": [], "password_change_pending": True}
    # A view may name the menu item it belongs to (``request.nav_active = "review"``), or "" for
    # none, when its URL alone would light the wrong one (a head reading a person's targets).
    chosen = getattr(request, "nav_active", None)
    items = [
        {
            "url": _menu_url(name, get_script_prefix(), get_urlconf()),
            "label": label,
            "active": name == chosen if chosen is not None else False,
            "group": group,
        }
        for name, label, perm, group in NAV_ITEMS
        if perm is None or user.has_perm(perm)
    ]
    if chosen is None:
        # The longest URL the path starts with: /publicity/weekly/ is 每周进展, not 结果公示 (/publicity/).
        matching = [item for item in items if request.path.startswith(item["url"])]
        if matching:
            max(matching, key=lambda item: len(item["url"]))["active"] = True
    groups = []
    if len(items) > FLAT_MENU_MAX:
        for key, label in NAV_GROUPS:
            members = [item for item in items if item["group"] == key]
            if members:
                groups.append(
                    {"key": key, "label": label, "items": members, "active": any(i["active"] for i in members)}
                )
    # Digest entries wait off the bell for their day's digest.
    unread = user.notifications.filter(read_at__isnull=True, digest_day__isnull=True).count()
    return {"nav_items": items, "nav_groups": groups, "unread_notifications": unread}


def restored_form(request) -> dict:
    """What a form posted after the session ended carried (``EndedSessionMiddleware``), once,
    on the page it was on, after signing in again: base.html hands it to static/js/app.js."""
    session = getattr(request, "session", None)
    if session is None or RESTORED_FORM_KEY not in session or request.method != "GET":
        return {}
    kept = session[RESTORED_FORM_KEY]
    if not request.user.is_authenticated or request.headers.get("HX-Request"):
        return {}
    if kept.get("typed_by") != str(request.user.pk):
        # Typed by someone else before their session ended (a shared computer): never shown to another.
        del session[RESTORED_FORM_KEY]
        return {}
    if request.path != kept.get("page"):
        return {}
    del session[RESTORED_FORM_KEY]
    return {"restored_form": {"action": kept["action"], "fields": kept["fields"]}}
