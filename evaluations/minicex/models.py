"""Mini-CEX: the printed form as versioned data, one filled-in form per exercise, and its audit trail.

A form's life: the trainee writes their part (draft), hands it to an assessor who is present or sends
it by e-mail link (awaiting the assessor), the assessor rates and submits (assessed), the trainee adds
their action plan and the form locks (completed). After that only a coordinator can amend it, and
every change is kept as a diff in `MiniCexEvent`.
"""

import hashlib
import math
import secrets
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from evaluations.models import AuditEvent
from mittist.accounts.rules import is_coordinator

NOT_OBSERVED = "na"


def device_confirmation_lifetime() -> timedelta:
    return timedelta(hours=settings.MINICEX_DEVICE_CONFIRMATION_HOURS)


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits; only its hash is stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Programme(models.TextChoices):
    ST = "st", _("ST")
    BT = "bt", _("BT")


class FormDefinition(models.Model):
    """One printing of a mini-CEX form: its labels, goals and scale. Used forms are never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.SlugField(_("nyckel"), max_length=40, unique=True)
    kind = models.CharField(_("utbildning"), max_length=2, choices=Programme.choices)
    name = models.CharField(_("namn"), max_length=100)
    is_active = models.BooleanField(_("används för nya formulär"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    title = models.CharField(_("rubrik"), max_length=200)
    subtitle = models.CharField(_("underrubrik"), max_length=200, blank=True)
    trainee_label = models.CharField(max_length=60)
    assessor_label = models.CharField(max_length=60)
    date_label = models.CharField(max_length=60)
    difficulty_label = models.CharField(max_length=60)
    focus_label = models.CharField(max_length=100)
    context_label = models.CharField(max_length=100)
    suggestions_label = models.CharField(max_length=300)
    definitions_label = models.CharField(max_length=300)
    not_observed_label = models.CharField(max_length=60)
    summary_label = models.CharField(max_length=300)
    action_plan_label = models.CharField(max_length=100)
    # [{"key", "label"}]
    difficulties = models.JSONField(default=list)
    focus_options = models.JSONField(default=list)
    rated_items = models.JSONField(default=list)
    # [{"value": 1.., "label", "definition"}], lowest first
    scale = models.JSONField(default=list)
    # [{"key", "label", "goals": [{"code", "label"}], "free_goal_code", "free_goal_slots"}]
    curricula = models.JSONField(default=list)

    class Meta:
        ordering = ["kind", "-created_at"]
        verbose_name = _("formulärversion")
        verbose_name_plural = _("formulärversioner")

    def __str__(self):
        return f"{self.name} ({self.key})"

    @property
    def top_level(self) -> int:
        return max(level["value"] for level in self.scale)

    def curriculum(self, key: str) -> dict | None:
        return next((c for c in self.curricula if c["key"] == key), None)

    def level_label(self, value) -> str:
        if value == NOT_OBSERVED:
            return self.not_observed_label
        return next((lvl["label"] for lvl in self.scale if lvl["value"] == value), "")

    def difficulty_text(self, key: str) -> str:
        return next((d["label"] for d in self.difficulties if d["key"] == key), "")

    def focus_text(self, keys) -> list[str]:
        return [f["label"] for f in self.focus_options if f["key"] in set(keys or ())]


class TrainingProfile(models.Model):
    """What the counts need to know about a doctor in training: ST or BT, since when, and how much."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training")
    programme = models.CharField(_("utbildning"), max_length=2, choices=Programme.choices, default=Programme.ST)
    curriculum = models.CharField(_("målbeskrivning"), max_length=10, default="2021")
    training_start = models.DateField(_("utbildningen startade"))
    part_time_percent = models.PositiveSmallIntegerField(
        _("tjänstgöringsgrad i procent"), default=100, validators=[MinValueValidator(10), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("utbildningsuppgifter")
        verbose_name_plural = _("utbildningsuppgifter")

    def __str__(self):
        return f"{self.user} {self.programme} {self.part_time_percent}%"

    @property
    def yearly_minimum(self) -> int:
        # Two a year, pro rata for part-time, rounded up: half of one exercise is not an exercise.
        return max(1, math.ceil(2 * self.part_time_percent / 100))


class MiniCexQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The forms a user may open at all; anything else answers 404."""
        if not user.is_authenticated:
            return self.none()
        # The permission `minicex.view_form` (minicex/rules.py) as a query; tests/test_permission_policy.py
        # checks the two agree.
        if user.is_superuser or is_coordinator(user):
            return self
        # A senior trainee may assess a junior one (seed 004), so both sides apply to every role.
        return self.filter(
            models.Q(trainee=user) | (models.Q(assessor_user=user) & ~models.Q(state=MiniCex.State.DRAFT))
        )

    def counted(self):
        """The forms that count towards the yearly minimum: completed ones."""
        return self.filter(state=MiniCex.State.COMPLETED)


class MiniCex(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        AWAITING_ASSESSOR = "awaiting_assessor", _("Hos bedömaren")
        ASSESSED = "assessed", _("Bedömd, handlingsplan saknas")
        COMPLETED = "completed", _("Klar")
        CANCELLED = "cancelled", _("Avbruten")

    class Mode(models.TextChoices):
        SAME_DEVICE = "same_device", _("På samma enhet")
        EMAIL_LINK = "email_link", _("Via e-postlänk")

    class Confirmation(models.TextChoices):
        PASSWORD = "password", _("Lösenord")
        CODE = "code", _("Engångskod via e-post")
        ACCOUNT = "account", _("Inloggad som sig själv")
        LINK = "link", _("Personlig länk via e-post")

    S = State
    OPEN_STATES = [S.DRAFT, S.AWAITING_ASSESSOR]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    definition = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="forms")
    state = FSMField(_("status"), default=S.DRAFT, choices=State.choices, protected=True, db_index=True)
    mode = models.CharField(_("bedömningssätt"), max_length=20, choices=Mode.choices, blank=True)
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="minicex_forms", verbose_name=_("läkare")
    )
    # A form the evaluator fills in on the Mitt-i-ST practice day belongs to that case as well.
    case = models.ForeignKey(
        "evaluations.Evaluation", on_delete=models.SET_NULL, null=True, blank=True, related_name="minicex_forms"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # Raised by every save of a text part: an edit based on an older version is refused, not merged.
    version = models.PositiveIntegerField(default=0)

    # The trainee's part
    performed_on = models.DateField(_("datum"))
    clinical_context = models.CharField(_("kliniskt sammanhang"), max_length=300, blank=True)
    case_description = models.TextField(_("beskrivning av fallet"), max_length=5000, blank=True)
    reflection = models.TextField(_("egen reflektion"), max_length=5000, blank=True)
    curriculum = models.CharField(_("målbeskrivning"), max_length=10)
    goals = models.JSONField(_("delmål"), default=list, blank=True)
    free_goals = models.JSONField(_("egna delmål"), default=list, blank=True)
    focus = models.JSONField(_("fokus för bedömningen"), default=list, blank=True)

    # Who assesses
    assessor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="minicex_assessed"
    )
    assessor_name = models.CharField(_("bedömarens namn"), max_length=150)
    assessor_email = models.EmailField(_("bedömarens e-post"))
    assessor_confirmed_at = models.DateTimeField(null=True, blank=True)
    assessor_confirmed_by = models.CharField(max_length=10, choices=Confirmation.choices, blank=True)

    # The assessor's part
    difficulty = models.CharField(_("svårighetsgrad"), max_length=10, blank=True)
    ratings = models.JSONField(_("bedömning"), default=dict, blank=True)
    summary = models.TextField(_("sammanfattning"), max_length=5000, blank=True)
    suggestions = models.TextField(_("bedömarens förslag"), max_length=5000, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)

    # The trainee's action plan, which completes (locks) the form
    action_plan = models.TextField(_("egen handlingsplan"), max_length=5000, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    # The assessor's e-mail link: one live token at a time, only its hash kept.
    link_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    link_sent_at = models.DateTimeField(null=True, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    link_extended_at = models.DateTimeField(null=True, blank=True)

    # The one-time code that confirms an assessor on the trainee's device.
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)

    objects = MiniCexQuerySet.as_manager()

    class Meta:
        ordering = ["-performed_on", "-created_at"]
        verbose_name = _("mini-CEX")
        verbose_name_plural = _("mini-CEX")
        indexes = [models.Index(fields=["trainee", "performed_on"], name="minicex_trainee_date")]

    def __str__(self):
        return f"Mini-CEX {self.performed_on} {self.trainee_id}"

    # --- transitions: they only change fields ------------------------------------------------------

    @transition(field=state, source=[S.DRAFT, S.AWAITING_ASSESSOR], target=S.AWAITING_ASSESSOR)
    def send_to_assessor(self, token_hash: str, now, lifetime) -> None:
        self.mode = self.Mode.EMAIL_LINK
        self.assessor_confirmed_at = None
        self.assessor_confirmed_by = ""
        self.link_token_hash = token_hash
        self.link_sent_at = now
        self.link_expires_at = now + lifetime
        self.link_extended_at = None

    @transition(field=state, source=[S.DRAFT, S.AWAITING_ASSESSOR], target=S.AWAITING_ASSESSOR)
    def hand_over(self) -> None:
        # Handing over the device ends any link already sent: one assessor fills in one form.
        self.mode = self.Mode.SAME_DEVICE
        self.assessor_confirmed_at = None
        self.assessor_confirmed_by = ""
        self.link_token_hash = None
        self.link_expires_at = None

    @transition(field=state, source=S.AWAITING_ASSESSOR, target=S.ASSESSED)
    def assess(self) -> None:
        # The link's hash stays: whoever opens it again is told the assessment is in (the state
        # already stops any further writing through it).
        self.assessed_at = timezone.now()
        self.code_hash = ""

    @transition(field=state, source=S.ASSESSED, target=S.COMPLETED)
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(field=state, source=[S.DRAFT, S.AWAITING_ASSESSOR], target=S.CANCELLED)
    def cancel(self) -> None:
        self.cancelled_at = timezone.now()
        self.code_hash = ""

    @transition(field=state, source=[S.ASSESSED, S.COMPLETED], target=None)
    def amend(self) -> None:
        """A coordinator's correction; the changed fields are set by the service."""

    # --- reading -----------------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        return self.state in (self.S.COMPLETED, self.S.CANCELLED)

    @property
    def trainee_part_editable(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def link_is_live(self) -> bool:
        return (
            self.state == self.S.AWAITING_ASSESSOR
            and self.mode == self.Mode.EMAIL_LINK
            and self.link_token_hash is not None
            and self.link_expires_at is not None
            and self.link_expires_at > timezone.now()
        )

    @property
    def link_expired(self) -> bool:
        return (
            self.state == self.S.AWAITING_ASSESSOR
            and self.mode == self.Mode.EMAIL_LINK
            and self.link_expires_at is not None
            and self.link_expires_at <= timezone.now()
        )

    @property
    def can_extend_link(self) -> bool:
        return self.mode == self.Mode.EMAIL_LINK and self.state == self.S.AWAITING_ASSESSOR and not self.link_extended_at

    @property
    def is_on_trainee_device(self) -> bool:
        """Handed to an assessor on the trainee's device. A form its assessor fills in on their own
        account (the Mitt-i-ST evaluator's) is same-device too, but not on the trainee's."""
        return (
            self.state == self.S.AWAITING_ASSESSOR
            and self.mode == self.Mode.SAME_DEVICE
            and self.assessor_confirmed_by != self.Confirmation.ACCOUNT
        )

    @property
    def device_confirmation_current(self) -> bool:
        """An assessor confirmed on the trainee's device may fill in the form for two hours: enough for the
        exercise and its feedback, and the device is not left open to the trainee for the rest of the day."""
        return (
            self.assessor_confirmed_at is not None
            and self.assessor_confirmed_by in (self.Confirmation.CODE, self.Confirmation.PASSWORD)
            and self.assessor_confirmed_at > timezone.now() - device_confirmation_lifetime()
        )

    @property
    def link_extension_offered(self) -> bool:
        """The button shows in the link's last three days: the one extension counts from the day it is used,
        so using it early would waste most of it."""
        return self.can_extend_link and self.link_expires_at is not None and (
            self.link_expires_at - timezone.now() <= timedelta(days=settings.MINICEX_LINK_EXTEND_WINDOW_DAYS)
        )

    @property
    def curriculum_definition(self) -> dict:
        return self.definition.curriculum(self.curriculum) or {"label": "", "goals": [], "free_goal_code": ""}

    def goal_rows(self) -> list[dict]:
        """Every printed goal of the curriculum with whether it is ticked, then the written-in ones."""
        cur = self.curriculum_definition
        chosen = set(self.goals or ())
        rows = [{"code": g["code"], "label": g["label"], "checked": g["code"] in chosen} for g in cur["goals"]]
        rows += [{"code": cur.get("free_goal_code", ""), "label": text, "checked": True} for text in self.free_goals or ()]
        return rows

    def chosen_goals(self) -> list[str]:
        return [f"{r['code']} – {r['label']}" if r["code"] else r["label"] for r in self.goal_rows() if r["checked"]]

    def rating_rows(self) -> list[dict]:
        return [
            {
                "key": item["key"],
                "label": item["label"],
                "value": self.ratings.get(item["key"]),
                "value_label": self.definition.level_label(self.ratings.get(item["key"])),
            }
            for item in self.definition.rated_items
        ]

    def training_year(self, training_start: date) -> int:
        """Which year of training (1, 2, …) the exercise fell in, counted from the start date."""
        years = self.performed_on.year - training_start.year
        if (self.performed_on.month, self.performed_on.day) < (training_start.month, training_start.day):
            years -= 1
        return years + 1


class MiniCexEvent(AuditEvent):
    """The audit trail of one form. `changes` holds an amendment's diff: {field: [before, after]}."""

    minicex = models.ForeignKey(MiniCex, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # An assessor through a link has no account: their name and e-mail as they gave them.
    actor_label = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    def __str__(self):
        # The raw action, as the admin has always listed it.
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def label(self):
        return EVENT_LABELS.get(self.action, self.action)

    @property
    def who(self) -> str:
        if self.actor_id:
            return self.actor.full_name
        return self.actor_label


EVENT_LABELS = {
    "created": _("Formuläret skapat"),
    "edited": _("Läkarens del ändrad"),
    "link_sent": _("Länk skickad till bedömaren"),
    "link_resent": _("Länken skickad igen"),
    "link_extended": _("Länken förlängd"),
    "handed_over": _("Lämnat till bedömaren på samma enhet"),
    "code_sent": _("Engångskod skickad till bedömaren"),
    "assessor_confirmed": _("Bedömaren bekräftad"),
    "assessor_draft_saved": _("Bedömaren sparade ett utkast"),
    "assessed": _("Bedömningen inskickad"),
    "completed": _("Handlingsplan tillagd, formuläret låst"),
    "cancelled": _("Formuläret avbrutet"),
    "amended": _("Ändrat av koordinator"),
}
