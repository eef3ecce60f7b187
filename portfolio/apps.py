from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfölj"

    def ready(self):
        # The core shows these on the case timeline without importing the portfolio.
        from evaluations.models import ACTION_LABELS

        from .audit import ACTION_LABELS as PORTFOLIO_LABELS

        ACTION_LABELS.update(PORTFOLIO_LABELS)
