"""Grading's own paragraphs (评语, 理由, 纪委意见, 复核理由) count a line break once, as the page's
counter does: the browser sends each as CRLF, which counted twice against the limit."""

from django.urls import reverse

from evaluations.models import Grade, QuarterGrade


def test_a_comment_of_two_lines_at_the_limit_is_taken_and_stored_with_one_line_break(
    client_for, quarter, head, staff, grade_of
):
    row = grade_of(staff)
    limit = QuarterGrade._meta.get_field("comment").max_length
    comment = "甲" * (limit - 2) + "\r\n" + "乙"  # limit characters on the page, limit + 1 sent
    prefix = f"g{row.pk}"
    response = client_for(head).post(
        reverse("evaluations:grade_detail", args=[row.pk]),
        {f"{prefix}-grade": Grade.FAIRLY_GOOD, f"{prefix}-comment": comment, f"{prefix}-version": row.version},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    row.refresh_from_db()
    assert row.grade == Grade.FAIRLY_GOOD and row.comment == "甲" * (limit - 2) + "\n乙"
