"""Each outbox row gets its Message-ID header, made once; the rows already there get one each."""

from django.db import migrations, models

import mittist.outbox.models


def fill_message_ids(apps, schema_editor):
    Message = apps.get_model("outbox", "Message")
    for pk in Message.objects.filter(message_id="").values_list("pk", flat=True).iterator():
        Message.objects.filter(pk=pk).update(message_id=mittist.outbox.models.new_message_id())


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0002_forget_when_sent"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="message_id",
            field=models.CharField(default="", editable=False, max_length=255),
            preserve_default=False,
        ),
        migrations.RunPython(fill_message_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="message",
            name="message_id",
            field=models.CharField(default=mittist.outbox.models.new_message_id, editable=False, max_length=255),
        ),
    ]
