"""A form whose CSRF token no longer matches gets the site's own page in Chinese, with a way back,
not Django's bare page that speaks of DEBUG (a security test)."""

from django.test import Client
from django.urls import reverse


def test_a_stale_form_gets_the_sites_page_with_the_way_back(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    back = "http://testserver" + reverse("summaries:list")
    response = client.post(reverse("summaries:start"), {"year": 2026, "month": 11}, HTTP_REFERER=back)
    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期，未保存" in html and "DEBUG" not in html
    assert f'href="{back}" data-testid="csrf-back"' in html and f'href="{reverse("home")}"' in html
