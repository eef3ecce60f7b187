"""Submitting the material (the trainee) and reading it (the evaluator), on screen and as one PDF.

The coordinator sees completeness and dates on the overview, never the content: the reading view
and the PDF answer 403 to every role but the case's own trainee and, once submitted, its evaluator.
The PDF is rendered by the worker and kept per version of the content (portfolio/services/material_pdf.py):
`material.pdf` serves it when it is ready and otherwise shows a page that asks again until it is.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.models import Evaluation
from evaluations.readlog import record_view
from evaluations.services import CaseStateError
from mittist.accounts.decorators import role_required
from mittist.accounts.models import Role

from .. import reads
from ..models import MaterialPdf
from ..pdf import build_package, pdf_filename
from ..selectors import MAX_RECORDINGS, MIN_RECORDINGS, portfolio_status
from ..services.material_pdf import is_stuck, material_pdf_for, pdf_storage
from ..services.submission import MaterialIncomplete, material_submit
from .purged import unless_purged

logger = logging.getLogger(__name__)
S = Evaluation.State
PDF_REFRESH_SECONDS = 2  # how often the waiting page asks whether the PDF is ready
# Before the practice day is agreed the trainee may look at the check, but not submit.
NOT_YET_STATES = {S.REGISTERED, S.EVALUATOR_ASSIGNED, S.EVALUATOR_ACCEPTED, S.CONTACT_MADE}


def _submit_page(request, case: Evaluation, *, missing=None, status=200):
    today = timezone.localdate()
    portfolio = portfolio_status(case)
    due = case.material_due
    trainee_sections = [s for s in portfolio.sections if s.definition.written_by == "trainee"]
    evaluations_done = sum(
        1 for r in portfolio.recordings
        if getattr(r.recording, "self_evaluation", None) and r.recording.self_evaluation.completed_at
    )
    context = {
        "case": case,
        "portfolio": portfolio,
        # After a refused POST: the list the service refused with (the same check, a moment later).
        "missing": portfolio.missing if missing is None else missing,
        "submitted": case.material_submitted_at is not None,
        "can_submit": case.state == S.PRACTICE_DAY_AGREED,
        "not_yet": case.state in NOT_YET_STATES,
        "today": today,
        "due": due,
        "late": bool(due and today > due),
        "days_left": (due - today).days if due else None,
        "days_late": (today - due).days if due and today > due else 0,
        "trainee_sections": trainee_sections,
        "trainee_sections_complete": sum(1 for s in trainee_sections if s.complete),
        "education_plan": portfolio.documents.get("education_plan"),
        "recording_count": len(portfolio.recordings),
        "evaluations_done": evaluations_done,
        "min_recordings": MIN_RECORDINGS,
        "max_recordings": MAX_RECORDINGS,
        "confirm_text": _("Skicka materialet till värderaren? Texterna låses när de är inskickade."),
    }
    return render(request, "portfolio/submission/submit.html", context, status=status)


@role_required(Role.TRAINEE)
@require_http_methods(["GET", "POST"])
@unless_purged
def submit(request, case):
    if not request.user.has_perm("evaluations.act_as_trainee", case):
        raise PermissionDenied
    if request.method == "POST":
        try:
            material_submit(case=case, by=request.user)
        except MaterialIncomplete as error:
            messages.error(request, _("Materialet är inte inskickat: något saknas fortfarande. Se listan nedan."))
            return _submit_page(request, case, missing=error.missing, status=400)
        except CaseStateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Materialet är inskickat. Värderaren har fått e-post."))
        return redirect("portfolio:submit", case.pk)
    return _submit_page(request, case)


def _refusal(request, case):
    """None if this user may read the case's content; otherwise a response saying why not."""
    if request.user.has_perm("portfolio.read_content", case):
        return None
    if request.user.has_perm("evaluations.act_as_evaluator", case):
        # Their own case, but the trainee has not submitted (or the office reopened it).
        return render(request, "portfolio/submission/not_submitted.html", {"case": case}, status=403)
    # The coordinator and the quality group see completeness and dates, never the content.
    raise PermissionDenied


@login_required
@require_http_methods(["GET"])
@unless_purged
def reading(request, case):
    refused = _refusal(request, case)
    if refused:
        return refused
    context = {
        "case": case,
        "package": build_package(case),
        "preview": case.material_submitted_at is None,
        "link_base": "",
    }
    record_view(request, case, reads.MATERIAL)
    response = render(request, "portfolio/submission/reading.html", context)
    add_never_cache_headers(response)
    return response


def _pdf_failed(pdf) -> bool:
    return pdf.status == MaterialPdf.Status.FAILED or is_stuck(pdf)


def _pdf_page(request, case, *, failed: bool):
    """The reader's page while the worker renders the PDF (it asks again every few seconds, by htmx), or the
    failure with a button to try again."""
    context = {"case": case, "failed": failed, "refresh_seconds": PDF_REFRESH_SECONDS}
    response = render(request, "portfolio/submission/pdf_preparing.html", context, status=503 if failed else 200)
    add_never_cache_headers(response)
    return response


def _pdf_poll(request, case, pdf):
    """The waiting page's question "is it ready?" (htmx): nothing yet (204, it asks again); ready: a note that
    stops the asking (286) and starts the download; failed: the page reloads and shows the failure."""
    url = reverse("portfolio:reading_pdf", args=[case.pk])
    if pdf.status == MaterialPdf.Status.READY:
        if request.GET.get("hamta"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
        else:
            response = render(request, "portfolio/submission/_pdf_ready.html", {"case": case}, status=286)
    else:
        response = HttpResponse(status=204)
        if _pdf_failed(pdf):
            response["HX-Refresh"] = "true"
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET"])
@unless_purged
def reading_pdf(request, case):
    """The stored PDF of the material as it reads now; until the worker has rendered it, a page that waits."""
    refused = _refusal(request, case)
    if refused:
        return refused
    pdf = material_pdf_for(case)
    if request.htmx:
        return _pdf_poll(request, case, pdf)
    if pdf.status != MaterialPdf.Status.READY:
        return _pdf_page(request, case, failed=_pdf_failed(pdf))
    try:
        handle = pdf_storage().open(pdf.file.name, "rb")
    except Exception:  # gone from the storage, or the storage is down: the reader may try again
        logger.exception("The stored material PDF %s of case %s could not be opened", pdf.file.name, case.pk)
        return _pdf_page(request, case, failed=True)
    record_view(request, case, reads.MATERIAL_PDF)
    response = FileResponse(handle, as_attachment=True, filename=pdf_filename(case), content_type="application/pdf")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@unless_purged
def reading_pdf_retry(request, case):
    refused = _refusal(request, case)
    if refused:
        return refused
    material_pdf_for(case, retry=True)
    return redirect("portfolio:reading_pdf", case.pk)

