import re
from datetime import UTC, date, datetime

from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Notification


def test_a_reminder_with_the_same_key_is_created_once(staff):
    first = services.notify(recipient=staff, message="请提交月小结", dedupe_key="summary-2026-10")
    again = services.notify(recipient=staff, message="请提交月小结", dedupe_key="summary-2026-10")
    assert first is not None and again is None
    assert Notification.objects.filter(recipient=staff).count() == 1


def test_the_bell_counts_unread_and_opening_marks_read(client_for, staff):
    note = services.notify(recipient=staff, message="目标已退回", url="/")
    client = client_for(staff)
    body = client.get("/").content.decode()
    assert 'data-testid="bell-count">1<' in body
    # A screen reader hears the count too (the link's own name would hide the badge).
    assert 'data-testid="bell" aria-label="通知，1条未读"' in body
    # A GET (a bookmark, a link from elsewhere) goes there and writes nothing.
    response = client.get(reverse("accounts:notification_open", args=[note.pk]))
    assert response["Location"] == "/"
    note.refresh_from_db()
    assert note.read_at is None
    # The list's button posts, and marks it read on the way.
    assert (
        f'action="{reverse("accounts:notification_open", args=[note.pk])}"'
        in client.get(reverse("accounts:notification_list")).content.decode()
    )
    response = client.post(reverse("accounts:notification_open", args=[note.pk]))
    assert response["Location"] == "/"
    body = client.get("/").content.decode()
    assert 'data-testid="bell-count"' not in body and 'data-testid="bell" aria-label="通知"' in body


def test_nobody_opens_someone_elses_notification(client_for, staff, colleague):
    note = services.notify(recipient=staff, message="私人通知")
    assert client_for(colleague).get(reverse("accounts:notification_open", args=[note.pk])).status_code == 404
    assert client_for(colleague).post(reverse("accounts:notification_open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_an_external_link_is_not_followed(client_for, staff):
    note = services.notify(recipient=staff, message="x", url="https://evil.example.com/")
    response = client_for(staff).get(reverse("accounts:notification_open", args=[note.pk]))
    assert response["Location"] == reverse("accounts:notification_list")


def test_notifications_are_emailed_once_when_mail_is_configured(staff, mail_to, django_capture_on_commit_callbacks):
    mail_to(staff)
    with django_capture_on_commit_callbacks(execute=True):
        note = services.notify(recipient=staff, message="请提交季目标", dedupe_key="t-2026-4")
    assert len(mail.outbox) == 1 and "请提交季目标" in mail.outbox[0].body
    services._email_notification(note.pk)
    assert len(mail.outbox) == 1


def test_a_mailed_notice_links_to_its_page_where_the_site_address_is_set(
    staff, mail_to, settings, django_capture_on_commit_callbacks
):
    """A user test's mail said what had happened, not where to look."""
    mail_to(staff)
    settings.SITE_URL = "https://kaohe.example.gov.cn/"
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=staff, message="您的10月工作小结被退回", url="/summaries/573/")
    assert mail.outbox[0].body.splitlines()[-1] == "https://kaohe.example.gov.cn/summaries/573/"
    settings.SITE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=staff, message="又一条", url="/summaries/574/")
    assert "/summaries/574/" not in mail.outbox[1].body


def test_mark_all_read(client_for, staff):
    for i in range(3):
        services.notify(recipient=staff, message=f"通知{i}")
    client_for(staff).post(reverse("accounts:notification_list"))
    assert not Notification.objects.filter(recipient=staff, read_at__isnull=True).exists()


def test_the_list_shows_the_year_of_a_notification_from_another_year(client_for, staff, settings):
    # A user test read "12-06 10:43" in January and took last December's notice for a new one.
    settings.APPRAISAL_TODAY = date(2026, 1, 10)
    old = services.notify(recipient=staff, message="去年的通知")
    new = services.notify(recipient=staff, message="今年的通知")
    Notification.objects.filter(pk=old.pk).update(created_at=datetime(2025, 12, 6, 2, 43, tzinfo=UTC))
    Notification.objects.filter(pk=new.pk).update(created_at=datetime(2026, 1, 5, 1, 0, tzinfo=UTC))
    body = client_for(staff).get(reverse("accounts:notification_list")).content.decode()
    times = re.findall(r'data-testid="notification-time">([^<]*)<', body)
    assert times == ["01-05 09:00", "2025-12-06 10:43"]
