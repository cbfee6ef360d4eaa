"""accounts.text.join_list: a list in running text, 、 and 等 in Chinese, ", " and "and more" in English."""

from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.periods import Month
from accounts.text import join_list


def test_it_joins_with_the_chinese_list_comma_and_says_etc_beyond_the_limit():
    months = [Month(2026, 10), Month(2026, 9), Month(2026, 8), Month(2026, 7)]
    assert join_list([m.label for m in months], limit=3) == "2026年10月、2026年9月、2026年8月等"
    assert join_list([m.label for m in months[:3]], limit=3) == "2026年10月、2026年9月、2026年8月"
    assert join_list(["甲", "乙"]) == "甲、乙"
    assert join_list([]) == ""


def test_in_english_it_joins_with_a_comma_and_says_and_more():
    with translation.override("en"):
        assert join_list(["10/2026", "9/2026", "8/2026", "7/2026"], limit=3) == "10/2026, 9/2026, 8/2026 and more"
        assert join_list(["10/2026", "9/2026"], limit=3) == "10/2026, 9/2026"
        # Lazy labels are read in the language in force.
        assert join_list([gettext_lazy("工作人员"), gettext_lazy("审计员")]) == "Staff member, Auditor"


def test_the_auditors_notice_of_a_bulk_import_lists_ten_names_in_the_sites_language_whoever_imports(
    hr, auditor, department
):
    """A stored notice is written in the site's language, as its readers read it, whatever language
    the importer's pages were in (a user test: Chinese readers got English notices from a colleague
    on the English pages); the list reads 、 and 等 there."""
    from accounts import services
    from accounts.models import Notification
    from tests.factories import UserFactory

    people = [UserFactory(username=f"p{n}", full_name=f"人员{n}", department=department) for n in range(11)]
    with translation.override("en"):
        services.staff_created_in_bulk_tell(actor=hr, people=people)
    message = Notification.objects.get(recipient=auditor).message
    assert "人员0（p0）、人员1（p1）" in message and "人员9（p9）等。" in message
    assert "人员10" not in message and " and more" not in message and "accounts" not in message


def test_a_persons_roles_read_as_a_list_in_english_on_the_staff_pages(client_for, hr, staff):
    from django.urls import reverse

    from accounts import services
    from accounts.models import Role

    services.role_grant(user=staff, role=Role.INSPECTOR)
    client = client_for(hr)
    chinese = client.get(reverse("accounts:staff_detail", args=[staff.pk])).content.decode()
    assert "工作人员、纪检督查" in chinese or "纪检督查、工作人员" in chinese
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    detail = client.get(reverse("accounts:staff_detail", args=[staff.pk])).content.decode()
    listing = client.get(reverse("accounts:staff_list")).content.decode()
    for page in (detail, listing):
        assert "Staff member, Discipline inspection" in page or "Discipline inspection, Staff member" in page
        assert "Staff member、" not in page and "Discipline inspection、" not in page
