from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from evaluations.models import CaseEvent, Evaluation

from ..models import Section
from ..sections import SECTIONS


class PortfolioError(Exception):
    """A step the user cannot take now; the message is shown as it is."""


def initial_section_a(case: Evaluation) -> dict:
    """Section A starts from what the trainee gave at registration."""
    return {
        "full_name": case.trainee.full_name,
        "phone": case.trainee.phone,
        "email": case.trainee.email,
        "curriculum": case.curriculum,
        "st_planned_end": case.st_planned_end.isoformat() if case.st_planned_end else "",
        "supervisor": case.supervisor_name,
        "director_of_studies": case.director_of_studies,
        "manager": case.manager_name,
        "manager_profession": case.manager_profession,
        "work_address": case.workplace,
    }


def ensure_sections(case: Evaluation) -> dict[str, Section]:
    """All six sections of a case, created on first use; returned by code."""
    existing = {s.code: s for s in Section.objects.filter(case=case)}
    missing = [d.code for d in SECTIONS if d.code not in existing]
    if missing:
        with transaction.atomic():
            for code in missing:
                data = initial_section_a(case) if code == "A" else {}
                section, _ = Section.objects.get_or_create(case=case, code=code, defaults={"data": data})
                existing[code] = section
    return existing


def autosave_window() -> timedelta:
    return timedelta(minutes=settings.MITTIST_AUTOSAVE_EVENT_MINUTES)


def record(case: Evaluation, by, action: str, note: str = "", *, coalesce: bool = False) -> CaseEvent:
    """One audit row for a portfolio change; the case's state does not move.

    With `coalesce`, a run of saves by the same person to the same place (autosave while typing)
    stays one row on the timeline as long as they keep at it.
    """
    if coalesce:
        last = case.events.order_by("-at", "-id").first()
        actor_id = by.pk if by is not None and by.is_authenticated else None
        if (
            last is not None
            and (last.action, last.note, last.actor_id) == (action, note, actor_id)
            and last.at > timezone.now() - autosave_window()
        ):
            return last
    return CaseEvent.record(case, by, action, from_state=case.state, note=note)
