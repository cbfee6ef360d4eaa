"""Expectation table of tests/test_permission_matrix.py: per URL name, per persona, the outcome
of a GET and of an empty POST.

Outcomes: "ok" (2xx, or a redirect elsewhere than the sign-in page), "login" (redirect to the
sign-in page), "deny" (403: the page is for a role the persona lacks), "404" (the object is
another person's or another organisation's, or does not exist for this persona), "405" (method not
allowed), "400" (allowed, but the empty form is refused), "409" (the persona's own document, no longer
editable: the page as it now is, with what was sent).

Personas (tests/test_permission_matrix.py seeds them): the objects in the URLs belong to ``staff``
of the first organisation (department A, head ``head``, supervising leader ``leader``);
``other_staff`` and ``other_head`` are of department B of the same organisation; ``other_hr`` is HR
of a second organisation; ``chief`` is the agency head. No persona holds the 公务员主管部门 role
(every persona is refused /oversight/); the bureau's own access, and its refusal to show an
organisation it does not oversee, are tested in tests/test_oversight.py.

Rules each cell was checked against (DOMAIN.md, issue 10): anonymous never gets past the sign-in
page; another person's or organisation's object answers 404, a role-level page 403; the auditor
and the two other administrators never "ok" on appraisal content; staff never "ok" on HR pages.

Known deviation, accepted: a POST-only view answers an anonymous GET with 405 before sending it to
sign in (``require_POST`` is the outer decorator); it reveals no data.

Adding a URL: run ``PERMISSION_MATRIX_RECORD=/tmp/m pytest tests/test_permission_matrix.py``, copy the
new URL's cells from /tmp/m/<persona>.json, and check each one against the rules above. Write the
row with ``row()`` (the outcome most personas get, then the exceptions) or as a literal dict of
every persona; both stand in the table.
"""

PERSONAS = (
    "anonymous",
    "staff",
    "other_staff",
    "head",
    "other_head",
    "leader",
    "chief",
    "hr",
    "other_hr",
    "inspector",
    "auditor",
    "sysadmin",
    "security_admin",
)

OK = ("ok", "ok")
LOGIN = ("login", "login")
DENY = ("deny", "deny")
NOT_FOUND = ("404", "404")
# A POST-only view (``require_POST``) answers every GET with 405; the POST gets the second outcome.
POST_OK = ("405", "ok")
POST_DENY = ("405", "deny")
POST_NOT_FOUND = ("405", "404")
POST_LOGIN = ("405", "login")


def row(others: tuple[str, str], /, *, anonymous: tuple[str, str] | None = None, **cells: tuple[str, str]):
    """One URL's row: ``cells`` for the personas named, ``others`` for every other signed-in persona.

    ``anonymous`` is sent to sign in unless said otherwise; where ``others`` is a POST-only view's
    (GET 405) it defaults to POST_LOGIN, the accepted deviation above. ``row(DENY, hr=OK,
    other_hr=NOT_FOUND)``: HR's page, another organisation's HR gets a 404, everyone else a 403. A row
    written out as a literal dict of all thirteen personas is just as valid.
    """
    unknown = set(cells) - set(PERSONAS) | ({"anonymous"} & set(cells))
    if unknown:
        raise ValueError(f"not a persona (anonymous has its own argument): {sorted(unknown)}")
    if anonymous is None:
        anonymous = POST_LOGIN if others[0] == "405" else LOGIN
    return {persona: anonymous if persona == "anonymous" else cells.get(persona, others) for persona in PERSONAS}


def get_only(cells: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """A GET/HEAD-only view's row (``require_safe``, the PDF downloads): the GET gets ``cells``' first
    outcome, and every POST, whoever sends it, 405 (the decorator answers before the sign-in check)."""
    return {persona: (get, "405") for persona, (get, _post) in cells.items()}


MATRIX: dict[str, dict[str, tuple[str, str]]] = {
    "home": row(OK),
    "healthz": row(OK, anonymous=OK),
    "accounts:login": row(OK, anonymous=OK),
    "accounts:logout": row(POST_LOGIN),
    "accounts:password_change": row(OK),
    "accounts:two_factor_setup": row(OK),
    "accounts:two_factor_verify": row(OK),
    "accounts:department_list": row(DENY, hr=OK, other_hr=OK),
    "accounts:department_create": row(DENY, hr=OK, other_hr=OK),
    "accounts:department_edit": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "accounts:department_deactivate": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "accounts:department_reactivate": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    # other_hr: answers with the asker's own organisation only
    "accounts:people_search": row(DENY, hr=OK, other_hr=OK, inspector=OK, chief=OK),
    "accounts:staff_list": row(DENY, hr=OK, other_hr=OK, sysadmin=OK, security_admin=OK),
    "accounts:staff_create": row(DENY, hr=OK, other_hr=OK, sysadmin=OK),
    "accounts:staff_import": row(DENY, hr=OK, other_hr=OK),
    "accounts:staff_import_template": row(DENY, hr=OK, other_hr=OK),
    "accounts:staff_import_passwords": row(POST_DENY, hr=POST_OK, other_hr=POST_OK),
    # Nothing imported in the session: HR is sent to the import page.
    "accounts:staff_import_result": row(DENY, hr=OK, other_hr=OK),
    # FINDING: the system and security administrators see the person's special statuses (立案审查 included)
    # and evaluator here; the page is role-level right, its content is left as is.
    "accounts:staff_detail": row(DENY, hr=OK, other_hr=NOT_FOUND, sysadmin=OK, security_admin=OK),
    "accounts:staff_initial_password": row(DENY, hr=OK, other_hr=NOT_FOUND, sysadmin=OK),
    "accounts:staff_edit": row(DENY, hr=OK, other_hr=NOT_FOUND, sysadmin=OK),
    "accounts:staff_move": row(DENY, hr=OK, other_hr=NOT_FOUND, sysadmin=OK),
    "accounts:staff_move_date": row(DENY, hr=("ok", "400"), other_hr=NOT_FOUND, sysadmin=("ok", "400")),
    "accounts:staff_deactivate": row(DENY, hr=OK, other_hr=NOT_FOUND, sysadmin=OK),
    "accounts:staff_reactivate": row(DENY, hr=OK, other_hr=NOT_FOUND, sysadmin=OK),
    # Fixed here: the system administrator could record and remove special statuses (长期休假, 立案审查),
    # which decide who is graded; now HR's alone (accounts.manage_statuses).
    "accounts:staff_status_add": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "accounts:staff_status_remove": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "accounts:staff_roles": row(DENY, security_admin=OK),
    "accounts:staff_reset_password": row(DENY, hr=OK, other_hr=NOT_FOUND, sysadmin=OK),
    "accounts:staff_two_factor_reset": row(DENY, security_admin=OK),
    "accounts:staff_unlock": row(DENY, security_admin=OK),
    "accounts:policy": row(DENY, chief=("ok", "deny"), hr=OK, other_hr=OK),
    "accounts:security_settings": row(DENY, security_admin=OK),
    "accounts:pending_changes": row(DENY, hr=OK, other_hr=OK, sysadmin=OK, security_admin=OK),
    "accounts:role_change_confirm": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "accounts:role_change_reject": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "accounts:password_reset_confirm": row(POST_DENY, security_admin=POST_OK),
    "accounts:password_reset_reject": row(POST_DENY, security_admin=POST_OK),
    # The table's reset is not confirmed when the GETs run: its password is nobody's to read. The
    # security administrator's POSTs confirm it first (password_reset_confirm above), and the page
    # then answers them.
    "accounts:password_reset_password": row(DENY, sysadmin=NOT_FOUND, security_admin=("404", "ok")),
    "accounts:role_change_withdraw": row(POST_NOT_FOUND, security_admin=POST_OK),
    "accounts:password_reset_withdraw": row(POST_NOT_FOUND, sysadmin=POST_OK),
    "accounts:calendar": row(DENY, hr=OK, other_hr=OK),
    "accounts:calendar_delete": row(DENY, hr=OK, other_hr=NOT_FOUND),
    # FINDING: the cell is right (the auditor's page), but entries name objects by their text, e.g.
    # 一票否决 with the finding, 满意度测评 with the score: appraisal content reaches the auditor (also on home).
    "accounts:audit_list": row(DENY, auditor=OK),
    "accounts:audit_export": row(POST_DENY, auditor=POST_OK),
    "accounts:notification_list": row(OK),
    "accounts:notification_open": row(NOT_FOUND, staff=OK),
    "accounts:job_detail": row(NOT_FOUND, hr=OK),
    "accounts:job_status": row(NOT_FOUND, hr=OK),
    "accounts:job_download": row(NOT_FOUND),
    "targets:my_targets": row(DENY, staff=OK, other_staff=OK, head=OK, other_head=OK),
    "targets:start": row(POST_DENY, staff=POST_OK, other_staff=POST_OK, head=POST_OK, other_head=POST_OK),
    "targets:detail": row(
        NOT_FOUND,
        staff=("ok", "409"),
        head=("ok", "deny"),
        leader=("ok", "deny"),
        chief=("ok", "deny"),
        hr=("ok", "deny"),
    ),
    "targets:approve": row(
        POST_NOT_FOUND, staff=POST_DENY, head=POST_OK, leader=POST_DENY, chief=POST_DENY, hr=POST_DENY
    ),
    "targets:return": row(
        POST_NOT_FOUND, staff=POST_DENY, head=("405", "400"), leader=POST_DENY, chief=POST_DENY, hr=POST_DENY
    ),
    "targets:assign_item": row(
        POST_NOT_FOUND, staff=POST_DENY, head=("405", "400"), leader=("405", "400"), chief=("405", "400"), hr=POST_DENY
    ),
    "targets:record_completion": row(
        POST_NOT_FOUND, staff=("405", "400"), head=POST_DENY, leader=POST_DENY, chief=POST_DENY, hr=POST_DENY
    ),
    "targets:goal_list": row(DENY, head=OK, other_head=OK),
    # The empty form refused with 400, as a refused POST is answered.
    "targets:goal_create": row(DENY, head=("ok", "400"), other_head=("ok", "400")),
    "targets:goal_edit": row(DENY, head=("ok", "400"), other_head=NOT_FOUND),
    "targets:goal_delete": row(DENY, head=OK, other_head=NOT_FOUND),
    "summaries:list": row(DENY, staff=OK, other_staff=OK, head=OK, other_head=OK),
    "summaries:start": row(
        POST_DENY, anonymous=LOGIN, staff=POST_OK, other_staff=POST_OK, head=POST_OK, other_head=POST_OK
    ),
    "summaries:detail": row(
        NOT_FOUND, staff=OK, head=("ok", "deny"), leader=("ok", "deny"), chief=("ok", "deny"), hr=("ok", "deny")
    ),
    "summaries:autosave": row(POST_NOT_FOUND, anonymous=LOGIN, staff=("405", "400")),
    "summaries:review": row(
        POST_NOT_FOUND,
        anonymous=LOGIN,
        staff=POST_DENY,
        head=("405", "400"),
        leader=POST_DENY,
        chief=POST_DENY,
        hr=POST_DENY,
    ),
    "summaries:conflict_copy": row(NOT_FOUND, staff=OK),
    "summaries:attachment_upload": row(POST_NOT_FOUND, anonymous=LOGIN, staff=POST_OK),
    "summaries:attachment_download": row(NOT_FOUND, staff=OK, head=OK, leader=OK, chief=OK, hr=OK),
    "summaries:attachment_delete": row(NOT_FOUND, staff=OK),
    "evaluations:my_history": row(OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "evaluations:annual_index": row(DENY, chief=OK, hr=OK, other_hr=OK),
    "evaluations:annual": row(DENY, chief=OK, hr=OK, other_hr=OK),
    "evaluations:annual_recompute": row(POST_DENY, chief=POST_OK, hr=POST_OK, other_hr=POST_OK),
    "evaluations:annual_adopt": row(DENY, chief=OK),
    "evaluations:annual_use": row(DENY, chief=OK, hr=OK, other_hr=OK),
    "evaluations:annual_decide": row(DENY, chief=OK),
    "evaluations:grading": row(DENY, head=OK, other_head=OK, leader=OK),
    "evaluations:grades_confirm_all": row(POST_DENY, head=POST_OK, other_head=POST_OK, leader=POST_OK),
    "evaluations:grade_detail": row(
        NOT_FOUND, head=("ok", "400"), leader=("ok", "deny"), chief=("ok", "deny"), hr=("ok", "deny")
    ),
    "evaluations:grade_confirm": row(
        POST_NOT_FOUND, head=POST_DENY, leader=("405", "400"), chief=POST_DENY, hr=POST_DENY
    ),
    "evaluations:grade_return": row(
        POST_NOT_FOUND, head=POST_DENY, leader=POST_DENY, chief=("405", "400"), hr=POST_DENY
    ),
    "evaluations:grade_scores": row(
        POST_NOT_FOUND, head=("405", "400"), leader=POST_DENY, chief=POST_DENY, hr=POST_DENY
    ),
    "evaluations:quarters": row(DENY, leader=OK, chief=OK, hr=OK, other_hr=OK, inspector=OK),
    "evaluations:quarter_open": row(POST_DENY, hr=POST_OK, other_hr=POST_OK),
    "evaluations:quarter_approve": row(DENY, chief=OK),
    "evaluations:quarter_discipline_opinion": row(POST_DENY, other_hr=POST_NOT_FOUND, inspector=("405", "400")),
    "evaluations:satisfaction_list": row(DENY, hr=OK, other_hr=OK),
    "evaluations:satisfaction_create": row(DENY, hr=OK, other_hr=OK),
    "evaluations:satisfaction_edit": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:satisfaction_delete": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:satisfaction_import": row(DENY, hr=OK, other_hr=OK),
    "evaluations:satisfaction_import_template": row(DENY, hr=OK, other_hr=OK),
    "evaluations:event_list": row(DENY, hr=OK, other_hr=OK),
    "evaluations:event_create": row(DENY, hr=OK, other_hr=OK),
    "evaluations:event_edit": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:event_delete": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:event_import": row(DENY, hr=OK, other_hr=OK),
    "evaluations:event_import_template": row(DENY, hr=OK, other_hr=OK),
    "evaluations:rollup": row(DENY, hr=OK, other_hr=OK),
    "evaluations:rollup_job": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:rollup_results": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:rollup_run": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "evaluations:score_indicator_set_list": row(DENY, hr=OK, other_hr=OK),
    "evaluations:score_indicator_sets_create": row(POST_DENY, hr=POST_OK, other_hr=POST_OK),
    "evaluations:score_indicator_set_edit": row(DENY, hr=("ok", "400"), other_hr=NOT_FOUND),
    "evaluations:score_departments": row(DENY, hr=("ok", "400"), other_hr=("ok", "400")),
    "evaluations:inspections": row(DENY, chief=OK, hr=OK, other_hr=OK, inspector=OK),
    "evaluations:inspection_create": row(DENY, inspector=("ok", "400")),
    "evaluations:inspection_detail": row(NOT_FOUND, chief=OK, hr=OK, inspector=OK),
    "evaluations:sanction_list": row(DENY, hr=OK, other_hr=OK),
    "evaluations:sanction_create": row(DENY, hr=OK, other_hr=OK),
    "evaluations:sanction_edit": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:sanction_delete": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:sanction_rules": row(DENY, hr=OK, other_hr=OK),
    "evaluations:veto_list": row(DENY, chief=OK, hr=OK, other_hr=OK, inspector=OK),
    "evaluations:veto_lift": row(DENY, inspector=OK),
    "evaluations:veto_reconcile": row(POST_DENY, hr=POST_OK, other_hr=POST_OK, inspector=POST_OK),
    "review": row(DENY, head=OK, other_head=OK, leader=OK),
    # The batch approval's address: a GET (Back, a bookmark) goes to the inbox, as the inbox is guarded.
    "review_decide": row(DENY, head=OK, other_head=OK, leader=OK),
    "roster": row(DENY, head=OK, other_head=OK, leader=OK, chief=OK, hr=OK, other_hr=OK),
    "roster_export": row(DENY, head=OK, other_head=OK, leader=OK, chief=OK, hr=OK, other_hr=OK),
    "roster_urge": row(DENY, head=OK, other_head=OK, leader=OK, chief=OK, hr=OK, other_hr=OK),
    "roster_export_job": row(
        POST_DENY, head=POST_OK, other_head=POST_OK, leader=POST_OK, chief=POST_OK, hr=POST_OK, other_hr=POST_OK
    ),
    # Feedback talks: the talker's list is for leaders and heads; a talk is the person's and their
    # talker's, an annual result the person's (and HR's to print); anyone else gets a 404. The
    # person's empty confirmation carries no token of what they read: refused (400), page shown again.
    "publicity:feedback": row(DENY, head=OK, other_head=OK, leader=OK),
    "publicity:feedback_mine": row(OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:feedback_overview": row(DENY, hr=OK, other_hr=OK),
    "publicity:feedback_record": row(DENY, head=NOT_FOUND, other_head=NOT_FOUND, leader=OK),
    "publicity:feedback_detail": row(NOT_FOUND, staff=OK, leader=OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:feedback_confirm": row(
        POST_NOT_FOUND,
        staff=("405", "400"),
        leader=POST_DENY,
        auditor=POST_DENY,
        sysadmin=POST_DENY,
        security_admin=POST_DENY,
    ),
    "publicity:feedback_annual": row(NOT_FOUND, staff=OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:feedback_annual_confirm": row(
        POST_NOT_FOUND, staff=("405", "400"), auditor=POST_DENY, sysadmin=POST_DENY, security_admin=POST_DENY
    ),
    "publicity:feedback_annual_pdf": get_only(
        row(NOT_FOUND, staff=OK, hr=OK, auditor=DENY, sysadmin=DENY, security_admin=DENY)
    ),
    # Boards (weekly progress, goals) are appraisal content: closed to the separated roles; the
    # office's compilation and the DingTalk records are HR's; another organisation's week is a 404.
    "publicity:weekly": row(OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:weekly_post": row(DENY, head=OK, other_head=OK),
    "publicity:weekly_compile_start": row(POST_DENY, hr=POST_OK, other_hr=POST_OK),
    "publicity:weekly_detail": row(OK, other_hr=NOT_FOUND, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:weekly_compile": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "publicity:goals": row(OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:dingtalk_messages": row(DENY, hr=OK, other_hr=OK),
    "publicity:dingtalk_message_resend": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "evaluations:grade_review": row(DENY, hr=("ok", "400"), other_hr=NOT_FOUND),
    "evaluations:annual_review": row(DENY, hr=("ok", "400"), other_hr=NOT_FOUND),
    # 民主测评 (evaluations.ballots): HR's pages; another organisation's HR gets a 404. The seeded
    # ballot is closed (closing or withdrawing it again is refused and sends back to it; the empty codes form is a
    # 400). Only a rater of the ballot (staff) opens its paper; for everyone else it does not exist.
    # The code pages are for people without an account: everyone reaches them.
    "evaluations:ballot_list": row(DENY, hr=OK, other_hr=OK),
    "evaluations:ballot_open": row(DENY, hr=OK, other_hr=OK),
    "evaluations:ballot_detail": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:ballot_close": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "evaluations:ballot_withdraw": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "evaluations:ballot_codes": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "evaluations:ballot_codes_print": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:ballot_tally": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:ballot_tally_export": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "evaluations:my_ballots": row(OK),
    "evaluations:ballot_paper": row(NOT_FOUND, staff=OK),
    "evaluations:ballot_code": row(OK, anonymous=OK),
    "evaluations:ballot_code_paper": row(OK, anonymous=OK),
    "publicity:board": row(OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:publish": row(POST_DENY, hr=("405", "400"), other_hr=("405", "400")),
    "publicity:publication_detail": row(OK, other_hr=NOT_FOUND, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:publication_notice": get_only(row(DENY, hr=OK, other_hr=NOT_FOUND)),
    "publicity:publication_lock": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "publicity:entry_republish": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "publicity:objection_new": row(("ok", "400"), other_hr=NOT_FOUND, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:objections": row(OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:objection_detail": row(
        NOT_FOUND, staff=("ok", "deny"), hr=("ok", "400"), auditor=DENY, sysadmin=DENY, security_admin=DENY
    ),
    "publicity:objection_attachment": row(NOT_FOUND, staff=OK, hr=OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "publicity:review_cases": row(DENY, hr=("ok", "400"), other_hr=("ok", "400")),
    "publicity:review_case_detail": row(DENY, hr=("ok", "400"), other_hr=NOT_FOUND),
    # The dashboards: HR and the agency head (whole organisation), a supervising leader (their
    # departments); a GET-only page.
    "dashboard": row(DENY, leader=("ok", "405"), chief=("ok", "405"), hr=("ok", "405"), other_hr=("ok", "405")),
    "reports:index": row(DENY, hr=OK, other_hr=OK),
    "reports:year_export": row(POST_DENY, hr=("405", "400"), other_hr=("405", "400")),
    "reports:year_workbook": row(DENY, hr=NOT_FOUND, other_hr=NOT_FOUND),
    "reports:forms": row(OK, auditor=DENY, sysadmin=DENY, security_admin=DENY),
    "reports:person_quarter_form": get_only(
        row(NOT_FOUND, staff=OK, head=OK, leader=OK, hr=OK, auditor=DENY, sysadmin=DENY, security_admin=DENY)
    ),
    "reports:person_year_form": get_only(
        row(NOT_FOUND, staff=OK, head=OK, leader=OK, hr=OK, auditor=DENY, sysadmin=DENY, security_admin=DENY)
    ),
    # The person's year on one page (考核档案): whoever prints their forms.
    "reports:person_year": get_only(
        row(NOT_FOUND, staff=OK, head=OK, leader=OK, hr=OK, auditor=DENY, sysadmin=DENY, security_admin=DENY)
    ),
    # The agency head prints every department's 结果汇总表 of his organisation (not its people's forms).
    "reports:department_summary": get_only(
        row(NOT_FOUND, head=OK, leader=OK, chief=OK, hr=OK, auditor=DENY, sysadmin=DENY, security_admin=DENY)
    ),
    "reports:department_forms": get_only(
        row(NOT_FOUND, head=OK, leader=OK, hr=OK, auditor=DENY, sysadmin=DENY, security_admin=DENY)
    ),
    "reports:department_forms_job": row(
        POST_NOT_FOUND,
        head=POST_OK,
        leader=POST_OK,
        hr=POST_OK,
        auditor=POST_DENY,
        sysadmin=POST_DENY,
        security_admin=POST_DENY,
    ),
    "evaluations:achievements_index": row(DENY, leader=OK, chief=OK, hr=OK, other_hr=OK),
    "evaluations:achievements": row(DENY, leader=OK, chief=OK, hr=OK, other_hr=OK),
    "evaluations:achievement_propose": row(POST_DENY, leader=("405", "400"), chief=("405", "400")),
    "evaluations:achievement_decide": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "oversight:index": row(DENY),
    "oversight:export": row(DENY),
    "accounts:staff_export": row(POST_DENY, hr=POST_OK, other_hr=POST_OK, sysadmin=POST_OK, security_admin=POST_OK),
    "targets:start_from_previous": row(POST_DENY, staff=POST_OK, other_staff=POST_OK, head=POST_OK, other_head=POST_OK),
    "evaluations:annual_export": row(POST_DENY, chief=POST_OK, hr=POST_OK, other_hr=POST_OK),
    "evaluations:annual_use_export": row(POST_DENY, chief=POST_OK, hr=POST_OK, other_hr=POST_OK),
    "evaluations:rollup_export": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "evaluations:inspection_export": row(POST_DENY, chief=POST_OK, hr=POST_OK, other_hr=POST_OK, inspector=POST_OK),
    "evaluations:inspection_correct": row(NOT_FOUND, chief=DENY, hr=DENY, inspector=OK),
    "evaluations:inspection_delete": row(NOT_FOUND, chief=DENY, hr=DENY, inspector=OK),
    # An empty explanation is refused (400: the form shown again); other organisations' HR 404.
    "evaluations:compliance_alert_explain": row(DENY, hr=("ok", "400"), inspector=("ok", "400"), other_hr=NOT_FOUND),
    "evaluations:sanction_export": row(POST_DENY, hr=POST_OK, other_hr=POST_OK),
    # 公益性岗位 (evaluations.welfare): the unit's HR runs it, the unit's leader (chief) reads and
    # records steps; the worker (the staff member's assessment in the seed) reads their own year and
    # writes their own 述职; their evaluator (head) reviews the 述职. Another unit's HR: 404 on every
    # object, its own (empty) lists.
    "evaluations:welfare_index": row(DENY, chief=OK, hr=OK, other_hr=OK),
    "evaluations:welfare": row(DENY, chief=OK, hr=OK, other_hr=OK),
    "evaluations:welfare_open": row(POST_DENY, hr=POST_OK, other_hr=POST_OK),
    "evaluations:welfare_export": row(POST_DENY, chief=POST_OK, hr=POST_OK, other_hr=POST_OK),
    "evaluations:welfare_ballot_all": row(POST_DENY, hr=POST_OK, other_hr=POST_OK),
    "evaluations:welfare_tally": row(DENY, chief=OK, hr=OK, other_hr=OK),
    # No persona is a public-welfare worker: the worker's own page is tested in tests/evaluations/test_welfare.py.
    "evaluations:welfare_mine": row(DENY),
    "evaluations:welfare_assessment": row(NOT_FOUND, staff=OK, head=OK, chief=OK, hr=OK),
    "evaluations:welfare_report": row(NOT_FOUND, staff=OK),
    "evaluations:welfare_report_file": row(NOT_FOUND, staff=OK, head=OK, chief=OK, hr=OK),
    "evaluations:welfare_report_decide": row(POST_NOT_FOUND, staff=POST_DENY, head=POST_OK, chief=POST_OK, hr=POST_OK),
    "evaluations:welfare_interview": row(
        POST_NOT_FOUND, staff=POST_DENY, head=POST_DENY, chief=("405", "400"), hr=("405", "400")
    ),
    "evaluations:welfare_ballot": row(POST_NOT_FOUND, staff=POST_DENY, head=POST_DENY, chief=POST_DENY, hr=POST_OK),
    "evaluations:welfare_ballot_close": row(
        POST_NOT_FOUND, staff=POST_DENY, head=POST_DENY, chief=POST_DENY, hr=POST_OK
    ),
    "evaluations:welfare_decide": row(
        POST_NOT_FOUND, staff=POST_DENY, head=POST_DENY, chief=("405", "400"), hr=("405", "400")
    ),
    "evaluations:welfare_posts": row(DENY, hr=OK, other_hr=OK),
    "evaluations:welfare_post_new": row(DENY, hr=OK, other_hr=OK),
    "evaluations:welfare_post_edit": row(DENY, hr=OK, other_hr=NOT_FOUND),
    "evaluations:welfare_post_absence": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
    "evaluations:welfare_consequences": row(DENY, hr=OK, other_hr=OK),
    "evaluations:welfare_consequence_complete": row(POST_DENY, hr=POST_OK, other_hr=POST_NOT_FOUND),
}
