"""The person and HR are told of a one-vote veto on the person's year, and of its lifting (a user test
found a serious finding's veto on the veto list and in the year's reasons alone: nobody was told)."""

from datetime import date

from accounts.models import Notification
from evaluations.discipline.services import veto
from evaluations.models import SanctionKind, VetoFlag
from tests.factories import FindingFactory, InspectionFactory, SanctionFactory


def _told(person, words: str) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person, message__contains=words).values_list("message", flat=True)
    )


def test_a_serious_findings_veto_is_told_to_the_person_and_hr_once(
    organisation, inspector, staff, hr, head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finding = FindingFactory(inspection__inspector=inspector, person=staff, description="上班时间饮酒")
        veto.finding_recorded(finding=finding)
    flag = VetoFlag.objects.get(person=staff)
    own = _told(staff, "年度有一票否决事项，当年不能评为优秀")
    assert len(own) == 1 and "上班时间饮酒" in own[0] and str(flag.year) in own[0]
    assert len(_told(hr, f"{staff.get_full_name()}{flag.year}年度新增一票否决事项")) == 1
    assert not _told(head, "一票否决")  # HR and the person, not everyone
    # Raised again (the job rerun, the nightly reconciliation): told once.
    veto.veto_flags_for_finding(finding_id=finding.pk)
    veto.veto_reconcile(organisation=organisation)
    assert len(_told(staff, "一票否决")) == 1 and len(_told(hr, "一票否决")) == 1


def test_the_lifting_is_told_too(organisation, inspector, staff, hr):
    finding = FindingFactory(inspection__inspector=inspector, person=staff)
    flag = veto.veto_flags_for_finding(finding_id=finding.pk)
    veto.veto_lift(flag=flag, actor=inspector, reason="经复查，问题不属实")
    [told] = _told(staff, f"您{flag.year}年度的一票否决事项已解除")
    assert told.endswith("（理由：经复查，问题不属实）")
    assert len(_told(hr, f"{staff.get_full_name()}{flag.year}年度的一票否决事项已解除")) == 1


def test_a_flag_the_nightly_reconciliation_raises_is_told(organisation, inspector, staff, hr):
    inspection = InspectionFactory(inspector=inspector, date=date(2026, 5, 12))
    FindingFactory(inspection=inspection, person=staff)  # no job ran: the reconciliation raises it
    assert veto.veto_reconcile(organisation=organisation).raised == 1
    assert len(_told(staff, "年度有一票否决事项")) == 1 and len(_told(hr, "新增一票否决事项")) == 1


def test_a_sanctions_veto_is_told_once_for_the_years_it_bars_with_what_it_does_to_them(organisation, staff, hr):
    """A user test: a 记过 was told "当年不能评为优秀" while its year was then 不确定等次 (the rules
    table's effect), and a 记大过 sent the person two notices (2026 and 2027) and HR two more."""
    demerit = SanctionFactory(person=staff, kind=SanctionKind.DEMERIT, decided_on=date(2026, 3, 1))
    assert [flag.year for flag in veto.veto_flags_for_sanction(sanction_id=demerit.pk)] == [2026]
    [told] = _told(staff, "年度有一票否决事项")
    assert told.startswith("您2026年度有一票否决事项，当年不确定等次：") and "记过" in told
    [theirs] = _told(hr, "新增一票否决事项")
    assert theirs.startswith(f"{staff.get_full_name()}2026年度新增一票否决事项，当年不确定等次：")

    serious = SanctionFactory(person=staff, kind=SanctionKind.MAJOR_DEMERIT, decided_on=date(2026, 4, 1))
    assert [flag.year for flag in veto.veto_flags_for_sanction(sanction_id=serious.pk)] == [2026, 2027]
    [told] = _told(staff, "2026、2027年度有一票否决事项")
    assert "各年度均不确定等次" in told and "记大过" in told
    assert len(_told(hr, "2026、2027年度新增一票否决事项，各年度均不确定等次")) == 1
    assert len(_told(staff, "年度有一票否决事项")) == 2  # one per sanction

    # A 警告 bars 优秀 only; a serious finding too.
    warning = SanctionFactory(person=staff, kind=SanctionKind.WARNING, decided_on=date(2025, 5, 1))
    veto.veto_flags_for_sanction(sanction_id=warning.pk)
    assert len(_told(staff, "您2025年度有一票否决事项，当年不能评为优秀：")) == 1


def test_a_veto_notice_leads_to_the_persons_own_record_which_lists_it(client_for, organisation, staff):
    """A user test: the notice's link opened 我的考核记录, which said nothing of a veto."""
    sanction = SanctionFactory(person=staff, kind=SanctionKind.DEMERIT, decided_on=date(2026, 3, 1))
    veto.veto_flags_for_sanction(sanction_id=sanction.pk)
    notice = Notification.objects.get(recipient=staff, message__contains="一票否决")
    page = client_for(staff).get(notice.url.split("#")[0]).content.decode()
    assert notice.url.endswith("#veto") and 'id="veto"' in page
    rows = page.split('data-testid="history-veto-flag"')[1:]
    assert len(rows) == 1 and "2026年" in rows[0] and "记过" in rows[0] and "有效" in rows[0]


def test_a_flag_withdrawn_moved_or_reworded_by_a_correction_is_told(organisation, inspector, staff, colleague, hr):
    """A user test: a 严重 finding corrected to 较重, an inspection deleted, a sanction deleted or
    changed, an inspection's date moved into another year: the flag went or changed without a word,
    and the person, told of the veto, still thought it stood."""
    from evaluations.models import Severity

    # Corrected away from 严重: withdrawn, told once however often reconciled.
    finding = FindingFactory(inspection__inspector=inspector, person=staff, description="上班时间饮酒")
    flag = veto.veto_flags_for_finding(finding_id=finding.pk)
    finding.severity = Severity.MODERATE
    finding.save()
    assert veto.veto_reconcile(organisation=organisation).removed == 1
    veto.veto_reconcile(organisation=organisation)
    assert len(_told(staff, f"您{flag.year}年度的一票否决事项已撤销")) == 1
    assert len(_told(hr, f"{staff.get_full_name()}{flag.year}年度的一票否决事项已撤销")) == 1

    # The inspection's date corrected into the next year: the flag moves, and they are told which year.
    inspection = InspectionFactory(inspector=inspector, date=date(2026, 3, 15))
    FindingFactory(inspection=inspection, person=colleague, description="擅离岗位")
    veto.veto_reconcile(organisation=organisation)
    inspection.date = date(2027, 1, 12)
    inspection.save()
    veto.veto_reconcile(organisation=organisation)
    moved = _told(colleague, "已由2026年度改为2027年度")
    assert len(moved) == 1 and "2027年度不能评为优秀" in moved[0]
    assert not _told(colleague, "依据已更正")  # the move said it: its new words come with it

    # A sanction corrected to another kind: the words they were told are corrected too.
    sanction = SanctionFactory(person=staff, kind=SanctionKind.DEMOTION, decided_on=date(2026, 3, 1))
    veto.veto_flags_for_sanction(sanction_id=sanction.pk)
    sanction.kind = SanctionKind.WARNING
    sanction.save()
    veto.veto_reconcile(organisation=organisation)
    [told] = _told(staff, "一票否决事项的依据已更正为")
    # What the corrected sanction does to the year (a re-test read the new kind and nothing of it).
    assert told.endswith("警告处分（当年不能评为优秀）")


def test_a_flag_taken_away_by_deleting_its_inspection_or_sanction_is_told(organisation, inspector, staff, hr):
    """A user test: deleting the inspection of a 严重 finding, or a sanction recorded in error, took
    the veto away and told nobody; the person still read only "您…有一票否决事项"."""
    from evaluations.discipline.services.inspections import inspection_delete
    from evaluations.discipline.services.sanctions import sanction_delete

    finding = FindingFactory(inspection__inspector=inspector, person=staff, description="上班时间饮酒")
    flag = veto.veto_flags_for_finding(finding_id=finding.pk)
    inspection_delete(inspection=finding.inspection, actor=inspector, reason="重复录入")
    assert not VetoFlag.objects.filter(pk=flag.pk).exists()
    assert len(_told(staff, f"您{flag.year}年度的一票否决事项已撤销（其依据已更正或删除）")) == 1
    # With the reason stated, which HR (who cannot open the audit log) reads nowhere else.
    [told] = _told(hr, f"{staff.get_full_name()}{flag.year}年度的一票否决事项已撤销")
    assert told.endswith("（理由：重复录入）")

    sanction = SanctionFactory(person=staff, kind=SanctionKind.WARNING, decided_on=date(2025, 3, 1))
    [flag] = veto.veto_flags_for_sanction(sanction_id=sanction.pk)
    sanction_delete(sanction=sanction, actor=hr, reason="录错了人")
    assert len(_told(staff, "2025年度的一票否决事项已撤销（其依据已更正或删除）")) == 1
    [told] = _told(hr, f"{staff.get_full_name()}2025年度的一票否决事项已撤销")
    assert told.endswith("（理由：录错了人）")


def test_a_flag_that_goes_with_its_case_closed_says_so(organisation, staff, hr):
    """A user test: a 立案审查 closed was told as "已撤销（其依据已更正或删除）", though nothing was
    corrected or deleted."""
    sanction = SanctionFactory(person=staff, kind=SanctionKind.INVESTIGATION, decided_on=date(2026, 3, 1))
    assert veto.veto_flags_for_sanction(sanction_id=sanction.pk)
    sanction.closed_on = date(2026, 6, 1)
    sanction.save()
    assert veto.veto_reconcile(organisation=organisation).removed
    # The years it barred until the close, in one notice.
    [told] = _told(staff, "年度的一票否决事项已随其依据结案或解除而撤销")
    # A 立案审查 left the years ungraded: what it no longer bears on is their grade, not only 评优.
    assert told.startswith("您2026") and ("不再影响当年考核等次" in told or "不再影响各年度考核等次" in told)
    [theirs] = _told(hr, "年度的一票否决事项已随其依据结案或解除而撤销")
    assert theirs.startswith(f"{staff.get_full_name()}2026")
    assert not _told(staff, "依据已更正或删除")


def test_a_closed_sanction_corrected_away_is_told_as_a_correction_not_a_close(organisation, staff, hr):
    """A review: a 警告 already 解除 whose decision date was corrected into the next year was told
    as "随其依据结案或解除而撤销"."""
    sanction = SanctionFactory(
        person=staff, kind=SanctionKind.WARNING, decided_on=date(2025, 3, 1), closed_on=date(2025, 9, 1)
    )
    assert [flag.year for flag in veto.veto_flags_for_sanction(sanction_id=sanction.pk)] == [2025]
    sanction.decided_on = date(2026, 1, 5)
    sanction.save()
    veto.veto_reconcile(organisation=organisation)
    assert len(_told(staff, "2025年度的一票否决事项已撤销（其依据已更正或删除）")) == 1
    assert not _told(staff, "结案或解除而撤销")


def test_a_sanction_corrected_to_a_heavier_kind_is_told_once_for_all_its_years(organisation, staff, hr):
    """A re-test: a 记过 corrected to 记大过 sent the person (and HR) two notices — the 2027 veto as
    new, and 2026's cause corrected — neither saying all it now does."""
    sanction = SanctionFactory(person=staff, kind=SanctionKind.DEMERIT, decided_on=date(2026, 3, 1))
    veto.veto_flags_for_sanction(sanction_id=sanction.pk)
    Notification.objects.all().delete()
    sanction.kind = SanctionKind.MAJOR_DEMERIT
    sanction.save()
    veto.veto_reconcile(organisation=organisation)
    [told] = _told(staff, "一票否决")
    assert told.startswith("您2026、2027年度一票否决事项的依据已更正为：") and "记大过" in told
    assert told.endswith("（各年度均不确定等次）")
    assert len(_told(hr, "一票否决")) == 1
    assert set(VetoFlag.objects.filter(person=staff).values_list("year", flat=True)) == {2026, 2027}
    # The 2026 flag's new words are in the audit trail, old → new (a user test of the audit trail
    # found the rewording recorded only as a count on the reconciliation's event).
    from accounts.models import AuditEntry

    flag_2026 = VetoFlag.objects.get(person=staff, year=2026)
    from django.contrib.contenttypes.models import ContentType

    [entry] = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(VetoFlag),
        object_pk=str(flag_2026.pk),
        action=AuditEntry.Action.UPDATE,
    )
    old, new = entry.changes_dict["reason"]
    assert "记过" in old and "记大过" not in old and "记大过" in new
