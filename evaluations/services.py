"""Every write to a case goes through one of these functions.

Each one: opens a transaction, locks the case row, checks the transition is allowed for this user,
changes the fields, saves, writes one audit row, and writes its e-mails to the outbox (sent after the commit).
"""

import logging
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from mittist.accounts.models import Role
from mittist.accounts.personnummer import Personnummer
from mittist.crypto import lookup_hash
from mittist.mailer import queue_task_on_commit, write_mail

from . import notifications
from .models import CaseEvent, Evaluation, Evaluator
from .selectors import assignment_conflicts

User = get_user_model()
logger = logging.getLogger(__name__)


class CaseStateError(Exception):
    """The case is not in a state where this step can be taken (shown to the user as a message)."""


def _locked(case: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().get(pk=case.pk)


def require_permission(case: Evaluation, by, verb: str) -> None:
    """Whether this user may ever take this step on this case, whatever its state now."""
    transitions = getattr(case, verb)._django_fsm.transitions.values()
    permission = next(iter(transitions)).permission
    if permission and not by.has_perm(permission, case):
        raise PermissionDenied


def _check(case: Evaluation, by, verb: str, refused: str, *, on_behalf: bool = False) -> None:
    # Rights first, so someone without them learns nothing about the case's state.
    if not on_behalf:
        require_permission(case, by, verb)
    if not can_proceed(getattr(case, verb)):
        raise CaseStateError(refused)


def _step(case: Evaluation, by, verb: str, refused: str, *args, on_behalf: bool = False, **kwargs) -> str:
    """Run one FSM transition on a locked case; returns the state it left.

    `on_behalf`: the step follows from another that `by` had the right to take (the certificate that
    the recorded quality review issues), so the transition's own permission is not asked again.
    """
    _check(case, by, verb, refused, on_behalf=on_behalf)
    before = case.state
    getattr(case, verb)(*args, **kwargs)
    case.refresh_next_due()
    case.save()
    # Deadlines hang on the state and its dates: the scheduling app re-plans the case's reminders.
    queue_task_on_commit("scheduling.reminders.replan_reminders", str(case.pk))
    return before


# The case's sub-apps (report, certificate) and the satellites take steps through these.
locked_case = _locked
take_step = _step
check_step = _check


# --- registration ---------------------------------------------------------------------------------


def personnummer_in_active_case(pnr: Personnummer) -> bool:
    return Evaluation.objects.active().filter(personnummer_hash=lookup_hash(pnr.digits)).exists()


def register_trainee(*, personnummer: Personnummer, password: str, user_fields: dict, case_fields: dict) -> Evaluation:
    """The public registration form: creates the trainee's account and their case in one go."""
    try:
        with transaction.atomic():
            trainee = User.objects.create_user(password=password, role=Role.TRAINEE, **user_fields)
            case = Evaluation(trainee=trainee, **case_fields)
            case.set_personnummer(personnummer)
            case.full_clean(exclude=["trainee", "state"])  # a protected FSM field refuses setattr
            case.save()
            CaseEvent.record(case, trainee, "registered")
            notifications.queue("registration_received", case)
    except IntegrityError as error:
        # Two sign-ups racing past the form's checks: the database constraints decide.
        if User.objects.filter(email__iexact=user_fields["email"]).exists():
            raise ValidationError({"email": _("Det finns redan ett konto med den här e-postadressen.")}) from error
        raise ValidationError(
            {"personnummer": _("Det finns redan en pågående Mitt-i-ST för det här personnumret.")}
        ) from error
    return case


def case_accept_registration(*, case: Evaluation, by) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "accept_registration", _("Anmälan är redan behandlad."))
        CaseEvent.record(case, by, "registration_accepted", from_state=before)
        notifications.queue("registration_accepted", case)
    return case


def case_reject_registration(*, case: Evaluation, by, reason: str) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "reject_registration", _("Anmälan är redan behandlad."), reason)
        CaseEvent.record(case, by, "registration_rejected", from_state=before, note=reason)
        notifications.queue("registration_rejected", case, reason=reason)
    return case


# --- evaluator ------------------------------------------------------------------------------------


def _check_conflicts(case: Evaluation, evaluator: Evaluator, override_reason: str) -> None:
    if not evaluator.active:
        raise ValidationError({"evaluator": _("Värderaren är inte aktiv i poolen.")})
    blocking = [c for c in assignment_conflicts(case, evaluator) if c.blocks]
    if blocking and not override_reason.strip():
        raise ValidationError(
            {
                "override_reason": _("%(conflicts)s. Ange skälet till att ändå välja den här värderaren.")
                % {"conflicts": "; ".join(str(c.label) for c in blocking)}
            }
        )


def case_assign_evaluator(*, case: Evaluation, by, evaluator: Evaluator, override_reason: str = "") -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        if case.state == Evaluation.State.EVALUATOR_ASSIGNED:
            raise CaseStateError(
                _("Ärendet har just fått värderaren %(name)s av någon annan. Ladda om sidan.")
                % {"name": case.evaluator.name}
            )
        refused = _("Värderare kan bara tilldelas en godkänd anmälan som saknar värderare.")
        _check(case, by, "assign_evaluator", refused)
        _check_conflicts(case, evaluator, override_reason)
        before = _step(
            case,
            by,
            "assign_evaluator",
            refused,
            evaluator,
            override_reason.strip(),
        )
        CaseEvent.record(
            case, by, "evaluator_assigned", from_state=before, note=_join(evaluator.name, override_reason)
        )
        notifications.queue("evaluator_assigned", case)
    return case


def case_reassign_evaluator(*, case: Evaluation, by, evaluator: Evaluator, reason: str, override_reason: str = "") -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        previous = case.evaluator
        refused = _("Värderaren kan bara bytas innan rapporten är skickad.")
        _check(case, by, "reassign_evaluator", refused)
        if previous and previous.pk == evaluator.pk:
            raise ValidationError({"evaluator": _("Välj en annan värderare än den nuvarande.")})
        _check_conflicts(case, evaluator, override_reason)
        before = _step(
            case,
            by,
            "reassign_evaluator",
            refused,
            evaluator,
            override_reason.strip(),
        )
        note = _("Från %(old)s till %(new)s. %(reason)s") % {
            "old": previous.name if previous else "–",
            "new": evaluator.name,
            "reason": reason,
        }
        CaseEvent.record(case, by, "evaluator_reassigned", from_state=before, note=_join(note, override_reason))
        if case.state == Evaluation.State.EVALUATOR_ASSIGNED:
            notifications.queue("evaluator_assigned", case)
            if before == Evaluation.State.EVALUATOR_ACCEPTED:
                # The trainee already has the old name and a running contact deadline.
                notifications.queue("evaluator_changing", case)
        else:
            notifications.queue("evaluator_replaced", case)
        if previous:
            notifications.queue(
                "previous_evaluator_released",
                case,
                email=previous.email,
                name=previous.name,
                language=previous.user.language,
            )
    return case


def case_accept_assignment(*, case: Evaluation, by) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "accept_assignment", _("Uppdraget kan inte accepteras i detta skede."))
        CaseEvent.record(case, by, "assignment_accepted", from_state=before)
        notifications.queue("evaluator_accepted", case)
    return case


def case_decline_assignment(*, case: Evaluation, by, reason: str) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        name = case.evaluator.name if case.evaluator else ""
        before = _step(case, by, "decline_assignment", _("Uppdraget kan inte avböjas i detta skede."), reason)
        CaseEvent.record(case, by, "assignment_declined", from_state=before, note=_join(name, reason))
        notifications.queue("assignment_declined", case, evaluator_name=name, reason=reason)
    return case


# --- the trainee's and evaluator's steps -----------------------------------------------------------


def case_mark_contact_made(*, case: Evaluation, by, on: date) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        if case.evaluator_notified_at and on < timezone.localdate(case.evaluator_notified_at):
            raise ValidationError({"on": _("Datumet kan inte vara före den dag du fick veta vem värderaren är.")})
        before = _step(case, by, "mark_contact_made", _("Kontakten kan inte registreras i detta skede."), on)
        CaseEvent.record(case, by, "contact_made", from_state=before, note=on.isoformat())
    return case


def case_agree_practice_day(*, case: Evaluation, by, on: date) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "agree_practice_day", _("Praktikdagen kan inte registreras i detta skede."), on)
        CaseEvent.record(case, by, "practice_day_agreed", from_state=before, note=on.isoformat())
        notifications.queue("practice_day_agreed", case)
        write_mail("scheduling.practice_day.practice_day_changed", str(case.pk))
    return case


def case_reschedule_practice_day(*, case: Evaluation, by, on: date, reason: str) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        old = case.practice_day
        before = _step(
            case, by, "reschedule_practice_day", _("Praktikdagen kan bara flyttas innan den är genomförd."), on, reason
        )
        note = _("Från %(old)s till %(new)s. %(reason)s") % {
            "old": old.isoformat() if old else "–", "new": on.isoformat(), "reason": reason,
        }
        CaseEvent.record(case, by, "practice_day_rescheduled", from_state=before, note=note)
        write_mail("scheduling.practice_day.practice_day_changed", str(case.pk), reason)
    return case


def case_submit_material(*, case: Evaluation, by) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "submit_material", _("Materialet kan inte skickas in i detta skede."))
        CaseEvent.record(
            case, by, "material_submitted", from_state=before, note=_("För sent") if case.material_submitted_late else ""
        )
        notifications.queue("material_submitted", case)
    return case


def case_reopen_material(*, case: Evaluation, by, reason: str) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "reopen_material", _("Materialet kan bara öppnas igen när det är inskickat."), reason)
        CaseEvent.record(case, by, "material_reopened", from_state=before, note=reason)
        notifications.queue("material_reopened", case, reason=reason)
    return case


def case_mark_practice_day_held(*, case: Evaluation, by) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(
            case,
            by,
            "mark_practice_day_held",
            _("Praktikdagen kan markeras som genomförd först på eller efter praktikdagen."),
        )
        CaseEvent.record(case, by, "practice_day_held", from_state=before)
    return case


def case_mark_practice_day_not_held(*, case: Evaluation, by, reason: str) -> Evaluation:
    """The day did not happen: the case goes back to agreeing a new one, the material sent stays."""
    with transaction.atomic():
        case = _locked(case)
        day = case.practice_day
        before = _step(
            case,
            by,
            "mark_practice_day_not_held",
            _("Praktikdagen kan markeras som inte genomförd först på eller efter praktikdagen."),
            reason,
        )
        note = _("%(day)s. %(reason)s") % {"day": day.isoformat() if day else "–", "reason": reason}
        CaseEvent.record(case, by, "practice_day_not_held", from_state=before, note=note)
        notifications.queue("practice_day_not_held", case, day=day.isoformat() if day else "", reason=reason)
    return case


# The report's delivery, the quality review and the certificate are services of their own apps
# (evaluations.reports, evaluations.certificates): each needs more than a state change.


def case_close_after_survey(*, case: Evaluation, by) -> Evaluation:
    """The trainee's survey is in (the survey app stores the answers, linked to nothing): the case ends."""
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "close_after_survey", _("Utvärderingen kan skickas in när intyget är utfärdat."))
        CaseEvent.record(case, by, "survey_answered", from_state=before)
    return case


def case_close(*, case: Evaluation, by) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(
            case, by, "close", _("Ärendet kan avslutas utan utvärdering först när tiden för utvärderingen har gått ut.")
        )
        CaseEvent.record(case, by, "closed", from_state=before)
    return case


# --- interruptions --------------------------------------------------------------------------------


def case_withdraw(*, case: Evaluation, by, reason: str) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "withdraw", _("Ärendet är redan avslutat."), reason)
        CaseEvent.record(case, by, "withdrawn", from_state=before, note=reason)
        notifications.queue("case_withdrawn", case, reason=reason)
        # A practice day in people's calendars is cancelled there too.
        write_mail("scheduling.practice_day.practice_day_changed", str(case.pk))
    return case


def case_put_on_hold(*, case: Evaluation, by, reason: str) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "put_on_hold", _("Ärendet kan inte göras vilande i detta skede."), reason)
        CaseEvent.record(case, by, "put_on_hold", from_state=before, note=reason)
    return case


def case_resume(*, case: Evaluation, by) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "resume", _("Ärendet är inte vilande."))
        CaseEvent.record(case, by, "resumed", from_state=before)
    return case


# --- the evaluator pool ---------------------------------------------------------------------------


def evaluator_create(*, by, full_name: str, email: str, phone: str = "", **profile) -> Evaluator:
    from mittist.accounts.services import queue_set_password_mail

    with transaction.atomic():
        user = User.objects.create_user(
            email=email, password=None, full_name=full_name, phone=phone, role=Role.EVALUATOR
        )
        evaluator = Evaluator.objects.create(user=user, **profile)
        queue_set_password_mail(user, template="evaluator_welcome")
    return evaluator


def evaluator_update(*, by, evaluator: Evaluator, full_name: str, email: str, phone: str = "", **profile) -> Evaluator:
    with transaction.atomic():
        evaluator = Evaluator.objects.select_for_update().select_related("user").get(pk=evaluator.pk)
        user = evaluator.user
        user.full_name, user.email, user.phone = full_name, email.lower(), phone
        user.save(update_fields=["full_name", "email", "phone"])
        for name, value in profile.items():
            setattr(evaluator, name, value)
        evaluator.save()
    return evaluator


def _join(*parts: str) -> str:
    return " — ".join(str(p).strip() for p in parts if p and str(p).strip())


def mail_resend(*, message_id, by, email: str):
    """The coordinator sends a failed or stuck e-mail again, to the address as corrected; audited on its case."""
    from mittist.outbox import services as outbox
    from mittist.outbox.models import Message

    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        old = message.recipient_email
        message = outbox.resend(message=message, email=email)
        case = Evaluation.objects.filter(pk=message.case_id).first() if message.case_id else None
        if case is not None:
            note = f"{message.template}: {old} → {message.recipient_email}" if old != message.recipient_email else message.template
            CaseEvent.record(case, by, "mail_resent", note=note)
        else:
            logger.info("E-mail %s resent by %s to %s", message.pk, by.pk, message.recipient_email)
    return message
