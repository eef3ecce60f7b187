from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfölj"

    def ready(self):
        from evaluations.extensions import register_action_labels

        from .audit import ACTION_LABELS as PORTFOLIO_LABELS

        # The core shows these on the case timeline without importing the portfolio.
        register_action_labels(PORTFOLIO_LABELS)

        from evaluations.extensions import register_trainee_questions

        from .selectors import trainee_questions

        # The report answers the trainee's questions from section B, one by one.
        register_trainee_questions(trainee_questions)

        from django.utils.translation import gettext_lazy as _

        from evaluations.extensions import (
            register_material_download,
            register_material_holder,
            register_material_purger,
        )

        from .purge import holds_material, purge_material

        # Nothing of the portfolio stays at SFAM once the case has ended (evaluations/purge.py runs these).
        register_material_purger(purge_material)
        register_material_holder(holds_material)
        register_material_download(_("Hämta materialet (PDF och dokument, ZIP)"), "portfolio:material_download", 10)

        from evaluations.extensions import register_personal_data

        from . import personal_data
        from .reads import register_read_kinds

        # The trainee's own data: the portfolio's part of the download and of the erasure.
        register_personal_data("portfolio", _("Portföljen, inspelningarna och dokumenten"), personal_data, 10)
        register_read_kinds()

        from evaluations.extensions import register_case_panel

        from .panels import case_panel_context

        # Where each party goes for the portfolio: a card on the case page and on the trainee's start page.
        register_case_panel("portfolio/_case_card.html", 10, case_panel_context, place="case_top")
        register_case_panel("portfolio/_trainee_home_card.html", 10, case_panel_context, place="trainee_home")
