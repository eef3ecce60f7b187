from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from mittist.mailer import write_mail

from .models import AccountEvent


def set_password_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])


def queue_set_password_mail(user, *, template: str) -> None:
    """New accounts made by the coordinator get a link to choose their own password."""
    write_mail(send_set_password_mail, str(user.pk), template)


def send_set_password_mail(user_id: str, template: str) -> None:
    from mittist.mailer import Recipient, queue_mail

    from .models import User

    user = User.objects.get(pk=user_id)
    queue_mail(template, Recipient.of(user), {"user": user, "set_password_url": set_password_url(user)})


# --- the second factor ------------------------------------------------------------------------------
# TOTP in an authenticator app (django-otp's TOTPDevice) plus one-time recovery codes (RecoveryCodeDevice).
# Every change is one audit row (AccountEvent) and an e-mail to the account's owner.

RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def confirmed_totp(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


def mfa_pending_device(*, user):
    """The not yet confirmed authenticator key shown on the enrolment page (the same one on a reload)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=False)


def _new_recovery_codes(user) -> list[str]:
    import secrets

    from .models import RecoveryCode, RecoveryCodeDevice, recovery_code_hash

    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="Reservkoder", confirmed=True)
    codes = []
    for _n in range(settings.MITTIST_RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=recovery_code_hash(c)) for c in codes)
    return codes


def mfa_confirm(*, user, token: str) -> tuple[object, list[str]]:
    """The first code from the app proves it holds the key: the device counts from now. Returns it and the
    recovery codes, shown once and stored only as hashes."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ValidationError({"token": _("Aktiveringen har gått ut. Ladda om sidan och skanna den nya koden.")})
    # Outside the transaction: a wrong code's throttling must be kept, not rolled back with the error.
    if not device.verify_token(normalise_totp(token)):
        raise ValidationError({"token": _("Koden stämmer inte. Skriv in den sexsiffriga kod som appen visar nu.")})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        AccountEvent.record(user, user, AccountEvent.Action.MFA_ENROLLED)
        _queue_security_mail(user, AccountEvent.Action.MFA_ENROLLED)
    return device, codes


def mfa_new_recovery_codes(*, user, by) -> list[str]:
    with transaction.atomic():
        if confirmed_totp(user) is None:
            raise ValidationError(_("Aktivera tvåstegsverifiering först."))
        codes = _new_recovery_codes(user)
        AccountEvent.record(user, by, AccountEvent.Action.RECOVERY_CODES_CREATED)
        _queue_security_mail(user, AccountEvent.Action.RECOVERY_CODES_CREATED)
    return codes


def normalise_totp(token: str) -> str:
    return "".join(str(token).split())


def mfa_verify(*, user, token: str):
    """The second step of signing in: a code from the app or an unused recovery code. Returns the device
    that accepted it, or None. Wrong codes slow the device down (django-otp's throttling)."""
    from django_otp import match_token

    from .models import RecoveryCodeDevice

    token = normalise_totp(token)
    if not token:
        return None
    device = match_token(user, token)
    if isinstance(device, RecoveryCodeDevice):
        AccountEvent.record(user, user, AccountEvent.Action.RECOVERY_CODE_USED,
                            note=_("%(left)s reservkoder kvar") % {"left": device.remaining()})
        _queue_security_mail(user, AccountEvent.Action.RECOVERY_CODE_USED)
    return device


def verification_throttled(user) -> bool:
    """Every device of the user is waiting out wrong codes: say so instead of 'wrong code'."""
    from django_otp import devices_for_user

    devices = list(devices_for_user(user))
    return bool(devices) and all(not device.verify_is_allowed()[0] for device in devices)


def mfa_disable(*, user, by, token: str) -> None:
    """Someone for whom the second factor is optional turns it off, proving it with a current code."""
    from django_otp import devices_for_user

    from .rules import second_factor_required

    # The predicate, not has_perm: the model backend grants every permission to a superuser.
    if by.pk != user.pk or second_factor_required(user):
        raise PermissionDenied
    if mfa_verify(user=user, token=token) is None:
        raise ValidationError({"token": _("Koden stämmer inte.")})
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        AccountEvent.record(user, by, AccountEvent.Action.MFA_DISABLED)
        _queue_security_mail(user, AccountEvent.Action.MFA_DISABLED)


def mfa_reset(*, user, by, reason: str = "") -> None:
    """An administrator removes a lost authenticator: the person enrols again at the next sign-in."""
    from django_otp import devices_for_user

    if not by.has_perm("accounts.reset_second_factor"):
        raise PermissionDenied
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        AccountEvent.record(user, by, AccountEvent.Action.MFA_RESET, note=reason)
        _queue_security_mail(user, AccountEvent.Action.MFA_RESET)


def _queue_security_mail(user, action: str) -> None:
    write_mail(send_security_mail, str(user.pk), action)


def send_security_mail(user_id: str, action: str) -> None:
    from mittist.mailer import Recipient, send_now

    from .models import User

    user = User.objects.get(pk=user_id)
    send_now("account_security", Recipient.of(user), {
        "user": user, "action": action, "settings_url": settings.SITE_URL + reverse("accounts:second_factor"),
        "reset_url": settings.SITE_URL + reverse("accounts:password_reset"),
    })


# --- lock-out --------------------------------------------------------------------------------------


def account_unlock(*, username: str, by) -> int:
    """The office or an administrator lifts a login lock-out of one e-mail address, from every address."""
    from axes.utils import reset

    from .models import User

    if not by.has_perm("accounts.unlock_account"):
        raise PermissionDenied
    username = username.strip().lower()
    with transaction.atomic():
        removed = reset(username=username)
        user = User.objects.filter(email__iexact=username).first()
        AccountEvent.record(user, by, AccountEvent.Action.UNLOCKED, username=username)
    return removed


def account_set_language(*, user, language: str) -> None:
    """The language an account reads the site and its e-mails in; a change is one audit row."""
    from .models import User

    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("Välj svenska eller engelska."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.language == language:
            return
        before = user.language
        user.language = language
        user.save(update_fields=["language"])
        AccountEvent.record(user, user, AccountEvent.Action.LANGUAGE_CHANGED, note=f"{before} → {language}")


def unlock_after_password_reset(user) -> None:
    """Choosing a new password through the e-mailed link proves the owner: their lock-out ends."""
    from axes.utils import reset

    if reset(username=user.email.lower()):
        AccountEvent.record(user, user, AccountEvent.Action.UNLOCKED_BY_RESET)
