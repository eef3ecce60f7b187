import uuid
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mittist.accounts.decorators import role_required
from mittist.accounts.models import Role
from mittist.csv import csv_response
from mittist.dates import date_formatter
from mittist.forms import add_validation_error
from mittist.outbox.models import Message
from mittist.pagination import CappedPaginator
from mittist.ratelimit import Limiter, client_key

from . import selectors, services
from .extensions import case_links, panels_for, registry
from .forms import (
    AssignForm,
    CaseFilterForm,
    ContactMadeForm,
    DeclineForm,
    EvaluatorForm,
    ReasonForm,
    ReassignForm,
    RegisterAgainForm,
    RegistrationForm,
)
from .models import Evaluation, Evaluator, PendingRegistration
from .reports import selectors as report_selectors
from .rules import is_case_trainee
from .timeline import case_steps, evaluator_todo

PAGE_SIZE = 25


def visible_case(request, case_id, *related) -> Evaluation:
    """Someone else's case is indistinguishable from one that does not exist. `related`: one-to-ones the page
    reads anyway (select_related), in the same query."""
    cases = Evaluation.objects.visible_to(request.user).with_related()
    return get_object_or_404(cases.select_related(*related) if related else cases, pk=case_id)


def redirect_after_step(request, case: Evaluation):
    """Back to the case after a step, or to the user's home when the step took the case from them
    (an evaluator who declines no longer sees it): a 404 would swallow the message just added."""
    if Evaluation.objects.visible_to(request.user).filter(pk=case.pk).exists():
        return redirect(case)
    return redirect("home")


# --- registration ---------------------------------------------------------------------------------


def register(request):
    if request.user.is_authenticated:
        if request.user.has_perm("evaluations.register_again"):
            return _register_again(request)
        messages.info(request, _("Du är redan inloggad. Logga ut för att göra en ny anmälan."))
        return redirect("home")
    form = RegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        limiter = registration_limiter()
        if limiter.blocked(client_key(request)):
            return render(request, "evaluations/register.html",
                          {"form": form, "retry_at": limiter.retry_at(client_key(request))}, status=429)
        if form.is_valid():
            limiter.hit(client_key(request))
            services.registration_request(
                personnummer=form.cleaned_data["personnummer"],
                password=form.cleaned_data["password1"],
                user_fields=form.user_fields(),
                case_fields=form.case_fields(),
            )
            # The same answer for every valid registration: what happened is said by e-mail only.
            return redirect("evaluations:register_sent")
    return render(request, "evaluations/register.html", {"form": form})


def registration_limiter() -> Limiter:
    return Limiter("registration", limit=settings.MITTIST_REGISTRATIONS_PER_ADDRESS_PER_HOUR, window=3600)


def register_sent(request):
    return render(request, "evaluations/register_sent.html", {"hours": settings.MITTIST_REGISTRATION_CONFIRM_HOURS})


def register_confirm(request, token):
    """The link in the confirmation mail. GET only shows a button (mail scanners follow links); POST confirms."""
    if request.method == "POST":
        try:
            services.registration_confirm(token=token)
        except LookupError:
            pass
        else:
            return redirect("evaluations:register_confirmed")
    elif services.pending_registration_for_token(token) is not None:
        return render(request, "evaluations/register_confirm.html")
    return render(request, "evaluations/register_link_invalid.html", status=404)


def register_confirmed(request):
    return render(request, "evaluations/register_confirmed.html")


@role_required(Role.COORDINATOR)
def flagged_registration(request, registration_id):
    registration = get_object_or_404(PendingRegistration.objects.select_related("existing_case__trainee",
                                                                                "resolved_by"), pk=registration_id)
    form = ReasonForm(request.POST if request.POST.get("verb") == "reject" else None)
    if request.method == "POST":
        try:
            if request.POST.get("verb") == "accept":
                case = services.flagged_registration_accept(registration=registration, by=request.user)
                messages.success(request, _("Anmälan är mottagen som ett nytt ärende."))
                return redirect(case)
            if form.is_valid():
                services.flagged_registration_reject(registration=registration, by=request.user,
                                                     reason=form.cleaned_data["reason"])
                messages.success(request, _("Anmälan är avvisad och den som anmälde sig har fått besked."))
                return redirect("evaluations:dashboard")
        except services.CaseStateError as error:
            messages.error(request, str(error))
            return redirect(registration)
    return render(request, "evaluations/flagged_registration.html", {"registration": registration, "form": form})


def _register_again(request):
    previous = Evaluation.objects.filter(trainee=request.user).order_by("-registered_at").first()
    form = RegisterAgainForm(
        request.POST if request.method == "POST" else None, trainee=request.user, previous=previous
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.register_again(
                trainee=request.user,
                personnummer=form.cleaned_data["personnummer"],
                phone=form.cleaned_data["phone"],
                case_fields=form.case_fields(),
            )
        except services.CaseStateError as error:
            messages.error(request, str(error))
            return redirect("evaluations:trainee_home")
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(
                request, _("Tack! Din nya anmälan är mottagen. Du får e-post när Mitt-i-ST-kansliet har gått igenom den.")
            )
            return redirect("evaluations:trainee_home")
    return render(request, "evaluations/register.html", {"form": form, "again": True, "previous": previous},
                  status=400 if form.errors else 200)


# --- the case page and its steps ------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    verb: str
    service: object
    form: type[forms.Form] | None = None
    style: str = "secondary"
    confirm: str = ""
    done: str = ""


ACTIONS = {
    a.verb: a
    for a in [
        Action("accept_registration", services.case_accept_registration, style="primary",
               done=gettext_lazy("Anmälan är godkänd.")),
        Action("reject_registration", services.case_reject_registration, ReasonForm, "danger",
               done=gettext_lazy("Anmälan är avvisad och ST-läkaren har fått besked.")),
        Action("accept_assignment", services.case_accept_assignment, style="primary",
               done=gettext_lazy("Tack! ST-läkaren får nu veta att du är värderare.")),
        Action("decline_assignment", services.case_decline_assignment, DeclineForm, "danger",
               done=gettext_lazy("Du har tackat nej. Kansliet tillfrågar en annan värderare.")),
        Action("mark_contact_made", services.case_mark_contact_made, ContactMadeForm, "primary",
               done=gettext_lazy("Kontakten är registrerad.")),
        Action("reopen_material", services.case_reopen_material, ReasonForm,
               done=gettext_lazy("Materialet är öppnat igen och ST-läkaren kan ändra det.")),
        Action("mark_practice_day_held", services.case_mark_practice_day_held, style="primary",
               done=gettext_lazy("Praktikdagen är markerad som genomförd.")),
        Action("mark_practice_day_not_held", services.case_mark_practice_day_not_held, ReasonForm, "danger",
               done=gettext_lazy("Praktikdagen är markerad som inte genomförd. Kom överens om en ny dag.")),
        Action("close", services.case_close, done=gettext_lazy("Ärendet är avslutat.")),
        Action("put_on_hold", services.case_put_on_hold, ReasonForm, done=gettext_lazy("Ärendet är vilande.")),
        Action("resume", services.case_resume, style="primary", done=gettext_lazy("Ärendet är återupptaget.")),
        Action("withdraw", services.case_withdraw, ReasonForm, "danger",
               confirm=gettext_lazy("Avbryta ärendet? Det går inte att ångra."),
               done=gettext_lazy("Ärendet är avbrutet.")),
    ]
}
# Steps with a page of their own: assignment needs the candidates, submission the portfolio check,
# the practice day its proposals and calendar (scheduling app).
PAGE_ACTIONS = {
    "assign_evaluator", "reassign_evaluator", "submit_material", "agree_practice_day", "reschedule_practice_day",
}


@dataclass
class BoundAction:
    action: Action
    label: str
    form: forms.Form | None
    open: bool = False


def user_transitions(case: Evaluation, user) -> list:
    """The steps this user may take on the case now (each a permission check): asked once a page."""
    return list(case.get_available_user_state_transitions(user))


def available_actions(case: Evaluation, user, bound: dict | None = None, transitions=None) -> list[BoundAction]:
    bound = bound or {}
    result = []
    for transition in user_transitions(case, user) if transitions is None else transitions:
        action = ACTIONS.get(transition.name)
        if not action:
            continue
        form = bound.get(action.verb) or (action.form(prefix=action.verb) if action.form else None)
        result.append(BoundAction(action, transition.custom["label"], form, open=action.verb in bound))
    return result


def page_actions(case: Evaluation, user, transitions=None) -> list[str]:
    transitions = user_transitions(case, user) if transitions is None else transitions
    return [t.name for t in transitions if t.name in PAGE_ACTIONS]


# How a case ended says whether its survey was answered, and when: hidden from those who read the answers.
SURVEY_EVENTS = ("survey_answered", "closed")


@login_required
def case_detail(request, case_id, bound_actions=None, status=200):
    # The report and the certificate: the page's cards and steps ask for them (report_of, certificate_of).
    case = visible_case(request, case_id, "report", "certificate")
    transitions = user_transitions(case, request.user)
    steps_with_pages = page_actions(case, request.user, transitions)
    survey_time = request.user.has_perm("evaluations.see_survey_events", case)
    events = case.events.select_related("actor")
    if not survey_time:
        events = events.exclude(action__in=SURVEY_EVENTS)
    context = {
        "case": case,
        "steps": case_steps(case, for_trainee=is_case_trainee(request.user, case), survey_time=survey_time),
        "actions": available_actions(case, request.user, bound_actions, transitions),
        "page_actions": steps_with_pages,
        "links": case_links(case, request.user, steps_with_pages),
        "events": events,
        "show_personnummer": request.user.has_perm("evaluations.see_personnummer", case),
        # Notes hold internal reasons (overrides, declines): the office reads them, not every party.
        "show_event_notes": request.user.has_perm("evaluations.manage_case", case),
        "top_panels": panels_for(registry.case_panels, request, case, "case_top"),
        "middle_panels": panels_for(registry.case_panels, request, case, "case_middle"),
        "case_panels": panels_for(registry.case_panels, request, case),
    }
    return render(request, "evaluations/case_detail.html", context, status=status)


@require_POST
@login_required
def case_action(request, case_id, verb):
    case = visible_case(request, case_id)
    action = ACTIONS.get(verb)
    if action is None:
        raise PermissionDenied
    services.require_permission(case, request.user, verb)
    form = action.form(request.POST, prefix=verb) if action.form else None
    if form is not None and not form.is_valid():
        return case_detail(request, case_id, bound_actions={verb: form}, status=400)
    try:
        action.service(case=case, by=request.user, **(form.cleaned_data if form else {}))
    except services.CaseStateError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
        else:
            add_validation_error(form, error)
            return case_detail(request, case_id, bound_actions={verb: form}, status=400)
    else:
        messages.success(request, str(action.done))
    return redirect_after_step(request, case)


# --- assignment -----------------------------------------------------------------------------------


@role_required(Role.COORDINATOR)
def assign_evaluator(request, case_id):
    case = visible_case(request, case_id)
    reassigning = case.state != Evaluation.State.REGISTERED
    if case.state not in [Evaluation.State.REGISTERED, *Evaluation.REASSIGNABLE_STATES]:
        messages.error(request, _("Värderaren kan inte bytas i detta skede."))
        return redirect(case)
    form_class = ReassignForm if reassigning else AssignForm
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if reassigning:
                services.case_reassign_evaluator(
                    case=case, by=request.user, evaluator=data["evaluator"], reason=data["reason"],
                    override_reason=data["override_reason"],
                )
            else:
                services.case_assign_evaluator(
                    case=case, by=request.user, evaluator=data["evaluator"], override_reason=data["override_reason"]
                )
        except services.CaseStateError as error:
            messages.error(request, str(error))
            return redirect(case)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(
                request, _("%(name)s är tillfrågad och har fått e-post.") % {"name": data["evaluator"].name}
            )
            return redirect("evaluations:dashboard")
    context = {
        "case": case,
        "form": form,
        "reassigning": reassigning,
        "candidates": selectors.assignment_candidates(case),
    }
    return render(request, "evaluations/assign.html", context, status=400 if form.errors else 200)


# --- coordinator ----------------------------------------------------------------------------------


# What the dashboard's case rows show (its table; its two queues): a case has some fifty columns and the page
# reads up to 65 cases with their trainees and evaluators on every visit.
DASHBOARD_ROW_COLUMNS = (
    "state", "registration_accepted_at", "registered_at", "workplace", "region", "next_due_on", "next_due_kind",
    "material_submitted_late", "trainee__full_name", "trainee__email", "evaluator__user__full_name",
)
QUEUE_ROW_COLUMNS = ("state", "registration_accepted_at", "registered_at", "workplace", "region",
                     "trainee__full_name", "trainee__email")


def urls_by_id(viewname: str):
    """`reverse(viewname, args=[id])` for many ids at the price of one reverse(): the id put in place of a
    stand-in's. For lists that link every row."""
    stand_in = str(uuid.UUID(int=0))
    head, tail = reverse(viewname, args=[stand_in]).split(stand_in)
    return lambda pk: f"{head}{pk}{tail}"


def _dashboard_rows(cases) -> list:
    cases = list(cases)
    case_url, assign_url = urls_by_id("evaluations:case_detail"), urls_by_id("evaluations:assign_evaluator")
    for case in cases:
        case.url, case.assign_url = case_url(case.pk), assign_url(case.pk)
    return cases


@role_required(Role.COORDINATOR)
def dashboard(request):
    filter_form = CaseFilterForm(request.GET or None)
    filters = filter_form.filters()
    counts = selectors.state_counts()
    if "q" in filters:  # a common word matches a share of every case: counted up to the cap only
        search = selectors.CaseSearch(columns=DASHBOARD_ROW_COLUMNS, **filters)
        paginator = CappedPaginator(search, PAGE_SIZE, cap=settings.MITTIST_SEARCH_COUNT_CAP)
    else:
        paginator = Paginator(selectors.case_list(**filters).only(*DASHBOARD_ROW_COLUMNS), PAGE_SIZE)
    if not filters:
        paginator.count = sum(counts.values())  # every case: counted already, not again
    elif filters.keys() == {"state"}:
        paginator.count = counts[filters["state"]]  # the cases in one state: counted already too
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = _dashboard_rows(page.object_list)
    context = {
        "filter_form": filter_form,
        "page_obj": page,
        "state_counts": [(Evaluation.State(s), n) for s, n in counts.items()],
        "registration_queue": _dashboard_rows(selectors.registration_queue().only(*QUEUE_ROW_COLUMNS)[:20]),
        "flagged_registrations": list(
            PendingRegistration.objects.flagged().only("full_name", "personnummer_masked", "confirmed_at")[:20]
        ),
        "assignment_queue": _dashboard_rows(selectors.assignment_queue().only(*QUEUE_ROW_COLUMNS)[:20]),
        "mail_problems": selectors.mail_needing_attention(),
        "mail_stuck_minutes": settings.MITTIST_OUTBOX_STUCK_MINUTES,
        "mail_lease_minutes": settings.MITTIST_OUTBOX_LEASE_MINUTES,
        "querystring_without_page": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "export_querystring": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
    }
    return render(request, "evaluations/dashboard.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def mail_resend(request, message_id):
    if not request.user.has_perm("evaluations.resend_mail"):
        raise PermissionDenied
    message = get_object_or_404(Message, pk=message_id)
    try:
        message = services.mail_resend(message_id=message.pk, by=request.user, email=request.POST.get("email", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("E-posten skickas igen till %(email)s.") % {"email": message.recipient_email})
    return redirect(reverse("evaluations:dashboard") + "#mail-heading")


def _late_cell(case: Evaluation, today) -> str:
    reasons = []
    if case.next_due_on and case.next_due_on < today:
        reasons.append(_("ja"))
    if case.material_late:
        reasons.append(_("material inskickat sent"))
    return ", ".join(reasons)


@role_required(Role.COORDINATOR)
def case_export(request):
    filter_form = CaseFilterForm(request.GET or None)
    cases = selectors.case_list(**filter_form.filters())
    today = timezone.localdate()
    header = [_("ST-läkare"), _("E-post"), _("Personnummer"), _("Status"), _("Värderare"), _("Region"),
              _("Vårdcentral"), _("Anmäld"), _("Nästa tidsgräns"), _("Datum"), _("Försenad")]

    def rows():
        yield header
        for case in cases.iterator(chunk_size=500):
            yield [
                case.trainee.full_name, case.trainee.email, case.personnummer_masked, case.get_state_display(),
                case.evaluator.name if case.evaluator else "", case.get_region_display(), case.workplace,
                timezone.localtime(case.registered_at).date().isoformat(), case.next_due_label,
                case.next_due_on.isoformat() if case.next_due_on else "",
                _late_cell(case, today),
            ]

    return csv_response(rows(), f"mitt-i-st-{today.isoformat()}.csv")


@login_required
def evaluator_list(request):
    if not request.user.has_perm("evaluations.manage_evaluators"):
        raise PermissionDenied
    evaluators = selectors.evaluators_with_load().order_by("-active", "user__full_name")
    return render(request, "evaluations/evaluator_list.html", {"evaluators": evaluators})


@login_required
def evaluator_edit(request, evaluator_id=None):
    if not request.user.has_perm("evaluations.manage_evaluators"):
        raise PermissionDenied
    evaluator = get_object_or_404(Evaluator.objects.select_related("user"), pk=evaluator_id) if evaluator_id else None
    form = EvaluatorForm(request.POST if request.method == "POST" else None, instance=evaluator)
    if request.method == "POST" and form.is_valid():
        if evaluator:
            services.evaluator_update(by=request.user, evaluator=evaluator, **form.cleaned_data)
            messages.success(request, _("Uppgifterna är sparade."))
        else:
            evaluator = services.evaluator_create(by=request.user, **form.cleaned_data)
            messages.success(
                request, _("%(name)s är tillagd och har fått e-post för att välja lösenord.") % {"name": evaluator.name}
            )
        return redirect("evaluations:evaluator_list")
    return render(
        request, "evaluations/evaluator_form.html", {"form": form, "evaluator": evaluator},
        status=400 if form.errors else 200,
    )


# --- the other roles' home pages ------------------------------------------------------------------


@role_required(Role.TRAINEE)
def trainee_home(request):
    cases = list(Evaluation.objects.visible_to(request.user).with_related().order_by("-registered_at"))
    if not cases and getattr(getattr(request.user, "training", None), "programme", "") == "bt":
        # A BT doctor has no Mitt-i-ST (that is for ST); their start page is their mini-CEX.
        return redirect("minicex:list")
    current = next((c for c in cases if not c.is_ended), cases[0] if cases else None)
    transitions = user_transitions(current, request.user) if current else []
    steps_with_pages = page_actions(current, request.user, transitions) if current else []
    context = {
        "case": current,
        "steps": case_steps(current, for_trainee=True) if current else [],
        "actions": available_actions(current, request.user, transitions=transitions) if current else [],
        "page_actions": steps_with_pages,
        "links": case_links(current, request.user, steps_with_pages),
        "side_panels": panels_for(registry.case_panels, request, current, "trainee_home") if current else [],
        "earlier": [c for c in cases if c is not current],
    }
    return render(request, "evaluations/trainee_home.html", context)


EVALUATOR_FINISHED_PAGE_SIZE = 20


@role_required(Role.EVALUATOR)
def evaluator_home(request):
    # The evaluator of every case here is the user: their own name is not shown, so not read (a user a row).
    mine = Evaluation.objects.visible_to(request.user).select_related("trainee", "evaluator").order_by(
        *selectors.LIST_ORDER)
    # The finished ones add up over the years: a page of them at a time, so the page does not grow with them.
    finished_states = [*Evaluation.ENDED_STATES, *Evaluation.QUALITY_VISIBLE_STATES]
    finished = Paginator(mine.filter(state__in=finished_states), EVALUATOR_FINISHED_PAGE_SIZE).get_page(
        request.GET.get("page"))
    case_url = urls_by_id("evaluations:case_detail")
    to_answer, ongoing = [], []
    for case in mine.exclude(state__in=finished_states):
        case.url = case_url(case.pk)
        (to_answer if case.state == Evaluation.State.EVALUATOR_ASSIGNED else ongoing).append(case)
    for case in finished:
        case.url = case_url(case.pk)
    # Each list shows only its own columns: the steps of the requests, the line of what to do of the others.
    for case in to_answer:
        case.user_actions = available_actions(case, request.user)
    write_url, format_day = urls_by_id("reports:write"), date_formatter("j F Y")
    for case in ongoing:
        case.evaluator_todo = evaluator_todo(case, format_day)
        case.write_url = write_url(case.pk) if request.user.has_perm("reports.write", case) else ""
    context = {"to_answer": to_answer, "ongoing": ongoing, "finished": finished}
    return render(request, "evaluations/evaluator_home.html", context)


@role_required(Role.QUALITY)
def quality_home(request):
    # The reports themselves, not the cases' states: a certificate issued early (certified, not yet
    # reviewed) still waits for its review, and a purged report leaves the queue.
    context = {
        "to_review": report_selectors.queue_rows(report_selectors.quality_queue(), request.user),
        "reviewed": report_selectors.queue_rows(report_selectors.recently_reviewed(), request.user),
    }
    return render(request, "evaluations/quality_home.html", context)


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")

