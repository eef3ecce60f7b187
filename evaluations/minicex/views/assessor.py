"""The assessor's side of a mini-CEX: three ways in, one set of fields.

- Same device (`assess_device`, `assess_device_form`): the trainee hands over their logged-in phone.
  The assessor proves who they are (their password, or a code mailed to them) and this browser session
  remembers that, for this form only; only then is the assessment open.
- E-mail link (`assess_link`): no login. GET never writes anything (mail scanners open links); the
  token is checked on every request, so a resent, extended or cancelled link stops at once.
- Own account (`assess`): an assessor whose account the form names, e.g. the Mitt-i-ST evaluator on
  the practice day, fills it in logged in as themselves.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mittist.durations import durations

from .. import services
from ..models import NOT_OBSERVED, MiniCex
from ..rules import is_form_trainee

S = MiniCex.State
SESSION_KEY = "minicex_assessor"
# Links this browser has just submitted: a second visit says "thank you" rather than "unknown link".
TEMPLATES = "minicex/"
MAX_TEXT = 20_000  # anything longer is cut before it reaches the service, which refuses over 5,000


# --- the fields ------------------------------------------------------------------------------------------


def _text(data, name: str) -> str:
    return str(data.get(name, ""))[:MAX_TEXT]


def posted_assessment(form: MiniCex, data) -> dict:
    """The assessor's fields as the services take them, from a POST."""
    return {
        "difficulty": _text(data, "difficulty")[:50],
        "ratings": {item["key"]: _text(data, f"rating_{item['key']}")[:20] for item in form.definition.rated_items},
        "summary": _text(data, "summary"),
        "suggestions": _text(data, "suggestions"),
    }


def saved_assessment(form: MiniCex) -> dict:
    return {"difficulty": form.difficulty, "ratings": dict(form.ratings or {}), "summary": form.summary,
            "suggestions": form.suggestions}


def assessment_fields(form: MiniCex, values: dict, errors: dict) -> dict:
    """Everything _assessment_fields.html draws: each radio knows whether it is checked and what describes it."""
    definition = form.definition
    difficulty = str(values.get("difficulty") or "")
    ratings = {key: str(value) for key, value in (values.get("ratings") or {}).items() if value not in (None, "")}
    levels = [{"value": str(lvl["value"]), "label": lvl["label"], "definition": lvl["definition"]}
              for lvl in definition.scale]
    items = []
    for item in definition.rated_items:
        chosen = ratings.get(item["key"], "")
        items.append({
            "key": item["key"],
            "label": item["label"],
            "name": f"rating_{item['key']}",
            "error": errors.get(f"rating_{item['key']}", ""),
            "levels": [{**lvl, "checked": lvl["value"] == chosen} for lvl in levels],
            "not_observed": chosen == NOT_OBSERVED,
        })
    # The summary at the top links to each field that needs attention, in the order of the form.
    error_list = [(anchor, label, errors[key]) for key, anchor, label in [
        ("difficulty", "mcx-difficulty", definition.difficulty_label),
        *[(f"rating_{i['key']}", f"mcx-rating-{i['key']}", i["label"]) for i in definition.rated_items],
        ("summary", "id_summary", definition.summary_label),
        ("suggestions", "id_suggestions", definition.suggestions_label),
    ] if errors.get(key)]
    return {
        "definition": definition,
        "error_list": error_list,
        "difficulties": [{**d, "checked": d["key"] == difficulty} for d in definition.difficulties],
        "levels": levels,
        "items": items,
        "not_observed_value": NOT_OBSERVED,
        "summary": values.get("summary") or "",
        "suggestions": values.get("suggestions") or "",
        "errors": errors,
    }


def _errors(error: ValidationError) -> dict:
    return {field: " ".join(str(m) for m in messages_) for field, messages_ in error.message_dict.items()}


def _form_page(request, form: MiniCex, *, action: str, values=None, errors=None, via_link=False, status=200):
    errors = errors or {}
    context = {
        "form": form,
        "action": action,
        "via_link": via_link,
        "fields": assessment_fields(form, saved_assessment(form) if values is None else values, errors),
        "has_errors": bool(errors),
    }
    return render(request, TEMPLATES + "assess_form.html", context, status=status)


def _save_from_post(request, form: MiniCex, *, action: str, via_link: bool, token: str = ""):
    """Saves (or submits) what was posted. Returns (saved form or None, error response or None)."""
    submit = request.POST.get("submit") == "1"
    values = posted_assessment(form, request.POST)
    try:
        saved = services.minicex_assessor_save(form=form, by=request.user, values=values, submit=submit,
                                               via_link=via_link, token=token)
    except ValidationError as error:
        return None, _form_page(request, form, action=action, values=values, errors=_errors(error),
                                via_link=via_link, status=400)
    return saved, None


def _signed_in_page(request, form: MiniCex, *, action: str, refused_to: str):
    """The assessment page of a signed-in session (the trainee's device, or the assessor's own account):
    GET shows it, POST saves it. Returns (saved form, None), or (None, the response to send)."""
    if request.method == "GET":
        return None, _no_store(_form_page(request, form, action=action))
    try:
        saved, refused = _save_from_post(request, form, action=action, via_link=False)
    except services.MiniCexError as error:
        messages.error(request, str(error))
        return None, redirect(refused_to, form.pk)
    if refused is not None:
        return None, _no_store(refused)
    return saved, None


def _no_store(response):
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response


# --- same device ------------------------------------------------------------------------------------------


def _trainee_form(request, form_id) -> MiniCex:
    """The trainee's own form: someone else's is 404, as if it did not exist."""
    form = get_object_or_404(MiniCex.objects.visible_to(request.user).select_related("definition", "trainee"),
                             pk=form_id)
    if not is_form_trainee(request.user, form):
        raise PermissionDenied
    return form


def _not_on_device(request, form: MiniCex):
    if form.state in (S.ASSESSED, S.COMPLETED):
        messages.info(request, _("Bedömningen är redan inskickad."))
    else:
        messages.error(request, _("Formuläret är inte lämnat till en bedömare på denna enhet."))
    return redirect("minicex:detail", form.pk)


def _marked_here(request, form: MiniCex) -> bool:
    return str(form.pk) in request.session.get(SESSION_KEY, [])


def _confirmed_here(request, form: MiniCex) -> bool:
    return form.device_confirmation_current and _marked_here(request, form)


def _remember_confirmed(request, form: MiniCex) -> None:
    forms = [f for f in request.session.get(SESSION_KEY, []) if f != str(form.pk)]
    request.session[SESSION_KEY] = [*forms[-19:], str(form.pk)]


def _on_to_the_form(request, form: MiniCex):
    """The assessor is confirmed: this browser remembers it, and the form opens."""
    _remember_confirmed(request, form)
    return redirect("minicex:assess_device_form", form.pk)


def _step_refused(request, form: MiniCex, error: services.MiniCexError):
    """A refused device step: a code asked for too soon goes back to the step; anything else to the form's page."""
    messages.error(request, str(error))
    if isinstance(error, services.CodeTooSoon):
        return redirect("minicex:assess_device", form.pk)
    return redirect("minicex:detail", form.pk)


def _forget_confirmed(request, form: MiniCex) -> None:
    request.session[SESSION_KEY] = [f for f in request.session.get(SESSION_KEY, []) if f != str(form.pk)]


def _code_step(form: MiniCex) -> bool:
    return bool(form.code_hash) and form.code_expires_at is not None


def _device_page(request, form: MiniCex, *, step: str, values=None, errors=None, status=200):
    values = values or {"assessor_name": form.assessor_name, "assessor_email": form.assessor_email}
    email = values.get("assessor_email", "")
    context = {
        "form": form,
        "step": step,
        "values": values,
        "errors": errors or {},
        "needs_password": bool(email) and services.assessor_needs_password(email),
        "code_expires_at": form.code_expires_at,
    }
    return _no_store(render(request, TEMPLATES + "assess_device.html", context, status=status))


def _identity(request) -> dict:
    return {"assessor_name": _text(request.POST, "assessor_name")[:300],
            "assessor_email": _text(request.POST, "assessor_email")[:300]}


@login_required
@require_http_methods(["GET", "POST"])
def assess_device(request, form_id):
    """Step 1: who is assessing (name, e-mail); step 2: their password or the mailed code."""
    form = _trainee_form(request, form_id)
    if not form.is_on_trainee_device:
        return _not_on_device(request, form)
    if request.method == "GET":
        if _confirmed_here(request, form):
            return redirect("minicex:assess_device_form", form.pk)
        step = "code" if _code_step(form) and request.GET.get("andra") != "1" else "identify"
        return _device_page(request, form, step=step)
    action = request.POST.get("action")
    try:
        if action == "confirm_code":
            code = _text(request.POST, "code")[:50]
            form = services.minicex_confirm_assessor(form=form, by=request.user, values={}, code=code)
        elif action == "resend_code":
            values = {"assessor_name": form.assessor_name, "assessor_email": form.assessor_email}
            services.minicex_send_code(form=form, by=request.user, values=values)
            messages.success(request, _("En ny kod är skickad till %(email)s.") % {"email": form.assessor_email})
            return redirect("minicex:assess_device", form.pk)
        else:
            return _identify(request, form)
    except ValidationError as error:
        form.refresh_from_db()
        return _device_page(request, form, step="code", errors=_errors(error), status=400)
    except services.MiniCexError as error:
        return _step_refused(request, form, error)
    return _on_to_the_form(request, form)


def _identify(request, form: MiniCex):
    """Name and e-mail posted: with a password, confirm at once; without, mail a code."""
    values = _identity(request)
    password = _text(request.POST, "password")[:500]
    email = values["assessor_email"].strip()
    try:
        if password:
            form = services.minicex_confirm_assessor(form=form, by=request.user, values=values, password=password,
                                                     request=request)
        elif email and services.assessor_needs_password(email) and email.lower() != form.trainee.email.lower():
            errors = {"password": _("Det finns ett konto med den här e-postadressen. Skriv ditt lösenord.")}
            return _device_page(request, form, step="identify", values=values, errors=errors, status=400)
        else:
            services.minicex_send_code(form=form, by=request.user, values=values)
            messages.success(request, _("En kod är skickad till %(email)s.") % {"email": email.lower()})
            return redirect("minicex:assess_device", form.pk)
    except ValidationError as error:
        return _device_page(request, form, step="identify", values=values, errors=_errors(error), status=400)
    except services.MiniCexError as error:
        return _step_refused(request, form, error)
    return _on_to_the_form(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def assess_device_form(request, form_id):
    """The assessment itself, on the trainee's device, once the assessor is confirmed in this session."""
    form = _trainee_form(request, form_id)
    if not form.is_on_trainee_device:
        return _not_on_device(request, form)
    if not _confirmed_here(request, form):
        if form.assessor_confirmed_at is not None and _marked_here(request, form):
            messages.error(request, _("Bekräftelsen gäller i %(valid)s och har gått ut. Bekräfta igen med en ny kod "
                                      "eller lösenordet; det som inte hann sparas finns kvar i webbläsaren.")
                           % {"valid": durations["minicex_device_confirmation"]})
        else:
            messages.error(request, _("Bedömaren behöver bekräfta vem hen är innan bedömningen kan fyllas i."))
        return redirect("minicex:assess_device", form.pk)
    saved, response = _signed_in_page(request, form, action=reverse("minicex:assess_device_form", args=[form.pk]),
                                      refused_to="minicex:detail")
    if response is not None:
        return response
    if saved.state == S.ASSESSED:
        _forget_confirmed(request, form)
        return redirect("minicex:assess_device_done", form.pk)
    messages.success(request, _("Utkastet är sparat."))
    return redirect("minicex:assess_device_form", form.pk)


@login_required
@require_http_methods(["GET"])
def assess_device_done(request, form_id):
    form = _trainee_form(request, form_id)
    if form.state not in (S.ASSESSED, S.COMPLETED):
        return redirect("minicex:detail", form.pk)
    return _no_store(render(request, TEMPLATES + "assess_done.html", {"form": form, "kind": "device"}))


# --- the assessor's own account -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assess(request, form_id):
    form = get_object_or_404(MiniCex.objects.visible_to(request.user).select_related("definition", "trainee"),
                             pk=form_id)
    if not request.user.has_perm("minicex.assess_with_account", form):
        raise PermissionDenied
    if form.state != S.AWAITING_ASSESSOR:
        return _no_store(render(request, TEMPLATES + "assess_done.html", {"form": form, "kind": "account"}))
    if form.mode == MiniCex.Mode.EMAIL_LINK and form.link_expired:
        # Signed in or not, the assessment waits for the trainee to extend the link.
        return _no_store(render(request, TEMPLATES + "assess_link_closed.html", {"state": "expired", "form": form},
                                status=410))
    saved, response = _signed_in_page(request, form, action=reverse("minicex:assess", args=[form.pk]),
                                      refused_to="minicex:assess")
    if response is not None:
        return response
    if saved.state == S.ASSESSED:
        messages.success(request, _("Tack! Bedömningen är inskickad."))
    else:
        messages.success(request, _("Utkastet är sparat."))
    return redirect("minicex:assess", form.pk)


# --- the e-mail link --------------------------------------------------------------------------------------------


def _link_response(response):
    """Pages behind a capability link: the token must not leak through a referrer, a cache or a search engine.

    "same-origin", not "no-referrer": under no-referrer browsers send `Origin: null` with the form's POST,
    and Django's CSRF check refuses it. Same-origin still sends nothing to any other site."""
    _no_store(response)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _link_page(request, template: str, context: dict, status: int):
    return _link_response(render(request, TEMPLATES + template, context, status=status))


def _link_state(request, form: MiniCex | None, token: str) -> tuple[str, int]:
    """What the link shows now: ("form", 200) when it can be filled in, else which page and status."""
    if form is None:
        return "unknown", 404
    if is_form_trainee(request.user, form):
        return "own", 403
    if form.state in (S.ASSESSED, S.COMPLETED):
        return "submitted", 200
    if form.state == S.CANCELLED:
        return "cancelled", 410
    if form.link_expired:
        return "expired", 410
    if not form.link_is_live:
        return "unknown", 404
    return "form", 200


@require_http_methods(["GET", "POST"])
def assess_link(request, form_id, token):
    """GET only reads. POST "Spara utkast" keeps a draft behind the same link; "Skicka in" submits."""
    form = services.form_for_token(form_id, token)
    state, status = _link_state(request, form, token)
    if state != "form":
        if request.method == "POST" and state == "submitted":
            status = 409
        return _link_page(request, "assess_link_closed.html", {"state": state, "form": form}, status)
    action = reverse("minicex:assess_link", args=[form.pk, token])
    if request.method == "GET":
        return _link_response(_form_page(request, form, action=action, via_link=True))
    try:
        saved, refused = _save_from_post(request, form, action=action, via_link=True, token=token)
    except PermissionDenied:  # expired or replaced between the check and the lock
        return _link_page(request, "assess_link_closed.html", {"state": "expired", "form": form}, 410)
    except services.MiniCexError:
        return _link_page(request, "assess_link_closed.html", {"state": "submitted", "form": form}, 409)
    if refused is not None:
        return _link_response(refused)
    if saved.state == S.ASSESSED:
        return _link_page(request, "assess_done.html", {"form": saved, "kind": "link"}, 200)
    messages.success(request, _("Utkastet är sparat. Du kan komma tillbaka via samma länk."))
    return _link_response(redirect(action))
