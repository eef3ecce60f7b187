from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "evaluations.certificates"
    label = "certificates"
    verbose_name = "Intyg"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from evaluations.extensions import register_personal_data

        from . import personal_data

        personal_data.register_read_kinds()
        # The trainee's own data: the certificate and its PDF; erased with the rest of the person.
        register_personal_data("certificate", _("Intyget"), personal_data, 40)
