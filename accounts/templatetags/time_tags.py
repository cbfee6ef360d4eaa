"""``{{ value|moment }}``: a stored instant as a list shows it, in local time: 12-06 10:43 within
the current year, 2025-12-06 10:43 for another (a user test read a notification of last December
as this December's: the bell's list gave no year)."""

from django import template
from django.utils import dateformat, timezone

from accounts import periods

register = template.Library()


@register.filter
def moment(value) -> str:
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    # The year of the application's today (a moved clock in a demo moves it too).
    return dateformat.format(local, "m-d H:i" if local.year == periods.today().year else "Y-m-d H:i")
