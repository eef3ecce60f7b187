"""Loads the first report template and quality checklist (definitions.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from evaluations.reports.definitions import QUALITY_CHECKLIST, REPORT_TEMPLATE

    for model, entry in (("ReportTemplate", REPORT_TEMPLATE), ("QualityChecklist", QUALITY_CHECKLIST)):
        # Keyed by version: a database that already has it keeps its (possibly admin-edited) row.
        apps.get_model("reports", model).objects.get_or_create(
            version=entry["version"], defaults={"title": entry["title"], "items": entry["items"]}
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
