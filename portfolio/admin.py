"""The portfolio in the admin: operations, not reading.

Only the video self-evaluation's question list is edited here (by adding versions). Everything else
is read-only and shows no portfolio content: codes, dates and counts (data minimisation; the
evaluator reads the content in the app). A supervisor link never shows its token hash.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from mittist.admin import ReadOnlyAdmin
from mittist.forms import SafeTextMixin

from .models import Document, Recording, Section, SelfEvaluation, SelfEvaluationTemplate, SupervisorLink

QUESTION_KINDS = ("text", "rating")


def validate_questions(questions) -> None:
    """The shape the self-evaluation form is built from: see the migration that creates version 1."""
    if not isinstance(questions, list) or not questions:
        raise ValidationError(_("Frågorna ska vara en lista med minst en fråga."))
    keys = set()
    for number, question in enumerate(questions, start=1):
        if not isinstance(question, dict):
            raise ValidationError(_("Fråga %(n)s är inte ett objekt med nycklar.") % {"n": number})
        key, label, kind = question.get("key"), question.get("label"), question.get("kind")
        if not isinstance(key, str) or not key.strip() or not key.replace("_", "").isalnum():
            raise ValidationError(
                _("Fråga %(n)s: \"key\" ska vara ett kort namn av bokstäver, siffror och _.") % {"n": number}
            )
        if key in keys or key == "base_version":
            raise ValidationError(_("Fråga %(n)s: nyckeln \"%(key)s\" används redan.") % {"n": number, "key": key})
        keys.add(key)
        if not isinstance(label, str) or not label.strip():
            raise ValidationError(_("Fråga %(n)s saknar \"label\".") % {"n": number})
        if kind not in QUESTION_KINDS:
            raise ValidationError(_("Fråga %(n)s: \"kind\" ska vara \"text\" eller \"rating\".") % {"n": number})
        if not isinstance(question.get("help", ""), str):
            raise ValidationError(_("Fråga %(n)s: \"help\" ska vara text.") % {"n": number})
        if not isinstance(question.get("required", True), bool):
            raise ValidationError(_("Fråga %(n)s: \"required\" ska vara true eller false.") % {"n": number})
        scale = question.get("scale")
        if scale is not None:
            if kind != "rating" or not isinstance(scale, list) or not scale or not all(
                isinstance(step, dict) and isinstance(step.get("value"), int) and isinstance(step.get("label"), str)
                for step in scale
            ):
                raise ValidationError(
                    _("Fråga %(n)s: \"scale\" ska bara finnas på \"rating\" och vara en lista av "
                      "{\"value\": heltal, \"label\": text}.") % {"n": number}
                )


class SelfEvaluationTemplateForm(SafeTextMixin, forms.ModelForm):
    class Meta:
        model = SelfEvaluationTemplate
        fields = ["version", "title", "active", "questions"]
        help_texts = {
            "title": _("Säg i titeln om formuläret är Mitt-i-ST:s eget utkast eller SFAM:s fastställda formulär."),
            "questions": _(
                'En JSON-lista, en fråga per objekt: {"key": "kort_namn", "label": "Frågan", "kind": "text" eller '
                '"rating", "help": "Hjälptext", "required": true}. En "rating" kan ha en egen skala: '
                '"scale": [{"value": 1, "label": "1 – behöver utvecklas mycket"}, …]; annars används 1–5. '
                "Ändra inte en version som redan används: lägg till en ny version och gör den aktiv. "
                "Den aktiva versionen med högst nummer används för nya egenvärderingar."
            ),
        }

    def clean_questions(self):
        questions = self.cleaned_data["questions"]
        validate_questions(questions)
        return questions


@admin.register(SelfEvaluationTemplate)
class SelfEvaluationTemplateAdmin(admin.ModelAdmin):
    form = SelfEvaluationTemplateForm
    list_display = ["version", "title", "active", "uses", "created_at"]
    list_filter = ["active"]
    ordering = ["-version"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_count=Count("selfevaluation"))

    @admin.display(description=_("används av"), ordering="use_count")
    def uses(self, obj):
        return obj.use_count

    def get_readonly_fields(self, request, obj=None):
        # A version in use is history: the self-evaluations written with it keep its questions.
        if obj is not None and SelfEvaluation.objects.filter(template=obj).exists():
            return ["version", "questions", "created_at"]
        return ["created_at"]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and SelfEvaluation.objects.filter(template=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Section)
class SectionAdmin(ReadOnlyAdmin):
    list_display = ["code", "case", "version", "updated_at", "locked_at"]
    list_filter = ["code"]
    list_select_related = ["case__trainee"]
    fields = ["case", "code", "version", "updated_at", "updated_by", "locked_at"]  # never the answers


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["kind", "case", "uploaded_at"]
    list_filter = ["kind"]
    list_select_related = ["case__trainee"]
    fields = ["case", "kind", "content_type", "size", "uploaded_at", "uploaded_by"]  # no file, no name


@admin.register(SupervisorLink)
class SupervisorLinkAdmin(ReadOnlyAdmin):
    list_display = ["case", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_select_related = ["case__trainee"]
    fields = ["case", "email", "created_at", "created_by", "expires_at", "revoked_at", "last_used_at"]
    # token_hash is deliberately absent from every list above


@admin.register(Recording)
class RecordingAdmin(ReadOnlyAdmin):
    list_display = ["case", "recorded_on", "visit_type", "consent_before", "consent_after", "created_at"]
    list_filter = ["visit_type"]
    list_select_related = ["case__trainee"]
    fields = ["case", "recorded_on", "age_band", "visit_type", "consent_before", "consent_after",
              "journal_note_shared", "created_at", "updated_at"]


@admin.register(SelfEvaluation)
class SelfEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["recording", "template_version", "version", "completed_at", "updated_at"]
    list_select_related = ["recording", "template"]
    fields = ["recording", "template", "version", "completed_at", "updated_at"]  # never the answers

    @admin.display(description=_("formulärversion"), ordering="template__version")
    def template_version(self, obj):
        return obj.template.version
