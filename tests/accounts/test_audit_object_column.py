"""The audit page's 对象 column names the object once by its kind and by a human name (a ballot's
title, the person and period a grade is about) without showing appraisal content, at a query count
that does not grow with the rows."""

import re
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import AuditEntry
from evaluations.discipline.models import SanctionKind
from evaluations.welfare import services as welfare_services
from evaluations.welfare.models import WelfareStage
from tests.factories import (
    AppraisalQuarterFactory,
    QuarterGradeFactory,
    SanctionFactory,
    VetoFlagFactory,
    WelfareAssessmentFactory,
    WelfarePostFactory,
    audited,
)
from tests.support.queries import warm_page_queries


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 12, 1))


def _objects(client, query: str = "") -> list[str]:
    html = client.get(f"{reverse('accounts:audit_list')}{query}").content.decode()
    return re.findall(r'data-testid="audit-object"[^>]*>([^<]*)<', html)


def _rate_workers(hr, department, names):
    assessments = [
        WelfareAssessmentFactory(
            post=WelfarePostFactory(person__department=department, person__full_name=name), stage=WelfareStage.RATING
        )
        for name in names
    ]
    return welfare_services.welfare_ballot_open(actor=hr, assessments=assessments, service_users=2)


def test_a_ballots_entries_name_the_ballot_and_the_worker_and_the_kind_once(
    today, client_for, auditor, hr, head, department
):
    ballot = _rate_workers(hr, department, ["李安保"])
    objects = _objects(client_for(auditor))
    assert f"民主测评：{ballot.title}" in objects
    assert "公益性岗位年度考核：李安保 2026年度" in objects
    assert f"测评人：{ballot.title}" in objects
    # Never the kind twice ("民主测评：民主测评 #3").
    for text in objects:
        kind, _sep, name = text.partition("：")
        assert not name.startswith(f"{kind} #"), text


def test_a_grades_entry_names_the_person_and_quarter_but_not_the_grade(client_for, auditor, hr, staff, organisation):
    quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=1)
    with audited():
        grade = QuarterGradeFactory(person=staff, appraisal_quarter=quarter, grade="good", comment="工作突出")
    entry = AuditEntry.objects.get(content_type__model="quartergrade", object_pk=str(grade.pk))
    assert "好" in entry.object_repr  # the entry's own text holds the grade …
    client = client_for(auditor)
    assert "季度等次：科员甲 2026年第1季度" in _objects(client)
    html = client.get(reverse("accounts:audit_list")).content.decode()
    # … which the auditor does not read, nor the comment.
    assert entry.object_repr not in html and "工作突出" not in html and "（考核内容，不显示）" in html


def test_a_removed_object_is_named_by_its_kind_and_number_once(client_for, auditor, organisation):
    AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(QuarterGradeFactory._meta.model),
        object_pk="999",
        object_repr="某人 2026年第1季度：较差",
        action=AuditEntry.Action.DELETE,
        organisation=organisation,
    )
    assert "季度等次 #999" in _objects(client_for(auditor))


def test_the_names_cost_the_same_queries_for_few_and_many_rows(
    today, client_for, auditor, hr, head, department, organisation, django_assert_num_queries
):
    client = client_for(auditor)
    _rate_workers(hr, department, ["甲"])
    with audited():
        QuarterGradeFactory(
            person__department=department, appraisal_quarter=AppraisalQuarterFactory(organisation=organisation)
        )
    url = reverse("accounts:audit_list")
    few = warm_page_queries(client, url)
    _rate_workers(hr, department, ["乙", "丙", "丁"])
    _rate_workers(hr, department, ["戊"])
    with audited():
        for _n in range(4):
            QuarterGradeFactory(
                person__department=department, appraisal_quarter=AppraisalQuarterFactory(organisation=organisation)
            )
    with django_assert_num_queries(few):
        objects = _objects(client)
    assert "公益性岗位年度考核：戊 2026年度" in objects


def test_the_auditors_home_page_names_the_latest_entries_as_the_audit_page_does(
    client_for, auditor, staff, organisation
):
    quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=1)
    with audited():
        QuarterGradeFactory(person=staff, appraisal_quarter=quarter, grade="good", comment="工作突出")

    home = client_for(auditor).get(reverse("home")).content.decode()

    assert "季度等次：科员甲 2026年第1季度" in home
    assert "季度等次 #" not in home and "工作突出" not in home


def test_a_weekly_items_entry_names_its_week_and_a_findings_its_month(client_for, auditor, department, organisation):
    """A user test: a week's progress item and an inspection's finding both read “2026年度”."""
    from tests.factories import FindingFactory, InspectionFactory, WeeklyPostFactory, WeeklyPostItemFactory

    with audited():
        WeeklyPostItemFactory(post=WeeklyPostFactory(department=department, week=48))
        FindingFactory(
            inspection=InspectionFactory(organisation=organisation, date=date(2026, 11, 12)),
            person__department=department,
        )
    objects = _objects(client_for(auditor))
    assert any(text.endswith(f"{department.name} 2026年第48周") for text in objects), objects
    assert any(text.endswith("2026年11月") and text.startswith("检查发现") for text in objects), objects


def test_the_auditor_learns_from_neither_the_list_nor_its_search_who_was_disciplined_or_graded_what(
    client_for, auditor, hr, staff, organisation
):
    """A user test found, as the auditor, 处分与组织处理：马涛 on the list, and a person's veto by
    searching their name (the stored text of an entry holds the person, the sanction's kind, the
    veto's reason, a grade). The list names neither, and the 对象 search does not read that text."""
    quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=1)
    with audited():
        QuarterGradeFactory(person=staff, appraisal_quarter=quarter, grade="good")
        SanctionFactory(person=staff, kind=SanctionKind.WARNING, decided_on=date(2026, 3, 1))
        VetoFlagFactory(person=staff, year=2026, reason="严重违反工作纪律")
    client = client_for(auditor)
    objects = _objects(client)
    assert "处分与组织处理：2026年度" in objects
    assert not any(staff.full_name in text for text in objects if not text.startswith("季度等次"))
    for searched in (staff.full_name, "好", "警告", "违反工作纪律"):
        found = _objects(client, f"?object_repr={searched}")
        assert not any(text.startswith(("处分与组织处理", "一票否决")) for text in found), (searched, found)
        if searched != staff.full_name:
            assert found == [], (searched, found)
    # Appraisal content is found by its kind (对象类型), actor and time, not by the text it was
    # stored with: the grade's entry shows the person's name, but a search of it would also read
    # the grade, so the search leaves it out too.
    kind = ContentType.objects.get_for_model(QuarterGradeFactory._meta.model).pk
    graded = _objects(client, f"?content_type={kind}")
    assert graded == ["季度等次：科员甲 2026年第1季度"], graded
