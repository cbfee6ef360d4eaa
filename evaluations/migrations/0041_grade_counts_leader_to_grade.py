from django.db import migrations, models
from django.db.models import Count, Q


def count_heads_apart(apps, schema_editor):
    """The grade counters' 待确认 leaves out a head's row graded before they headed the department
    (``QuarterGrade.headed``): counted apart, as awaiting the leader's own grade."""
    QuarterGrade = apps.get_model("evaluations", "QuarterGrade")
    QuarterGradeCount = apps.get_model("evaluations", "QuarterGradeCount")
    waiting = (
        QuarterGrade.objects.filter(state="graded", headed=True)
        .values("appraisal_quarter_id", "department_id", "is_leader_position")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in waiting:
        counter = QuarterGradeCount.objects.filter(
            appraisal_quarter_id=row["appraisal_quarter_id"],
            department_id=row["department_id"],
            is_leader_position=row["is_leader_position"],
        ).first()
        if counter is not None:
            counter.leader_to_grade = row["n"]
            counter.unconfirmed = max(counter.unconfirmed - row["n"], 0)
            counter.save(update_fields=["leader_to_grade", "unconfirmed"])


def count_heads_with_the_rest(apps, schema_editor):
    """Back: 待确认 counts them again, as before (run before the column goes)."""
    QuarterGradeCount = apps.get_model("evaluations", "QuarterGradeCount")
    QuarterGradeCount.objects.filter(leader_to_grade__gt=0).update(
        unconfirmed=models.F("unconfirmed") + models.F("leader_to_grade"), leader_to_grade=0
    )


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0040_welfare_sent_back"),
    ]

    operations = [
        migrations.AddField(
            model_name="quartergradecount",
            name="leader_to_grade",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_heads_apart, count_heads_with_the_rest),
    ]
