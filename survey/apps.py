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
