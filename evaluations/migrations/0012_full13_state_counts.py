"""The number of cases in each state, kept by triggers on the cases' table (evaluations/state_counts.py).

Creates the table, the triggers (PostgreSQL and SQLite) and fills it from the cases there are."""

from django.db import migrations, models


def install(apps, schema_editor):
    from evaluations.state_counts import install

    install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from evaluations.state_counts import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("evaluations", "0011_merge_s2tmpl_b13search"),
    ]

    operations = [
        migrations.CreateModel(
            name="StateCount",
            fields=[
                ("state", models.CharField(max_length=50, primary_key=True, serialize=False)),
                ("cases", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
