"""Loads the printed ST and BT forms (definitions.py) as the first FormDefinition rows."""

from django.db import migrations


def load(apps, schema_editor):
    from evaluations.minicex.definitions import DEFINITIONS

    FormDefinition = apps.get_model("minicex", "FormDefinition")
    for entry in DEFINITIONS:
        # Keyed by key: a database that already has this printing keeps its (possibly admin-edited) row.
        FormDefinition.objects.get_or_create(key=entry["key"], defaults={k: v for k, v in entry.items() if k != "key"})


class Migration(migrations.Migration):
    dependencies = [("minicex", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
