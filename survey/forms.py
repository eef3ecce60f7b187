"""The survey form, built from the current SurveyDefinition: a group of radios per scale, a text area per text.

The fields only parse what was posted; what counts as a valid answer is decided once, in
services.clean_answers, and its errors are put back at each field. Everything posted is shown again.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mittist.definitions import localized
from mittist.forms import SafeTextMixin, add_validation_error

from .models import SCALE, SurveyDefinition
from .services import clean_answers


@dataclass
class Option:
    value: int
    end_label: str  # the scale's end label on 1 and 5, else ""
    checked: bool


@dataclass
class Question:
    key: str
    kind: str
    label: str
    help: str
    required: bool
    field: forms.BoundField
    low: str = ""
    high: str = ""

    @property
    def options(self) -> list[Option]:
        current = str(self.field.value() or "")
        return [
            Option(value, self.low if value == SCALE[0] else self.high if value == SCALE[-1] else "",
                   current == str(value))
            for value in SCALE
        ]


@dataclass
class Topic:
    title: str
    questions: list[Question]


class SurveyForm(SafeTextMixin, forms.Form):
    use_required_attribute = False  # the server says what is missing, at the field, in Swedish

    def __init__(self, definition: SurveyDefinition, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for item in definition.items:
            if item.get("kind", "scale") == "scale":
                # Parsed as text: a tampered value is refused by clean_answers with the same message as a
                # missing one. The template draws the radios (the error summary links to their fieldset).
                self.fields[item["key"]] = forms.CharField(required=False, label=localized(item, "label"))
            else:
                self.fields[item["key"]] = forms.CharField(
                    required=False, strip=False, label=localized(item, "label"),
                    widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "true"}),
                )

    def clean(self):
        cleaned = super().clean()
        try:
            self.answers = clean_answers(self.definition, cleaned)
        except ValidationError as error:
            add_validation_error(self, error)
        return cleaned

    def topics(self) -> list[Topic]:
        """The questions in order, grouped under their topic (consecutive questions of one topic)."""
        topics: list[Topic] = []
        for item in self.definition.items:
            kind = item.get("kind", "scale")
            question = Question(
                key=item["key"], kind=kind, label=localized(item, "label"), help=localized(item, "help"),
                required=item.get("required", True), field=self[item["key"]],
                low=localized(item, "low"), high=localized(item, "high"),
            )
            title = localized(item, "topic")
            if topics and topics[-1].title == title:
                topics[-1].questions.append(question)
            else:
                topics.append(Topic(title, [question]))
        return topics


class YearForm(SafeTextMixin, forms.Form):
    """The quality group's year picker; an unknown year falls back to the newest with answers."""

    ar = forms.TypedChoiceField(label=_("År"), coerce=int, required=False)

    def __init__(self, years: list[int], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ar"].choices = [(year, str(year)) for year in years]
