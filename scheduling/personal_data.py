"""The scheduling app's part of the trainee's own data (evaluations/personal_data.py runs these).

Export: the days proposed (with their comments) and the day's programme. Erasure: the comments and notes, as
the purge blanks them (scheduling/purge.py); the dates and the programme's non-identifying categories stay
with the anonymous case.
"""

from evaluations.extensions import ExportPart
from evaluations.models import CaseEvent

from .models import PracticeDayProposal, ProgrammeItem
from .purge import purge_material
from .services.practice_day import comment_of_note


def _iso(value):
    return value.isoformat() if value else None


def export(person, cases) -> ExportPart | None:
    data = []
    for case in cases:
        proposals = PracticeDayProposal.objects.filter(case=case).select_related("proposed_by").order_by("proposed_at")
        items = ProgrammeItem.objects.filter(programme__case=case).order_by("start")
        declined = CaseEvent.objects.filter(case=case, action="practice_day_declined").select_related("actor")
        if not proposals and not items:
            continue
        data.append({
            "case": str(case.pk),
            "proposed_days": [
                {"day": _iso(p.day), "proposed_at": _iso(p.proposed_at), "status": str(p.get_status_display()),
                 "proposed_by": p.proposed_by.full_name if p.proposed_by else "", "comment": p.note}
                for p in proposals
            ],
            # A decline's comment is kept with the event, not with the days it declined.
            "declined": [
                {"at": _iso(e.at), "by": e.actor.full_name if e.actor else "", "comment": comment_of_note(e.note)}
                for e in declined.order_by("at")
            ],
            "programme": [
                {"start": _iso(i.start), "end": _iso(i.end), "kind": str(i.get_kind_display()), "note": i.note}
                for i in items
            ],
        })
    return ExportPart(data) if data else None


def erase(person, cases) -> list[str]:
    for case in cases:
        purge_material(case)
    return []
