"""A user test: the day after a public-welfare result's 张榜公示 window the unit's list still said
张榜公示 until the night's locking job ran. The step shown is the one the dates give today, by the
locking job's own rule (window over, no objection open → 已定): on the list, its tabs and counts,
the worker's page, their own list and the results workbook. Reading it locks nothing."""

import re
from datetime import date

from django.urls import reverse

from evaluations.welfare.exports import result_rows
from evaluations.welfare.models import WelfareStage
from publicity.publication import services
from tests.support.welfare import AFTER_WINDOW, worker_page

IN_WINDOW = date(2026, 12, 9)


def _list_stages(client, query: str = "") -> list[str]:
    page = client.get(reverse("evaluations:welfare", args=[2026]) + query).content.decode()
    return re.findall(r'<td data-label="环节">([^<]*)</td>', page)


def test_after_the_window_the_list_says_final_before_the_locking_job_runs(
    client_for, settings, welfare_published, welfare_decided, hr
):
    client = client_for(hr)
    settings.APPRAISAL_TODAY = IN_WINDOW
    assert _list_stages(client) == ["张榜公示"]

    settings.APPRAISAL_TODAY = AFTER_WINDOW
    assert _list_stages(client) == ["已定"]
    # The step's tab finds the worker there, and counts them there.
    assert _list_stages(client, "?stage=final") == ["已定"]
    assert _list_stages(client, "?stage=published") == []
    page = client.get(reverse("evaluations:welfare", args=[2026])).content.decode()
    assert "已定 (1)" in page and "张榜公示 (0)" in page
    # Nothing was written by looking: the job has not run.
    welfare_decided.refresh_from_db()
    assert welfare_decided.stage == WelfareStage.PUBLISHED and welfare_decided.finalised_at is None


def test_the_workers_page_their_list_and_the_workbook_agree_with_the_list(
    client_for, settings, welfare_published, welfare_decided
):
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    page = worker_page(client_for, welfare_decided)
    assert "当前环节：<strong>已定</strong>" in page
    assert '<li class="list-inline-item fw-bold text-primary">6. 已定</li>' in page
    assert "张榜公示期（2026-12-07至2026-12-11）已满，结果已定。" in page and "待定等" not in page
    mine = client_for(welfare_decided.owner).get(reverse("evaluations:welfare_mine")).content.decode()
    assert "<span>已定 · 合格</span>" in mine
    [row] = result_rows(organisation_id=welfare_decided.organisation_id, year=2026)
    assert row[7] == "已定" and row[-1] == "发放"


def test_a_result_with_an_objection_open_still_waits_after_the_window(
    client_for, settings, welfare_published, welfare_decided, hr, staff
):
    settings.APPRAISAL_TODAY = IN_WINDOW
    services.objection_lodge(actor=staff, entry=welfare_published.entries.get(), text="有异议")
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    assert _list_stages(client_for(hr)) == ["张榜公示"]
    page = worker_page(client_for, welfare_decided)
    assert "当前环节：<strong>张榜公示</strong>" in page
    assert "张榜公示期（2026-12-07至2026-12-11）已满，待定等。" in page
    [row] = result_rows(organisation_id=welfare_decided.organisation_id, year=2026)
    assert row[7] == "张榜公示" and row[-1] == "待定"
