from django.db import migrations, models


def from_audit_trail(apps, schema_editor):
    """Cases that already had a day agreed: when the first one was, as the deadlines read it from the audit rows."""
    Evaluation = apps.get_model("evaluations", "Evaluation")
    CaseEvent = apps.get_model("evaluations", "CaseEvent")
    firsts = (
        CaseEvent.objects.filter(action="practice_day_agreed")
        .values("case_id").annotate(first=models.Min("at")).order_by()
    )
    for row in firsts.iterator():
        Evaluation.objects.filter(pk=row["case_id"]).update(practice_day_agreed_at=row["first"])


class Migration(migrations.Migration):

    dependencies = [
        ("evaluations", "0008_merge_i10a"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="practice_day_agreed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(from_audit_trail, migrations.RunPython.noop),
    ]
