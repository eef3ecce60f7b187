"""The scheduling app's part of the purge (the rule and the sweep are the core's: evaluations/purge.py).

What the trainee and the evaluator wrote here is material: the notes on the day's programme
(ProgrammeItem.note) and the comments sent with proposed or declined days (PracticeDayProposal.note,
and the same comment on the "proposed"/"declined" rows of the timeline). They are blanked.

What stays: the dates proposed and agreed, the calendar invite's UID and sequence, the reminders, and the
programme's times, kinds of slot and its patients' non-identifying categories (age band, acute or planned,
several chronic diseases, return visit), which say nothing anyone wrote; the programme also keeps the link
to each sitting-in's mini-CEX form, which stays as the trainee's own training record.
"""

from evaluations.models import CaseEvent, Evaluation

from .models import PracticeDayProposal, ProgrammeItem
from .services.practice_day import NOTE_SEPARATOR, days_of_note

PROPOSAL_ACTIONS = ("practice_day_proposed", "practice_day_declined")


def _commented_events(case: Evaluation):
    return CaseEvent.objects.filter(case=case, action__in=PROPOSAL_ACTIONS, note__contains=NOTE_SEPARATOR)


def holds_material(case: Evaluation) -> bool:
    return (
        ProgrammeItem.objects.filter(programme__case=case).exclude(note="").exists()
        or PracticeDayProposal.objects.filter(case=case).exclude(note="").exists()
        or _commented_events(case).exists()
    )


def purge_material(case: Evaluation) -> list[str]:
    ProgrammeItem.objects.filter(programme__case=case).exclude(note="").update(note="")
    PracticeDayProposal.objects.filter(case=case).exclude(note="").update(note="")
    for event in _commented_events(case):
        CaseEvent.objects.filter(pk=event.pk).update(note=days_of_note(event.note))
    return []  # no files
