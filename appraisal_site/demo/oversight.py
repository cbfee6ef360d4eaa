"""The demo's 公务员主管部门 (示例市公务员局): a bureau organisation overseeing the demo organisation,
with demo_bureau, who reads its aggregates at /oversight/. Built through the accounts services."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.audit import acting_as
from accounts.models import Organisation
from accounts.services import organisation_create, organisation_supervision_set

from . import Report, load
from .organisation import DEMO_PASSWORD, demo_person

BUREAU_CODE = "demo_bureau"
_TEXT = load("oversight")
BUREAU_ACCOUNTS = [SimpleNamespace(**row) for row in _TEXT["accounts"]]


@transaction.atomic
def build_demo_bureau(organisation: Organisation, *, year: int = 2026, seed: int = 2026) -> Report:
    """Create the bureau, its officer demo_bureau (role 公务员主管部门), and put ``organisation`` under it."""
    bureau = organisation_create(code=BUREAU_CODE, name=_TEXT["name"])
    encoded = make_password(DEMO_PASSWORD)
    officers = [demo_person(bureau, encoded, department=None, **row) for row in _TEXT["accounts"]]
    with acting_as(officers[0]):
        organisation_supervision_set(organisation=organisation, bureau=bureau)
    text = f"Oversight: {bureau.name} oversees {organisation.name} (account {officers[0].username})."
    return Report(bureau=bureau, officers=officers, text=text)
