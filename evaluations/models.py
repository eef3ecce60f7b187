import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from mittist import crypto
from mittist.accounts.rules import is_coordinator, is_evaluator, is_quality_reviewer, is_trainee
from mittist.search import Fold


class Region(models.TextChoices):
    BLEKINGE = "blekinge", "Region Blekinge"
    DALARNA = "dalarna", "Region Dalarna"
    GOTLAND = "gotland", "Region Gotland"
    GAVLEBORG = "gavleborg", "Region Gävleborg"
    HALLAND = "halland", "Region Halland"
    JAMTLAND = "jamtland", "Region Jämtland Härjedalen"
    JONKOPING = "jonkoping", "Region Jönköpings län"
    KALMAR = "kalmar", "Region Kalmar län"
    KRONOBERG = "kronoberg", "Region Kronoberg"
    NORRBOTTEN = "norrbotten", "Region Norrbotten"
    SKANE = "skane", "Region Skåne"
    STOCKHOLM = "stockholm", "Region Stockholm"
    SORMLAND = "sormland", "Region Sörmland"
    UPPSALA = "uppsala", "Region Uppsala"
    VARMLAND = "varmland", "Region Värmland"
    VASTERBOTTEN = "vasterbotten", "Region Västerbotten"
    VASTERNORRLAND = "vasternorrland", "Region Västernorrland"
    VASTMANLAND = "vastmanland", "Region Västmanland"
    VASTRA_GOTALAND = "vastra_gotaland", "Västra Götalandsregionen"
    OREBRO = "orebro", "Region Örebro län"
    OSTERGOTLAND = "ostergotland", "Region Östergötland"


def choice_label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


class Curriculum(models.TextChoices):
    ST2015 = "2015", _("Målbeskrivning 2015")
    ST2021 = "2021", _("Målbeskrivning 2021")


def local_today() -> date:
    return timezone.localdate()


class Evaluator(models.Model):
    """An external evaluator (värderare) in SFAM's pool."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluator_profile", verbose_name=_("konto")
    )
    region = models.CharField(_("region"), max_length=30, choices=Region.choices)
    home_clinic = models.CharField(_("egen vårdcentral"), max_length=200)
    max_active_cases = models.PositiveSmallIntegerField(_("max antal pågående ärenden"), default=3)
    last_training_year = models.PositiveSmallIntegerField(
        _("år för senaste värderarutbildning"), null=True, blank=True
    )
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("värderare")
        verbose_name_plural = _("värderare")
        ordering = ["user__full_name"]

    def __str__(self):
        return self.user.full_name

    @property
    def name(self) -> str:
        return self.user.full_name

    @property
    def email(self) -> str:
        return self.user.email


class EvaluationQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(state__in=Evaluation.ENDED_STATES)

    def visible_to(self, user):
        """The cases a user may see at all; anything else answers 404.

        The permission `evaluations.view_case` (evaluations/rules.py) as a query: each branch is one term of
        `can_view_case`, and tests/test_permission_policy.py checks the two agree for every kind of user."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or is_coordinator(user):
            return self
        if is_trainee(user):
            return self.filter(trainee=user)  # is_case_trainee
        if is_evaluator(user):
            return self.filter(evaluator__user=user)  # is_case_evaluator
        if is_quality_reviewer(user):
            return self.filter(state__in=Evaluation.QUALITY_VISIBLE_STATES)  # case_is_reviewable
        return self.none()

    def with_related(self):
        return self.select_related("trainee", "evaluator__user")

    def late(self):
        """Past their next deadline, or waiting for a practice day with material that came in late."""
        return self.filter(
            Q(next_due_on__lt=local_today())
            | Q(material_submitted_late=True, state__in=Evaluation.LATE_MATERIAL_STATES)
        )


class Evaluation(ConcurrentTransitionMixin, models.Model):
    """One trainee's Mitt-i-ST, from registration to closing."""

    class State(models.TextChoices):
        REGISTERED = "registered", _("Anmäld")
        EVALUATOR_ASSIGNED = "evaluator_assigned", _("Värderare tillfrågad")
        EVALUATOR_ACCEPTED = "evaluator_accepted", _("Värderare har accepterat")
        CONTACT_MADE = "contact_made", _("Kontakt tagen")
        PRACTICE_DAY_AGREED = "practice_day_agreed", _("Praktikdag bestämd")
        MATERIAL_SUBMITTED = "material_submitted", _("Material inskickat")
        PRACTICE_DAY_HELD = "practice_day_held", _("Praktikdag genomförd")
        REPORT_DELIVERED = "report_delivered", _("Rapport skickad")
        QUALITY_REVIEWED = "quality_reviewed", _("Kvalitetsgranskad")
        CERTIFIED = "certified", _("Intyg utfärdat")
        CLOSED = "closed", _("Avslutad")
        WITHDRAWN = "withdrawn", _("Avbruten")
        ON_HOLD = "on_hold", _("Vilande")
        REJECTED = "rejected", _("Anmälan avvisad")

    S = State
    # The main line, in order: the trainee's timeline and the dashboard follow it.
    PROCESS = [
        S.REGISTERED,
        S.EVALUATOR_ASSIGNED,
        S.EVALUATOR_ACCEPTED,
        S.CONTACT_MADE,
        S.PRACTICE_DAY_AGREED,
        S.MATERIAL_SUBMITTED,
        S.PRACTICE_DAY_HELD,
        S.REPORT_DELIVERED,
        S.QUALITY_REVIEWED,
        S.CERTIFIED,
        S.CLOSED,
    ]
    # The states a case ends in; rejected or withdrawn ends it without a Mitt-i-ST done. The one list
    # (the constraint in Meta cannot name it and spells it out; tests/evaluations/test_ended_states.py).
    ENDED_WITHOUT_COMPLETION_STATES = [S.WITHDRAWN, S.REJECTED]
    ENDED_STATES = [S.CLOSED, *ENDED_WITHOUT_COMPLETION_STATES]
    HOLDABLE_STATES = PROCESS[:-1]
    WITHDRAWABLE_STATES = [*PROCESS[:-1], S.ON_HOLD]
    # The evaluator can be replaced until the report exists (domain: the report belongs to one evaluator).
    REASSIGNABLE_STATES = PROCESS[1:7]
    QUALITY_VISIBLE_STATES = [S.REPORT_DELIVERED, S.QUALITY_REVIEWED, S.CERTIFIED, S.CLOSED]
    # Material that came in after its deadline is flagged as late until the practice day is held:
    # until then the evaluator has less time to read it, and the office follows it up.
    LATE_MATERIAL_STATES = [S.MATERIAL_SUBMITTED]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = FSMField(_("status"), default=S.REGISTERED, choices=State.choices, protected=True, db_index=True)
    state_before_hold = models.CharField(max_length=30, choices=State.choices, blank=True, editable=False)

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("ST-läkare")
    )
    # Registration (anmälan). The personnummer is never stored in clear text.
    personnummer_encrypted = models.TextField(editable=False)
    personnummer_hash = models.CharField(max_length=64, editable=False, db_index=True)
    personnummer_masked = models.CharField(_("personnummer"), max_length=15, editable=False)
    workplace = models.CharField(_("vårdcentral"), max_length=200)
    # The clinic as the dashboard's search compares it (mittist.search), kept by the database (see User).
    workplace_folded = models.GeneratedField(expression=Fold("workplace"), output_field=models.TextField(),
                                             db_persist=True)
    # Where the practice day is held: the evaluator travels there (registrations before it have none).
    workplace_address = models.CharField(_("vårdcentralens besöksadress"), max_length=300, blank=True)
    region = models.CharField(_("region"), max_length=30, choices=Region.choices)
    curriculum = models.CharField(_("målbeskrivning"), max_length=4, choices=Curriculum.choices)
    st_start = models.DateField(_("ST startade"))
    st_planned_end = models.DateField(_("planerat slut för ST"))
    supervisor_name = models.CharField(_("handledare"), max_length=150)
    supervisor_email = models.EmailField(_("handledarens e-post"))
    director_of_studies = models.CharField(_("studierektor"), max_length=150, blank=True)
    manager_name = models.CharField(_("chef"), max_length=150)
    manager_profession = models.CharField(_("chefens profession"), max_length=100)
    invoicing_address = models.TextField(_("fakturaadress"), max_length=500)
    registered_at = models.DateTimeField(_("anmäld"), default=timezone.now, editable=False)
    registration_accepted_at = models.DateTimeField(_("anmälan godkänd"), null=True, blank=True, editable=False)

    evaluator = models.ForeignKey(
        Evaluator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("värderare"),
    )
    evaluator_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    assignment_override_reason = models.TextField(blank=True, editable=False)
    # When the trainee was told who the evaluator is: the two-week contact deadline runs from here.
    evaluator_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    contact_made_on = models.DateField(_("kontakt tagen"), null=True, blank=True, editable=False)
    practice_day = models.DateField(_("praktikdag"), null=True, blank=True, editable=False)
    # When a practice day was first agreed (the deadline "Praktikdag överenskommen" was met then); kept when
    # a day that was not held is agreed again.
    practice_day_agreed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The SEQUENCE of the day's calendar event: 0 when first agreed, one up per move or new agreement
    # (None until a day is agreed). Kept here, set by the transitions, so that a downloaded .ics is
    # right the moment the day changes, whether or not the worker has sent the update yet.
    practice_day_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    material_submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    material_submitted_late = models.BooleanField(default=False, editable=False)
    practice_day_held_on = models.DateField(null=True, blank=True, editable=False)
    report_delivered_at = models.DateTimeField(null=True, blank=True, editable=False)
    report_delivered_late = models.BooleanField(default=False, editable=False)
    quality_reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    certified_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Only that the survey was answered: the answers themselves are stored apart, linked to nothing.
    survey_answered = models.BooleanField(default=False, editable=False)
    # The material (portfolio, recordings, programme) is deleted a while after the case ends.
    material_purge_notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    material_purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_reason = models.TextField(_("orsak"), blank=True, editable=False)
    hold_reason = models.TextField(blank=True, editable=False)
    # GDPR erasure (evaluations/personal_data.py): asked for by the trainee, carried out by the office. After it
    # the row is an anonymous tombstone for statistics: state, dates, region, curriculum.
    erasure_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Derived from the fields above on every write, so that lists can sort and filter by it in SQL.
    next_due_on = models.DateField(null=True, blank=True, editable=False, db_index=True)
    next_due_kind = models.CharField(max_length=30, blank=True, editable=False)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Mitt-i-ST-ärende")
        verbose_name_plural = _("Mitt-i-ST-ärenden")
        ordering = ["-registered_at"]
        constraints = [
            # One running Mitt-i-ST per person; the database enforces it even under concurrent sign-ups.
            # "Running": not in Evaluation.ENDED_STATES, which a Meta cannot name (a test keeps them equal).
            models.UniqueConstraint(
                fields=["personnummer_hash"],
                condition=~Q(state__in=["closed", "withdrawn", "rejected"]),
                name="one_active_case_per_personnummer",
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_due_on"]),
            # The dashboard's list in its order (next_due_on NULLS LAST, registered_at DESC), so that a page is
            # read off the index rather than sorted from every case: PostgreSQL's ascending index keeps nulls last.
            models.Index(fields=["next_due_on", "-registered_at"], name="evaluation_list_order"),
            # Its two queues, each in its own order: registrations to review and accepted ones without an evaluator.
            models.Index(fields=["registered_at"], name="evaluation_registration_queue",
                         condition=Q(state="registered", registration_accepted_at__isnull=True)),
            models.Index(fields=["registration_accepted_at"], name="evaluation_assignment_queue",
                         condition=Q(state="registered", registration_accepted_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.trainee.full_name} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("evaluations:case_detail", args=[self.pk])

    @property
    def state_fields(self):
        # django_fsm's own looks for its fields among all fifty on every instance made (a fifth of the time
        # the dashboard spends reading its 65 cases); `state` is the only one.
        return (self._meta.get_field("state"),)

    @property
    def practice_place(self) -> str:
        """The practice day's place on one line: the clinic and its visiting address."""
        address = ", ".join(line.strip() for line in self.workplace_address.splitlines() if line.strip())
        return f"{self.workplace}, {address}" if address else self.workplace

    # Django's own get_FOO_display builds a dict of every choice on each call, hashing each lazily
    # translated label (a gettext per state): about a millisecond a row on the dashboard. The enums
    # find the label directly.
    def get_state_display(self):
        return choice_label(self.State, self.state)

    def get_region_display(self):
        return choice_label(Region, self.region)

    # --- personnummer ---------------------------------------------------------------------------
    def set_personnummer(self, pnr) -> None:
        """Takes a parsed Personnummer; keeps only ciphertext, lookup hash and masked form."""
        self.personnummer_encrypted = crypto.encrypt(pnr.digits)
        self.personnummer_hash = crypto.lookup_hash(pnr.digits)
        self.personnummer_masked = pnr.masked

    def personnummer_clear(self) -> str:
        digits = crypto.decrypt(self.personnummer_encrypted)
        return f"{digits[:8]}-{digits[8:]}"

    # --- deadlines --------------------------------------------------------------------------------
    @property
    def assignment_answer_due(self) -> date | None:
        """The evaluator asked answers within MITTIST_ASSIGNMENT_ANSWER_DAYS of the request."""
        if self.state != self.State.EVALUATOR_ASSIGNED or not self.evaluator_assigned_at:
            return None
        asked = timezone.localdate(self.evaluator_assigned_at)
        return asked + timedelta(days=settings.MITTIST_ASSIGNMENT_ANSWER_DAYS)

    @property
    def contact_due(self) -> date | None:
        if not self.evaluator_notified_at:
            return None
        notified = timezone.localdate(self.evaluator_notified_at)
        return notified + timedelta(days=settings.MITTIST_CONTACT_DAYS)

    @property
    def material_due(self) -> date | None:
        if not self.practice_day:
            return None
        return self.practice_day - timedelta(days=settings.MITTIST_MATERIAL_DAYS_BEFORE)

    @property
    def report_due(self) -> date | None:
        if not self.practice_day:
            return None
        return (self.practice_day_held_on or self.practice_day) + timedelta(days=settings.MITTIST_REPORT_DAYS_AFTER)

    DUE_LABELS = {
        "answer": _("Värderarens svar"),
        "contact": _("Kontakt med värderaren"),
        "material": _("Material till värderaren"),
        "practice_day": _("Praktikdag"),
        "report": _("Rapport"),
    }

    def compute_next_due(self) -> tuple[str, date | None]:
        S = self.State
        if self.state == S.EVALUATOR_ASSIGNED:
            return "answer", self.assignment_answer_due
        if self.state == S.EVALUATOR_ACCEPTED:
            return "contact", self.contact_due
        if self.state == S.PRACTICE_DAY_AGREED:
            return "material", self.material_due
        if self.state == S.MATERIAL_SUBMITTED:
            return "practice_day", self.practice_day
        if self.state == S.PRACTICE_DAY_HELD:
            return "report", self.report_due
        return "", None

    def refresh_next_due(self) -> None:
        self.next_due_kind, self.next_due_on = self.compute_next_due()

    @property
    def next_due_label(self):
        return self.DUE_LABELS.get(self.next_due_kind, "")

    @property
    def is_overdue(self) -> bool:
        return bool(self.next_due_on and self.next_due_on < local_today())

    @property
    def material_late(self) -> bool:
        """The material came in after its deadline and the practice day is still to come (see late())."""
        return self.material_submitted_late and self.state in self.LATE_MATERIAL_STATES

    @property
    def is_late(self) -> bool:
        return self.is_overdue or self.material_late

    @property
    def days_left(self) -> int | None:
        if not self.next_due_on:
            return None
        return (self.next_due_on - local_today()).days

    @property
    def status_label(self):
        """The state as lists show it: a registration waiting for review and one approved look different."""
        if self.state == self.State.REGISTERED and self.registration_accepted_at:
            return _("Anmälan godkänd")
        if self.state == self.State.REGISTERED:
            return _("Anmäld, ej granskad")
        return self.get_state_display()

    @property
    def status_css(self) -> str:
        if self.state == self.State.REGISTERED and self.registration_accepted_at:
            return "registration_accepted"
        return self.state

    @property
    def ended_without_completion(self) -> bool:
        """Rejected or withdrawn: no Mitt-i-ST was done, and the trainee may register again."""
        return self.state in self.ENDED_WITHOUT_COMPLETION_STATES

    @property
    def is_ended(self) -> bool:
        return self.state in self.ENDED_STATES

    @property
    def trainee_texts_open(self) -> bool:
        """The trainee writes until the material is submitted (a coordinator can reopen it)."""
        return self.material_submitted_at is None and self.state not in self.ENDED_STATES

    def bump_practice_day_sequence(self) -> None:
        self.practice_day_sequence = 0 if self.practice_day_sequence is None else self.practice_day_sequence + 1

    # --- conditions -------------------------------------------------------------------------------
    def registration_is_accepted(self) -> bool:
        return self.registration_accepted_at is not None

    def registration_is_pending(self) -> bool:
        return self.registration_accepted_at is None

    def practice_day_has_come(self) -> bool:
        return self.practice_day is not None and self.practice_day <= local_today()

    def quality_review_pending(self) -> bool:
        return self.quality_reviewed_at is None

    @property
    def survey_due(self) -> date | None:
        if not self.certified_at:
            return None
        return timezone.localdate(self.certified_at) + timedelta(days=settings.MITTIST_SURVEY_DAYS_AFTER)

    def survey_time_is_up(self) -> bool:
        """The office may close without the survey once its deadline (and so its reminder) has passed."""
        due = self.survey_due
        return due is not None and due < local_today()

    # --- transitions: they only change fields; services lock, save, audit and notify -----------
    @transition(
        field=state,
        source=S.REGISTERED,
        target=S.REGISTERED,
        conditions=[registration_is_pending],
        permission="evaluations.manage_case",
        custom={"label": _("Godkänn anmälan")},
    )
    def accept_registration(self) -> None:
        self.registration_accepted_at = timezone.now()

    @transition(
        field=state,
        source=S.REGISTERED,
        target=S.REJECTED,
        conditions=[registration_is_pending],
        permission="evaluations.manage_case",
        custom={"label": _("Avvisa anmälan")},
    )
    def reject_registration(self, reason: str) -> None:
        self.ended_reason = reason
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=S.REGISTERED,
        target=S.EVALUATOR_ASSIGNED,
        conditions=[registration_is_accepted],
        permission="evaluations.manage_case",
        custom={"label": _("Tilldela värderare")},
    )
    def assign_evaluator(self, evaluator: Evaluator, override_reason: str = "") -> None:
        self.evaluator = evaluator
        self.evaluator_assigned_at = timezone.now()
        self.assignment_override_reason = override_reason

    @transition(
        field=state,
        source=S.EVALUATOR_ASSIGNED,
        target=S.EVALUATOR_ACCEPTED,
        permission="evaluations.act_as_evaluator",
        custom={"label": _("Acceptera uppdraget")},
    )
    def accept_assignment(self) -> None:
        self.evaluator_notified_at = timezone.now()

    @transition(
        field=state,
        source=S.EVALUATOR_ASSIGNED,
        target=S.REGISTERED,
        permission="evaluations.act_as_evaluator",
        custom={"label": _("Tacka nej till uppdraget")},
    )
    def decline_assignment(self, reason: str) -> None:
        self.evaluator = None
        self.evaluator_assigned_at = None
        self.assignment_override_reason = ""

    @transition(
        field=state,
        source=REASSIGNABLE_STATES,
        target=RETURN_VALUE(*REASSIGNABLE_STATES),
        permission="evaluations.manage_case",
        custom={"label": _("Byt värderare")},
    )
    def reassign_evaluator(self, evaluator: Evaluator, override_reason: str = "") -> str:
        self.evaluator = evaluator
        self.evaluator_assigned_at = timezone.now()
        self.assignment_override_reason = override_reason
        if self.state in (self.S.EVALUATOR_ASSIGNED, self.S.EVALUATOR_ACCEPTED):
            # Nothing agreed with the old evaluator yet: the new one is asked, like a first assignment.
            self.evaluator_notified_at = None
            return self.S.EVALUATOR_ASSIGNED
        # Later on the coordinator has agreed the replacement with the new evaluator beforehand;
        # the trainee is told the new name now, and agreed dates stay until someone moves them.
        self.evaluator_notified_at = timezone.now()
        return self.state

    @transition(
        field=state,
        source=S.EVALUATOR_ACCEPTED,
        target=S.CONTACT_MADE,
        permission="evaluations.act_as_trainee",
        custom={"label": _("Jag har kontaktat värderaren")},
    )
    def mark_contact_made(self, on: date) -> None:
        self.contact_made_on = on

    @transition(
        field=state,
        source=S.CONTACT_MADE,
        target=RETURN_VALUE(S.PRACTICE_DAY_AGREED, S.MATERIAL_SUBMITTED),
        permission="evaluations.act_in_case",
        custom={"label": _("Registrera överenskommen praktikdag")},
    )
    def agree_practice_day(self, on: date) -> str:
        self.practice_day = on
        self.practice_day_agreed_at = self.practice_day_agreed_at or timezone.now()
        # A day agreed again after one that was not held is a change of the same calendar event.
        self.bump_practice_day_sequence()
        # A new day after one that was not held: the material sent for it still stands.
        return self.S.MATERIAL_SUBMITTED if self.material_submitted_at else self.S.PRACTICE_DAY_AGREED

    @transition(
        field=state,
        source=[S.PRACTICE_DAY_AGREED, S.MATERIAL_SUBMITTED],
        target=RETURN_VALUE(S.PRACTICE_DAY_AGREED, S.MATERIAL_SUBMITTED),
        permission="evaluations.reschedule_practice_day",
        custom={"label": _("Flytta praktikdagen")},
    )
    def reschedule_practice_day(self, on: date, reason: str) -> str:
        self.practice_day = on
        self.bump_practice_day_sequence()
        # A day moved forward past submission may now make the material late; it stays as it was sent.
        return self.state

    @transition(
        field=state,
        source=S.PRACTICE_DAY_AGREED,
        target=S.MATERIAL_SUBMITTED,
        permission="evaluations.act_as_trainee",
        custom={"label": _("Skicka in materialet")},
    )
    def submit_material(self) -> None:
        self.material_submitted_at = timezone.now()
        due = self.material_due
        self.material_submitted_late = bool(due and timezone.localdate(self.material_submitted_at) > due)

    @transition(
        field=state,
        source=S.MATERIAL_SUBMITTED,
        target=S.PRACTICE_DAY_AGREED,
        permission="evaluations.manage_case",
        custom={"label": _("Öppna materialet igen")},
    )
    def reopen_material(self, reason: str) -> None:
        self.material_submitted_at = None
        self.material_submitted_late = False

    @transition(
        field=state,
        source=S.MATERIAL_SUBMITTED,
        target=S.PRACTICE_DAY_HELD,
        conditions=[practice_day_has_come],
        permission="evaluations.record_practice_day",
        custom={"label": _("Praktikdagen är genomförd")},
    )
    def mark_practice_day_held(self) -> None:
        self.practice_day_held_on = self.practice_day

    @transition(
        field=state,
        source=S.MATERIAL_SUBMITTED,
        target=S.CONTACT_MADE,
        conditions=[practice_day_has_come],
        permission="evaluations.record_practice_day",
        custom={"label": _("Praktikdagen blev inte av")},
    )
    def mark_practice_day_not_held(self, reason: str) -> None:
        # Back to agreeing a day, through the same proposals as the first time.
        self.practice_day = None

    @transition(
        field=state,
        source=S.PRACTICE_DAY_HELD,
        target=S.REPORT_DELIVERED,
        permission="evaluations.act_as_evaluator",
        custom={"label": _("Skicka rapporten")},
    )
    def deliver_report(self, at=None) -> None:
        self.report_delivered_at = at or timezone.now()
        due = self.report_due
        self.report_delivered_late = bool(due and timezone.localdate(self.report_delivered_at) > due)

    @transition(
        field=state,
        source=[S.REPORT_DELIVERED, S.CERTIFIED, S.CLOSED],
        target=RETURN_VALUE(S.QUALITY_REVIEWED, S.CERTIFIED, S.CLOSED),
        conditions=[quality_review_pending],
        permission="evaluations.review_quality",
        custom={"label": _("Registrera kvalitetsgranskning")},
    )
    def record_quality_review(self) -> str:
        self.quality_reviewed_at = timezone.now()
        # A certificate issued early (by the office) does not wait for the review, nor undo it.
        return self.S.QUALITY_REVIEWED if self.state == self.S.REPORT_DELIVERED else self.state

    @transition(
        field=state,
        source=[S.REPORT_DELIVERED, S.QUALITY_REVIEWED],
        target=S.CERTIFIED,
        permission="evaluations.manage_case",
        custom={"label": _("Utfärda intyg")},
    )
    def issue_certificate(self) -> None:
        self.certified_at = timezone.now()

    @transition(
        field=state,
        source=S.CERTIFIED,
        target=S.CLOSED,
        permission="evaluations.act_as_trainee",
        custom={"label": _("Skicka in utvärderingen")},
    )
    def close_after_survey(self) -> None:
        self.survey_answered = True
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=S.CERTIFIED,
        target=S.CLOSED,
        conditions=[survey_time_is_up],
        permission="evaluations.manage_case",
        custom={"label": _("Avsluta utan utvärdering")},
    )
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=WITHDRAWABLE_STATES,
        target=S.WITHDRAWN,
        permission="evaluations.manage_case",
        custom={"label": _("Avbryt ärendet")},
    )
    def withdraw(self, reason: str) -> None:
        self.ended_reason = reason
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=HOLDABLE_STATES,
        target=S.ON_HOLD,
        permission="evaluations.manage_case",
        custom={"label": _("Gör vilande")},
    )
    def put_on_hold(self, reason: str) -> None:
        self.state_before_hold = self.state
        self.hold_reason = reason

    @transition(
        field=state,
        source=S.ON_HOLD,
        target=RETURN_VALUE(*HOLDABLE_STATES),
        permission="evaluations.manage_case",
        custom={"label": _("Återuppta")},
    )
    def resume(self) -> str:
        previous = self.state_before_hold
        self.state_before_hold = ""
        self.hold_reason = ""
        return previous


class StateCount(models.Model):
    """How many cases are in `state`: kept exact by the database's triggers on the cases' table
    (evaluations/state_counts.py, migration 0012_full13_state_counts), never written by the app.
    The dashboard reads these few rows instead of counting every case."""

    state = models.CharField(max_length=50, primary_key=True)
    cases = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.state}: {self.cases}"


class AuditEvent(models.Model):
    """What every audit trail shares: its rows newest first, each shown as its time and its label.

    The fields stay on each trail: their options (lengths, verbose names) differ, and moving them would
    be a migration."""

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]
        verbose_name = _("händelse")
        verbose_name_plural = _("händelser")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.label}"


class CaseEvent(AuditEvent):
    """The audit trail: one row for every change to a case."""

    case = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="events", verbose_name=_("ärende"))
    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("utförd av"),
    )
    action = models.CharField(_("händelse"), max_length=50)
    from_state = models.CharField(_("från status"), max_length=30, blank=True)
    to_state = models.CharField(_("till status"), max_length=30, blank=True)
    note = models.TextField(_("anteckning"), blank=True)

    @classmethod
    def record(cls, case: Evaluation, by, action: str, *, from_state: str = "", note: str = "") -> "CaseEvent":
        return cls.objects.create(
            case=case,
            actor=by if by is not None and by.is_authenticated else None,
            action=action,
            from_state=from_state or case.state,
            to_state=case.state,
            note=note,
        )

    @property
    def label(self):
        return ACTION_LABELS.get(self.action, self.action)

    def from_state_label(self):
        return Evaluation.State(self.from_state).label if self.from_state else ""

    def to_state_label(self):
        return Evaluation.State(self.to_state).label if self.to_state else ""


ACTION_LABELS = {
    "mail_resent": _("E-post skickad igen"),
    "registered": _("Anmälan inkom"),
    "registration_accepted": _("Anmälan godkänd"),
    "registration_rejected": _("Anmälan avvisad"),
    "flagged_registration": _("Ny anmälan med samma personnummer, flaggad till kansliet"),
    "flagged_registration_rejected": _("Flaggad anmälan med samma personnummer avvisad"),
    "flagged_registration_accepted": _("Flaggad anmälan godkänd av kansliet"),
    "evaluator_assigned": _("Värderare tillfrågad"),
    "assignment_accepted": _("Värderaren accepterade"),
    "assignment_declined": _("Värderaren tackade nej"),
    "evaluator_reassigned": _("Värderare bytt"),
    "contact_made": _("Kontakt tagen med värderaren"),
    "practice_day_agreed": _("Praktikdag bestämd"),
    "practice_day_rescheduled": _("Praktikdagen flyttad"),
    "material_submitted": _("Material inskickat"),
    "material_reopened": _("Materialet öppnat igen"),
    "practice_day_held": _("Praktikdag genomförd"),
    "practice_day_not_held": _("Praktikdagen blev inte av"),
    "report_saved": _("Rapporten sparad"),
    "report_delivered": _("Rapport skickad"),
    "report_shared": _("Rapporten delad med länk"),
    "report_share_opened": _("Delad rapport öppnad"),
    "report_share_revoked": _("Länk till rapporten återkallad"),
    "quality_review_taken": _("Kvalitetsgranskning påbörjad"),
    "quality_review_released": _("Kvalitetsgranskning lämnad tillbaka till kön"),
    "quality_reviewed": _("Kvalitetsgranskning registrerad"),
    "certificate_issued": _("Intyg utfärdat"),
    "certificate_revoked": _("Intyg återkallat"),
    "closed": _("Ärendet avslutat"),
    "survey_answered": _("Utvärderingen besvarad, ärendet avslutat"),
    "material_purge_notice": _("Besked om radering av materialet skickat"),
    "material_purged": _("Materialet raderat hos SFAM"),
    "report_purge_notice": _("Besked om radering av rapporten skickat"),
    "report_purged": _("Rapporten raderad hos SFAM"),
    "withdrawn": _("Ärendet avbrutet"),
    "personal_data_exported": _("ST-läkaren hämtade sina personuppgifter"),
    "erasure_requested": _("ST-läkaren begärde radering av sina personuppgifter"),
    "erasure_request_withdrawn": _("Begäran om radering återtagen"),
    "personal_data_erased": _("Personuppgifterna raderade, ärendet anonymiserat"),
    "put_on_hold": _("Ärendet vilande"),
    "resumed": _("Ärendet återupptaget"),
}


class DeclinedAssignment(models.Model):
    """An evaluator said no to a case: to ask them again the office gives its reason
    (selectors.assignment_conflicts). Written by the service that declines, beside its audit row: the audit
    log is not read to decide this."""

    case = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="declines", verbose_name=_("ärende"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    declined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["declined_at", "id"]

    def __str__(self):
        return f"{self.case_id} {self.user_id} {self.declined_at:%Y-%m-%d}"


class PendingFileDeletion(models.Model):
    """A stored file (every version of it) that the purge has taken out of the database but that may still
    be in the storage. The sweep deletes it and then this row; a storage that fails keeps the row, and the
    next sweep tries again. Names are made by the server (case and random ids): they say nothing of the content.
    """

    name = models.CharField(_("filnamn"), max_length=300, unique=True)
    case = models.ForeignKey(
        Evaluation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("ärende")
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("försök"), default=0)
    last_tried_at = models.DateTimeField(_("senaste försök"), null=True, blank=True)
    last_error = models.CharField(_("senaste fel"), max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("fil som väntar på radering")
        verbose_name_plural = _("filer som väntar på radering")

    def __str__(self):
        return self.name


class ReadEvent(models.Model):
    """Someone other than the trainee read (viewed or downloaded) the case's sensitive material.

    Written by evaluations.readlog.record_read; identical reads close together raise `count` on one row
    instead of adding another, so a page reloaded ten times is one line in "Vem har läst"."""

    case = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="reads")
    at = models.DateTimeField(_("första läsningen"), default=timezone.now)
    last_at = models.DateTimeField(_("senaste läsningen"), default=timezone.now, db_index=True)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # For a reader without an account (a share link): whose link, as the trainee named them.
    reader_label = models.CharField(max_length=200, blank=True)
    what = models.CharField(max_length=40)
    detail = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-last_at", "-id"]
        verbose_name = _("läsning")
        verbose_name_plural = _("läsningar")
        indexes = [models.Index(fields=["case", "what", "last_at"])]

    def __str__(self):
        return f"{self.last_at:%Y-%m-%d %H:%M} {self.what}"


class PendingRegistrationQuerySet(models.QuerySet):
    def flagged(self):
        return self.filter(state=PendingRegistration.State.FLAGGED)


class PendingRegistration(models.Model):
    """A registration from the public form, kept until its e-mail address is confirmed.

    Nothing else exists until the link in the mail is followed: then the account and the case are made,
    or, when the personnummer already has an active case, the row waits as flagged in the office's queue.
    The link's token is stored only as its SHA-256; the password only as Django's hash; the personnummer
    as on a case (ciphertext, keyed hash, masked).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Väntar på bekräftelse av e-post")
        FLAGGED = "flagged", _("Flaggad: personnumret har ett pågående ärende")
        ACCEPTED = "accepted", _("Godkänd av kansliet")
        REJECTED = "rejected", _("Avvisad av kansliet")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    email = models.EmailField(_("e-post"))
    full_name = models.CharField(_("namn"), max_length=150)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    password_hash = models.CharField(max_length=128, editable=False)
    personnummer_encrypted = models.TextField(editable=False)
    personnummer_hash = models.CharField(max_length=64, editable=False, db_index=True)
    personnummer_masked = models.CharField(_("personnummer"), max_length=15, editable=False)
    case_fields = models.JSONField(default=dict, editable=False)

    # Flagged: the active case the personnummer already had when the address was confirmed.
    existing_case = models.ForeignKey(
        Evaluation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    objects = PendingRegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("anmälan som väntar")
        verbose_name_plural = _("anmälningar som väntar")

    def __str__(self):
        return f"{self.full_name} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("evaluations:flagged_registration", args=[self.pk])

    def set_personnummer(self, pnr) -> None:
        Evaluation.set_personnummer(self, pnr)

    def personnummer(self):
        from mittist.accounts.personnummer import parse_personnummer

        return parse_personnummer(Evaluation.personnummer_clear(self), today=local_today())

    def forget_secrets(self) -> None:
        """Once resolved, the row keeps who and when, not the password or the personnummer."""
        self.password_hash = ""
        self.personnummer_encrypted = ""
        self.token_hash = None
        self.case_fields = {}
