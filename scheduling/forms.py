"""Forms for the practice day (proposals and answers) and its programme (each programme form carries the
programme's version it was loaded from)."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from evaluations.forms import DateInput
from evaluations.models import Evaluation
from mittist.durations import durations
from mittist.forms import SafeTextMixin

from .models import PracticeDayProposal, ProgrammeItem
from .services.practice_day import (
    MAX_DAYS_PER_PROPOSAL,
    earliest_day,
    is_moving,
    long_day,
    refusal,
    warnings_for,
)
from .services.programme import DAY_ENDS, DAY_STARTS, NOTE_MAX_LENGTH, clean_item


class _DayRulesMixin:
    """Refusals as field errors; warnings (weekend, public holiday) kept per field until confirmed."""

    case: Evaluation
    day_fields: tuple[str, ...]

    def _setup_days(self):
        earliest = earliest_day(self.case)
        self.earliest = earliest
        for name in self.day_fields:
            self.fields[name].widget.attrs["min"] = earliest.isoformat()
        self.warnings: dict[str, list[str]] = {}

    def _check_day(self, name: str) -> date | None:
        day = self.cleaned_data.get(name)
        if day is None:
            return None
        reason = refusal(self.case, day)
        if reason:
            raise forms.ValidationError(reason, code="refused_day")
        found = warnings_for(day)
        if found:
            self.warnings[name] = found
        return day

    @property
    def needs_confirmation(self) -> bool:
        """Valid, but with warnings nobody has accepted yet: show them, and ask again."""
        return bool(self.warnings) and not self.cleaned_data.get("accept_warnings")


class ProposeForm(_DayRulesMixin, SafeTextMixin, forms.Form):
    day_1 = forms.DateField(label=_("Datum"), widget=DateInput())
    day_2 = forms.DateField(label=_("Ytterligare datum"), widget=DateInput(), required=False)
    day_3 = forms.DateField(label=_("Ytterligare datum"), widget=DateInput(), required=False)
    note = forms.CharField(
        label=_("Kommentar"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Till exempel tider som passar bäst, eller något om resan."),
    )
    accept_warnings = forms.BooleanField(required=False, widget=forms.HiddenInput)
    day_fields = tuple(f"day_{n}" for n in range(1, MAX_DAYS_PER_PROPOSAL + 1))

    def __init__(self, *args, case: Evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.moving = is_moving(case)
        if self.moving:
            # Moving an agreed day: the reason goes to the other side (and, once confirmed, to everyone).
            note = self.fields["note"]
            note.label = _("Skäl till flytten")
            note.required = True
            note.error_messages["required"] = _("Ange varför praktikdagen behöver flyttas.")
            note.help_text = _("Skälet går till den andra parten nu, och till alla när den nya dagen är bekräftad.")
            self.fields["day_1"].label = _("Ny dag")
        self._setup_days()
        if case.material_submitted_at is None:
            self.fields["day_1"].help_text = _(
                "Tidigast %(day)s, eftersom värderaren ska ha materialet %(before)s före."
            ) % {"day": long_day(self.earliest), "before": durations["material"]}

    def clean_day_1(self):
        return self._check_day("day_1")

    def clean_day_2(self):
        return self._check_day("day_2")

    def clean_day_3(self):
        return self._check_day("day_3")

    def clean(self):
        cleaned = super().clean()
        seen = set()
        for name in self.day_fields:
            day = cleaned.get(name)
            if day is None:
                continue
            if day in seen:
                self.add_error(name, _("Samma datum står redan ovan."))
                continue
            seen.add(day)
            if self.moving and day == self.case.practice_day:
                self.add_error(name, _("%(day)s är redan praktikdagen.") % {"day": long_day(day)})
                continue
            if self.case.practice_day_proposals.filter(status=PracticeDayProposal.Status.OPEN, day=day).exists():
                self.add_error(name, _("%(day)s är redan föreslaget.") % {"day": long_day(day)})
        for name in list(self.warnings):
            if name in self.errors:
                del self.warnings[name]
        return cleaned

    @property
    def days(self) -> list[date]:
        return [self.cleaned_data[n] for n in self.day_fields if self.cleaned_data.get(n)]


class DeclineForm(SafeTextMixin, forms.Form):
    note = forms.CharField(
        label=_("Kommentar"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Till exempel vilka veckor som passar bättre."),
    )


class RescheduleForm(_DayRulesMixin, SafeTextMixin, forms.Form):
    day = forms.DateField(label=_("Ny praktikdag"), widget=DateInput())
    reason = forms.CharField(
        label=_("Skäl till flytten"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Ange varför praktikdagen flyttas.")},
        help_text=_("Skälet skickas till ST-läkaren, värderaren och Mitt-i-ST-kansliet."),
    )
    accept_warnings = forms.BooleanField(required=False, widget=forms.HiddenInput)
    day_fields = ("day",)

    def __init__(self, *args, case: Evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self._setup_days()
        if case.material_submitted_at is None:
            self.fields["day"].help_text = _(
                "Tidigast %(day)s, eftersom värderaren ska ha materialet %(before)s före."
            ) % {"day": long_day(self.earliest), "before": durations["material"]}

    def clean_day(self):
        day = self.cleaned_data.get("day")
        if day is not None and day == self.case.practice_day:
            raise forms.ValidationError(_("Välj ett annat datum än det nuvarande."))
        return self._check_day("day")


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
