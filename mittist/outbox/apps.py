from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OutboxConfig(AppConfig):
    name = "mittist.outbox"
    label = "outbox"
    verbose_name = "Utkorg för e-post"

    def ready(self):
        from evaluations.extensions import register_data_eraser

        from . import personal_data
        from .sending import register_outbox_schedules

        post_migrate.connect(register_outbox_schedules, sender=self, dispatch_uid="outbox.register_schedules")
        # Before the core's eraser (100), which changes the account's address.
        register_data_eraser(personal_data.erase, 90)
