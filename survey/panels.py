"""What the survey adds to the case's pages (registered in SurveyConfig.ready; the core imports nothing here)."""

from django.urls import reverse
from django.utils.translation import gettext as _


def case_panel_context(request, case) -> dict | None:
    """The survey's card on the case page: the trainee's way to the form, the office's view of the last
    step (and when it may close the case without the survey). Nobody else sees it."""
    user = request.user
    if not user.has_perm("survey.see_status", case):
        return None
    return {
        "is_trainee": user.has_perm("survey.take_part", case),
        "can_answer": user.has_perm("survey.answer", case),
        "can_close": any(t.name == "close" for t in case.get_available_user_state_transitions(user)),
        "may_close_later": user.has_perm("evaluations.manage_case", case),
        "due": case.survey_due,
        "time_is_up": case.survey_time_is_up(),
    }


def step_link(case, for_trainee: bool) -> tuple[str, str] | None:
    """The trainee's timeline step "Utvärdering" and their "Nästa steg" card lead to the form."""
    if for_trainee and case.trainee.has_perm("survey.answer", case):
        return reverse("survey:answer", args=[case.pk]), _("Svara på enkäten")
    return None
