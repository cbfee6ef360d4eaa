"""从上季度复制: a staff member starts this quarter's targets from last quarter's, as a draft."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.workflow import ReviewStatus
from targets import services
from targets.models import TargetSet
from tests.factories import TargetItemFactory, TargetSetFactory


@pytest.fixture(autouse=True)
def fourth_quarter(monkeypatch):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 12, 1))


@pytest.fixture
def last_quarter(staff):
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=3, submitted=True)
    TargetItemFactory(target_set=target_set, sort_order=2, content="第二项", weight=40, deadline=date(2026, 9, 30))
    TargetItemFactory(target_set=target_set, sort_order=1, content="第一项", weight=60, measures="按月推进")
    return target_set


def test_the_copy_is_a_draft_with_last_quarters_items_in_order(staff, last_quarter):
    copy = services.target_set_start_from_previous(owner=staff, year=2026, quarter=4)
    assert (copy.year, copy.quarter, copy.status, copy.submitted_at) == (2026, 4, ReviewStatus.DRAFT, None)
    items = list(copy.items.order_by("sort_order"))
    assert [(i.content, i.weight, i.measures, i.deadline) for i in items] == [
        ("第一项", 60, "按月推进", None),
        ("第二项", 40, "", None),
    ]
    # Last quarter is untouched.
    assert (
        last_quarter.items.count() == 2 and TargetSet.objects.get(pk=last_quarter.pk).status == ReviewStatus.SUBMITTED
    )


def test_a_task_a_leader_assigned_last_quarter_is_not_copied_and_the_copy_can_be_handed_in(staff, head, last_quarter):
    """A user test: last quarter's 领导交办 (unweighted, assigned after approval) was copied into a
    weighted set, which then could not be handed in (第3项未填 权重)."""
    from targets.models import TargetKind

    TargetItemFactory(
        target_set=last_quarter, sort_order=3, content="迎检材料", kind=TargetKind.ASSIGNED, assigned_by=head
    )
    # The owner's own item of the kind 领导交办 (weighted, written by them) is theirs, and copied.
    TargetItemFactory(target_set=last_quarter, sort_order=4, content="自填交办", kind=TargetKind.ASSIGNED, weight=0)
    copy = services.target_set_start_from_previous(owner=staff, year=2026, quarter=4)
    assert list(copy.items.order_by("sort_order").values_list("content", flat=True)) == ["第一项", "第二项", "自填交办"]
    items = [
        services.ItemData(
            id=item.pk,
            content=item.content,
            kind=item.kind,
            measures=item.measures or "按月推进",
            weight=item.weight,
            deadline=date(2026, 12, 20),
            sort_order=item.sort_order,
        )
        for item in copy.items.order_by("sort_order")
    ]
    submitted = services.target_set_submit(target_set=copy, actor=staff, version=copy.version, items=items)
    assert submitted.status == ReviewStatus.SUBMITTED


def test_it_refuses_when_this_quarter_already_has_items(staff, last_quarter):
    current = TargetSetFactory(owner=staff, year=2026, quarter=4)
    TargetItemFactory(target_set=current, content="已有")
    with pytest.raises(ValidationError):
        services.target_set_start_from_previous(owner=staff, year=2026, quarter=4)
    assert list(current.items.values_list("content", flat=True)) == ["已有"]


def test_it_refuses_when_last_quarter_has_nothing(staff):
    with pytest.raises(ValidationError):
        services.target_set_start_from_previous(owner=staff, year=2026, quarter=4)
    assert not TargetSet.objects.filter(owner=staff).exists()


def test_people_who_do_not_write_targets_cannot_copy(hr):
    with pytest.raises(PermissionDenied):
        services.target_set_start_from_previous(owner=hr, year=2026, quarter=4)


def test_the_button_copies_and_opens_the_draft(client_for, staff, last_quarter):
    client = client_for(staff)
    page = client.get(reverse("targets:my_targets")).content.decode()
    assert 'data-testid="copy-previous"' in page
    response = client.post(reverse("targets:start_from_previous"))
    copy = TargetSet.objects.get(owner=staff, year=2026, quarter=4)
    assert response.status_code == 302 and response["Location"] == reverse("targets:detail", args=[copy.pk])
    assert copy.items.count() == 2
    assert 'data-testid="copy-previous"' not in client.get(reverse("targets:my_targets")).content.decode()


def test_the_copy_is_refused_to_hr_and_on_get(client_for, hr, staff):
    assert client_for(hr).post(reverse("targets:start_from_previous")).status_code == 403
    assert client_for(staff).get(reverse("targets:start_from_previous")).status_code == 405
