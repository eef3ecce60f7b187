from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "evaluations.reports"
    label = "reports"
    verbose_name = "Rapport och kvalitetsgranskning"
