"""Writes to a doctor's training details (TrainingProfile), and the coordinator adding a doctor.

The yearly mini-CEX minimum is counted from these details (start date, part-time percentage), so
they are checked here the same way whoever saves them.
"""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mittist.accounts.models import AccountEvent, Role
from mittist.accounts.rules import is_trainee
from mittist.text import without_nul

from .models import FormDefinition, Programme, TrainingProfile

User = get_user_model()
WELCOME_TEMPLATE = "trainee_welcome"


def curricula_by_programme() -> dict[str, list[dict]]:
    """{"st": [{"key", "label"}, …], "bt": […]} from the form versions in use, newest first."""
    found: dict[str, dict[str, dict]] = {p: {} for p in Programme.values}
    for definition in FormDefinition.objects.order_by("-is_active", "-created_at"):
        for curriculum in definition.curricula:
            found.setdefault(definition.kind, {}).setdefault(curriculum["key"], curriculum)
    return {kind: list(by_key.values()) for kind, by_key in found.items()}


def clean_training(values: dict) -> dict:
    errors = {}
    programme = str(values.get("programme") or "")
    if programme not in Programme.values:
        errors["programme"] = _("Välj ST eller BT.")
    curriculum = str(values.get("curriculum") or "")
    keys = [c["key"] for c in curricula_by_programme().get(programme, [])]
    if not errors.get("programme") and curriculum not in keys:
        errors["curriculum"] = _("Välj en målbeskrivning som hör till den valda utbildningen.")
    start = values.get("training_start")
    if not isinstance(start, date):
        errors["training_start"] = _("Ange datum då utbildningen startade.")
    elif start.year < 1970:
        errors["training_start"] = _("Ange ett datum från år 1970 eller senare.")
    elif start > timezone.localdate() + timedelta(days=366):
        errors["training_start"] = _("Startdatumet får ligga högst ett år fram i tiden.")
    percent = values.get("part_time_percent")
    if isinstance(percent, bool) or not isinstance(percent, int) or not 10 <= percent <= 100:
        errors["part_time_percent"] = _("Ange tjänstgöringsgraden som ett heltal mellan 10 och 100.")
    if errors:
        raise ValidationError(errors)
    return {"programme": programme, "curriculum": curriculum, "training_start": start,
            "part_time_percent": percent}


def training_profile_save(*, user, by, values: dict) -> TrainingProfile:
    """Create or update a doctor's training details: by the doctor or by a coordinator.

    No audit row: these are the doctor's own settings, changing no one else's data, and every
    count computed from them is recomputed on each page view, so nothing past depends on them."""
    if by.pk != user.pk and not by.has_perm("minicex.manage_training"):
        raise PermissionDenied
    if not is_trainee(user):
        raise PermissionDenied
    cleaned = clean_training(values)
    with transaction.atomic():
        profile, _created = TrainingProfile.objects.select_for_update().update_or_create(user=user, defaults=cleaned)
    return profile


def trainee_add(*, by, values: dict):
    """The coordinator adds an ST or BT doctor who has no Mitt-i-ST case: an account (no password yet)
    with training details, and the welcome mail with a link to choose a password."""
    from mittist.accounts.services import queue_set_password_mail

    if not by.has_perm("minicex.manage_training"):
        raise PermissionDenied
    errors = {}
    name = without_nul(values.get("full_name")).strip()
    if not name:
        errors["full_name"] = _("Ange läkarens namn.")
    elif len(name) > 150:
        errors["full_name"] = _("Namnet får vara högst 150 tecken.")
    email = str(values.get("email") or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Ange en giltig e-postadress.")
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors["email"] = _("Det finns redan ett konto med den e-postadressen.")
    try:
        cleaned = clean_training(values)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=None, full_name=name, role=Role.TRAINEE)
        TrainingProfile.objects.create(user=user, **cleaned)
        AccountEvent.record(user, by, AccountEvent.Action.CREATED, note=Role.TRAINEE)
        queue_set_password_mail(user, template=WELCOME_TEMPLATE)
    return user
