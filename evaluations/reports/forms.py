"""The report form, built from the report template's sections, and the forms around the report."""

import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mittist.definitions import localized
from mittist.forms import SafeTextMixin
from mittist.text import clean_text, has_control_characters

from .models import QualityReview, Report, ReportShare
from .services import MAX_ANSWER_LENGTH, MAX_COMMENTS_LENGTH


class DraftField(forms.CharField):
    """Free text that may be empty while it is a draft; never stripped; line breaks as "\\n"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strip", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}))
        super().__init__(**kwargs)

    def validate(self, value):
        pass  # `required` marks what counts for completeness; a draft is saved as it is

    def to_python(self, value):
        return clean_text(super().to_python(value), multiline=True)


@dataclass
class Field:
    key: str
    bound: forms.BoundField
    question: str = ""  # the trainee's question this answers, shown above the answer
    conflict: str | None = None

    @property
    def has_conflict(self) -> bool:
        return self.conflict is not None


@dataclass
class Part:
    """One section of the report as the pages show it: a heading and one or more fields."""

    key: str
    title: str
    help: str
    kind: str
    required: bool
    fields: list[Field]


class ReportForm(SafeTextMixin, forms.Form):
    use_required_attribute = False  # browser validation would block saving a draft

    def __init__(self, report: Report, questions: list[str], *args, conflicts: dict | None = None, **kwargs):
        kwargs.setdefault("initial", report.answers)
        super().__init__(*args, **kwargs)
        self.report = report
        self.questions = questions
        self.conflicts = conflicts or {}
        for item in report.template.items:
            if item.get("kind") == "questions":
                for number in range(1, int(item.get("count", 3)) + 1):
                    label = _("Svar på fråga %(n)s") % {"n": number}
                    # The question itself is shown above its answer (Field.question), not as help text.
                    self.fields[f"{item['key']}_{number}"] = DraftField(label=label, required=item.get("required", True))
            else:
                # The section's help stands once, under its heading (Part.help), not again under the field.
                self.fields[item["key"]] = DraftField(label=localized(item, "label"), required=item.get("required", True))

    def clean(self):
        cleaned = super().clean()
        # A copy: add_error() takes the field out of cleaned_data (a 100,000-character answer was a 500).
        for key, value in list(cleaned.items()):
            if value and len(value) > MAX_ANSWER_LENGTH:
                self.add_error(key, _(
                    "Texten är för lång: %(length)s tecken, högst %(max)s går att spara per fält. "
                    "Korta texten – ingenting sparades."
                ) % {"length": len(value), "max": MAX_ANSWER_LENGTH})
        return cleaned

    def answers(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in self.fields}

    def parts(self) -> list[Part]:
        result = []
        for item in self.report.template.items:
            if item.get("kind") == "questions":
                fields = []
                for number in range(1, int(item.get("count", 3)) + 1):
                    key = f"{item['key']}_{number}"
                    question = self.questions[number - 1] if number <= len(self.questions) else ""
                    fields.append(Field(key, self[key], question, self.conflicts.get(key)))
            else:
                fields = [Field(item["key"], self[item["key"]], conflict=self.conflicts.get(item["key"]))]
            result.append(Part(item["key"], localized(item, "label"), localized(item, "help"),
                               item.get("kind", "text"), item.get("required", True), fields))
        return result


def report_parts(report: Report, questions: list[str] | None = None) -> list[Part]:
    """The report as a reader sees it (questions from the delivered report unless given)."""
    return ReportForm(report, report.questions if questions is None else questions).parts()


class ShareForm(SafeTextMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Vem delar du med?"), choices=ReportShare.Kind.choices,
                             widget=forms.RadioSelect)
    name = forms.CharField(label=gettext_lazy("Namn"), max_length=150)
    email = forms.EmailField(
        label=gettext_lazy("E-postadress"), max_length=254,
        help_text=gettext_lazy("Länken skickas hit. Den som har länken kan läsa rapporten, så kontrollera adressen."),
    )

    def clean_name(self):
        name = self.cleaned_data["name"]
        if has_control_characters(name):
            raise forms.ValidationError(_("Namnet innehåller tecken som inte går att använda (till exempel radbrytningar)."))
        return " ".join(name.split())


class ReviewForm(SafeTextMixin, forms.Form):
    comments = forms.CharField(
        label=gettext_lazy("Kommentarer"), required=False, max_length=MAX_COMMENTS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Om rapportens kvalitet. Inga uppgifter om patienter."),
    )
    send_to_evaluator = forms.BooleanField(label=gettext_lazy("Skicka kommentarerna till värderaren"), required=False)

    use_required_attribute = False  # the browser must not block saving a draft with items unanswered

    def __init__(self, review: QualityReview, *args, completing: bool = True, **kwargs):
        """`completing`: every checklist item must be answered (so the page shows none as optional);
        a draft may leave items open."""
        kwargs.setdefault("initial", {"comments": review.comments, "send_to_evaluator": review.send_to_evaluator,
                                      **{f"item_{k}": v for k, v in review.answers.items()}})
        super().__init__(*args, **kwargs)
        self.review = review
        for item in review.checklist.items:
            self.fields[f"item_{item['key']}"] = forms.ChoiceField(
                label=localized(item, "label"), required=completing, choices=QualityReview.Answer.choices,
                widget=forms.RadioSelect, help_text=escape(localized(item, "help")),
                error_messages={"required": _("Svara på den här punkten innan granskningen registreras.")},
            )

    def checklist_fields(self):
        return [self[f"item_{key}"] for key in self.review.checklist.keys]

    def answers(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"item_{key}") for key in self.review.checklist.keys
                if self.cleaned_data.get(f"item_{key}")}


SHA256 = re.compile(r"^[0-9a-f]{64}$")


def too_large_message() -> str:
    return _("Filen är för stor. Rapportens PDF är mycket mindre än %(max)s MB: kontrollera att du valt rätt fil.") % {
        "max": settings.MITTIST_REPORT_CHECK_MAX_MB
    }


class CheckForm(SafeTextMixin, forms.Form):
    pdf = forms.FileField(
        label=gettext_lazy("Rapportens PDF"), required=False,
        help_text=gettext_lazy("Filen läses bara för att räkna ut dess kontrollsumma. Den sparas inte."),
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    sha256 = forms.CharField(
        label=gettext_lazy("Eller kontrollsumman (SHA-256)"), required=False, max_length=200,
        help_text=gettext_lazy("64 tecken, 0–9 och a–f. Den står på sidan där rapporten visades."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean_sha256(self):
        value = "".join(self.cleaned_data.get("sha256", "").split()).lower()
        if value and not SHA256.match(value):
            raise forms.ValidationError(_("En kontrollsumma är 64 tecken lång och har bara siffrorna 0–9 och "
                                          "bokstäverna a–f."))
        return value

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("pdf")
        if self.too_large:
            self.add_error("pdf", too_large_message())
        elif upload:
            if not upload.head.startswith(b"%PDF-"):
                self.add_error("pdf", _("Filen är inte en PDF. Välj rapporten som PDF-fil."))
            else:
                cleaned["checksum"] = upload.sha256
        elif cleaned.get("sha256"):
            cleaned["checksum"] = cleaned["sha256"]
        elif not self.errors:
            raise forms.ValidationError(_("Välj rapportens PDF eller klistra in dess kontrollsumma."))
        return cleaned
