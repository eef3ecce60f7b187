"""The one write of the survey: the trainee's answers are stored apart from everything, and the case closes.

`survey_submit` keeps the answers unlinkable: the response row has no user, no case, a random key, the year
and month only, and the region copied from the case (shown only in groups of MITTIST_SURVEY_MIN_GROUP).
The case records only that its survey was answered (evaluations.services.case_close_after_survey, its one
audit row). Both happen in one transaction under the case's row lock: a second submit finds the case
closed and stores nothing.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.models import Evaluation
from evaluations.services import CaseStateError, case_close_after_survey, locked_case
from mittist.text import clean_text, has_control_characters

from .models import SCALE, SurveyDefinition, SurveyResponse

MAX_TEXT_LENGTH = 5_000


def clean_answers(definition: SurveyDefinition, data: dict) -> dict:
    """The answers as stored: each known key once, scales as 1–5, texts cleaned; ValidationError per key."""
    answers, errors = {}, {}
    for item in definition.items:
        key, kind = item["key"], item.get("kind", "scale")
        value = data.get(key)
        if value in (None, ""):
            if item.get("required", True):
                errors[key] = (
                    _("Välj ett av alternativen 1–5.") if kind == "scale" else _("Skriv ett svar på frågan.")
                )
            continue
        if kind == "scale":
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = None
            if number not in SCALE:
                errors[key] = _("Välj ett av alternativen 1–5.")
                continue
            answers[key] = number
        else:
            text = clean_text(value, multiline=True).strip()
            if len(text) > MAX_TEXT_LENGTH:
                errors[key] = _(
                    "Texten är för lång: %(length)s tecken, högst %(max)s går att skicka. Korta texten."
                ) % {"length": len(text), "max": MAX_TEXT_LENGTH}
            elif has_control_characters(text.replace("\n", "")):
                errors[key] = _("Texten innehåller osynliga styrtecken. Skriv den utan dem.")
            elif text:
                answers[key] = text
            elif item.get("required", True):
                errors[key] = _("Skriv ett svar på frågan.")
    if errors:
        raise ValidationError(errors)
    return answers


def survey_submit(*, case: Evaluation, by, answers: dict, definition: SurveyDefinition | None = None) -> SurveyResponse:
    """Store the trainee's answers, linked to nothing, and close their case; all or nothing.

    `definition` is the version the form showed (a new version made meanwhile does not change what the
    trainee answered); by default the current one.
    """
    definition = definition or SurveyDefinition.current()
    if definition is None:
        raise CaseStateError(_("Enkäten är inte i gång just nu. Kontakta Mitt-i-ST-kansliet."))
    with transaction.atomic():
        case = locked_case(case)
        # Rights first (another person learns nothing about the case's state), then the state: a second
        # submit, or one from a tab left open after closing, waits for the lock and then finds it closed.
        if not by.has_perm("survey.take_part", case):
            raise PermissionDenied
        if not by.has_perm("survey.answer", case):
            if case.survey_answered:
                raise CaseStateError(_("Du har redan svarat på utvärderingen. Tack!"))
            raise CaseStateError(_("Utvärderingen kan skickas in när intyget är utfärdat."))
        cleaned = clean_answers(definition, answers)
        today = timezone.localdate()
        response = SurveyResponse.objects.create(
            definition=definition, year=today.year, month=today.month, region=case.region, answers=cleaned
        )
        case_close_after_survey(case=case, by=by)
    return response
