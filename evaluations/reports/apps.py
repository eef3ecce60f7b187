from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "evaluations.reports"
    label = "reports"
    verbose_name = "Rapport och kvalitetsgranskning"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from evaluations.extensions import register_personal_data

        from . import personal_data, reads

        reads.register_read_kinds()
        # The trainee's own data: the delivered report, its PDF and the share links; erased with the person.
        register_personal_data("report", _("Rapporten och dina delningslänkar"), personal_data, 30)
