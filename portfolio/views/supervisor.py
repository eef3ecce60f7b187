"""Section F: the trainee asks for the supervisor's statement; the supervisor writes it through a link.

Three audiences:
- the trainee (and the coordinator) on `supervisor`: send, revoke or re-send the link;
- anyone holding the token on `supervisor_landing`: GET only shows a button (mail scanners prefetch
  links), POST opens the statement and grants this browser session access to that one link;
- the supervisor on `supervisor_statement` (+ autosave and submit): with that session grant, or logged
  in with the supervisor role and the link's e-mail address. The link is re-checked on every request,
  so a revocation or the expiry takes effect at once.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from evaluations.rules import is_case_trainee
from mittist.accounts.rules import is_supervisor

from ..forms import CONFLICT_MESSAGE, SectionForm, StatementRequestForm
from ..models import Section, SupervisorLink
from ..sections import SECTION_BY_CODE
from ..services import supervisor as services
from ..services.common import PortfolioError, ensure_sections
from ..services.sections import SectionConflict
from ..services.supervisor import StatementIncomplete, statement_section
from .autosave import autosave_reply, base_version, clock, form_errors_reply
from .purged import unless_purged

SESSION_KEY = "supervisor_links"
TEMPLATES = "portfolio/supervisor/"


# --- the trainee's and coordinator's page ----------------------------------------------------------


def _link_state(link: SupervisorLink | None) -> str:
    if link is None:
        return ""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= timezone.now():
        return "expired"
    return "usable"


def _answers(section) -> list[tuple]:
    return [(prompt, section.answer(prompt.key)) for prompt in section.definition.prompts]


@login_required
@require_http_methods(["GET", "POST"])
@unless_purged
def supervisor(request, case):
    if not request.user.has_perm("portfolio.manage_supervisor_link", case):
        raise PermissionDenied
    link = services.current_link(case)
    form = StatementRequestForm(initial={"email": link.email if link else case.supervisor_email})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            link_id = request.POST.get("link", "")
            target = SupervisorLink.objects.filter(case=case, pk=link_id).first() if _is_uuid(link_id) else None
            if target is None:
                messages.error(request, _("Länken finns inte. Ladda om sidan och försök igen."))
                return redirect("portfolio:supervisor", case.pk)
            services.supervisor_link_revoke(link=target, by=request.user)
            messages.success(request, _("Länken är återkallad. Den går inte längre att använda."))
            return redirect("portfolio:supervisor", case.pk)
        if action == "request":
            form = StatementRequestForm(request.POST)
            if form.is_valid():
                email = form.cleaned_data["email"]
                try:
                    new_link, _token = services.supervisor_link_request(case=case, by=request.user, email=email)
                except PortfolioError as error:
                    messages.error(request, str(error))
                    return redirect("portfolio:supervisor", case.pk)
                messages.success(request, _("Länken är skickad till %(email)s. Den gäller till och med %(day)s.") % {
                    "email": email, "day": formats.date_format(timezone.localtime(new_link.expires_at), "j F Y"),
                })
                return redirect("portfolio:supervisor", case.pk)
            status = 400
        else:
            return redirect("portfolio:supervisor", case.pk)
    section = ensure_sections(case)["F"]
    show_content = request.user.has_perm("portfolio.read_content", case)
    context = {
        "case": case,
        "link": link,
        "link_state": _link_state(link),
        "form": form,
        "section": section,
        "definition": section.definition,
        "answered": sum(1 for p in section.definition.prompts if section.answer(p.key).strip()),
        "total": len(section.definition.prompts),
        "answers": _answers(section) if show_content and section.is_locked else [],
        "can_request": not section.is_locked and not case.is_ended,
    }
    return render(request, TEMPLATES + "manage.html", context, status=status)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- the link ------------------------------------------------------------------------------------------


def _invalid(request, status: int):
    # Says nothing about which case the link belonged to.
    return render(request, TEMPLATES + "invalid_link.html", {"gone": status == 410}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def supervisor_landing(request, token):
    link = services.link_for_token(token)
    if link is None:
        return _invalid(request, 404)
    if not link.is_usable or link.case.is_ended:
        return _invalid(request, 410)
    if is_case_trainee(request.user, link.case):
        # The statement is the supervisor's: the trainee who opens their own link is told so.
        return render(request, TEMPLATES + "own_link.html", {"case": link.case}, status=403)
    if request.method == "POST":
        try:
            services.supervisor_link_open(link=link, by=request.user)
        except PermissionDenied:  # revoked between the check above and the lock
            return _invalid(request, 410)
        grants = [g for g in request.session.get(SESSION_KEY, []) if g != str(link.pk)]
        request.session[SESSION_KEY] = [*grants, str(link.pk)]
        return redirect("portfolio:supervisor_statement", link.pk)
    # GET changes nothing (mail scanners open links): only a button that POSTs back here. A link
    # already used says so, and when, before anyone clicks on.
    statement = Section.objects.filter(case=link.case, code="F").only("locked_at").first()
    context = {
        "trainee_name": link.case.trainee.full_name,
        "opened_at": link.last_used_at,
        "submitted_at": statement.locked_at if statement else None,
    }
    return render(request, TEMPLATES + "landing.html", context)


class NoGrant(Exception):
    """This browser has not opened the link (or its session ended), and no matching account."""


class Gone(Exception):
    """The link was revoked or has expired (or the case has ended)."""


def _statement_link(request, link_id) -> tuple[SupervisorLink, bool]:
    """The link, if this request may use it; (link, via_account)."""
    link = SupervisorLink.objects.select_related("case__trainee").filter(pk=link_id).first()
    if link is None:
        raise Http404
    user = request.user
    granted = str(link.pk) in request.session.get(SESSION_KEY, [])
    via_account = (
        not granted and is_supervisor(user)
        and user.email.lower() == link.email.lower()
    )
    if not (granted or via_account) or is_case_trainee(user, link.case):
        raise NoGrant
    if not link.is_usable or link.case.is_ended:
        raise Gone
    return link, via_account


def _posted_form(request, section) -> SectionForm:
    return SectionForm(section.definition, request.POST)


def _statement_page(request, link, *, section=None, form=None, conflict=False, version=None, errors_title="",
                    status=200):
    case = link.case
    section = section or statement_section(case)
    if section.is_locked:
        context = {"link": link, "case": case, "section": section, "answers": _answers(section)}
        return render(request, TEMPLATES + "thanks.html", context, status=status)
    self_evaluation = ensure_sections(case)["D"]
    context = {
        "link": link,
        "case": case,
        "section": section,
        "definition": section.definition,
        "form": form or SectionForm(section.definition, initial=section.data),
        "version": section.version if version is None else version,
        "conflict": conflict,
        "conflict_message": CONFLICT_MESSAGE,
        "errors_title": errors_title,
        "autosave_url": reverse("portfolio:supervisor_statement_autosave", args=[link.pk]),
        "self_evaluation": self_evaluation,
        "self_evaluation_answers": _answers(self_evaluation),
        "self_evaluation_empty": not any(self_evaluation.answer(k).strip() for k in self_evaluation.definition.keys),
        "answered": sum(1 for p in section.definition.prompts if section.answer(p.key).strip()),
    }
    return render(request, TEMPLATES + "statement.html", context, status=status)


def _refused(request, error: Exception):
    if isinstance(error, Gone):
        return _invalid(request, 410)
    if request.method == "POST":
        # Whatever they typed comes back to them (escaped) so that nothing is lost.
        typed = [(prompt, request.POST.get(prompt.key, "")) for prompt in SECTION_BY_CODE["F"].prompts
                 if request.POST.get(prompt.key, "").strip()]
        return render(request, TEMPLATES + "no_access.html", {"typed": typed}, status=403)
    return render(request, TEMPLATES + "no_access.html", {"typed": []}, status=404)


def _already_submitted(request, link):
    messages.error(request, _("Utlåtandet är redan inskickat och kan inte ändras."))
    return _statement_page(request, link, status=403)


def _save(request, link, section):
    """Save the posted form; returns None when saved, else the response that says why not."""
    form = _posted_form(request, section)
    if not form.is_valid():
        return _statement_page(request, link, form=form, version=base_version(request.POST), status=400)
    answers = form.answers()
    try:
        services.supervisor_statement_save(link=link, by=request.user, data=answers, base_version=base_version(request.POST))
    except SectionConflict as conflict:
        current = conflict.section
        shown = SectionForm.showing_conflicts(section.definition, request.POST, current, answers)
        if shown is not None:
            return _statement_page(request, link, section=current, form=shown, conflict=True, status=409)
    except PermissionDenied:
        if statement_section(link.case).is_locked:
            return _already_submitted(request, link)
        return _invalid(request, 410)
    except PortfolioError as error:
        form.add_error(None, str(error))
        return _statement_page(request, link, form=form, version=base_version(request.POST), status=400)
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def supervisor_statement(request, link_id):
    try:
        link, via_account = _statement_link(request, link_id)
    except (NoGrant, Gone) as error:
        return _refused(request, error)
    if request.method == "GET":
        if via_account:
            try:
                services.supervisor_link_open(link=link, by=request.user, coalesce=True)
            except PermissionDenied:
                return _invalid(request, 410)
        return _statement_page(request, link)
    # Without JavaScript: "Spara utkast" posts the whole form here.
    refused = _save(request, link, statement_section(link.case))
    if refused is not None:
        return refused
    messages.success(request, _("Utkastet är sparat %(time)s.") % {
        "time": clock(statement_section(link.case).updated_at)})
    return redirect("portfolio:supervisor_statement", link.pk)


@never_cache
@require_POST
def supervisor_statement_submit(request, link_id):
    """Saves what the form carries, then submits: incomplete → the missing prompts marked, text kept."""
    try:
        link, _via_account = _statement_link(request, link_id)
    except (NoGrant, Gone) as error:
        return _refused(request, error)
    section = statement_section(link.case)
    if section.is_locked:
        return _already_submitted(request, link)
    if any(key in request.POST for key in section.definition.keys):
        refused = _save(request, link, section)
        if refused is not None:
            return refused
    try:
        services.supervisor_statement_submit(link=link, by=request.user)
    except StatementIncomplete as incomplete:
        section = statement_section(link.case)
        form = SectionForm(section.definition, {**section.data, "version": section.version})
        form.is_valid()
        form.add_error(None, ngettext(
            "%(n)s fråga är obesvarad. Det du har skrivit är sparat.",
            "%(n)s frågor är obesvarade. Det du har skrivit är sparat.",
            len(incomplete.missing)) % {"n": len(incomplete.missing)})
        for prompt in incomplete.missing:
            form.add_error(prompt.key, _("Svara på frågan innan du skickar in utlåtandet."))
        return _statement_page(request, link, section=section, form=form, status=400,
                               errors_title=_("Utlåtandet är inte inskickat"))
    except PermissionDenied:
        if statement_section(link.case).is_locked:
            return _already_submitted(request, link)
        return _invalid(request, 410)
    return redirect("portfolio:supervisor_statement", link.pk)


@never_cache
@require_POST
def supervisor_statement_autosave(request, link_id):
    """JSON only, as the A–E autosave: 200 {version, saved_at}, 409 {conflict, version, answers, saved_at},
    400 {errors}, 401 (this browser has no grant), 403 (submitted), 404, 410 (revoked or expired)."""
    try:
        link, _via_account = _statement_link(request, link_id)
    except Http404:
        return JsonResponse({
            "error": "not_found",
            "message": _("Inte sparat – formuläret finns inte. Texten finns kvar i webbläsaren."),
        }, status=404)
    except NoGrant:
        return JsonResponse({
            "error": "login_required",
            "message": _("Formuläret är inte öppet i den här webbläsaren längre. Texten finns kvar här. "
                         "Öppna länken i e-postmeddelandet igen för att spara den."),
        }, status=401)
    except Gone:
        return JsonResponse({
            "error": "gone", "message": _("Länken gäller inte längre. Be ST-läkaren om en ny länk."),
        }, status=410)
    section = statement_section(link.case)
    form = _posted_form(request, section)
    if not form.is_valid():
        return form_errors_reply(form)
    answers = form.answers()
    return autosave_reply(
        lambda: services.supervisor_statement_save(
            link=link, by=request.user, data=answers, base_version=base_version(request.POST)
        ),
        answers,
        forbidden=lambda: JsonResponse({
            "error": _("Utlåtandet är inskickat och kan inte ändras längre."),
        }, status=403),
    )
