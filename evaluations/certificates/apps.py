from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "evaluations.certificates"
    label = "certificates"
    verbose_name = "Intyg"
