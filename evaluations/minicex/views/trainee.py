"""The trainee's side: the list of their forms, writing their part, sending or handing it to the
assessor, following it, and the action plan that locks it. Also the trainee's own training details.

Every write goes through evaluations/minicex/services.py (training details: training.py).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations.models import Evaluation
from mittist.accounts.decorators import role_required
from mittist.accounts.models import Role
from mittist.accounts.rules import is_coordinator
from mittist.durations import durations
from mittist.forms import add_validation_error

from .. import selectors, services, training
from ..forms import (
    ActionPlanForm,
    CancelForm,
    FilterForm,
    TraineePartForm,
    TrainingProfileForm,
    curriculum_name,
    curriculum_value,
    trainee_part_initial,
    training_initial,
)
from ..models import FormDefinition, MiniCex, MiniCexEvent
from ..services import MiniCexConflict, MiniCexError

PAGE_SIZE = 25
S = MiniCex.State
# Only doctors in training write mini-CEX forms: these pages are a doctor's own, so not a superuser's either.
trainee_page = role_required(Role.TRAINEE, superusers=False)


def visible_form(request, form_id) -> MiniCex:
    """A form the user may not open is indistinguishable from one that does not exist."""
    qs = MiniCex.objects.visible_to(request.user).select_related("definition", "trainee", "case", "created_by")
    form = get_object_or_404(qs, pk=form_id)
    if not request.user.has_perm("minicex.view_form", form):
        raise Http404
    return form


def own_form(request, form_id) -> MiniCex:
    form = visible_form(request, form_id)
    if not request.user.has_perm("minicex.act_as_trainee", form):
        raise PermissionDenied
    return form


# --- the list -------------------------------------------------------------------------------------


# A coordinator's list is the doctors' overview.
@role_required(Role.TRAINEE, Role.COORDINATOR, superusers=False)
def form_list(request):
    if is_coordinator(request.user):
        return redirect("minicex:trainees")
    forms_qs = MiniCex.objects.filter(trainee=request.user).select_related("definition")
    focus_options = FormDefinition.objects.order_by("kind").values_list("focus_options", flat=True).first() or []
    filter_form = FilterForm(request.GET or None, focus_options=focus_options)
    has_any = forms_qs.exists()
    page = Paginator(filter_form.apply(forms_qs), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "minicex/list.html", {
        "filter_form": filter_form,
        "filtered": filter_form.is_bound and any(v for k, v in request.GET.items() if k != "page"),
        "page_obj": page,
        "has_any": has_any,
        "counts": selectors.yearly_counts(request.user),
        "querystring_without_page": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
    })


@trainee_page
def compare_pick(request):
    """The list's checkboxes send ?valj=<id>&valj=<id>; the compare page takes ?a=&b=."""
    chosen = request.GET.getlist("valj")
    if len(chosen) != 2:
        messages.error(request, _("Välj exakt två formulär att jämföra."))
        return redirect("minicex:list")
    return redirect(reverse("minicex:compare") + "?" + urlencode({"a": chosen[0], "b": chosen[1]}))


# --- writing the trainee's part ---------------------------------------------------------------------


def _definitions_for(user) -> list[FormDefinition]:
    """The active form versions the user may start: their programme's, or both if it is not known."""
    profile = getattr(user, "training", None)
    kinds = [profile.programme] if profile else ["st", "bt"]
    found = []
    for kind in kinds:
        try:
            found.append(services.current_definition(kind))
        except MiniCexError:
            continue
    return found


def _create_initial(user, definitions) -> dict:
    from django.utils import timezone

    profile = getattr(user, "training", None)
    choices = [curriculum_value(d, c["key"]) for d in definitions for c in d.curricula]
    wanted = curriculum_value(definitions[0], profile.curriculum) if profile else "st:2021"
    return {"performed_on": timezone.localdate(), "curriculum": wanted if wanted in choices else choices[0]}


def _say_dropped(request, form, dropped) -> None:
    if dropped:
        messages.warning(request, _(
            "Delmålen %(codes)s hör till en annan målbeskrivning än den du valde och sparades inte."
        ) % {"codes": ", ".join(dropped)})


def _after_save(request, minicex: MiniCex, action: str):
    """The three buttons under the form: keep as a draft, hand over now, or e-mail the assessor."""
    try:
        if action == "device":
            services.minicex_hand_over(form=minicex, by=request.user)
            return redirect("minicex:assess_device", minicex.pk)
        if action == "send":
            minicex = services.minicex_send_link(form=minicex, by=request.user)
            messages.success(request, _("Formuläret är sparat och länken skickades till %(email)s.") % {
                "email": minicex.assessor_email})
            return redirect("minicex:detail", minicex.pk)
    except MiniCexError as error:
        messages.error(request, str(error))
        return redirect("minicex:detail", minicex.pk)
    messages.success(request, _("Utkastet är sparat."))
    return redirect("minicex:detail", minicex.pk)


@trainee_page
def create(request):
    definitions = _definitions_for(request.user)
    if not definitions:
        messages.error(request, _("Det finns inget aktivt formulär för din utbildning. Kontakta kansliet."))
        return redirect("minicex:list")
    form = TraineePartForm(request.POST or None, definitions=definitions,
                           initial=_create_initial(request.user, definitions))
    if request.method == "POST" and form.is_valid():
        values, dropped = form.values()
        definition, _key = form.chosen()
        try:
            minicex = services.minicex_create(trainee=request.user, by=request.user, definition=definition,
                                              values=values)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            _say_dropped(request, form, dropped)
            return _after_save(request, minicex, request.POST.get("action", "draft"))
    return render(request, "minicex/form.html", {"form": form, "minicex": None, "profile": _profile(request.user)})


def _profile(user):
    return getattr(user, "training", None)


@trainee_page
def edit(request, form_id):
    minicex = own_form(request, form_id)
    if not minicex.trainee_part_editable:
        messages.error(request, _("Formuläret är redan bedömt och kan inte ändras."))
        return redirect("minicex:detail", minicex.pk)
    form = TraineePartForm(request.POST or None, definitions=[minicex.definition],
                           initial=trainee_part_initial(minicex))
    if request.method == "POST" and form.is_valid():
        values, dropped = form.values()
        try:
            minicex = services.minicex_update(form=minicex, by=request.user,
                                              version=form.cleaned_data["version"] or 0, values=values)
        except ValidationError as error:
            add_validation_error(form, error)
        except MiniCexConflict as error:
            form.add_error(None, str(error))
            return render(request, "minicex/form.html", {"form": form, "minicex": minicex, "conflict": True,
                                                         "profile": _profile(request.user)}, status=409)
        except MiniCexError as error:
            messages.error(request, str(error))
        else:
            _say_dropped(request, form, dropped)
            action = request.POST.get("action", "draft")
            if minicex.state == S.AWAITING_ASSESSOR:
                messages.success(request, _("Ändringarna är sparade."))
                return redirect("minicex:detail", minicex.pk)
            return _after_save(request, minicex, action)
    return render(request, "minicex/form.html", {"form": form, "minicex": minicex, "profile": _profile(request.user)})


# --- the form's page ------------------------------------------------------------------------------------


def amendment_rows(minicex: MiniCex, events) -> list[dict]:
    """Each coordinator amendment as rows of field label, before and after."""
    d = minicex.definition
    items = {item["key"]: item["label"] for item in d.rated_items}
    special = {"performed_on": d.date_label, "difficulty": d.difficulty_label, "focus": d.focus_label,
               "clinical_context": d.context_label}

    def label(key: str) -> str:
        if key.startswith("ratings."):
            return items.get(key.split(".", 1)[1], key)
        if key in special:
            return special[key]
        try:
            return str(MiniCex._meta.get_field(key).verbose_name).capitalize()
        except Exception:  # a field removed since the amendment: show its key rather than fail
            return key

    return [
        {"event": e, "changes": [{"label": label(k), "before": v[0], "after": v[1]} for k, v in e.changes.items()]}
        for e in events if e.action == "amended"
    ]


def _can_see_case(user, minicex) -> bool:
    return minicex.case_id is not None and Evaluation.objects.visible_to(user).filter(pk=minicex.case_id).exists()


@login_required
def detail(request, form_id):
    minicex = visible_form(request, form_id)
    user = request.user
    is_trainee = user.has_perm("minicex.act_as_trainee", minicex)
    is_coordinator = user.has_perm("minicex.amend_form", minicex)
    events = list(MiniCexEvent.objects.filter(minicex=minicex).select_related("actor"))
    return render(request, "minicex/detail.html", {
        "form": minicex,
        "is_trainee": is_trainee,
        "is_coordinator": is_coordinator,
        "assess_signed_in": minicex.state == S.AWAITING_ASSESSOR and user.has_perm("minicex.assess_with_account", minicex),
        "events": events if (is_trainee or is_coordinator) else [],
        "amendments": amendment_rows(minicex, events),
        "case_visible": _can_see_case(user, minicex),
        "curriculum_name": curriculum_name(minicex.curriculum_definition),
    })


# --- steps on the form ---------------------------------------------------------------------------------


def _step(request, form_id, service, done):
    minicex = own_form(request, form_id)
    try:
        minicex = service(form=minicex, by=request.user)
    except MiniCexError as error:
        messages.error(request, str(error))
        return None, minicex
    messages.success(request, done(minicex))
    return minicex, minicex


@require_POST
@trainee_page
def send_link(request, form_id):
    _step(request, form_id, services.minicex_send_link,
          lambda f: _("Länken skickades till %(email)s. Den gäller i %(valid)s.")
          % {"email": f.assessor_email, "valid": durations["minicex_link"]})
    return redirect("minicex:detail", form_id)


@require_POST
@trainee_page
def resend_link(request, form_id):
    _step(request, form_id, services.minicex_resend_link,
          lambda f: _("En ny länk skickades till %(email)s. Den tidigare länken slutar fungera.") % {
              "email": f.assessor_email})
    return redirect("minicex:detail", form_id)


@require_POST
@trainee_page
def extend_link(request, form_id):
    _step(request, form_id, services.minicex_extend_link,
          lambda f: _("Länken är förlängd till %(date)s och skickades på nytt till %(email)s.") % {
              "date": date_format(localtime(f.link_expires_at), "DATE_FORMAT"), "email": f.assessor_email})
    return redirect("minicex:detail", form_id)


@require_POST
@trainee_page
def hand_over(request, form_id):
    done, minicex = _step(request, form_id, services.minicex_hand_over,
                          lambda f: _("Lämna nu enheten till %(name)s.") % {"name": f.assessor_name})
    if done is None:
        return redirect("minicex:detail", minicex.pk)
    return redirect("minicex:assess_device", minicex.pk)


@trainee_page
def cancel(request, form_id):
    minicex = own_form(request, form_id)
    if minicex.state not in MiniCex.OPEN_STATES:
        messages.error(request, _("Ett bedömt formulär kan inte avbrytas."))
        return redirect("minicex:detail", minicex.pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.minicex_cancel(form=minicex, by=request.user, reason=form.cleaned_data["reason"])
        except MiniCexError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Formuläret är avbrutet."))
        return redirect("minicex:detail", minicex.pk)
    return render(request, "minicex/cancel.html", {"form": form, "minicex": minicex})


@trainee_page
def action_plan(request, form_id):
    minicex = own_form(request, form_id)
    if minicex.state != S.ASSESSED:
        messages.error(request, _("Handlingsplanen kan bara skrivas när bedömaren har skickat in formuläret och "
                                  "formuläret inte är låst."))
        return redirect("minicex:detail", minicex.pk)
    form = ActionPlanForm(request.POST or None, minicex=minicex)
    if request.method == "POST" and form.is_valid():
        complete = request.POST.get("action") == "complete"
        try:
            services.minicex_save_action_plan(form=minicex, by=request.user, values=form.cleaned_data,
                                              complete=complete)
        except ValidationError as error:
            add_validation_error(form, error)
        except MiniCexError as error:
            messages.error(request, str(error))
            return redirect("minicex:detail", minicex.pk)
        else:
            if complete:
                messages.success(request, _("Formuläret är klart och låst. Det räknas nu in i årets mini-CEX."))
                return redirect("minicex:detail", minicex.pk)
            messages.success(request, _("Handlingsplanen är sparad. Lås formuläret när du är klar."))
            return redirect("minicex:action_plan", minicex.pk)
    return render(request, "minicex/action_plan.html", {"form": form, "minicex": minicex})


# --- the trainee's own training details ---------------------------------------------------------------


def training_choices() -> list[tuple[str, str]]:
    return [(c["key"], curriculum_name(c)) for cs in training.curricula_by_programme().values() for c in cs]


@trainee_page
def training_profile(request):
    profile = _profile(request.user)
    form = TrainingProfileForm(request.POST or None, curricula=training_choices(), initial=training_initial(profile))
    if request.method == "POST" and form.is_valid():
        try:
            training.training_profile_save(user=request.user, by=request.user, values=form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, _("Dina utbildningsuppgifter är sparade."))
            return redirect("minicex:list")
    return render(request, "minicex/training.html", {"form": form, "doctor": request.user, "own": True})
