"""A year's public-welfare results are published in batches (a worker decided late goes out on their
own): the board's confirmation says what this publication does, and a second batch's title says
which it is, on the board and its page (a user test: 每个季度或年度只公示一次 was asked before a
second posting HR had to make, and the board then showed two identical titles)."""

import html
import re

from django.urls import reverse

from evaluations.welfare.models import WelfareStage
from publicity.publication import services
from publicity.publication.models import Publication
from tests.factories import WelfareAssessmentFactory, WelfarePostFactory
from tests.support.welfare import SATURDAY


def _decide_late_worker(department):
    post = WelfarePostFactory(person__department=department, person__full_name="保洁员乙")
    return WelfareAssessmentFactory(
        post=post, stage=WelfareStage.DECISION, grade="qualified", renew=True, decision_notes="补充研究"
    )


def _welfare_option(board: str) -> str:
    return re.search(r'<option value="w:2026"[^>]*>[^<]*</option>', board).group(0)


def test_the_welfare_confirmation_says_whom_it_publishes_not_once_a_year(client_for, hr, welfare_published, department):
    _decide_late_worker(department)
    board = client_for(hr).get(reverse("publicity:board")).content.decode()
    option = html.unescape(_welfare_option(board))
    assert "每个季度或年度只公示一次" not in option
    assert "2026年度已集体研究、尚未公示的1名公益性岗位人员" in option
    assert "2026年度公益性岗位考核结果（第2批）" in option
    # Asked on a Saturday (the clock welfare_published left): the window it opens, from Monday, not
    # 名单即刻公示 (a user test).
    assert "公示期为2026-12-07至2026-12-11" in option and "即刻" not in option
    # The form itself asks nothing more: each choice asks its own question.
    form = re.search(r'<form method="post" action="/publicity/publish/"[^>]*>', board).group(0)
    assert "data-confirm" not in form


def test_a_quarter_or_a_years_list_still_says_it_is_published_once(client_for, hr, welfare_decided, organisation):
    from evaluations.grading.models import QuarterState
    from tests.factories import AppraisalQuarterFactory

    quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=3, state=QuarterState.APPROVED)
    board = html.unescape(client_for(hr).get(reverse("publicity:board")).content.decode())
    option = re.search(rf'<option value="q:{quarter.pk}"[^>]*>', board).group(0)
    assert "每个季度或年度只公示一次" in option
    assert "每个季度或年度只公示一次" not in _welfare_option(board)


def test_a_second_batch_is_told_apart_on_the_board_and_its_page(
    client_for, settings, hr, organisation, welfare_published, department
):
    _decide_late_worker(department)
    second = services.publication_open_welfare(actor=hr, organisation=organisation, year=2026, today=SATURDAY)
    assert second.batch == 2 and second.title == "2026年度公益性岗位考核结果（第2批）"
    client = client_for(hr)
    board = client.get(reverse("publicity:board")).content.decode()
    titles = re.findall(r'<td class="card-title-cell"><a [^>]*>([^<]*)</a>', board)
    assert sorted(titles) == ["2026年度公益性岗位考核结果", "2026年度公益性岗位考核结果（第2批）"]
    page = client.get(reverse("publicity:publication_detail", args=[second.pk])).content.decode()
    assert 'data-testid="publication-title">2026年度公益性岗位考核结果（第2批）<' in page
    assert Publication.objects.get(pk=welfare_published.pk).batch == 1


def test_an_upheld_objection_sends_a_welfare_result_back_to_the_units_decision(
    client_for, settings, hr, head, colleague, organisation, welfare_published
):
    """A user test upheld an objection to a worker's published 不合格 and found no way on: 退回 was
    refused ("…请在其考核页面办理") and the assessment page, at 张榜公示, offered nothing. The result now
    goes back to 集体研究, leaves this list, and the new decision is published in a batch of its own."""
    from tests.support.welfare import FIRST_DAY

    settings.APPRAISAL_TODAY = FIRST_DAY
    entry = welfare_published.entries.get()
    assessment = entry.welfare_assessment
    objection = services.objection_lodge(actor=colleague, entry=entry, text="该同志经常不在岗，不应评为合格")
    services.objection_accept(actor=hr, objection=objection)
    url = reverse("publicity:objection_detail", args=[objection.pk])
    page = client_for(hr).get(url).content.decode()
    assert 'data-testid="send-back"' in page and "退回集体研究" in page and "重新集体研究" in page

    response = client_for(hr).post(url, {"action": "send_back", "reason": "核实属实，请单位重新研究。"}, follow=True)
    assert response.status_code == 200
    # Said as what happened, not the quarterly 退回评鉴人重评 (a user test).
    assert "撤下公示，退回单位重新集体研究" in response.content.decode() and "评鉴人" not in response.content.decode()
    # The line's objection page, opened within its window, hides the grade as the board does and
    # says why no objection is taken (a user test read the old 不合格 and 不在公示期内 there).
    objecting = client_for(head)
    object_url = reverse("publicity:objection_new", args=[entry.pk])
    page = objecting.get(object_url).content.decode()
    assert "— 已撤下" in page and entry.grade_display not in page and "该结果已撤下公示" in page
    refused = objecting.post(object_url, {"text": "再提异议"}).content.decode()
    assert "该结果已撤下公示" in refused and "不在公示期内" not in refused
    entry.refresh_from_db()
    assessment.refresh_from_db()
    assert entry.state == "withdrawn" and assessment.stage == WelfareStage.DECISION
    assert assessment.owner.notifications.filter(message__contains="已退回集体研究").exists()
    # The objection's page leads HR to the assessment, where the unit decides again.
    page = client_for(hr).get(url).content.decode()
    link = reverse("evaluations:welfare_assessment", args=[assessment.pk])
    assert f'href="{link}" data-testid="to-redecide"' in page
    assessment_page = client_for(hr).get(link)
    assert assessment_page.status_code == 200
    # The assessment says it was sent back, and why (a re-test found only the old decision there).
    sent_back = assessment_page.content.decode().split('data-testid="welfare-sent-back">')[1].split("</div>")[0]
    assert "退回集体研究" in sent_back and "核实属实，请单位重新研究。" in sent_back
    # The unit decides again (集体研究 is open to it: the stage the decision form is for); HR publishes
    # it as the year's next batch.
    again = services.publication_open_welfare(actor=hr, organisation=organisation, year=2026)
    assert again.pk != welfare_published.pk and again.entries.get().welfare_assessment_id == assessment.pk
    assert "第2批" in again.title
    # The objection is answered as any other.
    services.objection_verify(actor=hr, objection=objection, notes="单位已重新研究。")
    services.objection_answer(actor=hr, objection=objection, answer="已退回集体研究，重新研究后另行公示。")


def test_published_on_a_day_off_the_notice_says_published_not_on_show(welfare_published, welfare_decided):
    """A user test: published on a Saturday, the workers read 正在公示（12-07至12-11） while the board
    said 待公示 and their page 尚未开始."""
    from tests.support.welfare import FIRST_DAY

    notice = welfare_decided.owner.notifications.get(url=welfare_published.get_absolute_url())
    assert "已发布，公示期为2026-12-07至2026-12-11" in notice.message and "正在公示" not in notice.message
    assert welfare_published.starts_on == FIRST_DAY


def test_the_printed_notice_of_a_welfare_list_speaks_of_the_collective_decision(hr):
    """A user test read the civil servants' 经考核审批 on the welfare list's printed notice."""
    from django.template.loader import render_to_string

    from publicity.publication.models import PublicationKind
    from tests.support.publication_factories import PublicationFactory

    welfare = PublicationFactory(published_by=hr, kind=PublicationKind.WELFARE, title="2026年度公益性岗位考核结果")
    html = render_to_string("publicity/publication/notice.html", {"publication": welfare, "entries": []})
    assert "根据公益性岗位考核有关规定，经集体研究，现将2026年度公益性岗位考核结果予以公示。" in html
    assert "经考核审批" not in html
    quarter = PublicationFactory(published_by=hr, kind=PublicationKind.QUARTER, title="季度结果")
    notice = render_to_string("publicity/publication/notice.html", {"publication": quarter, "entries": []})
    assert "经考核审批" in notice
