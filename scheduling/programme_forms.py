"""Forms for the practice day's programme. Each carries the programme's version it was loaded from."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mittist.forms import SafeTextMixin

from .models import ProgrammeItem
from .programme import DAY_ENDS, DAY_STARTS, NOTE_MAX_LENGTH, clean_item


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        attrs = {"step": 300, "min": DAY_STARTS.strftime("%H:%M"), "max": DAY_ENDS.strftime("%H:%M")}
        super().__init__(format="%H:%M", attrs={**attrs, **kwargs.pop("attrs", {})}, **kwargs)


class VersionForm(SafeTextMixin, forms.Form):
    """Removing an item or filling in the suggestion: only the version the page was loaded with."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ProgrammeItemForm(SafeTextMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    start = forms.TimeField(
        label=_("Börjar"), widget=TimeInput(),
        error_messages={"required": _("Ange när momentet börjar, t.ex. 09:00."),
                        "invalid": _("Skriv tiden som tt:mm, t.ex. 09:00.")},
    )
    end = forms.TimeField(
        label=_("Slutar"), widget=TimeInput(),
        error_messages={"required": _("Ange när momentet slutar, t.ex. 09:45."),
                        "invalid": _("Skriv tiden som tt:mm, t.ex. 09:45.")},
    )
    kind = forms.ChoiceField(
        label=_("Moment"), choices=[("", _("Välj moment"))] + ProgrammeItem.Kind.choices,
        error_messages={"required": _("Välj vad som ska göras."), "invalid_choice": _("Välj vad som ska göras.")},
    )
    age_band = forms.ChoiceField(
        label=_("Patientens ålder"), required=False,
        choices=[("", _("Inte bestämt"))] + ProgrammeItem.AgeBand.choices,
        error_messages={"invalid_choice": _("Välj en åldersgrupp i listan.")},
    )
    urgency = forms.ChoiceField(
        label=_("Akut eller planerat besök"), required=False,
        choices=[("", _("Inte bestämt"))] + ProgrammeItem.Urgency.choices,
        error_messages={"invalid_choice": _("Välj akut eller planerat.")},
    )
    several_chronic = forms.BooleanField(label=_("Patienten har flera kroniska sjukdomar"), required=False)
    return_visit = forms.BooleanField(
        label=_("Återbesök: en patient som ST-läkaren har träffat förut"), required=False,
    )
    note = forms.CharField(
        label=_("Anteckning"), required=False, max_length=NOTE_MAX_LENGTH,
        help_text=_("Kort, t.ex. vem samtalet är med eller var. Skriv inget som kan identifiera patienten."),
        error_messages={"max_length": _("Anteckningen får vara högst %(limit_value)d tecken.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    PATIENT_FIELDS = ("age_band", "urgency", "several_chronic", "return_visit")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.item_values = clean_item(cleaned)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned

    def values(self) -> dict:
        return dict(self.item_values)

    def patient_fields(self):
        return [self[name] for name in self.PATIENT_FIELDS]

    @classmethod
    def for_item(cls, item: ProgrammeItem, version: int, **kwargs) -> "ProgrammeItemForm":
        initial = {name: getattr(item, name) for name in ("start", "end", "kind", "note", *cls.PATIENT_FIELDS)}
        return cls(initial={**initial, "version": version}, **kwargs)
