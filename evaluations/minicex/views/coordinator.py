"""The coordinator's side: the doctors and their yearly counts, one doctor's forms, adding a doctor
who is not in a Mitt-i-ST case, their training details, and amending a submitted form at a
supervisor's request (the only way a locked form changes).
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from mittist.accounts.decorators import role_required
from mittist.accounts.models import Role
from mittist.forms import add_validation_error
from mittist.text import without_nul

from .. import selectors, services, training
from ..forms import AddTraineeForm, AmendForm, TrainingProfileForm, training_initial
from ..models import MiniCex, TrainingProfile
from ..services import MiniCexError
from .trainee import PAGE_SIZE, training_choices, visible_form

User = get_user_model()


def doctors():
    """Doctors in training the mini-CEX pages know about: with training details or any form."""
    has_form = MiniCex.objects.filter(trainee=OuterRef("pk"))
    has_profile = TrainingProfile.objects.filter(user=OuterRef("pk"))
    return (User.objects.filter(role=Role.TRAINEE)
            .filter(Q(Exists(has_profile)) | Q(Exists(has_form)))
            .select_related("training").order_by("full_name", "email"))


@role_required(Role.COORDINATOR)
def trainee_list(request):
    q = without_nul(request.GET.get("q", "")).strip()[:100]
    users = doctors()
    if q:
        users = users.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.counts_overview(list(page.object_list))
    rows = [{"user": u, "profile": getattr(u, "training", None), "count": counts.get(u.pk)} for u in page.object_list]
    return render(request, "minicex/coordinator/trainees.html", {
        "rows": rows, "page_obj": page, "q": q,
        "querystring_without_page": urlencode({"q": q}) if q else "",
    })


def _doctor(user_id):
    return get_object_or_404(User, pk=user_id, role=Role.TRAINEE)


@role_required(Role.COORDINATOR)
def trainee_forms(request, user_id):
    doctor = _doctor(user_id)
    forms_qs = MiniCex.objects.filter(trainee=doctor).select_related("definition")
    page = Paginator(forms_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "minicex/coordinator/trainee_forms.html", {
        "doctor": doctor, "profile": getattr(doctor, "training", None), "page_obj": page,
        "counts": selectors.yearly_counts(doctor),
    })


@role_required(Role.COORDINATOR)
def add_trainee(request):
    form = AddTraineeForm(request.POST or None, curricula=training_choices(), initial=training_initial(None))
    if request.method == "POST" and form.is_valid():
        try:
            user = training.trainee_add(by=request.user, values=form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, _("%(name)s har lagts till och har fått e-post med en länk för att välja "
                                        "lösenord.") % {"name": user.full_name})
            return redirect("minicex:trainee_forms", user.pk)
    return render(request, "minicex/coordinator/add_trainee.html", {"form": form})


@role_required(Role.COORDINATOR)
def trainee_training(request, user_id):
    doctor = _doctor(user_id)
    form = TrainingProfileForm(request.POST or None, curricula=training_choices(),
                               initial=training_initial(getattr(doctor, "training", None)))
    if request.method == "POST" and form.is_valid():
        try:
            training.training_profile_save(user=doctor, by=request.user, values=form.cleaned_data)
        except ValidationError as error:
            add_validation_error(form, error)
        else:
            messages.success(request, _("Utbildningsuppgifterna för %(name)s är sparade.") % {"name": doctor.full_name})
            return redirect("minicex:trainee_forms", doctor.pk)
    return render(request, "minicex/training.html", {"form": form, "doctor": doctor, "own": False})


@role_required(Role.COORDINATOR)
def amend(request, form_id):
    minicex = visible_form(request, form_id)
    if not request.user.has_perm("minicex.amend_form", minicex):
        raise PermissionDenied
    if minicex.state not in (MiniCex.State.ASSESSED, MiniCex.State.COMPLETED):
        messages.error(request, _("Bara formulär som bedömaren har skickat in kan ändras av koordinatorn."))
        return redirect("minicex:detail", minicex.pk)
    form = AmendForm(request.POST or None, minicex=minicex)
    if request.method == "POST" and form.is_valid():
        values, dropped = form.values()
        try:
            services.minicex_amend(form=minicex, by=request.user, values=form.amend_values(),
                                   reason=form.cleaned_data["reason"], requested_by=form.cleaned_data["requested_by"])
        except ValidationError as error:
            add_validation_error(form, error)
        except MiniCexError as error:
            messages.info(request, str(error))
        else:
            if dropped:
                messages.warning(request, _("Delmålen %(codes)s hör till en annan målbeskrivning och sparades inte.")
                                 % {"codes": ", ".join(dropped)})
            messages.success(request, _("Ändringen är sparad och syns på formuläret. Läkaren har fått e-post om den."))
            return redirect("minicex:detail", minicex.pk)
    return render(request, "minicex/coordinator/amend.html", {"form": form, "minicex": minicex})
