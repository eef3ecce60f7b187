from django.apps import AppConfig


class MiniCexConfig(AppConfig):
    name = "evaluations.minicex"
    label = "minicex"
    verbose_name = "Mini-CEX"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from evaluations.extensions import register_data_eraser, register_data_exporter

        from . import personal_data

        # The trainee's own data: every mini-CEX form of theirs, case or not; erased with the person.
        register_data_exporter("minicex", _("Dina mini-CEX"), personal_data.export, 50)
        register_data_eraser(personal_data.erase, 50)
