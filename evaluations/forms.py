import calendar
from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.forms.utils import flatatt
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from mittist import html
from mittist.accounts.personnummer import parse_personnummer
from mittist.durations import durations
from mittist.forms import SafeTextMixin

from .models import Curriculum, Evaluation, Evaluator, Region, local_today

User = get_user_model()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RegistrationForm(SafeTextMixin, forms.Form):
    full_name = forms.CharField(label=_("Namn"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("E-post"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Används för inloggning och för alla meddelanden om din Mitt-i-ST."),
    )
    phone = forms.CharField(label=_("Telefon"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    personnummer = forms.CharField(
        label=_("Personnummer"), max_length=32, help_text=_("ÅÅÅÅMMDD-NNNN. Samordningsnummer går också bra."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    workplace = forms.CharField(label=_("Vårdcentral"), max_length=200, help_text=_("Där du gör din ST."))
    workplace_address = forms.CharField(
        label=_("Vårdcentralens besöksadress"), max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        help_text=_("Gatuadress och ort. Praktikdagen hålls här, och värderaren reser hit."),
    )
    region = forms.ChoiceField(label=_("Region"), choices=[("", _("Välj region"))] + Region.choices)
    curriculum = forms.ChoiceField(
        label=_("Målbeskrivning"), choices=Curriculum.choices, widget=forms.RadioSelect, initial=Curriculum.ST2021
    )
    st_start = forms.DateField(label=_("ST startade"), widget=DateInput())
    st_planned_end = forms.DateField(
        label=_("Planerat slutdatum för ST"), widget=DateInput(),
        help_text=format_lazy(
            _("Mitt-i-ST görs mitt i ST: minst {months} ska återstå när du anmäler dig."),
            months=lazy(lambda: durations["min_months_left"], str)(),
        ),
    )
    supervisor_name = forms.CharField(label=_("Handledare i allmänmedicin"), max_length=150)
    supervisor_email = forms.EmailField(label=_("Handledarens e-post"), max_length=254)
    director_of_studies = forms.CharField(label=_("Studierektor"), max_length=150, required=False)
    manager_name = forms.CharField(label=_("Chef"), max_length=150)
    manager_profession = forms.CharField(
        label=_("Chefens profession"), max_length=100, help_text=_("Till exempel distriktsläkare eller sjuksköterska.")
    )
    invoicing_address = forms.CharField(
        label=_("Fakturaadress"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Dit SFAM skickar fakturan för Mitt-i-ST, med eventuell referens."),
    )
    password1 = forms.CharField(
        label=_("Välj lösenord"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Minst 10 tecken. Inte bara siffror, och inte likt ditt namn eller din e-post."),
    )
    password2 = forms.CharField(
        label=_("Upprepa lösenordet"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, today: date | None = None, **kwargs):
        self.today = today or local_today()
        super().__init__(*args, **kwargs)

    # Neither the address nor the personnummer is looked up here: an error saying "already registered"
    # would tell anyone who is in Mitt-i-ST. The service handles both, by e-mail (services.registration_request).
    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_personnummer(self):
        return parse_personnummer(self.cleaned_data["personnummer"], today=self.today)

    def clean_st_start(self):
        start = self.cleaned_data["st_start"]
        if start > self.today:
            raise forms.ValidationError(_("Startdatum för ST kan inte ligga i framtiden."), code="future_start")
        if start.year < 1950:
            raise forms.ValidationError(_("Kontrollera startdatumet."), code="implausible_start")
        return start

    def clean_st_planned_end(self):
        end = self.cleaned_data["st_planned_end"]
        months = settings.MITTIST_MIN_MONTHS_LEFT_AT_REGISTRATION
        earliest = add_months(self.today, months)
        if end < self.today:
            raise forms.ValidationError(_("Planerat slutdatum har redan passerat."), code="end_in_past")
        if end < earliest:
            raise forms.ValidationError(
                _("Planerat slut för ST måste vara minst %(months)s efter anmälan, alltså tidigast %(date)s.")
                % {"months": durations["min_months_left"], "date": date_format(earliest, "DATE_FORMAT")},
                code="end_too_early",
            )
        if end.year > self.today.year + 15:
            raise forms.ValidationError(_("Kontrollera slutdatumet."), code="implausible_end")
        return end

    def clean(self):
        data = super().clean()
        start, end = data.get("st_start"), data.get("st_planned_end")
        if start and end and end <= start:
            self.add_error("st_planned_end", _("Slutdatum måste vara efter startdatum."))
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Lösenorden är inte lika."))
        elif p1:
            probe = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data

    USER_FIELDS = ["full_name", "email", "phone"]
    CASE_FIELDS = [
        "workplace", "workplace_address", "region", "curriculum", "st_start", "st_planned_end", "supervisor_name", "supervisor_email",
        "director_of_studies", "manager_name", "manager_profession", "invoicing_address",
    ]

    def user_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.USER_FIELDS}

    def case_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.CASE_FIELDS}


class RegisterAgainForm(RegistrationForm):
    """A trainee whose earlier registration ended (rejected, withdrawn) applies again from their account:
    no new account, so no name, e-mail or password; the earlier answers are filled in."""

    ACCOUNT_FIELDS = ("full_name", "email", "password1", "password2")

    def __init__(self, data=None, *, trainee, previous: Evaluation | None = None, **kwargs):
        if previous is not None and data is None and "initial" not in kwargs:
            kwargs["initial"] = {
                "phone": trainee.phone,
                "personnummer": previous.personnummer_clear(),
                **{name: getattr(previous, name) for name in self.CASE_FIELDS},
            }
        super().__init__(data, **kwargs)
        self.trainee = trainee
        for name in self.ACCOUNT_FIELDS:
            del self.fields[name]

    def clean(self):
        # The parent's password checks have nothing to check here.
        return forms.Form.clean(self)


# --- forms for the case's steps -------------------------------------------------------------------


class ReasonForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(label=_("Skäl"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DeclineForm(ReasonForm):
    reason = forms.CharField(
        label=_("Varför tackar du nej?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Skälet går till Mitt-i-ST-kansliet, som tillfrågar en annan värderare."),
    )


class ContactMadeForm(SafeTextMixin, forms.Form):
    on = forms.DateField(label=_("Datum då du kontaktade värderaren"), widget=DateInput())

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > local_today():
            raise forms.ValidationError(_("Datumet kan inte ligga i framtiden."))
        return on


class EvaluatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.full_name} ({obj.get_region_display()})"


class AssignForm(SafeTextMixin, forms.Form):
    evaluator = EvaluatorChoiceField(
        label=_("Värderare"), queryset=Evaluator.objects.filter(active=True).select_related("user"),
        error_messages={"invalid_choice": _("Välj en aktiv värderare ur listan.")},
    )
    override_reason = forms.CharField(
        label=_("Skäl att ändå välja värderaren"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Krävs när listan visar något att tänka på: samma region eller vårdcentral som ST-läkaren, fullt "
            "antal ärenden, eller att värderaren redan har tackat nej till ärendet."
        ),
    )


class ReassignForm(AssignForm):
    reason = forms.CharField(label=_("Varför byts värderaren?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EvaluatorForm(SafeTextMixin, forms.Form):
    full_name = forms.CharField(label=_("Namn"), max_length=150)
    email = forms.EmailField(label=_("E-post"), max_length=254)
    phone = forms.CharField(label=_("Telefon"), max_length=40, required=False)
    region = forms.ChoiceField(label=_("Region"), choices=[("", _("Välj region"))] + Region.choices)
    home_clinic = forms.CharField(label=_("Egen vårdcentral"), max_length=200)
    max_active_cases = forms.IntegerField(label=_("Max antal pågående ärenden"), min_value=1, max_value=20, initial=3)
    last_training_year = forms.IntegerField(
        label=_("År för senaste värderarutbildning"), required=False, min_value=1990, max_value=2100
    )
    active = forms.BooleanField(label=_("Aktiv i poolen"), required=False, initial=True)

    def __init__(self, *args, instance: Evaluator | None = None, **kwargs):
        self.instance = instance
        if instance and "initial" not in kwargs:
            kwargs["initial"] = {
                "full_name": instance.user.full_name, "email": instance.user.email, "phone": instance.user.phone,
                "region": instance.region, "home_clinic": instance.home_clinic,
                "max_active_cases": instance.max_active_cases, "last_training_year": instance.last_training_year,
                "active": instance.active,
            }
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(email__iexact=email)
        if self.instance:
            others = others.exclude(pk=self.instance.user_id)
        if others.exists():
            raise forms.ValidationError(_("Det finns redan ett konto med den här e-postadressen."))
        return email

    def clean_last_training_year(self):
        year = self.cleaned_data["last_training_year"]
        if year and year > local_today().year:
            raise forms.ValidationError(_("Året kan inte ligga i framtiden."))
        return year


class PlainInputMixin:
    """Django's input.html (and its attrs.html) written in Python, for the dashboard's filter on every visit:
    three template renders a field. The same markup: the attributes in their order, True as a bare name."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value_attr = "" if widget["value"] is None else html.format_html(' value="{}"', widget["value"])
        attrs_html = "".join(
            html.format_html(" {}", key) if attr is True else html.format_html(' {}="{}"', key, attr)
            for key, attr in widget["attrs"].items() if attr is not False
        )
        return html.format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"],
                                mark_safe(value_attr), mark_safe(attrs_html))


class Plain:
    """The inputs with PlainInputMixin, named as Django's: a field's `widget_type` (its CSS class on the page)
    comes from its widget's class name."""

    class TextInput(PlainInputMixin, forms.TextInput):
        pass

    class CheckboxInput(PlainInputMixin, forms.CheckboxInput):
        pass


class PlainSelect(forms.Select):
    """The same <select> as Django's, built in Python from the choices: the template renderer costs two template
    renders per <option>, and even Django's option dictionaries were a sixth of the dashboard's rendering (its
    filter has one option per evaluator, state and region)."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if self.allow_multiple_selected or any(isinstance(label, list | tuple) for _v, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = self.format_value(value)
        rows, chosen = [], False
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            selected = not chosen and text in wanted  # only the first match, as Django's
            chosen = chosen or selected
            rows.append((text, " selected" if selected else "", label))
        options = "".join(html.format_html('<option value="{}"{}>{}</option>', *row) for row in rows)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           mark_safe(options))


class CaseFilterForm(SafeTextMixin, forms.Form):
    q = forms.CharField(label=_("Sök"), required=False, max_length=100, widget=Plain.TextInput)
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Alla"))] + Evaluation.State.choices,
                              widget=PlainSelect)
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", _("Alla"))] + Region.choices,
                               widget=PlainSelect)
    evaluator = forms.ChoiceField(label=_("Värderare"), required=False, widget=PlainSelect)
    overdue = forms.BooleanField(label=_("Bara försenade"), required=False, widget=Plain.CheckboxInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Two columns, not two model instances per evaluator: the dashboard builds this on every request.
        evaluators = Evaluator.objects.order_by("user__full_name").values_list("pk", "user__full_name")
        self.fields["evaluator"].choices = [("", _("Alla")), ("none", _("Utan värderare"))] + [
            (str(pk), name) for pk, name in evaluators
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
