from django.apps import AppConfig


class MiniCexConfig(AppConfig):
    name = "evaluations.minicex"
    label = "minicex"
    verbose_name = "Mini-CEX"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from evaluations.extensions import register_personal_data

        from . import personal_data

        # The trainee's own data: every mini-CEX form of theirs, case or not; erased with the person.
        register_personal_data("minicex", _("Dina mini-CEX"), personal_data, 50)
