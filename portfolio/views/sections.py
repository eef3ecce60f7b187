"""The portfolio overview and the trainee's sections A–E, saved by form post or by autosave (JSON).

A save names the version it was written from; a save from an older version is refused with both
texts (409), never written over. The autosave endpoint answers JSON only, also when the session has
expired (401), so that autosave.js can keep the text in the browser instead of following a redirect
to the login page.
"""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.readlog import record_view
from evaluations.views import visible_case

from .. import reads, selectors
from ..forms import CONFLICT_MESSAGE, SectionForm
from ..models import Document, Section
from ..sections import TRAINEE_SECTIONS
from ..services.common import PortfolioError, ensure_sections
from ..services.sections import SectionConflict, section_save
from .autosave import autosave_reply, base_version, form_errors_reply, signed_out_reply
from .purged import unless_purged

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TRAINEE_CODES = [s.code for s in TRAINEE_SECTIONS]


def _trainee_sections(case, code: str) -> tuple[Section, dict[str, Section]]:
    """The section asked for, and all of the case's (the page's navigation shows each one's completeness)."""
    if code not in TRAINEE_CODES:
        raise Http404
    sections = ensure_sections(case)
    return sections[code], sections


def _can_edit(user):
    return lambda case: user.has_perm("portfolio.edit", case)


# --- overview -------------------------------------------------------------------------------------


def _supervisor_state(status) -> str:
    if status.statement_submitted:
        return "submitted"
    link = status.supervisor_link
    if link is None:
        return "not_requested"
    return "requested" if link.is_usable else "expired"


@require_http_methods(["GET", "HEAD"])
@login_required
@unless_purged
def overview(request, case):
    user = request.user
    if not user.has_perm("portfolio.view_status", case):
        raise PermissionDenied
    status = selectors.portfolio_status(case)
    can_read = user.has_perm("portfolio.read_content", case)
    is_trainee = user.has_perm("evaluations.act_as_trainee", case)
    trainee_sections = [s for s in status.sections if s.definition.written_by == "trainee"]
    statement = status.section("F")
    recordings_complete = sum(1 for r in status.recordings if r.complete)
    context = {
        "case": case,
        "status": status,
        # The coordinator (and the evaluator before submission) see completeness only, never answers.
        "show_content": can_read,
        "is_trainee": is_trainee,
        "can_edit": user.has_perm("portfolio.edit", case),
        "can_manage_link": user.has_perm("portfolio.manage_supervisor_link", case),
        "trainee_sections": trainee_sections,
        "sections_complete": sum(1 for s in trainee_sections if s.complete),
        "sections_total": len(trainee_sections),
        "answered": sum(s.answered for s in trainee_sections),
        "prompts_total": sum(len(s.definition.prompts) for s in trainee_sections),
        "statement": statement,
        "supervisor_state": _supervisor_state(status),
        "statement_form": (
            SectionForm(statement.definition, initial=statement.section.data, read_only=True)
            if can_read and status.statement_submitted else None
        ),
        "education_plan": status.documents.get(Document.Kind.EDUCATION_PLAN),
        "photo": status.documents.get(Document.Kind.PHOTO),
        "recordings_complete": recordings_complete,
    }
    if can_read:
        record_view(request, case, reads.PORTFOLIO_OVERVIEW)
    return render(request, "portfolio/sections/overview.html", context)


# --- one section ----------------------------------------------------------------------------------


def _render_section(request, case, section, form, *, version, status=200, conflict=False, sections=None):
    user = request.user
    editable = not form.read_only
    sections = sections or ensure_sections(case)
    nav = [(d, not sections[d.code].missing_prompts()) for d in TRAINEE_SECTIONS]
    index = TRAINEE_CODES.index(section.code)
    documents = []
    if section.definition.documents:
        by_kind = {d.kind: d for d in Document.objects.filter(case=case)}
        # Shown with the documents area's own include (portfolio/documents/_upload.html).
        documents = [{"kind": kind, "document": by_kind.get(kind)} for kind, _required in section.definition.documents]
    context = {
        "case": case,
        "section": section,
        "definition": section.definition,
        "form": form,
        "version": version,
        "editable": editable,
        "conflict": conflict,
        "conflict_message": CONFLICT_MESSAGE,
        "autosave_url": reverse("portfolio:section_autosave", args=[case.pk, section.code]) if editable else "",
        "missing": section.missing_prompts(),
        "answered": sum(1 for p in section.definition.prompts if section.answer(p.key).strip()),
        "nav": nav,
        "previous": TRAINEE_SECTIONS[index - 1] if index > 0 else None,
        "next": TRAINEE_SECTIONS[index + 1] if index + 1 < len(TRAINEE_SECTIONS) else None,
        "documents": documents,
        "personnummer": (
            (case.personnummer_clear() if user.has_perm("evaluations.see_personnummer", case)
             else case.personnummer_masked)
            if section.code == "A" else ""
        ),
        "is_trainee": user.has_perm("evaluations.act_as_trainee", case),
    }
    return render(request, "portfolio/sections/section.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@unless_purged
def section_page(request, case, code):
    section, sections = _trainee_sections(case, code)
    user = request.user
    can_edit = user.has_perm("portfolio.edit", case)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        return _save_section_form(request, case, section)
    if not can_edit and not user.has_perm("portfolio.read_content", case):
        raise PermissionDenied
    form = SectionForm(section.definition, initial=section.data, read_only=not can_edit)
    record_view(request, case, reads.PORTFOLIO_SECTION, section.code)
    return _render_section(request, case, section, form, version=section.version, sections=sections)


def _save_section_form(request, case, section):
    """The plain (no-JavaScript) save: saved → back to the page; stale → 409 with both texts."""
    form = SectionForm(section.definition, request.POST)
    posted_version = base_version(request.POST)
    if not form.is_valid():
        return _render_section(request, case, section, form, version=posted_version, status=400)
    answers = form.answers()
    try:
        section_save(
            section=section, by=request.user, data=answers, base_version=posted_version, can_edit=_can_edit(request.user)
        )
    except SectionConflict as conflict:
        current = conflict.section
        shown = SectionForm.showing_conflicts(section.definition, request.POST, current, answers)
        if shown is not None:
            return _render_section(request, case, current, shown, version=current.version, status=409, conflict=True)
    except PortfolioError as error:
        form.add_error(None, str(error))
        return _render_section(request, case, section, form, version=posted_version, status=400)
    messages.success(request, _("%(title)s är sparat.") % {"title": f"{section.code} {section.definition.title}"})
    return redirect("portfolio:section", case.pk, section.code)


def _forbidden():
    return JsonResponse({
        "error": _("Inte sparat – avsnittet kan inte ändras längre. Texten finns kvar i webbläsaren."),
    }, status=403)


@require_POST
def section_autosave(request, case_id, code):
    """JSON only: 200 {version, saved_at}, 409 {conflict, version, answers, saved_at}, 400 {errors},
    401/403/404 {error: the message to show}."""
    if not request.user.is_authenticated:
        return signed_out_reply()
    try:
        case = visible_case(request, case_id)
        section, _sections = _trainee_sections(case, code)
    except Http404:
        return JsonResponse({"error": _("Inte sparat – avsnittet finns inte.")}, status=404)
    if not request.user.has_perm("portfolio.edit", case):
        return _forbidden()
    form = SectionForm(section.definition, request.POST)
    if not form.is_valid():
        return form_errors_reply(form)
    answers = form.answers()
    return autosave_reply(
        lambda: section_save(
            section=section, by=request.user, data=answers, base_version=base_version(request.POST),
            can_edit=_can_edit(request.user),
        ),
        answers,
        forbidden=_forbidden,
    )
