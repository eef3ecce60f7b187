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
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mittist.forms import SafeTextMixin
from mittist.text import clean_text

from .sections import Prompt, SectionDef
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
