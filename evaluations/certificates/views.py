"""The certificate's pages.

- the download (PDF), for the trainee and the office, while the certificate is valid;
- the office's two forms on the case page's certificate card: issue before the quality review, revoke;
- the public verification page (no login): a form, and the address with the code that the QR code holds.
  It says name, dates and validity, nothing more. Wrong codes are counted per client and refused when
  there are too many; a GET writes nothing but that count.
"""

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.readlog import record_view
from evaluations.services import CaseStateError
from evaluations.views import case_detail, visible_case
from mittist.forms import add_validation_error
from mittist.pdf import pdf_filename, pdf_response
from mittist.ratelimit import Limiter, client_key

from . import services
from .forms import IssueEarlyForm, RevokeForm, VerifyForm
from .models import normalize_code
from .pdf import render_certificate_pdf
from .personal_data import CERTIFICATE_READ
from .rules import certificate_of
from .selectors import certificate_for_code

# The case page renders the certificate card from this request attribute when a form comes back with errors.
BOUND_FORMS = "certificate_forms"


def _case_card(case) -> str:
    return case.get_absolute_url() + "#intyg"


# --- the download ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def download(request, case_id):
    case = visible_case(request, case_id)
    certificate = certificate_of(case)
    if certificate is None:
        raise Http404
    if not request.user.has_perm("certificates.download", case):
        if request.user.has_perm("certificates.view", case):
            # Revoked: an old link or bookmark gets the reason it no longer works, not a bare error.
            response = render(request, "certificates/revoked.html", {"case": case, "certificate": certificate},
                              status=410)
            response["Cache-Control"] = "no-store, private"
            return response
        raise PermissionDenied
    pdf = render_certificate_pdf(certificate)
    record_view(request, case, CERTIFICATE_READ)
    filename = pdf_filename("intyg-mitt-i-st", certificate.trainee_name, "intyg")
    return pdf_response(pdf, filename, cache_control="no-store, private")


# --- the office's forms on the case page -------------------------------------------------------------


def _with_errors(request, case, **forms):
    """The case page again, the form open with its errors and the text kept."""
    setattr(request, BOUND_FORMS, forms)
    return case_detail(request, case.pk, status=400)


def _office_step(request, case_id, form_class, key, run, done):
    case = visible_case(request, case_id)
    if not request.user.has_perm("certificates.manage", case):
        raise PermissionDenied
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(case, form.cleaned_data["reason"])
        except CaseStateError as error:
            messages.error(request, str(error))
            return redirect(_case_card(case))
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, done)
            return redirect(_case_card(case))
    return _with_errors(request, case, **{key: form})


@require_POST
@login_required
def issue_early(request, case_id):
    return _office_step(
        request, case_id, IssueEarlyForm, "issue",
        lambda case, reason: services.certificate_issue_early(case=case, by=request.user, reason=reason),
        _("Intyget är utfärdat. ST-läkaren får e-post om det och kan hämta det på sin sida."),
    )


@require_POST
@login_required
def revoke(request, case_id):
    def run(case, reason):
        certificate = certificate_of(case)
        if certificate is None:
            raise Http404
        services.certificate_revoke(certificate=certificate, by=request.user, reason=reason)

    return _office_step(
        request, case_id, RevokeForm, "revoke", run,
        _("Intyget är återkallat. ST-läkaren har fått e-post om det, och kontrollsidan säger att det inte gäller."),
    )


# --- the public verification page ------------------------------------------------------------------


def _limiter() -> Limiter:
    return Limiter("certificate-verify", limit=settings.MITTIST_VERIFY_ATTEMPTS_PER_HOUR, window=3600)


def _public(response):
    # Names and dates of real people: not cached, not indexed, the address (with its code) not sent on.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _verify_page(request, context, status=200):
    context = {"office_email": settings.MITTIST_OFFICE_EMAIL, **context}
    return _public(render(request, "certificates/verify.html", context, status=status))


@require_http_methods(["GET", "HEAD"])
def verify(request):
    """The form "Kontrollera ett intyg". It sends the code to its own address, the one the QR code holds."""
    if "code" not in request.GET:
        return _verify_page(request, {"form": VerifyForm()})
    form = VerifyForm(request.GET)
    if not form.is_valid():
        return _verify_page(request, {"form": form}, status=400)
    return _public(redirect("certificates:verify_code", form.cleaned_data["code"]))


@require_http_methods(["GET", "HEAD"])
def verify_code(request, code):
    normalized = normalize_code(code)
    if not normalized:
        # Not even shaped like a code: it cannot be a guess at one, so it is not counted.
        form = VerifyForm({"code": code})
        form.is_valid()
        return _verify_page(request, {"form": form}, status=404)
    if normalized != code:
        return _public(redirect("certificates:verify_code", normalized))
    limiter, client = _limiter(), client_key(request)
    if limiter.blocked(client):
        # Every lookup waits, a right code too: otherwise the limit would not stop guessing.
        retry_at = limiter.retry_at(client)
        response = _verify_page(request, {"blocked": True, "retry_at": retry_at, "form": VerifyForm()}, status=429)
        response["Retry-After"] = str(max(1, math.ceil((retry_at - timezone.now()).total_seconds())))
        return response
    certificate = certificate_for_code(normalized)
    if certificate is None:
        failures = limiter.hit(client)
        context = {
            "unknown": normalized,
            "form": VerifyForm(initial={"code": normalized}),
            "tries_left": max(0, limiter.limit - failures),
        }
        return _verify_page(request, context, status=404)
    context = {
        "certificate": certificate,
        "issuer": settings.MITTIST_CERTIFICATE_ISSUER,
        "form": VerifyForm(),
    }
    return _verify_page(request, context)
