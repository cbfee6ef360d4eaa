"""Issue 15: every workbook the application writes, opened by a real spreadsheet program.

The roster, the year-end workbook, the oversight figures, the audit log export, the initial passwords
and the three import templates are built from one organisation whose names hold Chinese, a control
character (U+000B, as Word's Shift+Enter leaves it), a line break and text that would read as a
formula. LibreOffice (headless ``soffice``, Debian's libreoffice-calc-nogui, installed by
``make test``) converts all of them in one run to CSV, one file per sheet, showing each cell as the
program displays it. Then: the Chinese is there, the dates are dates (shown as 2026-03-15, not as a
serial number or text of another form), the hostile text is shown as typed (not computed) and no cell
shows an error.

Without soffice the test is skipped, except under ``make test`` (LIBREOFFICE_REQUIRED=1) or in CI, where
it fails: the point is that it runs.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import imports
from accounts.models import Role
from evaluations.annual.models import AnnualGrade
from evaluations.grading import imports as grading_imports
from evaluations.grading.models import Grade
from publicity.reports.exports import write_workbook
from tests.factories import (
    AnnualResultFactory,
    AppraisalQuarterFactory,
    DepartmentFactory,
    InspectionFactory,
    OrganisationFactory,
    QuarterGradeFactory,
    UserFactory,
)
from tests.support.publication_factories import PublicationFactory

# What a spreadsheet program shows does not depend on the database: run once, on SQLite.
pytestmark = pytest.mark.one_database

YEAR = 2026
LONG_DEPARTMENT = "就业促进科"
HOSTILE = '=HYPERLINK("http://evil.example/","点我")'
# As LibreOffice shows an error or an unevaluated reference in a cell.
ERRORS = re.compile(r"^(#(NAME\?|VALUE!|REF!|DIV/0!|N/A|NUM!|NULL!)|Err:\d+)$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        message = "LibreOffice (soffice) not found: apt-get install libreoffice-calc-nogui"
        if os.environ.get("LIBREOFFICE_REQUIRED") or os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _convert(soffice: str, files: dict[str, bytes], work: Path) -> dict[str, list[list[str]]]:
    """All the workbooks to CSV in one soffice run: {"<file>-<sheet>": rows as displayed}."""
    sources = []
    for name, content in files.items():
        path = work / f"{name}.xlsx"
        path.write_bytes(content)
        sources.append(str(path))
    out = work / "csv"
    # Comma, double quote, UTF-8 (76), from line 1, cells as shown, every sheet to its own file (-1).
    csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    subprocess.run(
        [
            soffice,
            # A profile of its own: a second LibreOffice (another test process) would take over this one.
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            csv_filter,
            "--outdir",
            str(out),
            *sources,
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    sheets = {}
    for path in sorted(out.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[path.stem] = list(csv.reader(handle))
    return sheets


@pytest.fixture
def organisation_with_everything(organisation, department, hr, settings):
    settings.APPRAISAL_TODAY = date(YEAR, 12, 1)
    long = DepartmentFactory(organisation=organisation, name=f"{LONG_DEPARTMENT}\x0b（二处）", code="JY")
    hostile_place = DepartmentFactory(organisation=organisation, name=HOSTILE, code="=1+1")
    people = [
        UserFactory(department=long, full_name="张\x0b三", employee_number="001", position_title="就业促进科科长"),
        UserFactory(department=hostile_place, full_name="@SUM(1,2)", employee_number="-5"),
        UserFactory(department=department, full_name="李四\n（借调）", employee_number="0012"),
    ]
    quarter = AppraisalQuarterFactory(organisation=organisation, year=YEAR, quarter=1)
    for person, grade in zip(people, (Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE), strict=True):
        QuarterGradeFactory(
            person=person, appraisal_quarter=quarter, grade=grade, state="confirmed", composite_score=Decimal("95.50")
        )
        AnnualResultFactory(
            person=person,
            year=YEAR,
            suggested_grade=AnnualGrade.COMPETENT,
            decided_grade=AnnualGrade.COMPETENT,
            decision_reason=HOSTILE,
        )
    InspectionFactory(
        date=date(YEAR, 3, 15),
        inspector=UserFactory(organisation=organisation, department=None, roles=[Role.INSPECTOR]),
    )
    PublicationFactory(
        organisation=organisation,
        appraisal_quarter=quarter,
        title="2026年第1季度考核结果公示",
        starts_on=date(YEAR, 4, 7),
        ends_on=date(YEAR, 4, 13),
        published_by=hr,
        closed_at=timezone.now(),
    )
    return organisation


def _workbooks(organisation, client_for, hr, auditor) -> dict[str, bytes]:
    files = {}
    files["roster"] = client_for(hr).get(reverse("roster_export"), {"year": YEAR, "month": 3}).getvalue()
    buffer = BytesIO()
    write_workbook(buffer, organisation=organisation, year=YEAR)
    files["year"] = buffer.getvalue()
    bureau = OrganisationFactory(code="bureau", name="示例市公务员局")
    organisation.supervised_by = bureau
    organisation.save()
    officer = UserFactory(organisation=bureau, department=None, roles=[Role.OVERSIGHT], full_name="主管部门干部")
    files["oversight"] = client_for(officer).get(reverse("oversight:export", args=[YEAR])).content
    files["audit"] = client_for(auditor).post(reverse("accounts:audit_export")).content
    files["passwords"] = imports.initial_passwords_workbook([["001", "张三", LONG_DEPARTMENT, "zhangsan", "Pw=1+1"]])
    files["staff-template"] = imports.build_template_workbook(organisation=organisation)
    files["satisfaction-template"] = grading_imports.build_satisfaction_template(organisation=organisation)
    files["event-template"] = grading_imports.build_service_event_template(organisation=organisation)
    return files


def test_every_workbook_opens_in_libreoffice_with_its_chinese_dates_and_text_as_typed(
    organisation_with_everything, client_for, hr, auditor, tmp_path
):
    soffice = _soffice()
    files = _workbooks(organisation_with_everything, client_for, hr, auditor)
    sheets = _convert(soffice, files, tmp_path)

    # Every workbook came back, every sheet of it.
    for name in files:
        assert any(key.startswith(f"{name}-") for key in sheets), (name, sorted(sheets))
    assert {"year-年度汇总", "year-科室统计", "year-纪律检查", "year-公示与异议", "year-结果运用"} <= set(sheets)

    cells = {key: [cell for row in rows for cell in row] for key, rows in sheets.items()}
    for key, values in cells.items():
        bad = [value for value in values if ERRORS.match(value)]
        assert not bad, (key, bad)

    # Chinese, the control character turned into a line break, and hostile text shown as typed
    # (a formula would show its result: 点我, 3, 2).
    roster = cells["roster-2026年3月"]
    assert f"{LONG_DEPARTMENT}\n（二处）" in roster and "张\n三" in roster and "李四\n（借调）" in roster
    assert HOSTILE in roster and "@SUM(1,2)" in roster and "-5" in roster and "0012" in roster
    assert sheets["roster-2026年3月"][0] == [
        "科室",
        "工号",
        "姓名",
        "月小结",
        "月小结迟交/逾期",
        "季度目标",
        "季度目标迟交/逾期",
    ]
    people = cells["year-年度汇总"]
    assert "张\n三" in people and HOSTILE in people and "就业促进科科长" in people and "95.5" in people
    assert "=1+1" in cells["staff-template-说明"] and HOSTILE in cells["satisfaction-template-说明"]
    assert "Pw=1+1" in cells["passwords-初始密码"]
    assert "示例市公务员局" not in cells["oversight-2026年度各单位考核概况"]  # the bureau oversees, is not overseen
    assert "测试局" in cells["oversight-2026年度各单位考核概况"]

    # Dates as dates: the publication window and the last inspection, shown in ISO form.
    publicity = sheets["year-公示与异议"]
    assert publicity[1][2:4] == ["2026-04-07", "2026-04-13"]
    discipline = sheets["year-纪律检查"]
    assert discipline[3][0] == "3" and discipline[3][-1] == "2026-03-15"
    audit_times = [row[0] for row in sheets["audit-审计日志"][1:]]
    assert audit_times and all(re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", t) for t in audit_times)
