"""Once the agency head has approved a quarter (accounts.PeriodLock, written by the approval), its
target sets are read-only for everyone: items, review, assigned tasks and the completion record."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import PeriodLock
from targets import services
from targets.models import Completion
from tests.factories import PeriodLockFactory
from tests.targets.conftest import QUARTER, YEAR
from tests.targets.test_pages import formset_data

pytestmark = pytest.mark.django_db

CLOSED = "已审批"


@pytest.fixture
def close_quarter(organisation, chief):
    def close(year: int = YEAR, quarter: int = QUARTER) -> PeriodLock:
        return PeriodLockFactory(organisation=organisation, year=year, quarter=quarter, locked_by=chief)

    return close


def test_it_refuses_to_change_the_completion_of_an_approved_quarter(
    staff, make_target_set, close_quarter, quarter_started
):
    target_set = make_target_set(staff, state="approved")
    item = target_set.items.get()
    close_quarter()
    with pytest.raises(ValidationError, match=CLOSED):
        services.target_set_record_completion(
            target_set=target_set, actor=staff, completions={item.pk: (Completion.DONE, "补填")}, today=quarter_started
        )
    item.refresh_from_db()
    assert item.completion == ""


def test_completion_of_another_quarter_is_still_recorded(staff, make_target_set, close_quarter, quarter_started):
    target_set = make_target_set(staff, state="approved")
    item = target_set.items.get()
    close_quarter(quarter=QUARTER - 1)
    services.target_set_record_completion(
        target_set=target_set, actor=staff, completions={item.pk: (Completion.DONE, "")}, today=quarter_started
    )
    item.refresh_from_db()
    assert item.completion == Completion.DONE


def test_it_refuses_items_drafts_submissions_and_new_sets_of_an_approved_quarter(staff, make_target_set, close_quarter):
    draft = make_target_set(staff, state="draft")
    close_quarter()
    with pytest.raises(ValidationError, match=CLOSED):
        services.target_set_save_draft(target_set=draft, actor=staff, version=draft.version, items=[])
    with pytest.raises(ValidationError, match=CLOSED):
        services.target_set_submit(target_set=draft, actor=staff, version=draft.version)
    with pytest.raises(ValidationError, match=CLOSED):
        services.target_set_start(owner=staff, year=YEAR, quarter=QUARTER)
    assert draft.items.count() == 1


def test_it_refuses_returns_and_assigned_tasks_in_an_approved_quarter(
    staff, colleague, head, make_target_set, close_quarter
):
    submitted = make_target_set(staff, state="submitted")
    approved = make_target_set(colleague, state="approved")
    close_quarter()
    with pytest.raises(ValidationError, match=CLOSED):
        services.target_set_return(target_set=submitted, actor=head, reason="补充")
    with pytest.raises(ValidationError, match=CLOSED):
        services.target_set_assign_item(target_set=approved, actor=head, content="追加任务")
    assert approved.items.count() == 1


def test_a_set_left_handed_in_when_the_quarter_was_approved_is_approved_off_the_inbox(
    client_for, staff, head, make_target_set, close_quarter
):
    """A user test: a set the quarter's approval did not wait for (someone on long leave, or gone)
    stayed in the head's inbox and home count for ever — 通过 refused, no form on its page. It is
    approved as a summary is (nothing of what fed the quarter changes); returned it is not."""
    from summaries import review

    submitted = make_target_set(staff, state="submitted")
    close_quarter()
    client = client_for(head)
    page = client.get(reverse("targets:detail", args=[submitted.pk])).content.decode()
    assert 'data-testid="approve-form"' in page and 'data-testid="no-return"' in page
    assert reverse("targets:return", args=[submitted.pk]) not in page
    response = client.post(reverse("targets:approve", args=[submitted.pk]), {"version": submitted.version})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "approved"
    assert not review.inbox_querysets(reviewer=head)[review.TARGETS].exists()


def test_a_completion_post_to_an_approved_quarter_is_refused_and_changes_nothing(
    client_for, staff, make_target_set, close_quarter
):
    target_set = make_target_set(staff, state="approved")
    item = target_set.items.get()
    close_quarter()
    response = client_for(staff).post(
        reverse("targets:record_completion", args=[target_set.pk]),
        {"version": target_set.version, f"completion_{item.pk}": "done", f"note_{item.pk}": "审批后补改"},
    )
    assert response.status_code == 400
    assert CLOSED in response.content.decode()
    item.refresh_from_db()
    assert (item.completion, item.completion_note) == ("", "")


def test_the_page_of_an_approved_quarter_offers_no_edit_controls(
    client_for, staff, head, make_target_set, close_quarter
):
    approved = make_target_set(staff, state="approved")
    open_html = client_for(staff).get(reverse("targets:detail", args=[approved.pk])).content.decode()
    assert 'name="version"' in open_html and 'data-testid="quarter-closed"' not in open_html
    close_quarter()
    for person in (staff, head):
        html = client_for(person).get(reverse("targets:detail", args=[approved.pk])).content.decode()
        assert 'data-testid="quarter-closed"' in html
        assert reverse("targets:record_completion", args=[approved.pk]) not in html
        assert reverse("targets:assign_item", args=[approved.pk]) not in html


def test_a_quarters_department_goals_are_read_only_once_it_is_approved(head, department, close_quarter):
    goal = services.department_goal_create(
        actor=head, department=department, year=YEAR, quarter=QUARTER, content="完成年度预算执行"
    )
    annual = services.department_goal_create(
        actor=head, department=department, year=YEAR, quarter=None, content="全年目标"
    )
    close_quarter()
    with pytest.raises(ValidationError, match=CLOSED):
        services.department_goal_create(
            actor=head, department=department, year=YEAR, quarter=QUARTER, content="补充的目标"
        )
    with pytest.raises(ValidationError, match=CLOSED):
        services.department_goal_update(actor=head, goal=goal, year=YEAR, quarter=QUARTER, content="改写")
    with pytest.raises(ValidationError, match=CLOSED):
        services.department_goal_delete(actor=head, goal=goal)
    goal.refresh_from_db()
    assert goal.content == "完成年度预算执行"
    # An annual goal has no quarter to close: it stays editable.
    services.department_goal_update(actor=head, goal=annual, year=YEAR, quarter=None, content="全年目标（修订）")


def test_deleting_a_goal_of_an_approved_quarter_on_the_page_says_why(client_for, head, department, close_quarter):
    goal = services.department_goal_create(
        actor=head, department=department, year=YEAR, quarter=QUARTER, content="完成年度预算执行"
    )
    close_quarter()
    response = client_for(head).post(reverse("targets:goal_delete", args=[goal.pk]), follow=True)
    assert response.status_code == 200 and CLOSED in response.content.decode()
    goal.refresh_from_db()  # still there


def test_a_draft_saved_after_its_quarter_was_approved_gives_the_typed_text_back(
    client_for, staff, make_target_set, close_quarter
):
    """The page was open when the quarter closed: the save is refused and what was typed is shown to
    copy (the page no longer offers the form it was typed in)."""
    target_set = make_target_set(staff, items=1)
    item = target_set.items.get()
    close_quarter()
    typed = {"id": item.pk, "content": "关账后才写的目标"}
    response = client_for(staff).post(
        reverse("targets:detail", args=[target_set.pk]), formset_data(target_set, [typed], initial=1)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="unsaved-items"' in page and "关账后才写的目标" in page
    assert "保存草稿" not in page
    item.refresh_from_db()
    assert item.content == "目标1"


def test_the_goal_pages_of_an_approved_quarter_offer_no_edit_or_delete_that_would_be_refused(
    client_for, head, department, close_quarter
):
    """A user test: the goals list offered 编辑/删除 for a goal of an approved quarter, the delete
    page counted the items it would unlink, and only 确定删除 said it could not be done."""
    goal = services.department_goal_create(
        actor=head, department=department, year=YEAR, quarter=QUARTER, content="完成年度预算执行"
    )
    annual = services.department_goal_create(
        actor=head, department=department, year=YEAR, quarter=None, content="全年目标"
    )
    close_quarter()
    client = client_for(head)
    listed = client.get(reverse("targets:goal_list")).content.decode()
    assert reverse("targets:goal_edit", args=[goal.pk]) not in listed
    assert reverse("targets:goal_delete", args=[goal.pk]) not in listed
    assert 'data-testid="goal-closed"' in listed
    # The annual goal stays editable.
    assert reverse("targets:goal_edit", args=[annual.pk]) in listed
    for name in ("targets:goal_edit", "targets:goal_delete"):
        page = client.get(reverse(name, args=[goal.pk])).content.decode()
        assert "只读" in page and 'type="submit"' not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    # A POST all the same is refused on the form, not a server error.
    response = client.post(
        reverse("targets:goal_edit", args=[goal.pk]),
        {"department": department.pk, "year": YEAR, "quarter": QUARTER, "content": "改写", "sort_order": 0},
    )
    assert response.status_code == 400 and CLOSED in response.content.decode()
    goal.refresh_from_db()
    assert goal.content == "完成年度预算执行"
