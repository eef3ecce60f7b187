"""E-mails that follow a change to a case.

Services call `queue(kind, case)` inside their transaction; `deliver` reloads the case there (the change
as it will commit) and writes one outbox row per recipient (mittist/mailer.py). The functions here only
pick recipients and build context.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from mittist.accounts.models import Role
from mittist.mailer import Recipient, queue_mail, write_mail

from .models import Evaluation


def queue(kind: str, case: Evaluation, **extra) -> None:
    write_mail(deliver, kind, str(case.pk), extra)


def _case_url(case) -> str:
    return settings.SITE_URL + reverse("evaluations:case_detail", args=[case.pk])


def _office() -> Recipient:
    return Recipient(email=settings.MITTIST_OFFICE_EMAIL, name="Mitt-i-ST")


def _recipients(kind: str, case: Evaluation, extra: dict) -> list[Recipient]:
    trainee = Recipient.of(case.trainee)
    evaluator = Recipient.of(case.evaluator.user) if case.evaluator else None
    if kind == "registration_received":
        return [trainee, _office()]
    if kind == "material_received":
        return [trainee]
    if kind in {"registration_accepted", "registration_rejected", "evaluator_accepted", "evaluator_changing", "case_withdrawn"}:
        return [trainee] + ([evaluator] if kind == "case_withdrawn" and evaluator else [])
    if kind == "material_reopened":
        return [trainee] + ([evaluator] if evaluator else [])
    if kind in {"evaluator_assigned", "material_submitted"}:
        return [evaluator] if evaluator else []
    if kind == "evaluator_replaced":
        return [trainee] + ([evaluator] if evaluator else [])
    if kind == "previous_evaluator_released":
        return [Recipient(email=extra["email"], name=extra["name"], language=extra.get("language", "sv"))]
    if kind in {"assignment_declined", "erasure_requested", "material_submitted_late"}:
        return [_office()]
    if kind == "practice_day_agreed":
        # Trainee and evaluator hear of the day once, in the mail that carries the calendar invite
        # (scheduling.practice_day); the office keeps the record and needs no invite.
        return [_office()]
    if kind in {"report_delivered", "certificate_issued", "certificate_revoked"}:
        return [trainee]
    if kind == "practice_day_not_held":
        return [trainee, _office()] + ([evaluator] if evaluator else [])
    if kind == "review_feedback":
        return [evaluator] if evaluator else []
    if kind == "report_awaits_review":
        User = get_user_model()
        readers = User.objects.filter(role=Role.QUALITY, is_active=True).order_by("full_name")
        return [Recipient.of(user) for user in readers]
    raise ValueError(f"unknown notification {kind!r}")


def _url(name: str, case) -> str:
    return settings.SITE_URL + reverse(name, args=[case.pk])


def links(case: Evaluation) -> dict:
    """Where each message's button goes: the page that keeps its promise."""
    return {
        "case_url": _case_url(case),
        "report_url": _url("reports:read", case),
        "write_report_url": _url("reports:write", case),
        "review_queue_url": settings.SITE_URL + reverse("evaluations:quality_home"),
        "certificate_url": _url("certificates:download", case),
        "home_url": settings.SITE_URL + reverse("home"),
    }


def deliver(kind: str, case_id: str, extra: dict | None = None) -> int:
    extra = extra or {}
    case = Evaluation.objects.with_related().get(pk=case_id)
    context = {"case": case, **links(case), **extra}
    recipients = _recipients(kind, case, extra)
    for recipient in recipients:
        queue_mail(kind, recipient, context)
    return len(recipients)


# --- the public registration (no case yet) -----------------------------------------------------------


def deliver_registration(kind: str, registration_id: str, encrypted_token: str = "") -> int:
    """registration_confirm (the link, to the address typed in), registration_flagged (the office, and
    the registrant told that the office will be in touch), registration_flagged_rejected (the registrant)."""
    from mittist import crypto

    from .models import PendingRegistration

    registration = PendingRegistration.objects.get(pk=registration_id)
    registrant = Recipient(email=registration.email, name=registration.full_name)
    context = {
        "registration": registration, "hours": settings.MITTIST_REGISTRATION_CONFIRM_HOURS,
        "home_url": settings.SITE_URL + reverse("home"),
    }
    if kind == "registration_confirm":
        token = crypto.decrypt(encrypted_token)
        context["confirm_url"] = settings.SITE_URL + reverse("evaluations:register_confirm", args=[token])
        recipients = [registrant]
    elif kind == "registration_flagged":
        context["flagged_url"] = settings.SITE_URL + registration.get_absolute_url()
        recipients = [_office(), registrant]
    elif kind == "registration_flagged_rejected":
        recipients = [registrant]
    else:
        raise ValueError(f"unknown registration message {kind!r}")
    for recipient in recipients:
        queue_mail(kind, recipient, context)
    return len(recipients)


def deliver_account_exists(encrypted_email: str) -> None:
    """Someone registered with an address that has an account: its owner hears it, not the browser."""
    from mittist import crypto

    User = get_user_model()
    user = User.objects.filter(email__iexact=crypto.decrypt(encrypted_email)).first()
    if user is None:
        return
    queue_mail("registration_account_exists", Recipient.of(user), {
        "user": user, "login_url": settings.SITE_URL + reverse("accounts:login"),
        "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
    })
