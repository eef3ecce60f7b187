"""Every write to a mini-CEX form goes through one of these functions.

Each one: opens a transaction, locks the form row, checks who is acting and that the step is allowed
now, changes the fields, saves, writes one audit row, and queues its e-mails for after the commit.
Tokens and one-time codes reach the mail worker sealed with the field-encryption key, never in clear
text in the task queue's table.
"""

import hmac
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from evaluations.rules import is_case_evaluator
from mittist import crypto
from mittist.durations import durations
from mittist.mailer import write_mail
from mittist.text import without_nul

from .models import NOT_OBSERVED, FormDefinition, MiniCex, MiniCexEvent, hash_token, new_token
from .rules import is_form_assessor, is_form_creator, is_form_trainee

User = get_user_model()

CODE_MAX_ATTEMPTS = 5
MAX_FREE_GOALS = 3
TRAINEE_FIELDS = ("performed_on", "clinical_context", "case_description", "reflection", "curriculum", "goals",
                  "free_goals", "focus")
ASSESSOR_FIELDS = ("difficulty", "ratings", "summary", "suggestions")
# What a coordinator may correct after submission (the assessor's identity stays as it was confirmed).
AMENDABLE_FIELDS = TRAINEE_FIELDS + ASSESSOR_FIELDS + ("action_plan",)
DELIVER = "evaluations.minicex.notifications.deliver"


class MiniCexError(Exception):
    """The step cannot be taken now (shown to the user as a message)."""


class CodeTooSoon(MiniCexError):
    """A one-time code was sent less than a minute ago: the device is no way to flood someone's inbox."""


class MiniCexConflict(MiniCexError):
    """Someone saved the form since this edit began: nothing was saved."""


# --- helpers -----------------------------------------------------------------------------------------


def _locked(form: MiniCex) -> MiniCex:
    return MiniCex.objects.select_for_update().select_related("definition", "trainee").get(pk=form.pk)


def _record(form: MiniCex, by, action: str, *, from_state: str = "", note: str = "", changes=None,
            actor_label: str = "") -> MiniCexEvent:
    return MiniCexEvent.objects.create(
        minicex=form,
        actor=by if by is not None and by.is_authenticated else None,
        actor_label=actor_label,
        action=action,
        from_state=from_state or form.state,
        to_state=form.state,
        note=note,
        changes=changes or {},
    )


def _require(by, perm: str, form: MiniCex) -> None:
    if by is None or not by.has_perm(perm, form):
        raise PermissionDenied


def _transition(form: MiniCex, verb: str, refused: str, *args) -> str:
    if not can_proceed(getattr(form, verb)):
        raise MiniCexError(refused)
    before = form.state
    getattr(form, verb)(*args)
    return before


def _save(form: MiniCex) -> None:
    form.updated_at = timezone.now()
    form.version += 1
    form.save()


def _assessor_label(form: MiniCex) -> str:
    return f"{form.assessor_name} <{form.assessor_email}>"


def current_definition(kind: str) -> FormDefinition:
    definition = FormDefinition.objects.filter(kind=kind, is_active=True).order_by("-created_at").first()
    if definition is None:
        raise MiniCexError(_("Det finns inget aktivt formulär för denna utbildning."))
    return definition


# --- checking input ------------------------------------------------------------------------------------


def clean_trainee_part(definition: FormDefinition, values: dict) -> dict:
    """The trainee's fields, checked against the form's version. Raises ValidationError (per field)."""
    errors = {}
    cleaned = {}
    performed_on = values.get("performed_on")
    if not isinstance(performed_on, date):
        errors["performed_on"] = _("Ange datum för bedömningen.")
    elif performed_on > timezone.localdate() + timedelta(days=settings.MINICEX_PERFORMED_MAX_DAYS_AHEAD):
        errors["performed_on"] = _("Datumet ligger för långt fram. Ange dagen då bedömningen görs.")
    elif performed_on.year < 2000:
        errors["performed_on"] = _("Ange ett datum från år 2000 eller senare.")
    cleaned["performed_on"] = performed_on
    for field, limit in (("clinical_context", 300), ("case_description", 5000), ("reflection", 5000)):
        text = without_nul(values.get(field)).strip()
        if len(text) > limit:
            errors[field] = _("Texten får vara högst %(n)s tecken.") % {"n": limit}
        cleaned[field] = text
    curriculum = definition.curriculum(str(values.get("curriculum") or ""))
    if curriculum is None:
        errors["curriculum"] = _("Välj målbeskrivning.")
        curriculum = {"goals": [], "free_goal_slots": 0, "key": ""}
    cleaned["curriculum"] = curriculum["key"]
    known = [g["code"] for g in curriculum["goals"]]
    goals = [str(g) for g in values.get("goals") or ()]
    if any(g not in known for g in goals):
        errors["goals"] = _("Välj delmål ur listan för den valda målbeskrivningen.")
    cleaned["goals"] = [g for g in known if g in goals]
    free = [without_nul(str(g)).strip() for g in values.get("free_goals") or ()]
    free = [g for g in free if g]
    slots = curriculum.get("free_goal_slots", 0)
    if len(free) > slots:
        errors["free_goals"] = _("Högst %(n)s egna delmål.") % {"n": slots} if slots else _(
            "Den här målbeskrivningen har inga egna delmål."
        )
    elif any(len(g) > 200 for g in free):
        errors["free_goals"] = _("Ett delmål får vara högst 200 tecken.")
    cleaned["free_goals"] = free
    focus_keys = [f["key"] for f in definition.focus_options]
    focus = [str(f) for f in values.get("focus") or ()]
    if any(f not in focus_keys for f in focus):
        errors["focus"] = _("Välj fokus ur listan.")
    cleaned["focus"] = [f for f in focus_keys if f in focus]
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_assessor(values: dict, *, trainee) -> tuple[str, str]:
    name = without_nul(values.get("assessor_name")).strip()
    email = str(values.get("assessor_email") or "").strip().lower()
    errors = {}
    if not name:
        errors["assessor_name"] = _("Ange bedömarens namn.")
    elif len(name) > 150:
        errors["assessor_name"] = _("Namnet får vara högst 150 tecken.")
    from django.core.validators import validate_email

    if not email:
        errors["assessor_email"] = _("Ange bedömarens e-postadress.")
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["assessor_email"] = _("E-postadressen ser inte riktig ut. Skriv den som namn@exempel.se.")
    if not errors.get("assessor_email") and email == trainee.email.lower():
        errors["assessor_email"] = _("Du kan inte bedöma dig själv. Ange bedömarens egen e-postadress.")
    if errors:
        raise ValidationError(errors)
    return name, email


def clean_assessment(definition: FormDefinition, values: dict, *, complete: bool) -> dict:
    """The assessor's fields. A draft may be partial; a submission must rate every item and give feedback."""
    errors = {}
    difficulty = str(values.get("difficulty") or "")
    if difficulty and difficulty not in {d["key"] for d in definition.difficulties}:
        errors["difficulty"] = _("Välj svårighetsgrad ur listan.")
    elif complete and not difficulty:
        errors["difficulty"] = _("Välj svårighetsgrad.")
    levels = {lvl["value"] for lvl in definition.scale}
    ratings = {}
    raw = values.get("ratings") or {}
    for item in definition.rated_items:
        value = raw.get(item["key"])
        if value in (None, ""):
            if complete:
                errors[f"rating_{item['key']}"] = _("Välj en nivå eller ”%(na)s”.") % {
                    "na": definition.not_observed_label
                }
            continue
        if value == NOT_OBSERVED:
            ratings[item["key"]] = NOT_OBSERVED
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number not in levels:
            errors[f"rating_{item['key']}"] = _("Välj en av nivåerna på skalan.")
        else:
            ratings[item["key"]] = number
    cleaned = {"difficulty": difficulty, "ratings": ratings}
    for field in ("summary", "suggestions"):
        text = without_nul(values.get(field)).strip()
        if len(text) > 5000:
            errors[field] = _("Texten får vara högst %(n)s tecken.") % {"n": 5000}
        elif complete and not text:
            errors[field] = (
                _("Skriv en kort sammanfattning.") if field == "summary" else _("Skriv dina förslag till läkaren.")
            )
        cleaned[field] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


def _match_account(email: str):
    return User.objects.filter(email__iexact=email, is_active=True).first()


# --- the trainee's side ------------------------------------------------------------------------------


def minicex_create(*, trainee, by, definition: FormDefinition, values: dict, case=None) -> MiniCex:
    """A new form in draft, with the trainee's part and who is to assess it."""
    if by.pk != trainee.pk:
        raise PermissionDenied
    cleaned = clean_trainee_part(definition, values)
    name, email = clean_assessor(values, trainee=trainee)
    with transaction.atomic():
        form = MiniCex(definition=definition, trainee=trainee, created_by=by, case=case, assessor_name=name,
                       assessor_email=email, assessor_user=_match_account(email), **cleaned)
        form.save()
        _record(form, by, "created")
    return form


def minicex_update(*, form: MiniCex, by, version: int, values: dict) -> MiniCex:
    """The trainee edits their part (and who assesses) while no assessor has submitted."""
    with transaction.atomic():
        form = _locked(form)
        _require(by, "minicex.act_as_trainee", form)
        if not form.trainee_part_editable:
            raise MiniCexError(_("Formuläret är redan bedömt och kan inte ändras."))
        if form.version != version:
            raise MiniCexConflict(_("Formuläret har ändrats sedan du öppnade det. Ingenting sparades."))
        cleaned = clean_trainee_part(form.definition, values)
        name, email = clean_assessor(values, trainee=form.trainee)
        if form.state == form.S.AWAITING_ASSESSOR and email != form.assessor_email:
            raise MiniCexError(
                _("Formuläret är redan lämnat till en bedömare. Avbryt det eller skicka det på nytt för att byta bedömare.")
            )
        for field, value in cleaned.items():
            setattr(form, field, value)
        form.assessor_name, form.assessor_email = name, email
        form.assessor_user = _match_account(email)
        _save(form)
        _record(form, by, "edited")
    return form


def _refuse_if_assessors_own(form: MiniCex) -> None:
    """A form the Mitt-i-ST evaluator started on the practice day is theirs to fill in: the trainee can
    neither send it to someone else nor hand it over nor cancel it."""
    if form.created_by_id is not None and form.created_by_id != form.trainee_id:
        raise MiniCexError(_("Formuläret fylls i av bedömaren som startade det."))


def link_lifetime() -> timedelta:
    return timedelta(days=settings.MINICEX_LINK_DAYS)


def code_lifetime() -> timedelta:
    return timedelta(minutes=settings.MINICEX_CODE_MINUTES)


def code_resend_after() -> timedelta:
    return timedelta(minutes=settings.MINICEX_CODE_RESEND_MINUTES)


def minicex_send_link(*, form: MiniCex, by) -> MiniCex:
    """Send the assessor a link to the form, valid MINICEX_LINK_DAYS; any earlier link stops working."""
    token = new_token()
    with transaction.atomic():
        form = _locked(form)
        _require(by, "minicex.act_as_trainee", form)
        _refuse_if_assessors_own(form)
        if form.mode == form.Mode.EMAIL_LINK and form.state == form.S.AWAITING_ASSESSOR:
            # Sending again would start a new validity period: that is what the one extension is for.
            raise MiniCexError(_("Länken är redan skickad. Skicka den igen eller förläng den."))
        before = _transition(form, "send_to_assessor", _("Formuläret kan inte skickas i detta skede."),
                             hash_token(token), timezone.now(), link_lifetime())
        _save(form)
        _record(form, by, "link_sent", from_state=before, note=form.assessor_email)
        write_mail(DELIVER, "assessment_request", str(form.pk), crypto.encrypt(token))
    return form


def _replace_link(form: MiniCex, by, action: str, *, extend: bool) -> MiniCex:
    """A new token for the live link (resend), or 14 more days from now with a new token (the one extension).

    Either way the old link stops working and the new one goes out by e-mail."""
    token = new_token()
    with transaction.atomic():
        form = _locked(form)
        _require(by, "minicex.act_as_trainee", form)
        if extend and not form.can_extend_link:
            raise MiniCexError(_("Länken kan bara förlängas en gång."))
        if not extend and not form.link_is_live:
            raise MiniCexError(_("Länken har gått ut eller används inte längre. Förläng den i stället."))
        now = timezone.now()
        form.link_token_hash = hash_token(token)
        form.link_sent_at = now
        if extend:
            form.link_expires_at = now + link_lifetime()
            form.link_extended_at = now
        _save(form)
        _record(form, by, action, note=form.assessor_email)
        write_mail(DELIVER, "assessment_request", str(form.pk), crypto.encrypt(token))
    return form


def minicex_resend_link(*, form: MiniCex, by) -> MiniCex:
    """A fresh link for a lost e-mail: the old one stops working, the expiry stays as it was."""
    return _replace_link(form, by, "link_resent", extend=False)


def minicex_extend_link(*, form: MiniCex, by) -> MiniCex:
    """Once per form: 14 more days from now, sent as a new link."""
    return _replace_link(form, by, "link_extended", extend=True)


def minicex_cancel(*, form: MiniCex, by, reason: str = "") -> MiniCex:
    """The trainee cancels their own form before it is assessed; a form an evaluator started on the
    practice day is cancelled by that evaluator (the patient did not come, or said no)."""
    with transaction.atomic():
        form = _locked(form)
        if form.created_by_id is not None and form.created_by_id != form.trainee_id:
            if by is None or not is_form_creator(by, form):
                raise PermissionDenied
        else:
            _require(by, "minicex.act_as_trainee", form)
        had_link = form.link_is_live
        before = _transition(form, "cancel", _("Ett bedömt formulär kan inte avbrytas."))
        _save(form)
        _record(form, by, "cancelled", from_state=before, note=reason.strip()[:500])
        if had_link:
            write_mail(DELIVER, "assessment_cancelled", str(form.pk))
    return form


def minicex_hand_over(*, form: MiniCex, by) -> MiniCex:
    """The assessor is present: the trainee hands over the device."""
    with transaction.atomic():
        form = _locked(form)
        _require(by, "minicex.act_as_trainee", form)
        _refuse_if_assessors_own(form)
        had_link = form.link_is_live
        before = _transition(form, "hand_over", _("Formuläret kan inte lämnas över i detta skede."))
        _save(form)
        _record(form, by, "handed_over", from_state=before)
        if had_link:
            write_mail(DELIVER, "assessment_cancelled", str(form.pk))
    return form


def _code_hash(form: MiniCex, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"minicex-code:{form.pk}:{code}".encode(), "sha256").hexdigest()


def code_is_current(form: MiniCex, code: str) -> bool:
    """Whether this is the form's live one-time code: not replaced by a newer one, used or expired."""
    return (bool(form.code_hash) and form.code_expires_at is not None and form.code_expires_at > timezone.now()
            and hmac.compare_digest(form.code_hash, _code_hash(form, code)))


def assessor_needs_password(email: str) -> bool:
    """An assessor with an account and a password confirms with it; everyone else with a code."""
    user = _match_account(email)
    return user is not None and user.has_usable_password()


def minicex_send_code(*, form: MiniCex, by, values: dict) -> MiniCex:
    """On the trainee's device: the assessor gives name and e-mail and gets a one-time code by e-mail."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        form = _locked(form)
        _require(by, "minicex.act_as_trainee", form)
        if not form.is_on_trainee_device:
            raise MiniCexError(_("Formuläret är inte lämnat till en bedömare på denna enhet."))
        name, email = clean_assessor(values, trainee=form.trainee)
        if form.code_expires_at is not None and form.code_expires_at - code_lifetime() > timezone.now() - code_resend_after():
            raise CodeTooSoon(_("En kod skickades nyss. Vänta %(wait)s innan du skickar en ny.")
                              % {"wait": durations["minicex_code_resend"]})
        form.assessor_name, form.assessor_email = name, email
        form.assessor_user = _match_account(email)
        # A new identity is not yet confirmed: whoever was confirmed before no longer vouches for this one.
        form.assessor_confirmed_at = None
        form.assessor_confirmed_by = ""
        form.code_hash = _code_hash(form, code)
        form.code_expires_at = timezone.now() + code_lifetime()
        form.code_attempts = 0
        _save(form)
        _record(form, by, "code_sent", note=email)
        write_mail(DELIVER, "assessor_code", str(form.pk), crypto.encrypt(code))
    return form


def _password_account(request, email: str, password: str):
    """The account whose password this is, checked as the login page checks it.

    Through authenticate(), so a wrong password counts towards the same lock-out as a failed login
    (django-axes, per e-mail and address): the trainee's device is no way round it. Called outside the
    form's transaction, so the failure it records is kept when the ValidationError rolls that back."""
    account = _match_account(email)
    user = authenticate(request, username=email, password=password) if account is not None else None
    if user is None or user.pk != account.pk:
        raise ValidationError({"password": _("Fel e-post eller lösenord.")})
    return account


def minicex_confirm_assessor(*, form: MiniCex, by, values: dict, code: str = "", password: str = "",
                             request=None) -> MiniCex:
    """The assessor proves who they are on the trainee's device: their password, or the code just mailed.

    Raises ValidationError on the field that was wrong; five wrong codes end that code, and wrong
    passwords lock the account as failed logins do (`request` is needed for that)."""
    wrong = None
    if password:
        _require(by, "minicex.act_as_trainee", form)
        name, email = clean_assessor(values, trainee=form.trainee)
        account = _password_account(request, email, password)
    with transaction.atomic():
        form = _locked(form)
        _require(by, "minicex.act_as_trainee", form)
        if not form.is_on_trainee_device:
            raise MiniCexError(_("Formuläret är inte lämnat till en bedömare på denna enhet."))
        if password:
            form.assessor_name, form.assessor_email, form.assessor_user = name, email, account
            method = MiniCex.Confirmation.PASSWORD
        else:
            code = "".join(ch for ch in str(code) if ch.isdigit())
            if not form.code_hash or form.code_expires_at is None or form.code_expires_at <= timezone.now():
                raise ValidationError({"code": _("Koden har gått ut. Skicka en ny kod.")})
            if form.code_attempts >= CODE_MAX_ATTEMPTS:
                raise ValidationError({"code": _("För många felaktiga försök. Skicka en ny kod.")})
            if not hmac.compare_digest(form.code_hash, _code_hash(form, code)):
                # Committed before the error is raised, so a wrong guess counts.
                form.code_attempts += 1
                form.save(update_fields=["code_attempts"])
                wrong = _("Koden stämmer inte. Kontrollera den och försök igen.")
            else:
                method = MiniCex.Confirmation.CODE
                form.code_hash = ""
        if wrong is None:
            form.assessor_confirmed_at = timezone.now()
            form.assessor_confirmed_by = method
            _save(form)
            _record(form, by, "assessor_confirmed",
                    note=f"{form.get_assessor_confirmed_by_display()}: {form.assessor_email}",
                    actor_label=_assessor_label(form))
    if wrong is not None:
        raise ValidationError({"code": wrong})
    return form


# --- the assessor's side ----------------------------------------------------------------------------


def form_for_token(form_id, token: str) -> MiniCex | None:
    """The form a link belongs to, if the token is this form's current one (expired or not)."""
    if not token or len(token) > 200:
        return None
    return (MiniCex.objects.select_related("definition", "trainee")
            .filter(pk=form_id, link_token_hash=hash_token(token)).first())


def _assessor_may_write(form: MiniCex, by, *, via_link: bool, token: str) -> None:
    if form.state != form.S.AWAITING_ASSESSOR:
        raise MiniCexError(_("Bedömningen är redan inskickad eller avbruten."))
    if via_link:
        # Checked again under the row lock: a link resent or extended meanwhile has a new token.
        if not token or not form.link_is_live or not hmac.compare_digest(form.link_token_hash, hash_token(token)):
            raise PermissionDenied
        return
    if by.has_perm("minicex.assess_with_account", form):
        # Signed in as the assessor: their own practice-day form, or a sent form while its link is valid.
        if form.mode == form.Mode.SAME_DEVICE or form.link_is_live:
            return
        raise PermissionDenied
    if form.is_on_trainee_device and is_form_trainee(by, form) and form.assessor_confirmed_at is not None:
        # On the trainee's device, after the assessor confirmed who they are.
        if form.device_confirmation_current:
            return
        raise MiniCexError(_("Bekräftelsen av bedömaren har gått ut. Bekräfta igen med en ny kod eller lösenordet."))
    raise PermissionDenied


def minicex_assessor_save(*, form: MiniCex, by, values: dict, submit: bool, via_link: bool = False,
                          token: str = "") -> MiniCex:
    """Save the assessor's part; with submit=True it must be complete and the form goes to the trainee.

    `via_link` is True when the request came with the form's token (the assessor has no session)."""
    with transaction.atomic():
        form = _locked(form)
        _assessor_may_write(form, by, via_link=via_link, token=token)
        cleaned = clean_assessment(form.definition, values, complete=submit)
        for field, value in cleaned.items():
            setattr(form, field, value)
        label = _assessor_label(form)
        actor = by if not via_link and is_form_assessor(by, form) else None
        if submit:
            if form.case_id is not None and form.performed_on > timezone.localdate():
                # A practice-day form (one started before that rule existed): its patient is not seen yet.
                raise MiniCexError(_("Bedömningen kan skickas in från och med praktikdagen."))
            before = _transition(form, "assess", _("Bedömningen kan inte skickas in i detta skede."))
            if via_link:
                form.assessor_confirmed_at = form.assessor_confirmed_at or timezone.now()
                form.assessor_confirmed_by = form.assessor_confirmed_by or MiniCex.Confirmation.LINK
            _save(form)
            _record(form, actor, "assessed", from_state=before, actor_label=label)
            write_mail(DELIVER, "assessed", str(form.pk))
        else:
            _save(form)
            recent = form.events.filter(action="assessor_draft_saved", at__gt=timezone.now() - timedelta(minutes=settings.MINICEX_DRAFT_EVENT_MINUTES))
            if not recent.exists():
                _record(form, actor, "assessor_draft_saved", actor_label=label)
    return form


# --- after the assessment ------------------------------------------------------------------------------


def minicex_save_action_plan(*, form: MiniCex, by, values: dict, complete: bool) -> MiniCex:
    """The trainee's action plan (and reflection); complete=True locks the form for good."""
    with transaction.atomic():
        form = _locked(form)
        _require(by, "minicex.act_as_trainee", form)
        if form.state != form.S.ASSESSED:
            raise MiniCexError(_("Handlingsplanen kan bara skrivas när bedömaren har skickat in formuläret."))
        errors = {}
        for field in ("action_plan", "reflection", "case_description"):
            if field not in values:
                continue
            text = without_nul(values.get(field)).strip()
            if len(text) > 5000:
                errors[field] = _("Texten får vara högst %(n)s tecken.") % {"n": 5000}
            setattr(form, field, text)
        if complete and not form.action_plan:
            errors["action_plan"] = _("Skriv din handlingsplan innan du låser formuläret.")
        if errors:
            raise ValidationError(errors)
        if complete:
            before = _transition(form, "complete", _("Formuläret kan inte låsas i detta skede."))
            _save(form)
            _record(form, by, "completed", from_state=before)
        else:
            _save(form)
            _record(form, by, "edited")
    return form


def _display(form: MiniCex, field: str, value) -> str:
    """A field's value as the form shows it, for the amendment's before/after."""
    d = form.definition
    if field == "performed_on":
        return value.isoformat() if value else ""
    if field == "difficulty":
        return d.difficulty_text(value)
    if field == "focus":
        return ", ".join(d.focus_text(value))
    if field == "goals":
        return ", ".join(value or ())
    if field == "free_goals":
        return "; ".join(value or ())
    if field == "curriculum":
        cur = d.curriculum(value)
        return cur["label"] if cur else value
    return str(value or "")


def minicex_amend(*, form: MiniCex, by, values: dict, reason: str, requested_by: str) -> MiniCex:
    """A coordinator's correction of a submitted form, at a supervisor's request. Stores the diff."""
    reason = without_nul(reason).strip()
    requested_by = without_nul(requested_by).strip()
    with transaction.atomic():
        form = _locked(form)
        _require(by, "minicex.amend_form", form)
        if not can_proceed(form.amend):
            raise MiniCexError(_("Bara inskickade formulär kan ändras av koordinatorn."))
        errors = {}
        if not reason:
            errors["reason"] = _("Ange varför formuläret ändras.")
        if not requested_by:
            errors["requested_by"] = _("Ange vilken handledare som begärde ändringen.")
        elif len(requested_by) > 150:
            errors["requested_by"] = _("Namnet får vara högst 150 tecken.")
        try:
            trainee_part = clean_trainee_part(form.definition, {**{f: getattr(form, f) for f in TRAINEE_FIELDS}, **values})
        except ValidationError as exc:
            errors.update(exc.message_dict)
            trainee_part = {}
        try:
            assessment = clean_assessment(form.definition, {**{f: getattr(form, f) for f in ASSESSOR_FIELDS}, **values},
                                          complete=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            assessment = {}
        plan = without_nul(values.get("action_plan", form.action_plan)).strip()
        if form.state == form.S.COMPLETED and not plan:
            errors["action_plan"] = _("Handlingsplanen kan inte tömmas på ett låst formulär.")
        if errors:
            raise ValidationError(errors)
        new = {**trainee_part, **assessment, "action_plan": plan}
        changes = {}
        for field in AMENDABLE_FIELDS:
            before, after = getattr(form, field), new[field]
            if field == "ratings":
                for item in form.definition.rated_items:
                    key = item["key"]
                    if before.get(key) != after.get(key):
                        changes[f"ratings.{key}"] = [form.definition.level_label(before.get(key)),
                                                     form.definition.level_label(after.get(key))]
            elif before != after:
                changes[field] = [_display(form, field, before), _display(form, field, after)]
        if not changes:
            raise MiniCexError(_("Inga ändringar att spara."))
        for field in AMENDABLE_FIELDS:
            setattr(form, field, new[field])
        form.amend()
        _save(form)
        note = _("Begärt av %(name)s. Skäl: %(reason)s") % {"name": requested_by, "reason": reason}
        _record(form, by, "amended", note=note, changes=changes)
        write_mail(DELIVER, "amended", str(form.pk))
    return form


# --- Mitt-i-ST: the evaluator's forms on the practice day -------------------------------------------------


def minicex_start_for_case(*, case, by, clinical_context: str, performed_on: date | None = None) -> MiniCex:
    """The case's evaluator assesses the trainee with a sitting-in patient, on their own device.

    The form belongs to the trainee (who adds reflection and action plan afterwards) and to the case."""
    if not is_case_evaluator(by, case):
        raise PermissionDenied
    definition = current_definition("st")
    curriculum = case.curriculum if definition.curriculum(case.curriculum) else definition.curricula[0]["key"]
    with transaction.atomic():
        form = MiniCex(
            definition=definition, trainee=case.trainee, created_by=by, case=case,
            performed_on=performed_on or (case.practice_day or timezone.localdate()),
            clinical_context=clinical_context[:300], curriculum=curriculum,
            assessor_user=by, assessor_name=by.full_name, assessor_email=by.email,
        )
        form.save()
        form.hand_over()
        form.assessor_confirmed_at = timezone.now()
        form.assessor_confirmed_by = MiniCex.Confirmation.ACCOUNT
        _save(form)
        _record(form, by, "created", note=str(case.pk), from_state=MiniCex.S.DRAFT)
    return form
