"""Twenty tabs saving one person's grade at the same moment (issue 13, concurrent edits): the
first save lands, every other is refused with the conflict message (the page then shows it beside
what the person typed: test_grading_pages.test_a_stale_version_is_refused), and no database error
reaches anyone. Each tab is a thread with its own connection calling the service the page calls:
a SQLite file with the site's settings (WAL, BEGIN IMMEDIATE, busy timeout), or PostgreSQL in make
test-postgres, where the row lock (select_for_update) makes the others wait (tests.support.concurrency)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from evaluations.grading.services.grading import grade_assign
from evaluations.models import Grade, QuarterGrade
from tests.support.concurrency import connected, file_copy_of_the_test_database, run_at_once

TABS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_tabs_saving_one_grade_one_lands_the_others_get_the_conflict_message(
    quarter, head, staff, grade_of, tmp_path
):
    row = grade_of(staff)
    database = file_copy_of_the_test_database(tmp_path)

    def save(tab: int) -> str:
        try:
            grade_assign(
                grade_row=row, actor=head, grade=Grade.FAIRLY_GOOD, comment=f"第{tab}个页面写的评语",
                version=row.version,
            )  # fmt: skip
        except ValidationError as refused:
            return " ".join(refused.messages)
        return "saved"

    answers = run_at_once(database, TABS, save)

    assert answers.count("saved") == 1, answers
    assert answers.count("该等次已被他人修改（可能在另一个窗口），请查看当前等次后再操作。") == TABS - 1, answers
    winner = answers.index("saved")
    with connected(database):
        saved = QuarterGrade.objects.get(pk=row.pk)
        assert (saved.grade, saved.comment, saved.version) == (
            Grade.FAIRLY_GOOD,
            f"第{winner}个页面写的评语",
            row.version + 1,
        )
