from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "survey"
    verbose_name = "Utvärdering"

    def ready(self):
        # The case's pages show the survey without the core importing this app.
        from evaluations.extensions import register_case_panel, register_step_link
        from evaluations.models import Evaluation

        from .panels import case_panel_context, step_link

        register_case_panel("survey/_case_panel.html", 50, case_panel_context)
        # Answering is what completes the last step ("Utvärdering", which closes the case).
        register_step_link(Evaluation.State.CLOSED, step_link)

        from django.utils.translation import gettext_lazy as _

        from evaluations.extensions import register_nav_item
        from mittist.accounts.rules import is_quality_reviewer

        # The quality group's menu: the answers, all together, after its review queue.
        register_nav_item("survey:results", _("Utvärderingar"), 20, is_quality_reviewer)
