"""Agreeing and moving the practice day: proposals, answers, confirmation and rescheduling.

The date rules live here so that the forms (which show them at the field) and the services (which
check them again inside the transaction, a moment later) say the same thing:

- a day in the past is refused;
- while the material is not submitted, a day earlier than today + MITTIST_MATERIAL_DAYS_BEFORE is
  refused, and the message names the earliest possible day (the evaluator must have the material
  four weeks before);
- weekends and Swedish public holidays (incl. midsummer, Christmas and New Year's Eve) only warn.

The state changes themselves are the core's: confirming calls `case_agree_practice_day`, moving calls
`case_reschedule_practice_day`; both audit, notify and queue the calendar invite.

Moving an agreed day goes the same way as agreeing it: one side proposes new days with the reason, the
other confirms one. Only the coordinator sets a new day directly (`practice_day_reschedule`), with a reason.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays
import rules
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from evaluations import services as case_services
from evaluations.models import CaseEvent, Evaluation, local_today
from evaluations.services import CaseStateError
from mittist.mailer import write_mail

from ..models import PracticeDayProposal

S = Evaluation.State
P = PracticeDayProposal.Status
# States in which the practice day can be moved (the FSM transition says the same).
RESCHEDULABLE_STATES = (S.PRACTICE_DAY_AGREED, S.MATERIAL_SUBMITTED)
MAX_DAYS_PER_PROPOSAL = 3


# --- the date rules -------------------------------------------------------------------------------


def long_day(day: date) -> str:
    return date_format(day, "j F Y")


def earliest_day(case: Evaluation, today: date | None = None) -> date:
    """The first day the practice day may be on, as things stand."""
    today = today or local_today()
    if case.material_submitted_at is None:
        return today + timedelta(days=settings.MITTIST_MATERIAL_DAYS_BEFORE)
    return today


def refusal(case: Evaluation, day: date, today: date | None = None) -> str | None:
    """Why this day cannot be the practice day, or None when it can."""
    today = today or local_today()
    if day < today:
        return _("%(day)s har redan varit. Välj ett datum från och med i dag.") % {"day": long_day(day)}
    latest = today + timedelta(days=settings.MITTIST_PRACTICE_DAY_MAX_DAYS_AHEAD)
    if day > latest:
        return _("%(day)s ligger för långt fram. Välj ett datum senast %(latest)s.") % {
            "day": long_day(day), "latest": long_day(latest)}
    earliest = earliest_day(case, today)
    if day < earliest:
        return _(
            "Praktikdagen kan tidigast vara %(earliest)s. Värderaren ska ha materialet senast %(weeks)s dagar "
            "före praktikdagen, och det är inte inskickat än."
        ) % {"earliest": long_day(earliest), "weeks": settings.MITTIST_MATERIAL_DAYS_BEFORE}
    return None


@lru_cache(maxsize=64)
def _holidays(year: int, language: str) -> dict:
    # Midsummer, Christmas and New Year's Eve are "de facto" holidays: workplaces are closed.
    # Sundays are left out here: they are weekend days like Saturdays.
    table = holidays.Sweden(
        years=year,
        language="sv" if language.startswith("sv") else "en_US",
        categories=(holidays.PUBLIC, holidays.DE_FACTO),
        include_sundays=False,
    )
    return dict(table)


def holiday_name(day: date) -> str | None:
    """The Swedish public holiday on this day, named in the active language."""
    return _holidays(day.year, translation.get_language() or settings.LANGUAGE_CODE).get(day)


def warnings_for(day: date) -> list[str]:
    """Things worth a second look about a day, not reasons to refuse it."""
    found = []
    name = holiday_name(day)
    weekday = date_format(day, "l")
    if name:
        found.append(
            _("Observera: %(day)s (%(weekday)s) är en helgdag: %(holiday)s.")
            % {"day": long_day(day), "weekday": weekday, "holiday": name}
        )
    elif day.weekday() >= 5:
        found.append(_("Observera: %(day)s är en %(weekday)s.") % {"day": long_day(day), "weekday": weekday})
    return found


def _check_day(case: Evaluation, day: date) -> None:
    reason = refusal(case, day)
    if reason:
        raise ValidationError(reason, code="refused_day")


# --- who is who -----------------------------------------------------------------------------------


def side_of(case: Evaluation, user) -> str | None:
    """"trainee" or "evaluator" when this user takes part in the case, else None."""
    # rules.has_perm, not user.has_perm: a superuser has every permission but is neither side.
    if rules.has_perm("evaluations.act_as_trainee", user, case):
        return "trainee"
    if rules.has_perm("evaluations.act_as_evaluator", user, case):
        return "evaluator"
    return None


def proposal_side(case: Evaluation, proposal: PracticeDayProposal) -> str:
    return "trainee" if proposal.proposed_by_id == case.trainee_id else "evaluator"


def _locked_case(case: Evaluation) -> Evaluation:
    # No select_related under FOR UPDATE: PostgreSQL refuses to lock the nullable side of a join.
    return Evaluation.objects.select_for_update().get(pk=case.pk)


def _require_side(case: Evaluation, by) -> str:
    side = side_of(case, by)
    if side is None:
        raise PermissionDenied
    return side


def _require_agreeing(case: Evaluation) -> None:
    if case.state != S.CONTACT_MADE and case.state not in RESCHEDULABLE_STATES:
        raise CaseStateError(
            _("Datum för praktikdagen kan föreslås när ST-läkaren har tagit kontakt, och en bestämd dag kan "
              "flyttas tills den är genomförd.")
        )


def is_moving(case: Evaluation) -> bool:
    """Proposals now are for moving an agreed day (not for agreeing the first one)."""
    return case.state in RESCHEDULABLE_STATES


def _open_from(case: Evaluation, side: str):
    """The open proposals one side made (the other side is the one to answer them)."""
    proposals = case.practice_day_proposals.select_for_update().filter(status=P.OPEN)
    if side == "trainee":
        return proposals.filter(proposed_by_id=case.trainee_id)
    return proposals.exclude(proposed_by_id=case.trainee_id)


def _other(side: str) -> str:
    return "evaluator" if side == "trainee" else "trainee"


NOTE_SEPARATOR = " — "


def _days_note(days, note: str = "") -> str:
    """The audit note: the days, then the comment written with them (the purge strips the comment)."""
    text = ", ".join(day.isoformat() for day in days)
    return f"{text}{NOTE_SEPARATOR}{note.strip()}" if note.strip() else text


def comment_of_note(note: str) -> str:
    """The comment part of a `_days_note` (ISO days never contain the separator)."""
    return note.partition(NOTE_SEPARATOR)[2]


def days_of_note(note: str) -> str:
    return note.partition(NOTE_SEPARATOR)[0]


def _close(proposals, status: str, by) -> list[PracticeDayProposal]:
    closed = list(proposals)
    now = timezone.now()
    for proposal in closed:
        proposal.status, proposal.responded_by, proposal.responded_at = status, by, now
        proposal.save(update_fields=["status", "responded_by", "responded_at"])
    return closed


# --- the services -----------------------------------------------------------------------------------


def practice_day_propose(*, case: Evaluation, by, days: list[date], note: str = "") -> list[PracticeDayProposal]:
    """One side suggests one or more days. The other side's open suggestions are answered by it: declined."""
    days = sorted(set(days))
    if not days:
        raise ValidationError(_("Ange minst ett datum."))
    if len(days) > MAX_DAYS_PER_PROPOSAL:
        raise ValidationError(_("Föreslå högst %(n)s datum åt gången.") % {"n": MAX_DAYS_PER_PROPOSAL})
    with transaction.atomic():
        case = _locked_case(case)
        side = _require_side(case, by)
        _require_agreeing(case)
        if is_moving(case):
            if not note.strip():
                raise ValidationError({"note": _("Ange varför praktikdagen behöver flyttas.")})
            if case.practice_day in days:
                raise ValidationError(
                    {"day_1": _("%(day)s är redan praktikdagen.") % {"day": long_day(case.practice_day)}}
                )
        for day in days:
            _check_day(case, day)
        already = set(
            case.practice_day_proposals.filter(status=P.OPEN, day__in=days).values_list("day", flat=True)
        )
        if already:
            raise ValidationError(
                _("%(days)s är redan föreslaget.") % {"days": ", ".join(long_day(d) for d in sorted(already))},
                code="duplicate_day",
            )
        declined = _close(_open_from(case, _other(side)), P.DECLINED, by)
        created = [
            PracticeDayProposal.objects.create(case=case, day=day, note=note.strip(), proposed_by=by) for day in days
        ]
        event = CaseEvent.record(case, by, "practice_day_proposed", note=_days_note(days, note))
        # The comment reaches the mail through the audit row, not the task's arguments: the task queue
        # keeps its arguments in its tables, where the purge cannot reach them.
        write_mail(
            "scheduling.practice_day.send_proposal_mail",
            str(case.pk),
            str(by.pk),
            [str(p.pk) for p in created],
            [str(p.pk) for p in declined],
            event.pk,
        )
    return created


def practice_day_decline(*, case: Evaluation, by, note: str = "") -> list[PracticeDayProposal]:
    """None of the other side's days suits: they are all declined, and the other side is asked for new ones."""
    with transaction.atomic():
        case = _locked_case(case)
        side = _require_side(case, by)
        _require_agreeing(case)
        declined = _close(_open_from(case, _other(side)), P.DECLINED, by)
        if not declined:
            raise CaseStateError(_("Det finns inga förslag att svara på."))
        event = CaseEvent.record(case, by, "practice_day_declined", note=_days_note([p.day for p in declined], note))
        write_mail(
            "scheduling.practice_day.send_proposal_mail",
            str(case.pk),
            str(by.pk),
            [],
            [str(p.pk) for p in declined],
            event.pk,
        )
    return declined


def practice_day_withdraw_proposal(*, proposal: PracticeDayProposal, by) -> PracticeDayProposal:
    """Whoever suggested a day may take it back while it is unanswered."""
    with transaction.atomic():
        case = _locked_case(proposal.case)
        _require_side(case, by)
        proposal = PracticeDayProposal.objects.select_for_update().get(pk=proposal.pk, case=case)
        if proposal.proposed_by_id != by.pk:
            raise PermissionDenied
        if proposal.status != P.OPEN:
            raise CaseStateError(_("Förslaget är redan besvarat."))
        _close([proposal], P.WITHDRAWN, by)
        CaseEvent.record(case, by, "practice_day_proposal_withdrawn", note=proposal.day.isoformat())
    return proposal


def practice_day_confirm(*, proposal: PracticeDayProposal, by) -> Evaluation:
    """The other side confirms one suggested day: the case moves to "practice day agreed", or an agreed
    day moves to it (the proposer's comment is the reason everyone is told).

    The core service audits, mails trainee, evaluator and the office, and queues the calendar invite.
    Every other open suggestion is closed.
    """
    with transaction.atomic():
        case = _locked_case(proposal.case)
        side = _require_side(case, by)
        proposal = PracticeDayProposal.objects.select_for_update().get(pk=proposal.pk, case=case)
        if proposal_side(case, proposal) == side:
            # One's own suggestion is confirmed by the other side, never by oneself.
            raise PermissionDenied
        _require_agreeing(case)
        if proposal.status != P.OPEN:
            raise CaseStateError(_("Förslaget är inte längre öppet."))
        _check_day(case, proposal.day)
        if is_moving(case):
            if proposal.day == case.practice_day:
                raise CaseStateError(_("Det datumet är redan praktikdagen."))
            case = case_services.case_reschedule_practice_day(
                case=case, by=by, on=proposal.day, reason=proposal.note or _("Överenskommet i Mitt-i-ST.")
            )
        else:
            case = case_services.case_agree_practice_day(case=case, by=by, on=proposal.day)
        _close([proposal], P.ACCEPTED, by)
        _close(case.practice_day_proposals.select_for_update().filter(status=P.OPEN), P.WITHDRAWN, by)
    return case


def practice_day_reschedule(*, case: Evaluation, by, day: date, reason: str) -> Evaluation:
    """The coordinator moves an agreed day directly. The core audits and queues the update of the invite,
    which tells everyone with the reason; open proposals to move it are closed."""
    if not by.has_perm("scheduling.set_practice_day", case):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Ange varför praktikdagen flyttas.")})
    with transaction.atomic():
        case = _locked_case(case)
        case_services.require_permission(case, by, "reschedule_practice_day")
        if case.state not in RESCHEDULABLE_STATES:
            raise CaseStateError(_("Praktikdagen kan bara flyttas innan den är genomförd."))
        if day == case.practice_day:
            raise ValidationError({"day": _("Välj ett annat datum än det nuvarande.")})
        reason_for_day = refusal(case, day)
        if reason_for_day:
            raise ValidationError({"day": reason_for_day})
        case = case_services.case_reschedule_practice_day(case=case, by=by, on=day, reason=reason)
        _close(case.practice_day_proposals.select_for_update().filter(status=P.OPEN), P.WITHDRAWN, by)
    return case
