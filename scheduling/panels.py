"""What scheduling adds to the core's pages (registered in SchedulingConfig.ready; the core imports nothing here)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from evaluations.extensions import Link

from .deadlines import SURVEY, case_deadlines


def deadlines_panel_context(request, case) -> dict | None:
    """Every deadline of the case, on the case page (nothing when none is known yet)."""
    deadlines = case_deadlines(case)
    if not request.user.has_perm("evaluations.see_survey_events", case):
        # When the survey was answered is not for those who read the answers (the quality group).
        deadlines = [d for d in deadlines if d.kind != SURVEY]
    return {"deadlines": deadlines} if deadlines else None


def _practice_day_url(case) -> str:
    return reverse("scheduling:practice_day", args=[case.pk])


# The practice day's page, for whoever may take the step now (the FSM's permissions decide page_actions).
def case_header_links(case, user, page_actions) -> list[Link]:
    if "agree_practice_day" in page_actions:
        return [Link(_practice_day_url(case), _("Bestäm praktikdag"), "primary")]
    if "reschedule_practice_day" in page_actions:
        return [Link(_practice_day_url(case), _("Praktikdag och kalender"))]
    return []


def next_step_links(case, user, page_actions) -> list[Link]:
    if "agree_practice_day" in page_actions:
        return [Link(_practice_day_url(case), _("Föreslå datum för praktikdagen"), "primary")]
    return []


def evaluator_card_links(case, user, page_actions) -> list[Link]:
    if "reschedule_practice_day" in page_actions:
        return [Link(_practice_day_url(case), _("Praktikdag och kalender"), "")]
    return []


def minicex_back_link(form) -> Link | None:
    """A form started from the day's programme leads its assessor back there."""
    from .models import ProgrammeItem

    if form.case_id and ProgrammeItem.objects.filter(minicex=form).exists():
        return Link(reverse("scheduling:programme", args=[form.case_id]), _("Tillbaka till dagens program"))
    return None
