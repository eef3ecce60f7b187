"""The trainee's evaluation of their Mitt-i-ST, stored so that no answer can be traced to a person.

A response has no link to a user or a case, a random key, and no time finer than the month; the region
is kept for aggregates and shown only where enough answers share it (MITTIST_SURVEY_MIN_GROUP). The case
records only that its survey was answered.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from mittist.definitions import VersionedDefinition, validate_items

# Every scale runs from 1 to 5; the definition names its two ends ("low", "high").
SCALE = (1, 2, 3, 4, 5)


class SurveyDefinition(VersionedDefinition):
    """The survey's questions as data. Kind "scale" (1–5, with optional "low"/"high" end labels) or "text";
    each question has a "topic" that groups it on the form and in the aggregates."""

    KINDS = ("scale", "text")

    class Meta(VersionedDefinition.Meta):
        verbose_name = _("enkätversion")
        verbose_name_plural = _("enkätversioner")

    def in_use(self) -> bool:
        return self.responses.exists()

    def clean(self):
        errors = validate_items(self.items, self.KINDS)
        for number, item in enumerate(self.items if isinstance(self.items, list) else [], start=1):
            if not isinstance(item, dict):
                continue
            if not str(item.get("topic", "")).strip():
                errors.append(_("Fråga %(n)s saknar ämne (topic), som grupperar frågorna.") % {"n": number})
            for end in ("low", "high", "low_en", "high_en"):
                if end in item and not isinstance(item[end], str):
                    errors.append(_("Fråga %(n)s: %(end)s ska vara en text.") % {"n": number, "end": end})
        if errors:
            raise ValidationError({"items": errors})


class SurveyResponse(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    definition = models.ForeignKey(
        SurveyDefinition, on_delete=models.PROTECT, related_name="responses", verbose_name=_("enkätversion")
    )
    year = models.PositiveSmallIntegerField(_("år"))
    month = models.PositiveSmallIntegerField(_("månad"))
    region = models.CharField(_("region"), max_length=30, blank=True)
    answers = models.JSONField(_("svar"), default=dict)

    class Meta:
        verbose_name = _("enkätsvar")
        verbose_name_plural = _("enkätsvar")
        # Never by insertion: a list in the order answers came in would line up with the cases closed.
        ordering = ["year", "month", "id"]
        indexes = [models.Index(fields=["year"])]

    def __str__(self):
        return f"{self.year}-{self.month:02d}"
