"""A POST-only address opened with a GET (Back, the history, a bookmark): a browser gets a Chinese
405 page with a way home instead of its own English "HTTP ERROR 405"; the status and the Allow
header stay, and a client that does not ask for HTML keeps the empty answer."""

from django.urls import reverse

BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
POST_ONLY = reverse("roster_export_job")


def test_a_browser_opening_a_post_only_address_gets_the_chinese_page_with_status_405(client_for, hr):
    response = client_for(hr).get(POST_ONLY, **BROWSER)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "无法直接打开该地址" in html
    assert f'href="{reverse("home")}"' in html and "返回首页" in html


def test_a_signed_out_browser_gets_the_same_page(client):
    response = client.get(POST_ONLY, **BROWSER)
    assert response.status_code == 405 and "无法直接打开该地址" in response.content.decode()


def test_a_client_not_asking_for_html_keeps_the_empty_405(client_for, hr):
    client = client_for(hr)
    for headers in ({}, {"HTTP_ACCEPT": "application/json"}, {**BROWSER, "HTTP_HX_REQUEST": "true"}):
        response = client.get(POST_ONLY, **headers)
        assert (response.status_code, response.content, response["Allow"]) == (405, b"", "POST")
        # Either answer says what it depends on, so a shared cache never hands one to the other.
        assert {"Accept", "HX-Request"} <= {name.strip() for name in response["Vary"].split(",")}
    assert {"Accept", "HX-Request"} <= {name.strip() for name in client.get(POST_ONLY, **BROWSER)["Vary"].split(",")}


def test_a_post_to_a_read_only_page_gets_the_same_page_with_its_own_allow_header(client_for, hr):
    response = client_for(hr).post(reverse("dashboard"), **BROWSER)
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    html = response.content.decode()
    assert "该地址不接受提交" in html and "返回首页" in html


def test_the_page_leads_back_to_the_page_the_action_belongs_to(client_for, staff):
    """A user test reloaded a refused self-assessment's address (/targets/<pk>/completion/) and
    found only the way home."""
    url = reverse("targets:record_completion", args=[82])
    html = client_for(staff).get(url, **BROWSER).content.decode()
    assert 'href="/targets/82/" data-testid="method-not-allowed-parent"' in html and "返回所在页面" in html


def test_the_way_back_skips_addresses_that_are_no_page(client_for, hr):
    """A re-test: one step up led to a 404 (/accounts/pending/roles/1/) or to another POST-only
    address (/targets/start/) on a third of the POST-only addresses."""
    for url, page in (
        (reverse("accounts:role_change_confirm", args=[1]), reverse("accounts:pending_changes")),
        (reverse("targets:start_from_previous"), reverse("targets:my_targets")),
    ):
        html = client_for(hr).get(url, **BROWSER).content.decode()
        assert f'href="{page}" data-testid="method-not-allowed-parent"' in html, url


def test_the_way_back_passes_over_a_page_only_its_owner_opens(client_for, hr):
    """A user test: HR reloading a welfare report's decision was led to the worker's own report,
    which answers HR 404; the way back is the assessment page."""
    html = client_for(hr).get(reverse("evaluations:welfare_report_decide", args=[7]), **BROWSER).content.decode()
    page = reverse("evaluations:welfare_assessment", args=[7])
    assert f'href="{page}" data-testid="method-not-allowed-parent"' in html
