"""Navigation built from the permission rules, so a menu item shows exactly when its page allows entry."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

NAV_ITEMS = (
    # (url name, label, permission or None for everyone signed in)
    ("targets:my_targets", _("季度目标"), "targets.write_targets"),
    ("summaries:list", _("月小结"), "summaries.write_own_summary"),
    ("review", _("待我审核"), "summaries.use_review_inbox"),
    ("roster", _("提交情况"), "summaries.view_roster"),
    ("targets:goal_list", _("科室目标"), "targets.manage_goals"),
    ("evaluations:grading", _("评鉴"), "evaluations.grading_work"),
    ("evaluations:quarters", _("季度结果"), "evaluations.view_quarters"),
    ("evaluations:satisfaction_list", _("测评与评价"), "evaluations.manage_inputs"),
    ("evaluations:score_indicator_set_list", _("评分指标"), "evaluations.manage_scores"),
    ("evaluations:rollup", _("季度汇总"), "evaluations.run_rollup"),
    ("evaluations:annual_index", _("年度考核"), "evaluations.view_annual"),
    ("evaluations:inspections", _("纪律作风检查"), "evaluations.view_inspections"),
    ("evaluations:sanction_list", _("处分与组织处理"), "evaluations.manage_sanctions"),
    ("evaluations:veto_list", _("一票否决"), "evaluations.view_veto_flags"),
    ("accounts:staff_list", _("人员管理"), "accounts.manage_staff"),
    ("accounts:department_list", _("科室管理"), "accounts.manage_departments"),
    ("accounts:staff_import", _("批量导入"), "accounts.import_staff"),
    ("accounts:policy", _("考核政策"), "accounts.view_policy"),
    ("accounts:calendar", _("工作日历"), "accounts.manage_calendar"),
    ("accounts:audit_list", _("审计日志"), "accounts.view_audit_log"),
)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {"url": reverse(name), "label": label, "active": request.path.startswith(reverse(name))}
        for name, label, perm in NAV_ITEMS
        if perm is None or user.has_perm(perm)
    ]
    # Digest entries wait off the bell for their day's digest.
    unread = user.notifications.filter(read_at__isnull=True, digest_day__isnull=True).count()
    return {"nav_items": items, "unread_notifications": unread}
