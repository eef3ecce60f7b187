import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import Evaluation


class PracticeDayProposal(models.Model):
    """A date the trainee (or the evaluator) suggests for the practice day; the other side answers."""

    class Status(models.TextChoices):
        OPEN = "open", _("Föreslagen")
        ACCEPTED = "accepted", _("Bekräftad")
        DECLINED = "declined", _("Inte möjlig")
        WITHDRAWN = "withdrawn", _("Återtagen")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="practice_day_proposals")
    day = models.DateField(_("datum"))
    note = models.CharField(_("kommentar"), max_length=500, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "proposed_at"]

    def __str__(self):
        return f"{self.day} ({self.get_status_display()})"


class CalendarInvite(models.Model):
    """The practice day as one calendar event: the same UID for its whole life, SEQUENCE rises per change."""

    case = models.OneToOneField(Evaluation, on_delete=models.CASCADE, related_name="calendar_invite")
    uid = models.CharField(max_length=100, unique=True)
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.uid} #{self.sequence}"


class Programme(models.Model):
    """The practice day's schedule, edited by trainee and evaluator; a version number guards edits."""

    case = models.OneToOneField(Evaluation, on_delete=models.CASCADE, related_name="programme")
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self):
        return f"{self.case_id} v{self.version}"


class ProgrammeItem(models.Model):
    class Kind(models.TextChoices):
        INTRODUCTION = "introduction", _("Genomgång av dagen och visning av vårdcentralen")
        SITTING_IN = "sitting_in", _("Medsittning, patient")
        LUNCH = "lunch", _("Lunch tillsammans")
        PORTFOLIO_REVIEW = "portfolio_review", _("Genomgång av portföljen")
        RECORDINGS_REVIEW = "recordings_review", _("Genomgång av inspelade konsultationer")
        SUPERVISOR_TALK = "supervisor_talk", _("Samtal med handledaren")
        MANAGER_TALK = "manager_talk", _("Samtal med chefen")
        DIRECTOR_TALK = "director_talk", _("Samtal med studierektor")
        CLOSING_TALK = "closing_talk", _("Avslutande samtal med återkoppling")
        OTHER = "other", _("Annat")

    class AgeBand(models.TextChoices):
        CHILD = "child", _("Barn (0–17 år)")
        ADULT = "adult", _("Vuxen (18–64 år)")
        OLDER = "older", _("Äldre (65 år eller mer)")

    class Urgency(models.TextChoices):
        ACUTE = "acute", _("Akut")
        PLANNED = "planned", _("Planerat")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="items")
    start = models.TimeField(_("start"))
    end = models.TimeField(_("slut"))
    kind = models.CharField(_("moment"), max_length=30, choices=Kind.choices)
    # Sitting-in patients are described only by attributes that identify no one.
    age_band = models.CharField(_("ålder"), max_length=10, choices=AgeBand.choices, blank=True)
    urgency = models.CharField(_("akut eller planerat"), max_length=10, choices=Urgency.choices, blank=True)
    several_chronic = models.BooleanField(_("flera kroniska sjukdomar"), default=False)
    return_visit = models.BooleanField(_("återbesök hos ST-läkaren"), default=False)
    note = models.CharField(_("anteckning"), max_length=200, blank=True)
    # The evaluator's mini-CEX of this sitting-in patient; the form outlives the slot.
    minicex = models.OneToOneField(
        "minicex.MiniCex", on_delete=models.SET_NULL, null=True, blank=True, related_name="programme_item"
    )

    class Meta:
        ordering = ["start", "end"]

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M} {self.get_kind_display()}"


class ReminderQuerySet(models.QuerySet):
    def due(self, today):
        """Everything whose day has come and that is neither sent nor cancelled: one indexed query."""
        return self.filter(send_on__lte=today, sent_at__isnull=True, cancelled_at__isnull=True)


class Reminder(models.Model):
    """One reminder e-mail about one deadline of one case. Claimed atomically, so sent exactly once."""

    class Kind(models.TextChoices):
        # The names scheduling.reminders.KINDS plans by; the labels are what the admin shows.
        ASSIGNMENT_ANSWER_ON_DAY = "assignment_answer_on_day", _("Svar på förfrågan: sista dagen (värderaren)")
        ASSIGNMENT_ANSWER_OVERDUE = "assignment_answer_overdue", _("Svar på förfrågan: försenat (kansliet)")
        CONTACT_BEFORE = "contact_before", _("Kontakt: före tidsgränsen (ST-läkaren)")
        CONTACT_ON_DAY = "contact_on_day", _("Kontakt: sista dagen (ST-läkaren)")
        CONTACT_OVERDUE = "contact_overdue", _("Kontakt: försenad (kansliet)")
        PRACTICE_DAY_NOT_AGREED = "practice_day_not_agreed", _("Praktikdag inte bestämd (ST-läkaren och värderaren)")
        SUPERVISOR_STATEMENT_FIRST = "supervisor_statement_first", _("Handledarens utlåtande: första påminnelsen")
        SUPERVISOR_STATEMENT_SECOND = "supervisor_statement_second", _("Handledarens utlåtande: andra påminnelsen")
        MATERIAL_BEFORE = "material_before", _("Material: före tidsgränsen (ST-läkaren)")
        MATERIAL_ON_DAY = "material_on_day", _("Material: sista dagen (ST-läkaren)")
        MATERIAL_OVERDUE = "material_overdue", _("Material: försenat (värderaren och kansliet)")
        REPORT_BEFORE = "report_before", _("Rapport: före tidsgränsen (värderaren)")
        REPORT_ON_DAY = "report_on_day", _("Rapport: sista dagen (värderaren)")
        REPORT_OVERDUE = "report_overdue", _("Rapport: försenad (kansliet)")
        SURVEY = "survey", _("Utvärdering (ST-läkaren)")

    case = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("ärende"))
    kind = models.CharField(_("påminnelse"), max_length=40, choices=Kind.choices)
    due_on = models.DateField(_("tidsgräns"))  # the deadline it is about
    send_on = models.DateField(_("skickas"))
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("inställd"), null=True, blank=True)
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["send_on", "id"]
        verbose_name = _("påminnelse")
        verbose_name_plural = _("påminnelser")
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "due_on"], name="one_reminder_per_deadline"),
        ]
        indexes = [
            models.Index(
                fields=["send_on"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="reminder_pending_send_on",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_on} → {self.send_on}"
