"""Version 1 of the self-evaluation form gets a title for its readers.

Its first title carried the version ("version 1") and an internal note ("Mitt-i-ST:s utkast – SFAM:s
eget formulär finns inte inlagt ännu") that trainees and evaluators read on every self-evaluation; the
pages print the version themselves. Only a title nobody has changed in the admin is replaced.
"""

from django.db import migrations

OLD_TITLE = "Video-egenvärdering, version 1 (Mitt-i-ST:s utkast – SFAM:s eget formulär finns inte inlagt ännu)"
TITLE = "Video-egenvärdering"


def retitle(apps, schema_editor):
    Template = apps.get_model("portfolio", "SelfEvaluationTemplate")
    Template.objects.filter(version=1, title=OLD_TITLE).update(title=TITLE)


def restore(apps, schema_editor):
    Template = apps.get_model("portfolio", "SelfEvaluationTemplate")
    Template.objects.filter(version=1, title=TITLE).update(title=OLD_TITLE)


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0002_self_evaluation_template_v1")]

    operations = [migrations.RunPython(retitle, restore)]
