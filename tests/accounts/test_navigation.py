"""The navbar: HR's many pages grouped by area, few items side by side, and the language the
person chose (never the browser's)."""

from django.urls import reverse

from accounts.context_processors import NAV_ITEMS


def test_hr_sees_the_menu_grouped_by_area(client_for, hr):
    response = client_for(hr).get(reverse("home"))
    groups = response.context["nav_groups"]
    labels = [str(group["label"]) for group in groups]
    assert labels == ["考核过程", "纪律作风", "年度与结果", "组织与人员", "系统"]
    html = response.content.decode()
    assert 'data-testid="nav-group-people"' in html and "dropdown-menu" in html


def test_every_page_hr_had_in_the_menu_is_still_reachable_from_it(client_for, hr):
    response = client_for(hr).get(reverse("home"))
    html = response.content.decode()
    flat = response.context["nav_items"]
    assert len(flat) >= 14
    for item in flat:
        assert f'href="{item["url"]}"' in html


def test_a_person_with_few_pages_keeps_a_flat_menu(client_for, staff):
    response = client_for(staff).get(reverse("home"))
    assert response.context["nav_groups"] == []
    assert "nav-group-" not in response.content.decode()


def test_every_menu_item_belongs_to_an_area():
    from accounts.context_processors import NAV_GROUPS

    areas = {key for key, _label in NAV_GROUPS}
    assert all(group in areas for *_rest, group in NAV_ITEMS)


def test_an_english_browser_still_gets_chinese(client_for, staff):
    response = client_for(staff).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.context["LANGUAGE_CODE"] == "zh-hans"
    assert "首页" in response.content.decode()


def test_the_chosen_language_is_remembered_across_pages(client_for, staff):
    client = client_for(staff)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    assert response.cookies["django_language"]["max-age"] >= 30 * 24 * 3600
    for url in (reverse("home"), reverse("targets:my_targets")):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN")
        assert page.context["LANGUAGE_CODE"] == "en"
    assert "Home" in client.get(reverse("home")).content.decode()


def test_the_navbar_offers_the_other_language(client_for, staff):
    html = client_for(staff).get(reverse("home")).content.decode()
    assert 'name="language" value="en"' in html
    assert reverse("set_language") in html


def test_a_deadline_reads_as_an_english_date_after_switching(client_for, staff):
    client = client_for(staff)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    html = client.get(reverse("targets:my_targets")).content.decode()
    sentence = html.split("Please submit this quarter")[1].split("</p>")[0]
    assert "年" not in sentence and "日" not in sentence
