"""Recorded consultations and their video self-evaluations.

The video stays in Share Safe: a recording here is the date, a non-identifying description, the
patient's consent before and after the visit, whether the journal note was shared, and the Share Safe
reference. Every write locks the case (or the recording) first, so two tabs cannot add a fifth
recording or overwrite each other's self-evaluation.
"""

import re
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from evaluations.models import Evaluation, local_today
from mittist.durations import durations
from mittist.text import without_nul

from ..models import Recording, SelfEvaluation, SelfEvaluationTemplate
from ..selectors import MAX_RECORDINGS
from .common import PortfolioError, record

RECORDING_FIELDS = (
    "recorded_on", "age_band", "visit_type", "consent_before", "consent_after", "journal_note_shared",
    "share_safe_reference",
)
REFERENCE_MAX_LENGTH = 100
REFERENCE_PATTERN = re.compile(r"[\w./-]+")  # letters, digits and - _ . / (matched in full)
# 10 or 12 digits, optionally with a hyphen before the last four: ÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN, ...
_PERSONNUMMER_LIKE = re.compile(r"(?<!\d)(\d{6}|\d{8})-?(\d{4})(?!\d)")
MAX_ANSWER_LENGTH = 20_000
DEFAULT_SCALE = [
    {"value": 1, "label": "1 – behöver utvecklas mycket"},
    {"value": 2, "label": "2"},
    {"value": 3, "label": "3"},
    {"value": 4, "label": "4"},
    {"value": 5, "label": "5 – mycket väl genomfört"},
]


class SelfEvaluationConflict(Exception):
    """The self-evaluation changed since it was loaded: both versions go back to the user."""

    def __init__(self, evaluation: SelfEvaluation):
        super().__init__("self-evaluation changed since it was loaded")
        self.evaluation = evaluation


# --- validation ----------------------------------------------------------------------------------


def _plausible_birth_date(digits: str) -> bool:
    """YYMMDD or YYYYMMDD with a real month and a day (or a samordningsnummer day, +60)."""
    if len(digits) == 8:
        if digits[:2] not in ("18", "19", "20"):
            return False
        digits = digits[2:]
    month, day = int(digits[2:4]), int(digits[4:6])
    return 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)


def looks_like_personnummer(value: str) -> bool:
    return any(_plausible_birth_date(m.group(1)) for m in _PERSONNUMMER_LIKE.finditer(value))


def latest_recording_date(case: Evaluation) -> date | None:
    """The last day a recording may be made for this case, once the practice day is set."""
    if not case.practice_day:
        return None
    return case.practice_day - timedelta(days=settings.MITTIST_MATERIAL_DAYS_BEFORE)


def validate_recording(case: Evaluation, values: dict) -> dict:
    """The recording's fields, cleaned; a ValidationError names the field of each problem."""
    errors = {}
    cleaned = dict(values)
    recorded_on = values.get("recorded_on")
    if not isinstance(recorded_on, date):
        errors["recorded_on"] = _("Ange datum för inspelningen.")
    elif recorded_on > local_today():
        errors["recorded_on"] = _("Datumet kan inte ligga i framtiden.")
    elif case.st_start and recorded_on < case.st_start:
        errors["recorded_on"] = _("Inspelningen kan inte vara gjord före ST-starten (%(date)s).") % {
            "date": formats.date_format(case.st_start, "DATE_FORMAT")}
    else:
        latest = latest_recording_date(case)
        if latest is not None and recorded_on > latest:
            errors["recorded_on"] = _(
                "Inspelningen ska vara gjord senast %(before)s före praktikdagen (senast %(date)s)."
            ) % {"before": durations["material"], "date": formats.date_format(latest, "DATE_FORMAT")}
    if values.get("age_band") not in Recording.AgeBand.values:
        errors["age_band"] = _("Välj patientens åldersgrupp.")
    if values.get("visit_type") not in Recording.VisitType.values:
        errors["visit_type"] = _("Välj typ av besök.")
    if values.get("consent_before") is not True:
        errors["consent_before"] = _("Patienten måste ha tillfrågats före besöket.")
    if values.get("consent_after") is not True:
        errors["consent_after"] = _(
            "Patienten måste ha godkänt inspelningen och delningen med värderaren efter besöket."
        )
    cleaned["journal_note_shared"] = bool(values.get("journal_note_shared"))
    reference = str(values.get("share_safe_reference") or "").strip()
    cleaned["share_safe_reference"] = reference
    if not reference:
        errors["share_safe_reference"] = _("Ange referensen i Share Safe.")
    elif len(reference) > REFERENCE_MAX_LENGTH:
        errors["share_safe_reference"] = _("Referensen får vara högst %(max)s tecken.") % {
            "max": REFERENCE_MAX_LENGTH
        }
    elif looks_like_personnummer(reference):
        errors["share_safe_reference"] = _(
            "Referensen ser ut som ett personnummer. Skriv referensen i Share Safe, aldrig patientens personnummer."
        )
    elif not REFERENCE_PATTERN.fullmatch(reference):
        errors["share_safe_reference"] = _(
            "Referensen får bara innehålla bokstäver, siffror och tecknen - _ . / (inga mellanslag)."
        )
    if errors:
        raise ValidationError(errors)
    return {name: cleaned[name] for name in RECORDING_FIELDS}


def _check_can_edit(case: Evaluation, by) -> None:
    if by is None or not by.has_perm("portfolio.edit", case):
        raise PermissionDenied


def _note(recording: Recording) -> str:
    # No patient data goes on the timeline: the date and the kind of visit tell the recordings apart.
    return f"{recording.recorded_on.isoformat()} {recording.visit_type}"


# --- recordings ----------------------------------------------------------------------------------


def recording_create(*, case: Evaluation, by, **values) -> Recording:
    with transaction.atomic():
        # The case row is the lock that keeps two simultaneous adds from making a fifth recording.
        locked = Evaluation.objects.select_for_update().get(pk=case.pk)
        _check_can_edit(locked, by)
        if Recording.objects.filter(case=locked).count() >= MAX_RECORDINGS:
            raise PortfolioError(
                _("Du har redan registrerat %(max)s inspelningar, det högsta antalet. Ta bort en om du vill byta.")
                % {"max": MAX_RECORDINGS}
            )
        fields = validate_recording(locked, values)
        recording = Recording.objects.create(case=locked, **fields)
        record(locked, by, "recording_saved", note=_note(recording))
    return recording


def recording_update(*, recording: Recording, by, **values) -> Recording:
    with transaction.atomic():
        locked = Recording.objects.select_for_update().select_related("case").get(pk=recording.pk)
        _check_can_edit(locked.case, by)
        fields = validate_recording(locked.case, values)
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, fields[name])
        locked.save(update_fields=[*changed, "updated_at"])
        record(locked.case, by, "recording_saved", note=_note(locked))
    return locked


def recording_delete(*, recording: Recording, by) -> None:
    """Removes the recording and its self-evaluation."""
    with transaction.atomic():
        locked = Recording.objects.select_for_update().select_related("case").filter(pk=recording.pk).first()
        if locked is None:
            return  # already gone (a second tab, a double click)
        _check_can_edit(locked.case, by)
        note = _note(locked)
        case = locked.case
        locked.delete()
        record(case, by, "recording_removed", note=note)


# --- self-evaluation -----------------------------------------------------------------------------


def question_scale(question: dict) -> list[dict]:
    return question.get("scale") or DEFAULT_SCALE


def clean_self_evaluation_answers(template: SelfEvaluationTemplate, data: dict) -> dict:
    """Only the template's own questions: text of bounded length, ratings from the question's scale."""
    answers = {}
    for question in template.questions:
        key = question["key"]
        if key not in data:
            continue
        value = data[key]
        if question.get("kind") == "rating":
            allowed = {str(step["value"]): step["value"] for step in question_scale(question)}
            text = str(value if value is not None else "").strip()
            if text and text not in allowed:
                raise ValidationError({key: _("Välj ett av alternativen.")})
            answers[key] = allowed.get(text, "")
        else:
            text = without_nul(value)
            if len(text) > MAX_ANSWER_LENGTH:
                raise ValidationError(
                    {key: _("Texten är för lång (högst %(max)s tecken per fråga).") % {"max": MAX_ANSWER_LENGTH}}
                )
            answers[key] = text
    return answers


def self_evaluation_for(recording: Recording) -> SelfEvaluation | None:
    return SelfEvaluation.objects.select_related("template").filter(recording=recording).first()


def self_evaluation_save(
    *, recording: Recording, by, answers: dict, base_version: int, complete: bool = False
) -> SelfEvaluation:
    """Save the answers written from `base_version` (0: none saved yet).

    A draft needs nothing filled in; `complete` needs every required answer and marks it done.
    Saving a draft of a completed self-evaluation makes it a draft again. A save from an older
    version raises SelfEvaluationConflict. The first save fixes the template version for good.
    """
    with transaction.atomic():
        locked = Recording.objects.select_for_update().select_related("case").get(pk=recording.pk)
        _check_can_edit(locked.case, by)
        evaluation = self_evaluation_for(locked)
        if evaluation is None:
            if base_version != 0:
                raise PortfolioError(_("Egenvärderingen finns inte längre. Ladda om sidan."))
            template = SelfEvaluationTemplate.current()
            if template is None:
                raise PortfolioError(
                    _("Formuläret för video-egenvärdering saknas. Kontakta Mitt-i-ST-kansliet.")
                )
            evaluation = SelfEvaluation(recording=locked, template=template, answers={}, version=0)
        elif base_version != evaluation.version:
            raise SelfEvaluationConflict(evaluation)
        cleaned = clean_self_evaluation_answers(evaluation.template, answers)
        merged = {**evaluation.answers, **cleaned}
        if complete:
            missing = [
                q for q in evaluation.template.questions
                if q.get("required", True) and not str(merged.get(q["key"], "")).strip()
            ]
            if missing:
                raise ValidationError(
                    {q["key"]: _("Besvara frågan innan du markerar egenvärderingen som klar.") for q in missing}
                )
        changed = merged != evaluation.answers
        if evaluation.pk and not changed and complete == (evaluation.completed_at is not None):
            return evaluation
        evaluation.answers = merged
        evaluation.version += 1
        evaluation.completed_at = timezone.now() if complete else None
        evaluation.save()
        if complete:
            record(locked.case, by, "self_evaluation_saved", note=f"{_note(locked)} klar")
        else:
            record(locked.case, by, "self_evaluation_saved", note=_note(locked), coalesce=True)
    return evaluation
