"""Every organisation gets its policy row now, so reading the policy never has to create it.

``policy_for_organisation`` used to create the row on first read, even while answering a GET;
it now only reads (the defaults unsaved when the row is missing). Organisations created before
``organisation_create`` made the row, or through the admin, get it here with the defaults.
"""

from django.db import migrations


def create_missing_policies(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    Policy = apps.get_model("accounts", "Policy")
    missing = Organisation.objects.filter(policy__isnull=True)
    Policy.objects.bulk_create([Policy(organisation=organisation) for organisation in missing])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0025_policy_party_building_parts"),
    ]

    operations = [
        migrations.RunPython(create_missing_policies, migrations.RunPython.noop),
    ]
