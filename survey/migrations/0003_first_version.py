"""Loads the first version of the survey's questions (survey/definitions.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from survey.definitions import SURVEY_V1

    # Keyed by version: a database that already has it keeps its (possibly admin-edited) row.
    apps.get_model("survey", "SurveyDefinition").objects.get_or_create(
        version=SURVEY_V1["version"], defaults={"title": SURVEY_V1["title"], "items": SURVEY_V1["items"]}
    )


class Migration(migrations.Migration):
    dependencies = [("survey", "0002_labels")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
