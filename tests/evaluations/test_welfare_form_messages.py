"""The welfare forms say, in their own words, what to do with bad or duplicate input — never
Django's generic "这个字段是必填项。", "具有 人员 的 公益性岗位 已存在。" or "确认总共不超过 9 个数字."."""

from datetime import date

from django.urls import reverse

from evaluations.welfare.models import WelfarePost
from tests.evaluations.test_welfare_decision_form import _decide, _field_error, rated  # noqa: F401
from tests.factories import WelfarePostFactory

DJANGO_WORDS = ("这个字段是必填项", "已存在", "确认总共", "选择一个有效的选项")


def _post_terms(**changes):
    return {
        "post_name": "保洁",
        "agreement_start": "2026-01-01",
        "agreement_end": "2026-12-31",
        "monthly_subsidy": "1800",
        **changes,
    }


def test_a_second_post_for_a_worker_who_has_one_says_where_to_change_it(client_for, hr, department):
    worker = WelfarePostFactory(person__department=department).person
    response = client_for(hr).post(reverse("evaluations:welfare_post_new"), _post_terms(person=worker.pk))
    assert response.status_code == 200 and WelfarePost.objects.count() == 1
    errors = response.context["form"].errors
    assert errors["person"] == ["该人员已登记公益性岗位，请在“岗位与协议”列表中点击其姓名修改协议。"]
    assert not any(word in text for word in DJANGO_WORDS for texts in errors.values() for text in texts)


def test_a_subsidy_too_large_says_the_limit(client_for, hr, department):
    post = WelfarePostFactory(person__department=department)
    url = reverse("evaluations:welfare_post_edit", args=[post.pk])
    errors = client_for(hr).post(url, _post_terms(monthly_subsidy="18000000")).context["form"].errors
    assert errors["monthly_subsidy"] == ["岗位补贴最多为9999999.99元，请核对金额。"]
    errors = client_for(hr).post(url, _post_terms(monthly_subsidy="1800.125")).context["form"].errors
    assert errors["monthly_subsidy"] == ["岗位补贴最多保留两位小数（角、分）。"]
    post.refresh_from_db()
    assert post.agreement_end == date(2026, 12, 31) and post.monthly_subsidy == 1800


def test_a_decision_without_grade_or_opinion_says_what_to_fill_in(client_for, hr, rated):  # noqa: F811
    response = _decide(client_for(hr), rated, {"grade": "", "renew": "", "notes": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert _field_error(html, "grade") == "请选择考核等次。"
    assert _field_error(html, "notes") == "请填写集体研究意见。"
    response = _decide(client_for(hr), rated, {"grade": "excellent", "renew": "2", "notes": "意见"})
    html = response.content.decode()
    assert _field_error(html, "grade") == "请选择考核等次。"
    assert _field_error(html, "renew") == "请选择是否续签上岗协议。"
    assert not any(word in html for word in DJANGO_WORDS)


def test_an_empty_interview_record_says_what_to_fill_in(client_for, hr, department, head, today):  # noqa: F811
    from evaluations.welfare import services
    from tests.factories import WelfareAssessmentFactory

    worker = WelfarePostFactory(person__department=department).person
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    services.welfare_report_save(actor=worker, assessment=assessment, text="述职")
    services.welfare_report_submit(actor=worker, assessment=assessment)
    services.welfare_report_approve(actor=head, assessment=assessment)
    response = client_for(hr).post(reverse("evaluations:welfare_interview", args=[assessment.pk]), {"notes": ""})
    html = response.content.decode()
    assert "请填写谈话记录。" in html and "这个字段是必填项" not in html
    # Saving moves the assessment on for good: the button says so and the page asks first.
    form = html.split('data-testid="welfare-interview-form"')[1].split(">", 1)[0]
    assert 'data-confirm="谈话记录保存后不能再修改，本考核随即进入民主测评环节。确定保存？"' in form
    assert "保存谈话记录，进入民主测评" in html


def test_the_new_post_form_offers_only_workers_without_a_post(client_for, hr, department):
    from accounts.models import StaffType
    from tests.factories import UserFactory

    registered = WelfarePostFactory(person__department=department, person__full_name="已登记甲").person
    UserFactory(department=department, staff_type=StaffType.PUBLIC_WELFARE, full_name="待登记乙")
    page = client_for(hr).get(reverse("evaluations:welfare_post_new")).content.decode()
    assert "待登记乙" in page and "已登记甲" not in page
    # Their own post's page still names them.
    edit = client_for(hr).get(reverse("evaluations:welfare_post_edit", args=[registered.welfare_post.pk]))
    assert "已登记甲" in edit.content.decode()


def test_the_post_form_names_the_people_offered_and_where_they_come_from(client_for, hr, department):
    """A user test found an empty list with no word of where its people come from, and names only."""
    from accounts.models import StaffType
    from tests.factories import UserFactory

    UserFactory(department=department, full_name="王保洁", employee_number="GY001", staff_type=StaffType.PUBLIC_WELFARE)
    page = client_for(hr).get(reverse("evaluations:welfare_post_new")).content.decode()
    # Named as every person picker names them (a later user test read 王保洁 · GY001 · … here only).
    assert f"王保洁（GY001，{department.name}）" in page
    assert "请先在“人员管理”中添加" in page
