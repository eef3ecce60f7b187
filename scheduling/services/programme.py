"""The practice day's programme: trainee and evaluator build it together, item by item.

Every write is a service here: it locks the case's Programme row, refuses an edit made from an older
version (`StaleProgramme`, carrying what the programme looks like now), bumps the version and writes
one audit row. `programme_checklist(items)` is a pure function: SFAM's recommendations for the day
(domain.md, "Practice day"), each ticked or not. Unmet recommendations are advice, never errors.

Sitting-in items describe the patient only by attributes that identify no one: age band, acute or
planned, several chronic diseases, return visit.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from evaluations.models import CaseEvent, Evaluation
from evaluations.services import CaseStateError
from mittist.text import without_nul

from ..models import Programme, ProgrammeItem

S = Evaluation.State
Kind = ProgrammeItem.Kind
AgeBand = ProgrammeItem.AgeBand
Urgency = ProgrammeItem.Urgency

# The programme can be built once the day is agreed, and corrected until the report is written.
EDITABLE_STATES = frozenset({S.PRACTICE_DAY_AGREED, S.MATERIAL_SUBMITTED, S.PRACTICE_DAY_HELD})
# After that it is a record of the day: still readable, no longer editable.
READ_ONLY_STATES = frozenset({S.REPORT_DELIVERED, S.QUALITY_REVIEWED, S.CERTIFIED, S.CLOSED, S.ON_HOLD, S.WITHDRAWN})

DAY_STARTS = time(6, 0)
DAY_ENDS = time(20, 0)
NOON = time(12, 0)
MORNING_PATIENTS = (3, 4)
WORKING_HOURS = (5, 7)  # "about 6 hours": between 5 and 7, lunch not counted

ITEM_FIELDS = ("start", "end", "kind", "age_band", "urgency", "several_chronic", "return_visit", "note")
PATIENT_FIELDS = ("age_band", "urgency", "several_chronic", "return_visit")
NOTE_MAX_LENGTH = 200


# The label of the programme's audit rows on the case timeline (the app config merges it into the core's).
class StaleProgramme(Exception):
    """The programme changed since the user loaded it; nothing was written."""

    def __init__(self, programme: Programme, items: list[ProgrammeItem]):
        super().__init__("programme changed since it was loaded")
        self.programme = programme
        self.items = items


class ProgrammeNotEmpty(Exception):
    """The suggested programme is only filled into an empty one."""


# --- who and when -------------------------------------------------------------------------------------


def can_edit_programme(user, case: Evaluation) -> bool:
    """The case's own trainee and evaluator build the programme together (an administrator does not, hence
    rules.has_perm: see scheduling/rules.py)."""
    return rules.has_perm("scheduling.edit_programme", user, case)


def can_read_programme(user, case: Evaluation) -> bool:
    """The two parties, and the office (the coordinator, or an administrator) to follow the case."""
    return user.has_perm("scheduling.read_programme", case)


# --- reading ----------------------------------------------------------------------------------------


def programme_is_editable(case: Evaluation) -> bool:
    return case.state in EDITABLE_STATES


def programme_is_available(case: Evaluation) -> bool:
    """Whether there is a programme page to show at all (a practice day has been agreed)."""
    return case.state in EDITABLE_STATES or (case.state in READ_ONLY_STATES and case.practice_day is not None)


def programme_for(case: Evaluation) -> Programme:
    """The case's programme, created empty (version 0) on first use."""
    try:
        return Programme.objects.get(case=case)
    except Programme.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return Programme.objects.create(case=case)
    except IntegrityError:  # created a moment ago by the other party
        return Programme.objects.get(case=case)


def programme_items(programme: Programme) -> list[ProgrammeItem]:
    return list(programme.items.order_by("start", "end", "pk"))


def programme_changes_since(case: Evaluation, version: int, current_version: int) -> list[CaseEvent]:
    """The edits made after `version`, oldest first: every edit bumps the version and writes one audit row."""
    missed = max(0, min(current_version - version, 20))
    if not missed:
        return []
    events = CaseEvent.objects.filter(case=case, action="programme_changed").select_related("actor")
    return list(events.order_by("-at", "-id")[:missed])[::-1]


def duration(item) -> timedelta:
    return _as_datetime(item.end) - _as_datetime(item.start)


def _as_datetime(t: time) -> datetime:
    return datetime.combine(date.min, t)


def overlapping(items, start: time, end: time, *, exclude=None) -> list:
    """The items whose time overlaps [start, end). Overlaps are allowed (two things at once), but worth a warning."""
    return [i for i in items if i.pk != exclude and i.start < end and start < i.end]


def working_time(items) -> timedelta:
    """Time covered by anything but lunch; two items at the same time count once."""
    spans = sorted((i.start, i.end) for i in items if i.kind != Kind.LUNCH and i.end > i.start)
    total = timedelta()
    current_start = current_end = None
    for start, end in spans:
        if current_end is None or start > current_end:
            if current_end is not None:
                total += _as_datetime(current_end) - _as_datetime(current_start)
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += _as_datetime(current_end) - _as_datetime(current_start)
    return total


def format_duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not minutes:
        return _("%(h)s tim") % {"h": hours}
    if not hours:
        return _("%(m)s min") % {"m": minutes}
    return _("%(h)s tim %(m)s min") % {"h": hours, "m": minutes}


# --- the checklist ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckItem:
    key: str
    ok: bool
    label: str  # the recommendation
    detail: str = ""  # what the programme has now, when that helps


def programme_checklist(items) -> list[CheckItem]:
    """SFAM's recommendations for the practice day, each ticked or not by the programme's items.

    `items` are ProgrammeItem-like objects (saved or not). Pure: no database, no clock.
    """
    items = list(items)
    patients = [i for i in items if i.kind == Kind.SITTING_IN]
    lunches = [i for i in items if i.kind == Kind.LUNCH]
    kinds = {i.kind for i in items}
    # The morning ends when lunch starts (or at noon when there is no lunch in the programme).
    morning_ends = min((i.start for i in lunches), default=NOON)
    morning = [p for p in patients if p.start < morning_ends]
    low, high = MORNING_PATIENTS
    ages = {p.age_band for p in patients if p.age_band}
    urgencies = {p.urgency for p in patients if p.urgency}
    hours = working_time(items)
    hours_low, hours_high = WORKING_HOURS

    return [
        CheckItem(
            "morning_patients", low <= len(morning) <= high,
            _("%(low)s–%(high)s patienter med medsittning på förmiddagen") % {"low": low, "high": high},
            _("nu %(n)s före lunch") % {"n": len(morning)},
        ),
        CheckItem(
            "variety", len(ages) >= 2 and urgencies >= {Urgency.ACUTE, Urgency.PLANNED},
            _("Variation: olika åldrar och både akuta och planerade besök"),
            ngettext("%(ages)s åldersgrupp", "%(ages)s åldersgrupper", len(ages)) % {"ages": len(ages)}
            + "; " + _urgency_summary(urgencies),
        ),
        CheckItem(
            "older_chronic", any(p.age_band == AgeBand.OLDER and p.several_chronic for p in patients),
            _("En äldre patient med flera kroniska sjukdomar"),
        ),
        CheckItem("child", any(p.age_band == AgeBand.CHILD for p in patients), _("Ett barn")),
        CheckItem(
            "return_visit", any(p.return_visit for p in patients),
            _("Minst ett återbesök av en patient som ST-läkaren har träffat förut"),
        ),
        CheckItem("lunch", bool(lunches), _("Lunch tillsammans")),
        CheckItem("supervisor_talk", Kind.SUPERVISOR_TALK in kinds, _("Samtal med handledaren")),
        CheckItem("manager_talk", Kind.MANAGER_TALK in kinds, _("Samtal med chefen")),
        CheckItem(
            "closing_talk", Kind.CLOSING_TALK in kinds,
            _("Avslutande samtal: sammanfattning, utbildningsplanen och återkoppling åt båda hållen"),
        ),
        CheckItem(
            "working_hours", timedelta(hours=hours_low) <= hours <= timedelta(hours=hours_high),
            _("Ungefär %(about)s timmar utöver lunchen (%(low)s–%(high)s timmar)")
            % {"about": (hours_low + hours_high) // 2, "low": hours_low, "high": hours_high},
            _("nu %(time)s") % {"time": format_duration(hours)},
        ),
    ]


def _urgency_summary(urgencies: set) -> str:
    if urgencies >= {Urgency.ACUTE, Urgency.PLANNED}:
        return _("akuta och planerade")
    if Urgency.ACUTE in urgencies:
        return _("bara akuta")
    if Urgency.PLANNED in urgencies:
        return _("bara planerade")
    return _("akut eller planerat inte angivet")


# --- validation ---------------------------------------------------------------------------------------


def clean_item(values: dict) -> dict:
    """The item's fields, checked; patient attributes only on sitting-in items. Raises ValidationError."""
    cleaned = {name: values.get(name) for name in ITEM_FIELDS}
    errors = {}
    start, end, kind = cleaned["start"], cleaned["end"], cleaned["kind"]
    if not isinstance(start, time):
        errors["start"] = _("Ange när momentet börjar, t.ex. 09:00.")
    if not isinstance(end, time):
        errors["end"] = _("Ange när momentet slutar, t.ex. 09:45.")
    if isinstance(start, time) and isinstance(end, time):
        start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
        cleaned["start"], cleaned["end"] = start, end
        if not DAY_STARTS <= start <= DAY_ENDS:
            errors["start"] = _("Dagen kan börja tidigast %(from)s och sluta senast %(to)s.") % _day_bounds()
        elif end <= start:
            errors["end"] = _("Sluttiden måste vara efter starttiden.")
        elif end > DAY_ENDS:
            errors["end"] = _("Dagen kan börja tidigast %(from)s och sluta senast %(to)s.") % _day_bounds()
    if kind not in Kind.values:
        errors["kind"] = _("Välj vad som ska göras.")
    age_band = cleaned["age_band"] or ""
    urgency = cleaned["urgency"] or ""
    if age_band not in ("", *AgeBand.values):
        errors["age_band"] = _("Välj en åldersgrupp i listan.")
    if urgency not in ("", *Urgency.values):
        errors["urgency"] = _("Välj akut eller planerat.")
    note = without_nul(cleaned["note"]).strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("Anteckningen får vara högst %(max)s tecken.") % {"max": NOTE_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
    cleaned["note"] = note
    if kind == Kind.SITTING_IN:
        cleaned.update(
            age_band=age_band, urgency=urgency,
            several_chronic=bool(cleaned["several_chronic"]), return_visit=bool(cleaned["return_visit"]),
        )
    else:  # a talk or a lunch has no patient
        cleaned.update(age_band="", urgency="", several_chronic=False, return_visit=False)
    return cleaned


def _day_bounds() -> dict:
    return {"from": DAY_STARTS.strftime("%H:%M"), "to": DAY_ENDS.strftime("%H:%M")}


# --- writing ------------------------------------------------------------------------------------------


def _check_rights(case: Evaluation, by) -> None:
    if by is None or not can_edit_programme(by, case):
        raise PermissionDenied


def _lock(case: Evaluation, by, version: int) -> tuple[Evaluation, Programme]:
    """Inside a transaction: the case (fresh), its programme row locked, the version checked."""
    case = Evaluation.objects.select_related("evaluator").get(pk=case.pk)
    _check_rights(case, by)
    if not programme_is_editable(case):
        raise CaseStateError(_("Programmet kan inte ändras i detta skede av ärendet."))
    programme_for(case)
    programme = Programme.objects.select_for_update().get(case=case)
    if programme.version != version:
        raise StaleProgramme(programme, programme_items(programme))
    return case, programme


def _bump(programme: Programme, by) -> None:
    programme.version += 1
    programme.updated_at = timezone.now()
    programme.updated_by = by if by is not None and by.is_authenticated else None
    programme.save(update_fields=["version", "updated_at", "updated_by"])


def describe(item: ProgrammeItem) -> str:
    """"09:00–09:40 Medsittning, patient", in the active language."""
    return f"{item.start:%H:%M}–{item.end:%H:%M} {item.get_kind_display()}"


def _describe(item: ProgrammeItem) -> str:
    # The audit note is in Swedish whatever the editor's language; no patient data goes into it.
    with translation.override("sv"):
        return describe(item)


def patient_summary(item) -> list[str]:
    """What a sitting-in slot says about its patient, as short phrases (nothing that identifies anyone)."""
    if item.kind != Kind.SITTING_IN:
        return []
    parts = []
    if item.age_band:
        parts.append(str(AgeBand(item.age_band).label))
    if item.urgency:
        parts.append(str(Urgency(item.urgency).label))
    if item.several_chronic:
        parts.append(_("flera kroniska sjukdomar"))
    if item.return_visit:
        parts.append(_("återbesök"))
    return parts


def _audit(case: Evaluation, by, note: str) -> None:
    CaseEvent.record(case, by, "programme_changed", from_state=case.state, note=note)


def programme_add_item(*, case: Evaluation, by, version: int, **values) -> ProgrammeItem:
    fields = clean_item(values)
    with transaction.atomic():
        case, programme = _lock(case, by, version)
        item = ProgrammeItem.objects.create(programme=programme, **fields)
        _bump(programme, by)
        _audit(case, by, f"tillagt {_describe(item)}")
    return item


def programme_update_item(*, case: Evaluation, by, item_id, version: int, **values) -> ProgrammeItem:
    """Raises ProgrammeItem.DoesNotExist when the item was removed meanwhile (after the version check)."""
    fields = clean_item(values)
    with transaction.atomic():
        case, programme = _lock(case, by, version)
        item = ProgrammeItem.objects.get(pk=item_id, programme=programme)
        changed = [name for name, value in fields.items() if getattr(item, name) != value]
        if not changed:
            return item
        before = _describe(item)
        for name in changed:
            setattr(item, name, fields[name])
        item.save(update_fields=changed)
        _bump(programme, by)
        after = _describe(item)
        _audit(case, by, f"ändrat {before}" + (f" → {after}" if after != before else ""))
    return item


def programme_remove_item(*, case: Evaluation, by, item_id, version: int) -> ProgrammeItem:
    """Returns the removed item (unsaved). Raises ProgrammeItem.DoesNotExist when it is already gone."""
    with transaction.atomic():
        case, programme = _lock(case, by, version)
        item = ProgrammeItem.objects.get(pk=item_id, programme=programme)
        note = f"borttaget {_describe(item)}"
        item.delete()
        _bump(programme, by)
        _audit(case, by, note)
    return item


def programme_fill_suggestion(*, case: Evaluation, by, version: int) -> list[ProgrammeItem]:
    """SFAM's suggested day, filled into an empty programme in one step."""
    with transaction.atomic():
        case, programme = _lock(case, by, version)
        if programme.items.exists():
            raise ProgrammeNotEmpty(_("Programmet har redan moment. Förslaget fylls bara i ett tomt program."))
        items = ProgrammeItem.objects.bulk_create(
            [ProgrammeItem(programme=programme, **fields) for fields in suggested_programme(case)]
        )
        _bump(programme, by)
        _audit(case, by, f"förslag till dagsprogram ifyllt ({len(items)} moment)")
    return items


# --- SFAM's suggested day -------------------------------------------------------------------------------


def _t(text: str) -> time:
    return time.fromisoformat(text)


SUGGESTION_NOTES = {
    Kind.INTRODUCTION: gettext_lazy("Vi går igenom dagen och ST-läkaren visar vårdcentralen."),
    Kind.PORTFOLIO_REVIEW: gettext_lazy("Portföljen och de tre frågorna om ST."),
    Kind.RECORDINGS_REVIEW: gettext_lazy("De inspelade konsultationerna och video-egenvärderingarna."),
    Kind.CLOSING_TALK: gettext_lazy(
        "Sammanfattning av dagen, utbildningsplanen för resten av ST och återkoppling åt båda hållen."
    ),
}


def suggested_programme(case: Evaluation) -> list[dict]:
    """About 6 working hours plus lunch, laid out as the instructions suggest (seed 003, section 5).

    Three patients in the morning chosen for variety (an older patient with several chronic diseases,
    a child, a return visit; acute and planned), lunch together, one more patient after lunch, the
    reviews, the talks (the director of studies only where the case has one) and the closing talk.
    """

    def item(start, end, kind, note="", **patient):
        return {
            "start": _t(start), "end": _t(end), "kind": kind, "note": str(note)[:NOTE_MAX_LENGTH],
            "age_band": patient.get("age_band", ""), "urgency": patient.get("urgency", ""),
            "several_chronic": patient.get("several_chronic", False),
            "return_visit": patient.get("return_visit", False),
        }

    items = [
        item("08:30", "09:00", Kind.INTRODUCTION, SUGGESTION_NOTES[Kind.INTRODUCTION]),
        item("09:00", "09:40", Kind.SITTING_IN, age_band=AgeBand.OLDER, urgency=Urgency.PLANNED, several_chronic=True),
        item("09:50", "10:30", Kind.SITTING_IN, age_band=AgeBand.CHILD, urgency=Urgency.ACUTE),
        item("10:40", "11:20", Kind.SITTING_IN, age_band=AgeBand.ADULT, urgency=Urgency.PLANNED, return_visit=True),
        item("12:00", "13:00", Kind.LUNCH),
        item("13:00", "13:40", Kind.SITTING_IN, age_band=AgeBand.ADULT, urgency=Urgency.ACUTE),
        item("13:45", "14:30", Kind.PORTFOLIO_REVIEW, SUGGESTION_NOTES[Kind.PORTFOLIO_REVIEW]),
        item("14:30", "15:00", Kind.RECORDINGS_REVIEW, SUGGESTION_NOTES[Kind.RECORDINGS_REVIEW]),
        item("15:00", "15:30", Kind.SUPERVISOR_TALK, case.supervisor_name),
        item("15:30", "16:00", Kind.MANAGER_TALK, case.manager_name),
    ]
    closing_starts = "16:00"
    if case.director_of_studies.strip():
        items.append(item("16:00", "16:20", Kind.DIRECTOR_TALK, case.director_of_studies))
        closing_starts = "16:20"
    closing_ends = (_as_datetime(_t(closing_starts)) + timedelta(minutes=30)).time().strftime("%H:%M")
    items.append(item(closing_starts, closing_ends, Kind.CLOSING_TALK, SUGGESTION_NOTES[Kind.CLOSING_TALK]))
    return items


def report_panel_context(request, case: Evaluation) -> dict | None:
    """The programme's sitting-in slots for the evaluator's report page; None when there is no programme."""
    if not can_read_programme(request.user, case):
        return None
    programme = Programme.objects.filter(case=case).first()
    if programme is None:
        return None
    slots = [(item, patient_summary(item)) for item in programme.items.select_related("minicex").order_by("start")
             if item.kind == Kind.SITTING_IN]
    return {"slots": slots}
