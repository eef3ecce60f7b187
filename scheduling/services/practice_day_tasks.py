"""The practice day's background work: the calendar invite, and the mails about proposals.

`practice_day_changed` is queued by the core on commit whenever the day is agreed, moved, or the case
is withdrawn. It works out which message the calendar needs from what the database says now, so it is
safe to run twice, late, or for two changes at once:

- the invite's SEQUENCE must equal the case's `practice_day_sequence` (set by the core's transitions
  as the day is agreed or moved; one higher once it is cancelled). An invite already at that number
  has been sent: nothing more happens.
- no invite yet and a practice day: the first invite (METHOD:REQUEST) to trainee and evaluator, with
  the .ics attached.
- an invite behind the case's sequence: SEQUENCE set to it, the update to trainee, evaluator (with
  the .ics) and the office, with the reason.
- a withdrawn case with a live invite: METHOD:CANCEL with SEQUENCE one higher, and cancelled_at set.

The invite row is claimed (created or bumped) under a lock on the case before any mail is sent.
Limitation: two reschedules before the worker runs give one update, with the latest day and the reason
of the task that ran first; the audit trail holds both.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from evaluations.models import CaseEvent, Evaluation
from mittist.mailer import Recipient, queue_mail

from ..calendar import CANCEL, FILENAME, REQUEST, build_ics, event_times, invite_uid
from ..models import CalendarInvite, PracticeDayProposal
from .practice_day import comment_of_note, is_moving

log = logging.getLogger(__name__)
S = Evaluation.State


def _case_url(case: Evaluation) -> str:
    return settings.SITE_URL + reverse("evaluations:case_detail", args=[case.pk])


def _page_url(case: Evaluation) -> str:
    return settings.SITE_URL + reverse("scheduling:practice_day", args=[case.pk])


def _office() -> Recipient:
    return Recipient(email=settings.MITTIST_OFFICE_EMAIL, name="Mitt-i-ST")


def _people(case: Evaluation) -> list[Recipient]:
    people = [Recipient.of(case.trainee)]
    if case.evaluator:
        people.append(Recipient.of(case.evaluator.user))
    return people


def _plan(case_id) -> tuple[str, Evaluation, CalendarInvite] | None:
    """Under a lock on the case: decide what to send and record it on the invite. None: nothing to do."""
    with transaction.atomic():
        case = Evaluation.objects.select_for_update().get(pk=case_id)
        invite = CalendarInvite.objects.select_for_update().filter(case=case).first()
        if invite is not None and invite.cancelled_at is not None:
            return None  # a cancelled event stays cancelled
        reschedules = case.practice_day_sequence or 0
        if case.state == S.WITHDRAWN:
            if invite is None:
                return None  # nobody has the day in a calendar
            invite.sequence = max(invite.sequence, reschedules) + 1
            invite.cancelled_at = timezone.now()
            invite.save(update_fields=["sequence", "cancelled_at"])
            return "cancelled", case, invite
        if case.practice_day is None:
            return None
        if invite is None:
            # Created after the reschedules that came before it (the first task may run late).
            invite = CalendarInvite.objects.create(case=case, uid=invite_uid(case), sequence=reschedules)
            return "confirmed", case, invite
        if invite.sequence >= reschedules:
            return None  # this version is already out
        invite.sequence = reschedules
        invite.save(update_fields=["sequence"])
        return "rescheduled", case, invite


def practice_day_changed(case_id: str, reason: str = "") -> None:
    """(Re)build the calendar invite for the case and mail it; see the module's docstring."""
    planned = _plan(case_id)
    if planned is None:
        return
    kind, case, invite = planned
    case = Evaluation.objects.with_related().get(pk=case.pk)
    method = CANCEL if kind == "cancelled" else REQUEST
    times = event_times(case)
    context = {
        "case": case,
        "case_url": _case_url(case),
        "page_url": _page_url(case),
        "reason": reason,
        "sequence": invite.sequence,
        "start": times.start.time(),
        "end": times.end.time(),
    }
    for recipient in _people(case):
        ics = build_ics(case, method=method, sequence=invite.sequence, language=recipient.language)
        # A later version of the invite replaces one still waiting in the outbox: one update, the latest day.
        queue_mail(
            f"practice_day_{kind}", recipient, context, attachments=[(FILENAME, ics, f"text/calendar; method={method}")],
            topic=f"practice_day:{case.pk}:{recipient.email.lower()}",
        )
    if kind == "rescheduled":
        # The office keeps the practice days on record: told of every move, no calendar request.
        queue_mail("practice_day_rescheduled", _office(), context, topic=f"practice_day:{case.pk}:office")
    log.info("practice day %s for case %s (invite %s #%s)", kind, case.pk, invite.uid, invite.sequence)


def send_proposal_mail(case_id: str, by_id: str, proposal_ids: list[str], declined_ids: list[str],
                       event_id: int | None = None) -> None:
    """Tell the other side about new suggested days and/or that theirs did not suit.

    The comment written with them is read from the audit row `event_id`, never passed in the task."""
    case = Evaluation.objects.with_related().get(pk=case_id)
    moving = is_moving(case)
    if case.state != S.CONTACT_MADE and not moving:
        return  # ended or held in the meantime: the suggestion no longer asks anything of anyone
    event_note = CaseEvent.objects.filter(pk=event_id, case=case).values_list("note", flat=True).first()
    note = comment_of_note(event_note or "")
    # Only what still asks for an answer (a day confirmed meanwhile is no longer a question).
    proposals = list(PracticeDayProposal.objects.filter(pk__in=proposal_ids, status=PracticeDayProposal.Status.OPEN)
                     .order_by("day"))
    declined = list(PracticeDayProposal.objects.filter(pk__in=declined_ids).order_by("day"))
    if not proposals and not declined:
        return
    from_trainee = str(by_id) == str(case.trainee_id)
    if from_trainee:
        if not case.evaluator:
            return
        recipient = Recipient.of(case.evaluator.user)
        sender_name = case.trainee.full_name
    else:
        recipient = Recipient.of(case.trainee)
        sender_name = case.evaluator.name if case.evaluator else ""
    context = {
        "case": case,
        "case_url": _page_url(case),
        "proposals": proposals,
        "declined": declined,
        "note": note,
        "sender_name": sender_name,
        "from_trainee": from_trainee,
        "moving": moving,
    }
    queue_mail("practice_day_proposed", recipient, context)
