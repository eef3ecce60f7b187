"""The trainee's evaluation of their Mitt-i-ST, stored so that no answer can be traced to a person.

A response has no link to a user or a case, a random key, and no time finer than the month; the region
is kept for aggregates and shown only where enough answers share it (MITTIST_SURVEY_MIN_GROUP). The case
records only that its survey was answered.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from mittist.definitions import VersionedDefinition


class SurveyDefinition(VersionedDefinition):
    """The survey's questions as data. Kind "scale" (1–5, with optional "low"/"high" end labels) or "text";
    each question has a "topic" that groups it on the form and in the aggregates."""

    KINDS = ("scale", "text")

    class Meta(VersionedDefinition.Meta):
        verbose_name = _("enkätversion")
        verbose_name_plural = _("enkätversioner")

    def in_use(self) -> bool:
        return self.responses.exists()


class SurveyResponse(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    definition = models.ForeignKey(SurveyDefinition, on_delete=models.PROTECT, related_name="responses")
    year = models.PositiveSmallIntegerField(_("år"))
    month = models.PositiveSmallIntegerField(_("månad"))
    region = models.CharField(_("region"), max_length=30, blank=True)
    answers = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("enkätsvar")
        verbose_name_plural = _("enkätsvar")
        # Never by insertion: a list in the order answers came in would line up with the cases closed.
        ordering = ["year", "month", "id"]
        indexes = [models.Index(fields=["year"])]

    def __str__(self):
        return f"{self.year}-{self.month:02d}"
