"""Summaries fixtures: target items made by the factories (the targets app is built separately),
a staff member's October summary, and private storage in a temporary directory."""

from datetime import datetime

import pytest

from accounts.workflow import ReviewStatus
from summaries import services
from tests.factories import TargetItemFactory, TargetSetFactory

from .helpers import CHINA, submit_written


@pytest.fixture(autouse=True)
def _files_in_the_test_folder(private_files):
    return private_files


@pytest.fixture
def make_targets():
    def make(owner, *, year=2026, quarter=4, status=ReviewStatus.APPROVED, contents=("完成年度预算编制", "整理档案")):
        target_set = TargetSetFactory(owner=owner, year=year, quarter=quarter, status=status)
        for order, content in enumerate(contents):
            TargetItemFactory(target_set=target_set, sort_order=order, content=content)
        return target_set

    return make


@pytest.fixture
def october_now():
    return datetime(2026, 10, 20, 10, 0, tzinfo=CHINA)


@pytest.fixture
def summary(staff, make_targets, october_now):
    make_targets(staff)
    return services.summary_get_or_create(owner=staff, year=2026, month=10, now=october_now)


@pytest.fixture
def submitted(summary, staff, october_now):
    return submit_written(summary=summary, actor=staff, now=october_now)
