from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OutboxConfig(AppConfig):
    name = "mittist.outbox"
    label = "outbox"
    verbose_name = "Utkorg för e-post"

    def ready(self):
        from .sending import register_outbox_schedules

        post_migrate.connect(register_outbox_schedules, sender=self, dispatch_uid="outbox.register_schedules")
