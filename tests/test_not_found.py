"""A record deleted in another tab (or by someone else): the 404 page says so and leads back."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import ServiceEventFactory


def test_deleting_again_in_a_second_tab_says_the_record_is_gone_and_leads_back(client_for, hr, staff):
    event = ServiceEventFactory(person=staff)
    client = client_for(hr)
    url = reverse("evaluations:event_delete", args=[event.pk])
    first_tab = client.get(url)  # both tabs show the confirmation
    assert first_tab.status_code == 200
    assert client.post(url).status_code == 302
    back = "http://testserver" + reverse("evaluations:event_list")
    again = client.post(url, HTTP_REFERER=back)
    html = again.content.decode()
    assert again.status_code == 404
    assert "可能已被删除" in html
    assert f'href="{back}"' in html and "返回上一页" in html


def test_the_404_page_leads_back_only_to_this_site(client_for, hr):
    client = client_for(hr)
    html = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/phish").content.decode()
    assert "evil.example" not in html and "返回上一页" not in html
    assert f'href="{reverse("home")}"' in html
