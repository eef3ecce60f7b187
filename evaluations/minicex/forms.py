"""Forms for the trainee's and the coordinator's mini-CEX pages.

They only parse input into the shape the services take (evaluations/minicex/services.py); the rules
about goals, curricula and lengths live in the services, whose errors the views put back on these
fields. One form version (FormDefinition) can hold several curricula, so the curriculum choice is
sent as "<kind>:<curriculum key>" ("st:2021", "bt:bt2021") and picks the form version as well.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mittist.forms import SafeTextMixin

from .models import NOT_OBSERVED, MiniCex, Programme

FREE_GOAL_SLOTS = 3
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def curriculum_value(definition, key: str) -> str:
    return f"{definition.kind}:{key}"


def curriculum_name(curriculum: dict) -> str:
    """ "Delmål i ST 2021" → "ST 2021": the printed heading names the curriculum after "Delmål i"."""
    label = curriculum.get("label", "")
    return label.split(" i ", 1)[1] if " i " in label else label


class FreeGoalsWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        super().__init__([forms.TextInput(attrs={"maxlength": 200}) for _ in range(FREE_GOAL_SLOTS)], attrs)

    def decompress(self, value):
        return (list(value or []) + [""] * FREE_GOAL_SLOTS)[:FREE_GOAL_SLOTS]


class FreeGoalsField(forms.MultiValueField):
    """Up to three written-in goals (STc / c); empty boxes are dropped."""

    def __init__(self, **kwargs):
        fields = [forms.CharField(required=False, max_length=200) for _ in range(FREE_GOAL_SLOTS)]
        super().__init__(fields, require_all_fields=False, required=False, widget=FreeGoalsWidget(), **kwargs)

    def compress(self, data_list):
        return [text for text in data_list or [] if text]


class TraineePartForm(SafeTextMixin, forms.Form):
    """The trainee's part of the form and who assesses it, for one or more form versions."""

    performed_on = forms.DateField(label=_("Datum"), widget=DATE_WIDGET)
    clinical_context = forms.CharField(
        label=_("Kliniskt sammanhang"), max_length=300, required=False,
        help_text=_("Till exempel mottagning, jour eller hembesök, och vilken sorts patient."),
    )
    case_description = forms.CharField(
        label=_("Beskrivning av fallet"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    reflection = forms.CharField(
        label=_("Egen reflektion"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    curriculum = forms.ChoiceField(label=_("Målbeskrivning"), widget=forms.RadioSelect)
    goals = forms.MultipleChoiceField(label=_("Delmål"), required=False, widget=forms.CheckboxSelectMultiple)
    free_goals = FreeGoalsField(label=_("Egna delmål"))
    focus = forms.MultipleChoiceField(
        label=_("Fokus för bedömningen"), required=False, widget=forms.CheckboxSelectMultiple
    )
    assessor_name = forms.CharField(label=_("Bedömarens namn"), max_length=150)
    assessor_email = forms.EmailField(
        label=_("Bedömarens e-post"), max_length=254,
        help_text=_("Har bedömaren ett konto i Mitt-i-ST kopplas formuläret till kontot."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, definitions, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = list(definitions)
        self.fields["curriculum"].choices = [
            (curriculum_value(d, c["key"]), curriculum_name(c)) for d in self.definitions for c in d.curricula
        ]
        codes = dict.fromkeys(g["code"] for d in self.definitions for c in d.curricula for g in c["goals"])
        self.fields["goals"].choices = [(code, code) for code in codes]
        focus = {f["key"]: f["label"] for d in self.definitions for f in d.focus_options}
        self.fields["focus"].choices = list(focus.items())
        if not self.free_goal_curricula():
            del self.fields["free_goals"]

    # --- what the template needs to draw the goals ---------------------------------------------------

    def _chosen_curriculum(self) -> str:
        value = self["curriculum"].value()
        return str(value or "")

    def goal_groups(self) -> list[dict]:
        """One fieldset per curriculum; all are drawn, static/js/minicex.js hides the ones not chosen."""
        checked = {str(v) for v in (self["goals"].value() or [])}
        chosen = self._chosen_curriculum()
        groups = []
        for d in self.definitions:
            for c in d.curricula:
                value = curriculum_value(d, c["key"])
                slug = value.replace(":", "-")
                groups.append({
                    "value": value,
                    "legend": c["label"],
                    "id": f"goals-{slug}",
                    "chosen": value == chosen,
                    "goals": [
                        {"code": g["code"], "label": g["label"], "id": f"id_goals_{slug}_{i}",
                         "checked": g["code"] in checked}
                        for i, g in enumerate(c["goals"])
                    ],
                })
        return groups

    def free_goal_curricula(self) -> list[dict]:
        return [
            {"value": curriculum_value(d, c["key"]), "code": c["free_goal_code"], "name": curriculum_name(c)}
            for d in self.definitions for c in d.curricula if c.get("free_goal_slots")
        ]

    def free_goal_inputs(self) -> list[dict]:
        if "free_goals" not in self.fields:
            return []
        if self.is_bound:
            values = [self.data.get(f"{self.add_prefix('free_goals')}_{i}", "") for i in range(FREE_GOAL_SLOTS)]
        else:
            values = FreeGoalsWidget().decompress(self.initial.get("free_goals"))
        return [
            {"name": f"free_goals_{i}", "id": f"id_free_goals_{i}", "value": value, "number": i + 1}
            for i, value in enumerate(values)
        ]

    # --- what the services take ---------------------------------------------------------------------

    def chosen(self):
        """(form version, curriculum key) of the cleaned choice."""
        kind, _sep, key = self.cleaned_data["curriculum"].partition(":")
        definition = next(d for d in self.definitions if d.kind == kind)
        return definition, key

    def values(self) -> tuple[dict, list[str]]:
        """The service's values, and the ticked goals that belong to another curriculum (left out).

        Without JavaScript every curriculum's goals are on the page; a tick left in a group the trainee
        did not choose must not block saving, so it is dropped here and the view says so."""
        definition, key = self.chosen()
        known = {g["code"] for g in (definition.curriculum(key) or {"goals": []})["goals"]}
        ticked = self.cleaned_data["goals"]
        values = {
            field: self.cleaned_data[field]
            for field in ("performed_on", "clinical_context", "case_description", "reflection", "focus",
                          "assessor_name", "assessor_email")
            if field in self.cleaned_data
        }
        values["curriculum"] = key
        values["goals"] = [g for g in ticked if g in known]
        values["free_goals"] = self.cleaned_data.get("free_goals") or []
        return values, [g for g in ticked if g not in known]


def trainee_part_initial(form: MiniCex) -> dict:
    return {
        "performed_on": form.performed_on,
        "clinical_context": form.clinical_context,
        "case_description": form.case_description,
        "reflection": form.reflection,
        "curriculum": curriculum_value(form.definition, form.curriculum),
        "goals": list(form.goals),
        "free_goals": list(form.free_goals),
        "focus": list(form.focus),
        "assessor_name": form.assessor_name,
        "assessor_email": form.assessor_email,
        "version": form.version,
    }


class AmendForm(TraineePartForm):
    """Everything a coordinator may correct on a submitted form, plus why and at whose request."""

    summary = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    suggestions = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    action_plan = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(label=_("Skäl till ändringen"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    requested_by = forms.CharField(
        label=_("Handledare som begärde ändringen"), max_length=150,
        help_text=_("Namnet på den handledare som bad om ändringen."),
    )

    def __init__(self, *args, minicex: MiniCex, **kwargs):
        super().__init__(*args, definitions=[minicex.definition], **kwargs)
        for name in ("assessor_name", "assessor_email", "version"):
            del self.fields[name]
        d = minicex.definition
        self.rated_items = d.rated_items
        levels = [(str(lvl["value"]), f"{lvl['value']} – {lvl['label']}") for lvl in d.scale]
        levels.append((NOT_OBSERVED, d.not_observed_label))
        self.fields["difficulty"] = forms.ChoiceField(
            label=d.difficulty_label, choices=[(x["key"], x["label"]) for x in d.difficulties],
            widget=forms.RadioSelect,
        )
        for item in d.rated_items:
            self.fields[f"rating_{item['key']}"] = forms.ChoiceField(
                label=item["label"], choices=levels, widget=forms.RadioSelect
            )
        self.fields["summary"].label = d.summary_label
        self.fields["suggestions"].label = d.suggestions_label
        self.fields["action_plan"].label = d.action_plan_label
        # Keep the amendment's own fields last on the page, after the form's contents.
        for name in ("summary", "suggestions", "action_plan", "reason", "requested_by"):
            self.fields[name] = self.fields.pop(name)
        if not self.is_bound:
            self.initial = {
                **trainee_part_initial(minicex),
                "difficulty": minicex.difficulty,
                "summary": minicex.summary,
                "suggestions": minicex.suggestions,
                "action_plan": minicex.action_plan,
                **{f"rating_{k}": str(v) for k, v in (minicex.ratings or {}).items()},
            }

    def rating_fields(self):
        return [self[f"rating_{item['key']}"] for item in self.rated_items]

    def amend_values(self) -> dict:
        values, _dropped = self.values()
        values.pop("assessor_name", None)
        values.pop("assessor_email", None)
        data = self.cleaned_data
        values.update({
            "difficulty": data["difficulty"],
            "ratings": {item["key"]: data[f"rating_{item['key']}"] for item in self.rated_items},
            "summary": data["summary"],
            "suggestions": data["suggestions"],
            "action_plan": data["action_plan"],
        })
        return values


class ActionPlanForm(SafeTextMixin, forms.Form):
    action_plan = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 6}))
    reflection = forms.CharField(
        label=_("Egen reflektion"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    case_description = forms.CharField(
        label=_("Beskrivning av fallet"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, minicex: MiniCex, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action_plan"].label = minicex.definition.action_plan_label
        self.fields["action_plan"].help_text = _(
            "Vad tar du med dig, och vad ska du öva på härnäst? Utgå från bedömarens förslag."
        )
        # Forms started by a Mitt-i-ST evaluator on the practice day have no case text or reflection yet.
        started_by_other = minicex.created_by_id != minicex.trainee_id
        if not (started_by_other or not minicex.case_description):
            del self.fields["case_description"]
        if not (started_by_other or not minicex.reflection):
            del self.fields["reflection"]
        if not self.is_bound:
            self.initial = {f: getattr(minicex, f) for f in self.fields}


class CancelForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Varför avbryts formuläret?"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class FilterForm(SafeTextMixin, forms.Form):
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Alla"))] + MiniCex.State.choices)
    kind = forms.ChoiceField(label=_("Utbildning"), required=False, choices=[("", _("Alla"))] + Programme.choices)
    date_from = forms.DateField(label=_("Från och med"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Till och med"), required=False, widget=DATE_WIDGET)
    assessor = forms.CharField(label=_("Bedömare"), required=False, max_length=100)
    focus = forms.ChoiceField(label=_("Fokus"), required=False)

    def __init__(self, *args, focus_options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focus"].choices = [("", _("Alla"))] + [(f["key"], f["label"]) for f in focus_options]

    def apply(self, forms_qs):
        if not self.is_valid():
            return forms_qs
        data = self.cleaned_data
        if data["state"]:
            forms_qs = forms_qs.filter(state=data["state"])
        if data["kind"]:
            forms_qs = forms_qs.filter(definition__kind=data["kind"])
        if data["date_from"]:
            forms_qs = forms_qs.filter(performed_on__gte=data["date_from"])
        if data["date_to"]:
            forms_qs = forms_qs.filter(performed_on__lte=data["date_to"])
        if data["assessor"]:
            text = data["assessor"].strip()
            forms_qs = forms_qs.filter(Q(assessor_name__icontains=text) | Q(assessor_email__icontains=text))
        if data["focus"]:
            # JSON "contains" is not available on SQLite; the stored list's text holds each key in quotes.
            forms_qs = forms_qs.filter(focus__icontains=f'"{data["focus"]}"')
        return forms_qs


class TrainingProfileForm(SafeTextMixin, forms.Form):
    programme = forms.ChoiceField(label=_("Utbildning"), choices=Programme.choices, widget=forms.RadioSelect)
    curriculum = forms.ChoiceField(label=_("Målbeskrivning"), widget=forms.RadioSelect)
    training_start = forms.DateField(
        label=_("Utbildningen startade"), widget=DATE_WIDGET,
        help_text=_("Utbildningsåren räknas från detta datum."),
    )
    part_time_percent = forms.IntegerField(
        label=_("Tjänstgöringsgrad i procent"), initial=100,
        help_text=_("100 för heltid. Minimikravet på två mini-CEX per år räknas om efter tjänstgöringsgraden."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, curricula, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curriculum"].choices = curricula


class AddTraineeForm(TrainingProfileForm):
    full_name = forms.CharField(label=_("Namn"), max_length=150)
    email = forms.EmailField(label=_("E-post"), max_length=254)

    field_order = ["full_name", "email", "programme", "curriculum", "training_start", "part_time_percent"]


def training_initial(profile) -> dict:
    if profile is None:
        return {"programme": Programme.ST, "curriculum": "2021", "part_time_percent": 100}
    return {
        "programme": profile.programme,
        "curriculum": profile.curriculum,
        "training_start": profile.training_start,
        "part_time_percent": profile.part_time_percent,
    }


class ProgressFilter(SafeTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Utbildning"), choices=Programme.choices, required=False)
    date_from = forms.DateField(label=_("Från och med"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Till och med"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("Slutdatumet ligger före startdatumet."))
        return data
