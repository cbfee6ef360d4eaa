"""Every audited model names its organisation on its entries, so an auditor reads their own
agency's trail only: two models did not (the indicator scores, the public-welfare assessments), and
a new agency's auditor read the demo agency's entries (a user test)."""

from auditlog.registry import auditlog

from accounts.models import OrganisationScoped


def test_every_audited_model_names_its_organisation():
    unscoped = [model._meta.label for model in auditlog.get_models() if not issubclass(model, OrganisationScoped)]
    assert unscoped == []
