"""Forms for the portfolio sections, built from the prompts in portfolio/sections.py.

`SectionForm(definition, data=None, initial=None, read_only=False, conflicts=None)` has one field per
prompt, named by the prompt's key. Every field may be left empty (a draft is saved as it is; whether a
section is complete is `Section.missing_prompts()`), but required prompts keep `required=True` so that
the label shows which ones count. `cleaned_data` holds the answers as the strings they are stored as.

Used for the trainee's sections A–E and for the supervisor's section F (same form, same template:
portfolio/_section_fields.html).
"""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluations.forms import DateInput
from evaluations.models import Evaluation
from mittist.autosave import differences
from mittist.durations import durations
from mittist.forms import SafeTextMixin
from mittist.text import clean_text

from .models import Recording, SelfEvaluationTemplate
from .sections import Prompt, SectionDef
from .services import recordings as services
from .services.sections import MAX_ANSWER_LENGTH

FIRST_LICENCE_YEAR = 1950
# A date prompt (licence, planned end of the ST) lies between the first licence year and a few decades ahead.
DATE_YEARS_AHEAD = 20


class DraftField(forms.CharField):
    """A prompt's answer: may be empty while it is a draft, never stripped, newlines as "\\n"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def validate(self, value):
        # `required` says whether the prompt counts for completeness; saving a draft never needs it.
        pass

    def to_python(self, value):
        value = super().to_python(value)
        # Browsers send textarea line breaks as CRLF; stored text (and what the page compares) uses LF.
        return clean_text(value, multiline=True)


class DraftChoiceField(forms.ChoiceField):
    def validate(self, value):
        if value and not self.valid_value(value):
            raise forms.ValidationError(_("Välj ett av alternativen."), code="invalid_choice")


@dataclass
class Item:
    """One prompt on the page: its form field, its answer as text, and the other window's text on a conflict."""

    prompt: Prompt
    field: forms.BoundField
    display: str
    conflict: str | None = None

    @property
    def has_conflict(self) -> bool:
        return self.conflict is not None


@dataclass
class Group:
    title: str
    items: list[Item]


def _display(prompt: Prompt, value: str) -> str:
    """An answer as a reader sees it."""
    if not value:
        return ""
    if prompt.kind == "choice":
        return str(dict(prompt.choices).get(value, value))
    if prompt.kind == "date":
        try:
            return formats.date_format(date.fromisoformat(value), "j F Y")
        except ValueError:
            return value
    return value


class SectionForm(SafeTextMixin, forms.Form):
    # Browser validation would stop a Save (and lose the click) over a draft's empty required fields.
    use_required_attribute = False

    def __init__(self, definition: SectionDef, *args, read_only: bool = False, conflicts: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.read_only = read_only
        self.conflicts = conflicts or {}
        for prompt in definition.prompts:
            self.fields[prompt.key] = self._field(prompt)

    @classmethod
    def showing_conflicts(cls, definition: SectionDef, data, saved, answers: dict):
        """After a stale save: the posted form marking each field where the `saved` text differs, or None when
        the other window saved exactly this text (nothing to choose between)."""
        changed = differences(saved, answers)
        if not changed:
            return None
        form = cls(definition, data, conflicts=changed)
        form.is_valid()
        return form

    @staticmethod
    def _field(prompt: Prompt) -> forms.Field:
        common = {"label": prompt.label, "help_text": prompt.help, "required": prompt.required}
        if prompt.kind == "choice":
            return DraftChoiceField(choices=list(prompt.choices), widget=forms.RadioSelect, **common)
        if prompt.kind == "text":
            widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "true"})
        elif prompt.kind == "date":
            widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        elif prompt.kind == "year":
            widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4})
        else:
            widget = forms.TextInput()
        return DraftField(widget=widget, **common)

    def clean(self):
        cleaned = super().clean()
        for prompt in self.definition.prompts:
            value = cleaned.get(prompt.key)
            if value is None:
                continue
            if len(value) > MAX_ANSWER_LENGTH:
                self.add_error(prompt.key, _(
                    "Texten är för lång: %(length)s tecken, högst %(max)s går att spara per fråga. "
                    "Korta texten – ingenting i avsnittet sparades."
                ) % {"length": len(value), "max": MAX_ANSWER_LENGTH})
                continue
            value = value.strip() if prompt.kind in ("date", "year") else value
            if prompt.kind == "date" and value:
                try:
                    parsed = date.fromisoformat(value)
                except ValueError:
                    self.add_error(prompt.key, _("Ange datumet som år-månad-dag, till exempel 2021-06-30."))
                    continue
                last_year = timezone.localdate().year + DATE_YEARS_AHEAD
                if not FIRST_LICENCE_YEAR <= parsed.year <= last_year:
                    self.add_error(prompt.key, _("Ange ett datum mellan år %(first)s och %(last)s.") % {
                        "first": FIRST_LICENCE_YEAR, "last": last_year})
                    continue
                value = parsed.isoformat()
            if prompt.kind == "year" and value:
                if not (value.isdigit() and len(value) == 4
                        and FIRST_LICENCE_YEAR <= int(value) <= timezone.localdate().year):
                    self.add_error(prompt.key, _("Ange året med fyra siffror, till exempel 2019."))
                    continue
            cleaned[prompt.key] = value
        return cleaned

    def answers(self) -> dict[str, str]:
        """The valid form's answers, keyed by prompt, as they are stored."""
        return {key: self.cleaned_data.get(key) or "" for key in self.definition.keys}

    def groups(self) -> list[Group]:
        """The prompts in order, consecutive prompts with the same `group` together."""
        result: list[Group] = []
        for prompt in self.definition.prompts:
            bound = self[prompt.key]
            value = bound.value()
            item = Item(prompt, bound, _display(prompt, str(value or "")), self.conflicts.get(prompt.key))
            title = str(prompt.group or "")
            if result and result[-1].title == title:
                result[-1].items.append(item)
            else:
                result.append(Group(title, [item]))
        return result


# Shown by the plain (no-JavaScript) save when the section changed in another window meanwhile.
CONFLICT_MESSAGE = gettext_lazy(
    "Avsnittet har sparats från ett annat fönster eller en annan enhet sedan du öppnade sidan. Ingenting är "
    "sparat över. Din text står kvar i fälten; den sparade texten visas under varje fråga som skiljer sig. "
    "Ändra det du vill och tryck Spara igen."
)


class RecordingForm(SafeTextMixin, forms.Form):
    recorded_on = forms.DateField(
        label=gettext_lazy("Inspelningsdatum"), widget=DateInput(),
        error_messages={"required": gettext_lazy("Ange datum för inspelningen."),
                        "invalid": gettext_lazy("Ange ett giltigt datum, t.ex. 2025-03-14.")},
    )
    age_band = forms.ChoiceField(
        label=gettext_lazy("Patientens ålder"),
        choices=[("", gettext_lazy("Välj åldersgrupp"))] + Recording.AgeBand.choices,
        help_text=gettext_lazy("Bara åldersgrupp. Skriv inget som kan identifiera patienten."),
        error_messages={"required": gettext_lazy("Välj patientens åldersgrupp."),
                        "invalid_choice": gettext_lazy("Välj patientens åldersgrupp.")},
    )
    visit_type = forms.ChoiceField(
        label=gettext_lazy("Typ av besök"), choices=Recording.VisitType.choices, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Välj typ av besök."),
                        "invalid_choice": gettext_lazy("Välj typ av besök.")},
    )
    consent_before = forms.BooleanField(
        label=gettext_lazy("Patienten tillfrågades före besöket om inspelningen"), required=False,
    )
    consent_after = forms.BooleanField(
        label=gettext_lazy("Patienten godkände efter besöket inspelningen och att den delas med värderaren"),
        required=False,
    )
    journal_note_shared = forms.BooleanField(
        label=gettext_lazy("Journalanteckningen är filmad och delad via Share Safe"), required=False,
    )
    share_safe_reference = forms.CharField(
        label=gettext_lazy("Referens i Share Safe"), strip=True,
        error_messages={"required": gettext_lazy("Ange referensen i Share Safe.")},
        help_text=gettext_lazy("Referensen i Share Safe, inte patientens namn eller personnummer."),
        widget=forms.TextInput(attrs={"maxlength": services.REFERENCE_MAX_LENGTH, "autocomplete": "off",
                                      "spellcheck": "false"}),
    )

    def __init__(self, *args, case: Evaluation, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)
        latest = services.latest_recording_date(case)
        if latest:
            self.fields["recorded_on"].help_text = _(
                "Senast %(before)s före praktikdagen, alltså senast %(date)s."
            ) % {"before": durations["material"], "date": formats.date_format(latest, "DATE_FORMAT")}
        else:
            self.fields["recorded_on"].help_text = _("Minst %(before)s före praktikdagen.") % {
                "before": durations["material"]
            }

    def clean(self):
        cleaned = super().clean()
        try:
            services.validate_recording(self.case, cleaned)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                if field not in self.errors:  # the field's own (parse) error says it already
                    self.add_error(field, errors)
        return cleaned

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in services.RECORDING_FIELDS}


class SelfEvaluationForm(SafeTextMixin, forms.Form):
    """Built from the template's questions: text → textarea, rating → radio buttons 1–5.

    A draft needs no answer; marking it complete (`complete=True`) needs every required one. The
    fields show as required or optional by the question either way.
    """

    use_required_attribute = False  # the browser must not block saving an incomplete draft
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, template: SelfEvaluationTemplate, complete: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        self.complete = complete
        required_message = _("Besvara frågan.")
        for question in template.questions:
            label, help_text = question.get("label", question["key"]), question.get("help", "")
            required = question.get("required", True)
            errors = {"required": required_message, "invalid_choice": _("Välj ett av alternativen.")}
            if question.get("kind") == "rating":
                field = forms.TypedChoiceField(
                    label=label, help_text=help_text, required=required, widget=forms.RadioSelect, coerce=str,
                    choices=[(str(step["value"]), step["label"]) for step in services.question_scale(question)],
                    error_messages=errors,
                )
            else:
                field = forms.CharField(
                    label=label, help_text=help_text, required=required, strip=False,
                    max_length=services.MAX_ANSWER_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
                    error_messages=errors,
                )
            self.fields[question["key"]] = field

    def full_clean(self):
        # Required answers are checked only when marking complete, never for a draft.
        required = {name: field.required for name, field in self.fields.items()}
        if not self.complete:
            for name in self.question_keys():
                self.fields[name].required = False
        try:
            super().full_clean()
        finally:
            for name, value in required.items():
                self.fields[name].required = value

    def clean(self):
        cleaned = super().clean()
        if self.complete:
            unanswered = [
                name for name in self.question_keys()
                if self.fields[name].required and not str(self.data.get(name) or "").strip()
            ]
            for name in unanswered:  # blanks alone are no answer (the text itself is kept as typed)
                if name not in self.errors:
                    self.add_error(name, self.fields[name].error_messages["required"])
            if unanswered:
                self.add_error(None, _(
                    "Alla frågor utom de frivilliga behöver ett svar innan egenvärderingen kan markeras som klar. "
                    "Vill du fortsätta senare, spara ett utkast."
                ))
        return cleaned

    def question_keys(self):
        return [q["key"] for q in self.template.questions]

    def question_fields(self):
        return [self[q["key"]] for q in self.template.questions]

    def answers(self) -> dict:
        return {q["key"]: self.cleaned_data.get(q["key"], "") for q in self.template.questions}


class StatementRequestForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Handledarens e-postadress"),
        max_length=254,
        help_text=gettext_lazy("Länken till formuläret skickas hit. Kontrollera adressen: den som får länken "
                               "kan skriva utlåtandet."),
    )
