from base64 import b32encode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language
from django_otp import login as otp_login

from mittist.forms import add_validation_error
from mittist.ratelimit import Limiter, client_key

from . import services
from .forms import AnyUserPasswordResetForm, EmailAuthenticationForm, EnrolForm, SecondFactorForm
from .lockout import locked_accounts
from .middleware import SECOND_FACTOR_SESSION_KEY
from .models import AccountEvent, RecoveryCodeDevice
from .rules import second_factor_required


def axes_username(request, credentials) -> str:
    """django-axes: the e-mail a login attempt was for, as login compares it (case-insensitive)."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return value.strip().lower()


ROLE_HOMES = {
    "coordinator": "evaluations:dashboard",
    "trainee": "evaluations:trainee_home",
    "evaluator": "evaluations:evaluator_home",
    "quality": "evaluations:quality_home",
    # A supervisor's account is for assessing mini-CEX (section F works through its own link).
    "supervisor": "minicex:assessments",
}


def home(request):
    """Everyone starts at their own role's page."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if user.role in ROLE_HOMES:
        return redirect(ROLE_HOMES[user.role])
    if user.is_staff:
        return redirect("admin:index")
    return redirect("accounts:login")


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def set_language(request):
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in {"sv", "en"} and request.user.language != language:
        services.account_set_language(user=request.user, language=language)
        request.user.language = language
    return response


def reset_limiters() -> tuple[Limiter, Limiter]:
    from django.conf import settings

    return (
        Limiter("password-reset-account", limit=settings.MITTIST_PASSWORD_RESET_PER_ACCOUNT_PER_HOUR, window=3600),
        Limiter("password-reset-address", limit=settings.MITTIST_PASSWORD_RESET_PER_ADDRESS_PER_HOUR, window=3600),
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Mails are limited per account and per address. Past the account's limit the answer is the usual
    one (it must not tell whether the account exists); past the address's the client is asked to wait."""

    template_name = "accounts/password_reset_form.html"
    form_class = AnyUserPasswordResetForm
    # The mail is rendered by the mailer from templates/emails/password_reset/ (AnyUserPasswordResetForm.send_mail).
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        _account, by_address = reset_limiters()
        if by_address.blocked(client_key(request)):
            return render(request, "accounts/password_reset_wait.html",
                          {"retry_at": by_address.retry_at(client_key(request))}, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        by_account, by_address = reset_limiters()
        by_address.hit(client_key(self.request))
        account = lookup_key(form.cleaned_data["email"])
        if by_account.hit(account) > by_account.limit:
            return redirect(self.get_success_url())
        return super().form_valid(form)


def lookup_key(email: str) -> str:
    from mittist.crypto import lookup_hash

    # Hashed: the shared cache holds no e-mail addresses.
    return lookup_hash("email:" + email.strip().lower())[:32]


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.unlock_after_password_reset(form.user)
        return response


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


# --- the second factor -----------------------------------------------------------------------------


def _next_url(request, default="home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(default)


def _verified(request, device) -> None:
    # A new session key at each step up in trust, so a session id seen before it is worth nothing after.
    request.session.cycle_key()
    otp_login(request, device)
    request.session[SECOND_FACTOR_SESSION_KEY] = True


@login_required
def second_factor_verify(request):
    """The second step of signing in."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not services.has_second_factor(user):
        if second_factor_required(user):
            return redirect(reverse("accounts:second_factor_enrol") + "?" + urlencode({"next": _next_url(request)}))
        request.session[SECOND_FACTOR_SESSION_KEY] = False  # turned off or reset since this sign-in
        return redirect(_next_url(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Waiting out earlier wrong codes: say so, rather than call a right code wrong.
        throttled = services.verification_throttled(user)
        device = None if throttled else services.mfa_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            _verified(request, device)
            if isinstance(device, RecoveryCodeDevice):
                messages.warning(request, _(
                    "Du loggade in med en reservkod. Du har %(left)s kvar: skapa nya under Tvåstegsverifiering "
                    "om du har tappat bort appen."
                ) % {"left": device.remaining()})
            return redirect(_next_url(request))
        if throttled:
            form.add_error("token", _("För många felaktiga koder i rad. Vänta en stund och försök igen."))
        else:
            form.add_error("token", _("Koden stämmer inte. Kontrollera att klockan i telefonen går rätt."))
    return render(request, "accounts/second_factor_verify.html", {"form": form, "next": _next_url(request)})


def _qr_data_uri(device) -> str:
    import segno

    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def _grouped_secret(device) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@login_required
def second_factor_enrol(request):
    """Scan the QR code, type the first code: then the recovery codes, shown this once."""
    user = request.user
    if services.confirmed_totp(user) is not None:
        return redirect("accounts:second_factor" if user.is_verified() else "accounts:second_factor_verify")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.mfa_confirm(user=user, token=form.cleaned_data["token"])
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            _verified(request, device)
            return render(request, "accounts/recovery_codes.html",
                          {"codes": codes, "first_time": True, "next": _next_url(request, "accounts:second_factor")})
    device = services.mfa_pending_device(user=user)
    return render(request, "accounts/second_factor_enrol.html", {
        "form": form, "qr": _qr_data_uri(device), "secret": _grouped_secret(device),
        "required": second_factor_required(user), "next": _next_url(request, "accounts:second_factor"),
    })


@login_required
def second_factor(request):
    """The account's page for its second factor: state, new recovery codes, turning it off."""
    return _second_factor_page(request, SecondFactorForm())


def _second_factor_page(request, form, status=200):
    user = request.user
    recovery = RecoveryCodeDevice.objects.filter(user=user).first()
    return render(request, "accounts/second_factor.html", {
        "totp": services.confirmed_totp(user), "recovery_left": recovery.remaining() if recovery else 0,
        "required": second_factor_required(user), "form": form,
        "events": user.account_events.select_related("actor")[:10],
    }, status=status)


@login_required
@require_POST
def second_factor_recovery_codes(request):
    try:
        codes = services.mfa_new_recovery_codes(user=request.user, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:second_factor")
    return render(request, "accounts/recovery_codes.html",
                  {"codes": codes, "first_time": False, "next": reverse("accounts:second_factor")})


@login_required
@require_POST
def second_factor_disable(request):
    user = request.user
    if second_factor_required(user):
        raise PermissionDenied
    form = SecondFactorForm(request.POST)
    if form.is_valid():
        try:
            services.mfa_disable(user=user, by=user, token=form.cleaned_data["token"])
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            request.session[SECOND_FACTOR_SESSION_KEY] = False
            messages.success(request, _("Tvåstegsverifieringen är avstängd."))
            return redirect("accounts:second_factor")
    return _second_factor_page(request, form, status=400)


# --- lock-outs -------------------------------------------------------------------------------------


@login_required
def lockouts(request):
    """Accounts locked out after failed sign-ins; the office can lift a lock before it ends on its own."""
    if not request.user.has_perm("accounts.unlock_account"):
        raise PermissionDenied
    if request.method == "POST":
        username = request.POST.get("username", "")
        if username:
            services.account_unlock(username=username, by=request.user)
            messages.success(request, _("Spärren för %(email)s är hävd.") % {"email": username})
        return redirect("accounts:lockouts")
    return render(request, "accounts/lockouts.html", {
        "locked": locked_accounts(),
        "unlocked": AccountEvent.objects.filter(
            action__in=[AccountEvent.Action.UNLOCKED, AccountEvent.Action.UNLOCKED_BY_RESET]
        ).select_related("actor")[:20],
    })
