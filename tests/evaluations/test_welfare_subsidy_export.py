"""The results export's 补贴发放 column (补贴发放依据): 待定 while the result may still change, the
grade's answer once it is 已定, 停发 whatever the grade for a worker recorded absent from the post."""

from datetime import date

from evaluations.welfare.exports import result_rows
from evaluations.welfare.models import WelfareStage
from publicity.publication import services as publication_services
from tests.factories import WelfareAssessmentFactory, WelfarePostFactory
from tests.support.welfare import AFTER_WINDOW, FIRST_DAY, SATURDAY


def _decided(department, name, grade, renew):
    post = WelfarePostFactory(person__department=department, person__full_name=name, agreement_end=date(2027, 6, 30))
    return WelfareAssessmentFactory(
        post=post, stage=WelfareStage.DECISION, grade=grade, renew=renew, decision_notes="会议研究"
    )


def _subsidy(organisation, day):
    return {row[2]: row[-1] for row in result_rows(organisation_id=organisation.pk, year=2026, today=day)}


def test_an_unqualified_result_in_its_objection_window_reads_pending_not_stopped(
    settings, hr, organisation, department
):
    """A user test: HR's export read 在岗, 停发 for a worker decided 不合格 whose result was still open
    to objection, the agreement running to 2027-06-30."""
    _decided(department, "不合格者", "unqualified", False)
    _decided(department, "合格者", "qualified", True)
    settings.APPRAISAL_TODAY = SATURDAY
    publication_services.publication_open_welfare(actor=hr, organisation=organisation, year=2026, today=SATURDAY)
    assert _subsidy(organisation, FIRST_DAY) == {"不合格者": "待定", "合格者": "待定"}
    # Once the window is over without an objection the result is 已定: the grade answers.
    assert _subsidy(organisation, AFTER_WINDOW) == {"不合格者": "停发", "合格者": "发放"}


def test_an_unqualified_decision_not_yet_published_reads_pending(organisation, department):
    _decided(department, "不合格者", "unqualified", False)
    assert _subsidy(organisation, date(2026, 12, 20)) == {"不合格者": "待定"}
