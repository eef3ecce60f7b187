from django import forms
from django.utils.translation import gettext_lazy as _

from mittist.forms import SafeTextMixin

from .models import normalize_code
from .services import MAX_REASON_LENGTH

EXAMPLE_CODE = "7K3M-Q9XD-2B4H"


def _reason(label, help_text, required):
    return forms.CharField(
        label=label, help_text=help_text, max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": required},
    )


class IssueEarlyForm(SafeTextMixin, forms.Form):
    prefix = "certificate_issue"
    reason = _reason(
        _("Varför utfärdas intyget före kvalitetsgranskningen?"),
        _("Skälet syns bara för kansliet, bland ärendets händelser. ST-läkaren får intyget och ett "
          "e-postmeddelande om det."),
        _("Skriv varför intyget utfärdas före kvalitetsgranskningen."),
    )


class RevokeForm(SafeTextMixin, forms.Form):
    prefix = "certificate_revoke"
    reason = _reason(
        _("Varför återkallas intyget?"),
        _("ST-läkaren får skälet i ett e-postmeddelande. Den som kontrollerar intyget får bara veta "
          "att det är återkallat, och sedan när."),
        _("Skriv varför intyget återkallas."),
    )


class VerifyForm(SafeTextMixin, forms.Form):
    code = forms.CharField(
        label=_("Kontrollkod"),
        max_length=40,
        help_text=_("Koden står längst ner på intyget, till exempel 7K3M-Q9XD-2B4H. Stora eller små bokstäver, "
                    "med eller utan bindestreck."),
        error_messages={"required": _("Skriv kontrollkoden från intyget.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                      "inputmode": "text"}),
    )

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(
                _("Det här är ingen kontrollkod. En kontrollkod har tolv tecken, till exempel %(example)s."),
                params={"example": EXAMPLE_CODE},
            )
        return code
