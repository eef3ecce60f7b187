"""Every write to a case goes through one of these functions.

Each one: opens a transaction, locks the case row, checks the transition is allowed for this user,
changes the fields, saves, writes one audit row, and writes its e-mails to the outbox (sent after the commit).
"""

import hashlib
import logging
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from mittist import crypto
from mittist.accounts.models import AccountEvent, Role
from mittist.accounts.personnummer import Personnummer
from mittist.crypto import lookup_hash
from mittist.mailer import queue_task_on_commit, write_mail
from mittist.ratelimit import Limiter

from . import extensions, notifications
from .models import CaseEvent, DeclinedAssignment, Evaluation, Evaluator, PendingRegistration
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


def _after_change(case: Evaluation, event: str, *args) -> None:
    for task in extensions.tasks_after(event):
        if event in extensions.WRITES_MAIL:
            # Its e-mail (the calendar invite) is written with the change, in the outbox (mittist.outbox).
            write_mail(task, str(case.pk), *args)
        else:
            queue_task_on_commit(task, str(case.pk), *args)


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
    # Deadlines hang on the state and its dates: whoever plans from them (reminders) re-plans.
    _after_change(case, "state_changed")
    return before


# The case's sub-apps (report, certificate) and the satellites take steps through these.
locked_case = _locked
take_step = _step
check_step = _check


# --- registration ---------------------------------------------------------------------------------


def personnummer_in_active_case(pnr: Personnummer) -> bool:
    return Evaluation.objects.active().filter(personnummer_hash=lookup_hash(pnr.digits)).exists()


def register_trainee(
    *, personnummer: Personnummer, user_fields: dict, case_fields: dict, password: str | None = None,
    password_hash: str | None = None,
) -> Evaluation:
    """Creates the trainee's account and their case in one go (after the e-mail address is confirmed)."""
    try:
        with transaction.atomic():
            trainee = User.objects.create_user(password=password, role=Role.TRAINEE, **user_fields)
            if password_hash:
                trainee.password = password_hash
                trainee.save(update_fields=["password"])
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


# --- the public registration form -------------------------------------------------------------------
# No answer may tell who is in Mitt-i-ST or who has an account: every valid submission gets the same page,
# and what happened next is said only by e-mail, to the address typed in (its owner).


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email_key(email: str) -> str:
    return lookup_hash("email:" + email.strip().lower())[:32]


def registration_request(*, personnummer: Personnummer, password: str, user_fields: dict, case_fields: dict) -> None:
    """A valid registration from the form. Creates no account and no case: it keeps the registration and
    mails a confirmation link, or tells the owner of an address that already has an account."""
    now = timezone.now()
    email = user_fields["email"].strip().lower()
    # Hashed on every path, so that the answer takes as long whether the address is known or not.
    password_hash = make_password(password)
    mails = Limiter("registration-mail", limit=settings.MITTIST_REGISTRATION_MAILS_PER_EMAIL_PER_HOUR, window=3600)
    with transaction.atomic():
        PendingRegistration.objects.filter(state=PendingRegistration.State.PENDING, expires_at__lt=now).delete()
        if mails.hit(_email_key(email)) > mails.limit:
            return  # someone keeps typing this address: its owner has had enough mail for now
        if User.objects.filter(email__iexact=email).exists():
            write_mail("evaluations.notifications.deliver_account_exists", crypto.encrypt(email))
            return
        token = secrets.token_urlsafe(32)
        registration = PendingRegistration(
            token_hash=_token_hash(token), expires_at=now + timedelta(hours=settings.MITTIST_REGISTRATION_CONFIRM_HOURS),
            email=email, full_name=user_fields["full_name"], phone=user_fields.get("phone", ""),
            password_hash=password_hash, case_fields={k: v.isoformat() if isinstance(v, date) else v for k, v in case_fields.items()},
        )
        registration.set_personnummer(personnummer)
        registration.save()
        write_mail(
            "evaluations.notifications.deliver_registration", "registration_confirm", str(registration.pk),
            crypto.encrypt(token),
        )


def pending_registration_for_token(token: str) -> PendingRegistration | None:
    """The registration a confirmation link belongs to, while it can still be confirmed."""
    return PendingRegistration.objects.filter(
        token_hash=_token_hash(token), state=PendingRegistration.State.PENDING, expires_at__gt=timezone.now()
    ).first()


def _case_fields(registration: PendingRegistration) -> dict:
    fields = dict(registration.case_fields)
    for name in ("st_start", "st_planned_end"):
        fields[name] = date.fromisoformat(fields[name])
    return fields


def registration_confirm(*, token: str) -> None:
    """The link in the mail was followed: the account and the case are made now. A personnummer that
    already has an active case makes no second one: the registration goes to the office as flagged.
    The visitor sees the same page either way; an invalid or used link raises LookupError."""
    with transaction.atomic():
        registration = (
            PendingRegistration.objects.select_for_update()
            .filter(token_hash=_token_hash(token), state=PendingRegistration.State.PENDING,
                    expires_at__gt=timezone.now())
            .first()
        )
        if registration is None:
            raise LookupError("no such registration")
        registration.confirmed_at = timezone.now()
        registration.token_hash = None
        if User.objects.filter(email__iexact=registration.email).exists():
            # Confirmed twice (two registrations with one address): the first made the account.
            registration.delete()
            write_mail("evaluations.notifications.deliver_account_exists", crypto.encrypt(registration.email))
            return
        existing = Evaluation.objects.active().filter(personnummer_hash=registration.personnummer_hash).first()
        if existing is None:
            try:
                with transaction.atomic():
                    _create_from_registration(registration)
            except ValidationError:
                existing = Evaluation.objects.active().filter(personnummer_hash=registration.personnummer_hash).first()
            else:
                registration.delete()
                return
        registration.state = PendingRegistration.State.FLAGGED
        registration.existing_case = existing
        registration.save()
        if existing is not None:
            CaseEvent.record(existing, None, "flagged_registration")
        write_mail("evaluations.notifications.deliver_registration", "registration_flagged", str(registration.pk))


def _create_from_registration(registration: PendingRegistration) -> Evaluation:
    return register_trainee(
        personnummer=registration.personnummer(), password_hash=registration.password_hash,
        user_fields={"full_name": registration.full_name, "email": registration.email, "phone": registration.phone},
        case_fields=_case_fields(registration),
    )


def _locked_flagged(registration: PendingRegistration) -> PendingRegistration:
    registration = PendingRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.state != PendingRegistration.State.FLAGGED:
        raise CaseStateError(_("Anmälan är redan behandlad."))
    return registration


def flagged_registration_accept(*, registration: PendingRegistration, by) -> Evaluation:
    """The office takes the registration after all: possible once the other case has ended."""
    if not by.has_perm("evaluations.manage_case"):
        raise PermissionDenied
    with transaction.atomic():
        registration = _locked_flagged(registration)
        if Evaluation.objects.active().filter(personnummer_hash=registration.personnummer_hash).exists():
            raise CaseStateError(_(
                "Personnumret har fortfarande ett pågående ärende. Avsluta eller avbryt det först, eller avvisa anmälan."
            ))
        if User.objects.filter(email__iexact=registration.email).exists():
            raise CaseStateError(_("Det finns redan ett konto med e-postadressen %(email)s.") % {"email": registration.email})
        case = _create_from_registration(registration)
        CaseEvent.record(case, by, "flagged_registration_accepted")
        registration.state = PendingRegistration.State.ACCEPTED
        registration.resolved_at, registration.resolved_by = timezone.now(), by
        registration.forget_secrets()
        registration.save()
    return case


def flagged_registration_reject(*, registration: PendingRegistration, by, reason: str) -> PendingRegistration:
    if not by.has_perm("evaluations.manage_case"):
        raise PermissionDenied
    with transaction.atomic():
        registration = _locked_flagged(registration)
        registration.state = PendingRegistration.State.REJECTED
        registration.resolved_at, registration.resolved_by = timezone.now(), by
        registration.resolution_note = reason
        registration.forget_secrets()
        registration.save()
        if registration.existing_case_id:
            CaseEvent.record(registration.existing_case, by, "flagged_registration_rejected")
        write_mail("evaluations.notifications.deliver_registration", "registration_flagged_rejected", str(registration.pk))
    return registration


def register_again(*, trainee, personnummer: Personnummer, phone: str, case_fields: dict) -> Evaluation:
    """A trainee whose earlier case ended without a Mitt-i-ST (rejected, withdrawn) registers anew,
    with the account they have: same e-mail, same password, a new case."""
    try:
        with transaction.atomic():
            trainee = User.objects.select_for_update().get(pk=trainee.pk)
            if not trainee.has_perm("evaluations.register_again"):
                raise CaseStateError(_("Du har redan en pågående Mitt-i-ST."))
            if phone != trainee.phone:
                trainee.phone = phone
                trainee.save(update_fields=["phone"])
            case = Evaluation(trainee=trainee, **case_fields)
            case.set_personnummer(personnummer)
            case.full_clean(exclude=["trainee", "state"])
            case.save()
            CaseEvent.record(case, trainee, "registered", note=_("Ny anmälan efter en tidigare"))
            notifications.queue("registration_received", case)
    except IntegrityError as error:
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
    # Every conflict, a full workload and an earlier "no" included, is chosen past only with a reason.
    conflicts = assignment_conflicts(case, evaluator)
    if conflicts and not override_reason.strip():
        raise ValidationError(
            {
                "override_reason": _("%(conflicts)s. Ange skälet till att ändå välja den här värderaren.")
                % {"conflicts": "; ".join(str(c.label) for c in conflicts)}
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
        declining = case.evaluator.user_id if case.evaluator else None
        before = _step(case, by, "decline_assignment", _("Uppdraget kan inte avböjas i detta skede."), reason)
        if declining is not None:
            DeclinedAssignment.objects.create(case=case, user_id=declining)
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
        _after_change(case, "practice_day_changed")
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
        _after_change(case, "practice_day_changed", reason)
    return case


def case_submit_material(*, case: Evaluation, by) -> Evaluation:
    with transaction.atomic():
        case = _locked(case)
        before = _step(case, by, "submit_material", _("Materialet kan inte skickas in i detta skede."))
        CaseEvent.record(
            case, by, "material_submitted", from_state=before, note=_("För sent") if case.material_submitted_late else ""
        )
        notifications.queue("material_submitted", case)
        # The trainee's receipt: what was sent and when, by mail as well as on the page.
        notifications.queue("material_received", case)
        if case.material_submitted_late:
            # The trainee was told "the evaluator and the office see it": the office is told.
            notifications.queue("material_submitted_late", case)
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
        _after_change(case, "practice_day_changed")
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
        AccountEvent.record(user, by, AccountEvent.Action.CREATED, note=Role.EVALUATOR)
        queue_set_password_mail(user, template="evaluator_welcome")
    return evaluator


def _evaluator_details(evaluator: Evaluator, profile_fields) -> dict:
    user = evaluator.user
    return {"full_name": user.full_name, "email": user.email, "phone": user.phone,
            **{name: getattr(evaluator, name) for name in profile_fields}}


def evaluator_update(*, by, evaluator: Evaluator, full_name: str, email: str, phone: str = "", **profile) -> Evaluator:
    with transaction.atomic():
        evaluator = Evaluator.objects.select_for_update().select_related("user").get(pk=evaluator.pk)
        user = evaluator.user
        before = _evaluator_details(evaluator, profile)
        user.full_name, user.email, user.phone = full_name, email.lower(), phone
        user.save(update_fields=["full_name", "email", "phone"])
        for name, value in profile.items():
            setattr(evaluator, name, value)
        evaluator.save()
        after = _evaluator_details(evaluator, profile)
        changed = [name for name in before if before[name] != after[name]]
        AccountEvent.record(user, by, AccountEvent.Action.CHANGED, note=", ".join(changed))
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
