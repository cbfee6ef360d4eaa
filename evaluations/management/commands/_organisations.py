"""The organisations a roll-up command runs for (not a command: Django skips modules named ``_*``)."""

from django.core.management.base import CommandError
from django.db.models import QuerySet

from accounts.models import Organisation


def organisations_to_run(code: str | None) -> QuerySet[Organisation]:
    """Every organisation, by code; only the one named by ``--organisation`` when given (which must exist)."""
    organisations = Organisation.objects.order_by("code")
    if code:
        organisations = organisations.filter(code=code)
        if not organisations.exists():
            raise CommandError(f"No organisation with code {code!r}.")
    return organisations
