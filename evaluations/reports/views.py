"""The report's pages: the evaluator writes, previews and sends it; the trainee reads, downloads and shares it;
a reader opens it through a share link; the quality group reviews it.

Every page asks the rules (reports/rules.py). The coordinator never gets the text: they see the status
on the case page.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.extensions import panels_for, registry, trainee_questions
from evaluations.readlog import record_view
from evaluations.services import CaseStateError
from evaluations.views import visible_case
from mittist.autosave import autosave_reply, base_version, differences, form_errors_reply, signed_out_reply
from mittist.forms import add_validation_error
from mittist.pdf import pdf_filename

from . import reads, selectors, services
from .forms import ReportForm, ReviewForm, ShareForm, report_parts
from .models import QualityReview, Report, ReportShare
from .rules import holds_review, report_of

SESSION_KEY = "report_shares"

CONFLICT_MESSAGE = _(
    "Rapporten har sparats från ett annat fönster eller en annan enhet sedan du öppnade sidan. Ingenting är "
    "sparat över. Din text står kvar i fälten; den sparade texten visas under varje fält som skiljer sig. "
    "Ändra det du vill och tryck Spara igen."
)


def _no_store(response):
    response["Cache-Control"] = "no-store, private"
    return response


def _status_page(request, case, status=403):
    """For those who may know how the report stands but not read it (yet, or any more)."""
    context = {"case": case, "report": report_of(case), "facts": selectors.report_facts(case)}
    return _no_store(render(request, "reports/status.html", context, status=status))


# --- the evaluator writes -----------------------------------------------------------------------------


def _write_context(request, case, report, form, *, version, conflict=False):
    return {
        "case": case,
        "report": report,
        "form": form,
        "parts": form.parts(),
        "version": version,
        "conflict": conflict,
        "conflict_message": CONFLICT_MESSAGE,
        "autosave_url": reverse("reports:autosave", args=[case.pk]),
        "missing": services.report_missing(report, form.questions),
        "facts": selectors.report_facts(case),
        "panels": panels_for(registry.report_panels, request, case),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def write(request, case_id):
    case = visible_case(request, case_id)
    if not request.user.has_perm("reports.write", case):
        if request.user.has_perm("reports.read", case):
            return redirect("reports:read", case.pk)
        if request.user.has_perm("reports.view_status", case):
            return _status_page(request, case)
        raise PermissionDenied
    try:
        report = services.report_for(case)
    except CaseStateError as error:
        messages.error(request, str(error))
        return redirect(case)
    questions = trainee_questions(case)
    if request.method == "POST":
        form = ReportForm(report, questions, request.POST)
        posted = base_version(request.POST)
        if not form.is_valid():
            return _no_store(render(request, "reports/write.html",
                                    _write_context(request, case, report, form, version=posted), status=400))
        answers = form.answers()
        try:
            report = services.report_save(report=report, by=request.user, data=answers, base_version=posted)
        except services.ReportConflict as conflict:
            current = conflict.obj
            changed = differences(current, answers)
            if changed:
                form = ReportForm(current, questions, request.POST, conflicts=changed)
                form.is_valid()
                context = _write_context(request, case, current, form, version=current.version, conflict=True)
                return _no_store(render(request, "reports/write.html", context, status=409))
        except PermissionDenied:
            messages.error(request, _("Rapporten kan inte ändras längre."))
            return redirect("reports:read", case.pk)
        messages.success(request, _("Rapporten är sparad."))
        if request.POST.get("next") == "deliver":
            return redirect("reports:deliver", case.pk)
        return redirect("reports:write", case.pk)
    form = ReportForm(report, questions)
    return _no_store(render(request, "reports/write.html", _write_context(request, case, report, form,
                                                                          version=report.version)))


def _forbidden():
    return JsonResponse({"error": _("Inte sparat – rapporten kan inte ändras längre. Texten finns kvar i webbläsaren.")},
                        status=403)


@require_POST
def autosave(request, case_id):
    """JSON only, also when signed out (401), so that autosave.js keeps the text instead of following a redirect."""
    if not request.user.is_authenticated:
        return signed_out_reply()
    try:
        case = visible_case(request, case_id)
    except Http404:
        return JsonResponse({"error": _("Inte sparat – rapporten finns inte.")}, status=404)
    report = report_of(case)
    if report is None or not request.user.has_perm("reports.write", case):
        return _forbidden()
    form = ReportForm(report, trainee_questions(case), request.POST)
    if not form.is_valid():
        return form_errors_reply(form)
    answers = form.answers()
    return autosave_reply(
        lambda: services.report_save(report=report, by=request.user, data=answers,
                                     base_version=base_version(request.POST)),
        answers,
        forbidden=_forbidden,
    )


@login_required
def preview(request, case_id):
    """The report exactly as the trainee will read it (the same template), from what is saved now."""
    case = visible_case(request, case_id)
    if not request.user.has_perm("reports.write", case):
        return redirect("reports:read", case.pk) if request.user.has_perm("reports.read", case) else _status_page(request, case)
    report = services.report_for(case)
    context = {
        "case": case,
        "report": report,
        "parts": report_parts(report, trainee_questions(case)),
        "preview": True,
        "facts": selectors.report_facts(case),
    }
    record_view(request, case, reads.REPORT_PREVIEW)
    return _no_store(render(request, "reports/read.html", context))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def deliver(request, case_id):
    case = visible_case(request, case_id)
    if not request.user.has_perm("reports.write", case):
        if request.user.has_perm("reports.read", case):
            return redirect("reports:read", case.pk)
        raise PermissionDenied
    report = services.report_for(case)
    questions = trainee_questions(case)
    missing = services.report_missing(report, questions)
    status = 200
    if request.method == "POST":
        try:
            services.report_deliver(report=report, by=request.user)
        except services.ReportIncomplete as incomplete:
            missing, status = incomplete.missing, 400
        except CaseStateError as error:
            messages.error(request, str(error))
            return redirect(case)
        else:
            messages.success(request, _("Rapporten är skickad. ST-läkaren har fått e-post, och rapporten ligger hos "
                                        "kvalitetsgruppen för granskning."))
            return redirect("reports:read", case.pk)
    context = {"case": case, "report": report, "missing": missing, "facts": selectors.report_facts(case)}
    return _no_store(render(request, "reports/deliver.html", context, status=status))


# --- reading ----------------------------------------------------------------------------------------


@login_required
def read(request, case_id):
    # The page reads all three (report_of, report_parts, report_facts): with the case, in one query.
    case = visible_case(request, case_id, "report__template", "report__review")
    user = request.user
    report = report_of(case)
    if user.has_perm("reports.write", case) and (report is None or not report.is_delivered):
        return redirect("reports:write", case.pk)
    if not user.has_perm("reports.read", case):
        if user.has_perm("reports.view_status", case):
            return _status_page(request, case, status=200 if report and report.is_purged else 403)
        raise PermissionDenied
    context = {
        "case": case,
        "report": report,
        "parts": report_parts(report) if report.is_delivered else report_parts(report, trainee_questions(case)),
        "facts": selectors.report_facts(case),
        "can_share": user.has_perm("reports.share", case),
    }
    record_view(request, case, reads.REPORT)
    return _no_store(render(request, "reports/read.html", context))


def _pdf_response(report: Report, filename: str):
    try:
        handle = default_storage.open(report.pdf.name, "rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")
    return _no_store(response)


@login_required
def pdf(request, case_id):
    case = visible_case(request, case_id)
    report = report_of(case)
    if report is None or not report.is_delivered or not report.pdf:
        raise Http404
    if not request.user.has_perm("reports.read", case):
        raise PermissionDenied
    response = _pdf_response(report, pdf_filename("mitt-i-st-rapport", case.trainee.full_name, "rapport"))
    record_view(request, case, reads.REPORT_PDF)
    return response


# --- sharing ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def share(request, case_id):
    case = visible_case(request, case_id)
    user = request.user
    if not user.has_perm("evaluations.act_as_trainee", case):
        raise PermissionDenied
    report = report_of(case)
    if report is None or not report.is_delivered:
        return _status_page(request, case)
    form = ShareForm(request.POST if request.method == "POST" and request.POST.get("action") == "share" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            target = _share_of(report, request.POST.get("share", ""))
            if target is None:
                messages.error(request, _("Länken finns inte längre. Ladda om sidan."))
            else:
                services.share_revoke(share=target, by=user)
                messages.success(request, _("Länken till %(name)s är återkallad och går inte att öppna längre.")
                                 % {"name": target.name})
            return redirect("reports:share", case.pk)
        if action == "share" and form.is_valid():
            try:
                created, _token = services.share_create(report=report, by=user, **form.cleaned_data)
            except CaseStateError as error:
                messages.error(request, str(error))
                return redirect("reports:share", case.pk)
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, _("Rapporten är delad med %(name)s. Länken är skickad till %(email)s.")
                                 % {"name": created.name, "email": created.email})
                return redirect("reports:share", case.pk)
        status = 400
    context = {
        "case": case,
        "report": report,
        "form": form,
        "can_share": user.has_perm("reports.share", case),
        "shares": report.shares.all(),
        "facts": selectors.report_facts(case),
        "share_expiry": services.share_expiry(report),
    }
    return _no_store(render(request, "reports/share.html", context, status=status))


def _share_of(report: Report, share_id) -> ReportShare | None:
    try:
        uuid.UUID(str(share_id))
    except ValueError:
        return None
    return report.shares.filter(pk=share_id).first()


def _capability(response):
    # A capability page: not cached, not indexed, and its address not sent on to other sites.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return _no_store(response)


def _share_invalid(request, status: int):
    return _capability(render(request, "reports/shared_invalid.html", {"gone": status == 410}, status=status))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def shared_landing(request, token):
    """GET changes nothing (mail scanners open links): a button posts back, and this browser gets the grant."""
    share_obj = services.share_for_token(token)
    if share_obj is None:
        return _share_invalid(request, 404)
    if not share_obj.is_usable:
        return _share_invalid(request, 410)
    if request.method == "POST":
        grants = [g for g in request.session.get(SESSION_KEY, []) if g != str(share_obj.pk)]
        request.session[SESSION_KEY] = [*grants, str(share_obj.pk)]
        return redirect("reports:shared_view", share_obj.pk)
    context = {"share": share_obj, "trainee_name": share_obj.report.case.trainee.full_name}
    return _capability(render(request, "reports/shared_landing.html", context))


def _granted_share(request, share_id) -> ReportShare:
    share_obj = ReportShare.objects.select_related("report__case__trainee", "report__template").filter(
        pk=share_id).first()
    if share_obj is None or str(share_obj.pk) not in request.session.get(SESSION_KEY, []):
        raise Http404
    return share_obj


@never_cache
def shared_view(request, share_id):
    try:
        share_obj = _granted_share(request, share_id)
    except Http404:
        return _share_invalid(request, 404)
    if not share_obj.is_usable:
        return _share_invalid(request, 410)
    try:
        services.share_viewed(share=share_obj)
    except PermissionDenied:  # revoked between the check and the lock
        return _share_invalid(request, 410)
    report = share_obj.report
    context = {
        "case": report.case,
        "report": report,
        "parts": report_parts(report),
        "share": share_obj,
        "facts": selectors.report_facts(report.case),
    }
    return _capability(render(request, "reports/shared_view.html", context))


@never_cache
def shared_pdf(request, share_id):
    try:
        share_obj = _granted_share(request, share_id)
    except Http404:
        return _share_invalid(request, 404)
    if not share_obj.is_usable or not share_obj.report.pdf:
        return _share_invalid(request, 410)
    try:
        services.share_viewed(share=share_obj, what="pdf")
    except PermissionDenied:
        return _share_invalid(request, 410)
    case = share_obj.report.case
    return _capability(_pdf_response(share_obj.report, pdf_filename("mitt-i-st-rapport", case.trainee.full_name,
                                                                    "rapport")))


# --- the quality review -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review(request, case_id):
    case = visible_case(request, case_id)
    user = request.user
    report = report_of(case)
    if report is None or not report.is_delivered:
        raise Http404
    if not (user.has_perm("reports.read", case) and user.has_perm("reports.see_review", case)):
        if user.has_perm("reports.view_status", case):
            return _status_page(request, case)
        raise PermissionDenied
    existing = QualityReview.objects.select_related("checklist").filter(report=report).first()
    mine = holds_review(user, existing) and not existing.is_completed
    form, status = (ReviewForm(existing) if mine else None), 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "take":
                services.review_take(case=case, by=user)
                messages.success(request, _("Du granskar nu den här rapporten. De andra i gruppen ser det."))
                return redirect("reports:review", case.pk)
            if action == "release" and existing is not None:
                services.review_release(review=existing, by=user)
                messages.success(request, _("Rapporten är tillbaka i kön för någon annan att granska."))
                return redirect("evaluations:quality_home")
            if action in {"save", "complete"} and mine:
                form = ReviewForm(existing, request.POST, completing=action == "complete")
                if form.is_valid():
                    saved = services.review_save(
                        review=existing, by=user, answers=form.answers(), comments=form.cleaned_data["comments"],
                        send_to_evaluator=form.cleaned_data["send_to_evaluator"],
                        base_version=base_version(request.POST),
                    )
                    if action == "save":
                        messages.success(request, _("Granskningen är sparad."))
                        return redirect("reports:review", case.pk)
                    services.review_complete(review=saved, by=user)
                    messages.success(request, _("Granskningen är registrerad och intyget är utfärdat."))
                    return redirect("evaluations:quality_home")
                if action == "complete":
                    # Not complete yet: what was answered is kept as a draft, the open items are marked.
                    draft = ReviewForm(existing, request.POST, completing=False)
                    if draft.is_valid():
                        existing = services.review_save(
                            review=existing, by=user, answers=draft.answers(), comments=draft.cleaned_data["comments"],
                            send_to_evaluator=draft.cleaned_data["send_to_evaluator"],
                            base_version=base_version(request.POST),
                        )
                status = 400
            else:
                raise PermissionDenied
        except CaseStateError as error:
            messages.error(request, str(error))
            return redirect("reports:review", case.pk)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect("reports:review", case.pk)
            add_validation_error(form, error)
            status = 400
    context = {
        "case": case,
        "report": report,
        "parts": report_parts(report),
        "facts": selectors.report_facts(case),
        "review": existing,
        "mine": mine,
        "form": form,
        "can_take": user.has_perm("reports.review", case) and (existing is None or existing.reviewer_id is None),
        "review_rows": selectors.review_rows(existing) if existing and existing.is_completed else [],
    }
    if request.method == "GET":
        record_view(request, case, reads.REPORT_REVIEW)
    return _no_store(render(request, "reports/review.html", context, status=status))
