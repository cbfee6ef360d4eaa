"""A publication's window is the board's dates everywhere: it opens on the first working day on or
after the day HR published (``publication_window``), so a list published on a Saturday opens on
Monday. Its lines say 公示中 only inside that window, the worker's own page gives the same dates, and
once the window has run out the lines and the hint say so instead of inviting objections."""

import re
from datetime import date

from django.urls import reverse

from publicity.publication import services
from tests.support.welfare import AFTER_WINDOW, FIRST_DAY, LAST_DAY, SATURDAY, worker_page


def _states(page: str) -> list[str]:
    return re.findall(r'data-testid="entry-state">([^<]*)<', page)


def test_a_list_published_on_a_saturday_is_not_said_to_be_open_before_monday(
    client_for, settings, welfare_published, welfare_decided, staff
):
    assert (welfare_published.starts_on, welfare_published.ends_on) == (FIRST_DAY, LAST_DAY)
    page = client_for(staff).get(welfare_published.get_absolute_url()).content.decode()
    assert 'data-testid="starts-on">2026-12-07<' in page and 'data-testid="time-left">待公示（2026-12-07起）<' in page
    assert _states(page) == ["待公示（2026-12-07起）"]
    # The worker's page gives the board's dates, not the day HR pressed the button.
    own_page = worker_page(client_for, welfare_decided)
    assert "张榜公示期为2026-12-07至2026-12-11，尚未开始" in own_page
    assert "2026-12-05" not in own_page

    settings.APPRAISAL_TODAY = FIRST_DAY
    page = client_for(staff).get(welfare_published.get_absolute_url()).content.decode()
    assert _states(page) == ["公示中"] and 'data-testid="object-link"' in page
    assert "张榜公示中（2026-12-07至2026-12-11）" in worker_page(client_for, welfare_decided)


def test_after_the_window_the_lines_say_it_is_over_and_no_objection_is_invited(
    client_for, settings, welfare_published, welfare_decided, staff
):
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    page = client_for(staff).get(welfare_published.get_absolute_url()).content.decode()
    assert 'data-testid="time-left">公示期满，待定等<' in page
    assert _states(page) == ["公示期满，待定等"]
    assert "请在公示期内" not in page and 'data-testid="object-link"' not in page
    assert "公示期已结束，不再受理异议。" in page
    # No objection is open: the worker's result stands by the locking rule, job run or not.
    assert "张榜公示期（2026-12-07至2026-12-11）已满，结果已定" in worker_page(client_for, welfare_decided)


def test_an_objection_before_the_window_is_refused_once_saying_when_the_window_opens(
    client_for, welfare_published, staff
):
    """A user test: 提交异议 on the Saturday the list was published showed the refusal three times
    (a message, above the form and at its box), and said only that it was outside the window."""
    from publicity.publication.models import Objection

    url = reverse("publicity:objection_new", args=[welfare_published.entries.get().pk])
    said = "公示期为2026-12-07至2026-12-11，尚未开始，2026-12-07起可以提出异议。"
    client = client_for(staff)
    response = client.post(url, {"text": "早了"})
    assert response.status_code == 400
    assert response.content.decode().count(said) == 1
    assert not Objection.objects.exists()
    # The page itself says it, once, and offers no form to fill in for nothing.
    page = client.get(url).content.decode()
    assert page.count(said) == 1 and 'data-testid="objection-submit"' not in page


def test_an_objection_after_the_window_is_refused_once_saying_it_has_ended(
    client_for, settings, welfare_published, staff
):
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    url = reverse("publicity:objection_new", args=[welfare_published.entries.get().pk])
    response = client_for(staff).post(url, {"text": "晚了"})
    assert response.status_code == 400
    assert response.content.decode().count("公示期为2026-12-07至2026-12-11，已经结束，不能再提出异议。") == 1


def _board_states(page: str) -> list[str]:
    return re.findall(r'data-testid="publication-status" data-status="\w+">([^<]*)<', page)


def test_the_board_the_list_and_its_lines_say_the_same_from_the_dates_without_waiting_for_the_lock(
    client_for, settings, welfare_published, staff
):
    """A user test: the day after the window the board still said 公示中 until the night's locking
    job ran. The state is read from the dates and today at every view; reading it writes nothing."""
    client = client_for(staff)
    for day, said in ((SATURDAY, "待公示（2026-12-07起）"), (FIRST_DAY, "公示中"), (AFTER_WINDOW, "公示期满，待定等")):
        settings.APPRAISAL_TODAY = day
        assert _board_states(client.get(reverse("publicity:board")).content.decode()) == [said], day
        page = client.get(welfare_published.get_absolute_url()).content.decode()
        assert _states(page) == [said], day
        if day != FIRST_DAY:  # inside the window the list's page counts the days left instead
            assert f'data-testid="time-left">{said}<' in page
    # Nothing was locked by looking: the lock job has not run, and the pages did not run it.
    welfare_published.refresh_from_db()
    assert welfare_published.closed_at is None and welfare_published.entries.get().state == "published"
    services.publications_lock_due(organisation_id=welfare_published.organisation_id)
    assert _board_states(client.get(reverse("publicity:board")).content.decode()) == ["已定等"]
    page = client.get(welfare_published.get_absolute_url()).content.decode()
    assert _states(page) == ["已定等"] and 'data-testid="time-left">已定等<' in page


def test_while_a_line_published_again_is_in_its_window_the_board_says_so_as_the_list_does(
    client_for, settings, welfare_published, staff
):
    from django.utils import timezone

    welfare_published.entries.update(
        republished_at=timezone.now(), window_starts_on=AFTER_WINDOW, window_ends_on=date(2026, 12, 18)
    )
    settings.APPRAISAL_TODAY = AFTER_WINDOW
    client = client_for(staff)
    said = "公示期已结束，重新公示的人员仍在公示期内"
    assert _board_states(client.get(reverse("publicity:board")).content.decode()) == [said]
    page = client.get(welfare_published.get_absolute_url()).content.decode()
    assert f'data-testid="time-left">{said}<' in page and _states(page) == ["公示中"]
