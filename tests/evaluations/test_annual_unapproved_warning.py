"""The annual pages' warning of quarters not approved yet names them inside one sentence in each
language (a user test read "…the quarterly grades there are:Q4。The annual grades…")."""

from django.template.loader import render_to_string
from django.utils import translation


def _warning(language: str, quarters: list[int]) -> str:
    with translation.override(language):
        html = render_to_string("evaluations/annual/_unapproved.html", {"unapproved_quarters": quarters})
    return html.split('data-testid="unapproved">')[1].split("</div>")[0]


def test_in_english_the_quarters_stand_in_the_sentence_with_english_punctuation():
    text = _warning("en", [3, 4])
    assert "being regraded: Q3, Q4. The suggestions use" in text
    assert "。" not in text and "、" not in text and "：" not in text


def test_in_chinese_the_warning_says_the_suggestions_wait_for_the_approval():
    """A user test read 好/好/好/好 in the list beside 建议理由 "3个季度中3个'好'", computed before the
    open quarter's other grades: the suggestions are as computed, the grades given since count later."""
    assert _warning("zh-hans", [3, 4]) == (
        "以下季度尚未审批或有等次正在重评：第3季度、第4季度。建议等次按计算时已有的季度等次得出，"
        "此后评定的等次在季度审批后重新计算时计入；全年各季度考核结果审批后，才能确定年度等次。"
    )
