import django.core.validators
from django.db import migrations, models
from django.db.models import F


def keep_graders_reasons(apps, schema_editor):
    """A grade the leader changed kept the grader's 定等理由 in ``reason`` unless the change (to
    一般/较差) wrote the leader's reason there: what can still be told is kept as the grader's.
    (A 定等后复核 after the change may have overwritten it too; that one cannot be told apart.)"""
    QuarterGrade = apps.get_model("evaluations", "QuarterGrade")
    changed = QuarterGrade.objects.exclude(evaluator_grade="").exclude(evaluator_grade=F("grade"))
    changed.exclude(reason=F("change_reason")).update(evaluator_reason=F("reason"))


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0044_annual_year_keeps_its_share"),
    ]

    operations = [
        migrations.AddField(
            model_name="quartergrade",
            name="evaluator_reason",
            field=models.TextField(
                blank=True,
                max_length=500,
                validators=[django.core.validators.MaxLengthValidator(500)],
                verbose_name="评鉴人定等理由",
            ),
        ),
        migrations.RunPython(keep_graders_reasons, migrations.RunPython.noop),
    ]
