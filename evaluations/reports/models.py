"""The evaluator's report, the trainee's share links, and the quality group's review.

The report is kept at SFAM only as long as the review and the trainee's sharing need it: then its text,
its PDF and its share links are purged, and the row stays as a tombstone (dates, who delivered and
reviewed, when it was purged, and the SHA-256 of the delivered PDF, so that a PDF the trainee holds can
be confirmed as the genuine one).
"""

import hashlib
import secrets
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import Evaluation
from mittist.definitions import VersionedDefinition


class ReportTemplate(VersionedDefinition):
    """The report's sections as data. Kind "text" is one answer; "questions" is one answer under each of
    the trainee's questions from portfolio section B (`count` of them, keys <key>_1 … <key>_<count>)."""

    KINDS = ("text", "questions")

    class Meta(VersionedDefinition.Meta):
        verbose_name = _("rapportmall")
        verbose_name_plural = _("rapportmallar")

    def in_use(self) -> bool:
        return self.reports.exists()

    def answer_keys(self) -> list[str]:
        keys = []
        for item in self.items:
            if item.get("kind") == "questions":
                keys += [f"{item['key']}_{n}" for n in range(1, int(item.get("count", 3)) + 1)]
            else:
                keys.append(item["key"])
        return keys


class Report(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="report")
    template = models.ForeignKey(ReportTemplate, on_delete=models.PROTECT, related_name="reports")
    answers = models.JSONField(default=dict, blank=True)
    # The trainee's questions as they stood when the report was delivered: the delivered report reads
    # the same whatever happens to the portfolio afterwards.
    questions = models.JSONField(default=list, blank=True)
    # Every save raises it; a save based on an older version is a conflict, never an overwrite.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    delivered_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivered_by_name = models.CharField(max_length=150, blank=True)
    delivered_late = models.BooleanField(default=False)
    pdf = models.FileField(max_length=300, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True, db_index=True)

    purge_notice_sent_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(_("raderad"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapport")
        verbose_name_plural = _("rapporter")

    def __str__(self):
        return f"{_('Rapport')} · {self.case_id}"

    def answer(self, key: str) -> str:
        return str(self.answers.get(key, "") or "")

    @property
    def keys(self) -> list[str]:
        return self.template.answer_keys()

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None

    @property
    def is_locked(self) -> bool:
        return self.delivered_at is not None

    def purge_due(self) -> date | None:
        """The day the report leaves SFAM: some time after the review, and at the latest after delivery."""
        if self.delivered_at is None:
            return None
        latest = timezone.localdate(self.delivered_at) + timedelta(days=settings.MITTIST_REPORT_KEEP_DAYS_MAX)
        reviewed_at = self.case.quality_reviewed_at
        if reviewed_at is not None:
            after_review = timezone.localdate(reviewed_at) + timedelta(days=settings.MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW)
            return min(latest, after_review)
        return latest


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ReportShare(models.Model):
    """A read-only capability link the trainee gives one named reader. Only the token's hash is kept."""

    class Kind(models.TextChoices):
        SUPERVISOR = "supervisor", _("Handledare")
        MANAGER = "manager", _("Chef")
        DIRECTOR = "director", _("Studierektor")
        OTHER = "other", _("Annan")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="shares")
    kind = models.CharField(_("mottagare"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("namn"), max_length=150)
    email = models.EmailField(_("e-post"))
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField(_("gäller till"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delad rapportlänk")
        verbose_name_plural = _("delade rapportlänkar")

    def __str__(self):
        return f"{self.name} <{self.email}>"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now() and self.report.purged_at is None


class QualityChecklist(VersionedDefinition):
    """What the quality group checks in a report, as data."""

    KINDS = ("check",)

    class Meta(VersionedDefinition.Meta):
        verbose_name = _("checklista för kvalitetsgranskning")
        verbose_name_plural = _("checklistor för kvalitetsgranskning")

    def in_use(self) -> bool:
        return self.reviews.exists()


class QualityReview(models.Model):
    """One quality group member's review of one delivered report. Taken first, so two do not do the same."""

    class Answer(models.TextChoices):
        YES = "yes", _("Ja")
        PARTLY = "partly", _("Delvis")
        NO = "no", _("Nej")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="review")
    checklist = models.ForeignKey(QualityChecklist, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewer_name = models.CharField(max_length=150, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    comments = models.TextField(_("kommentarer"), blank=True)
    send_to_evaluator = models.BooleanField(_("skicka kommentarerna till värderaren"), default=False)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("granskad"), null=True, blank=True)

    class Meta:
        verbose_name = _("kvalitetsgranskning")
        verbose_name_plural = _("kvalitetsgranskningar")

    def __str__(self):
        return f"{_('Kvalitetsgranskning')} · {self.report_id}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None
