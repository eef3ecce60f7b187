from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from mittist.forms import SafeTextMixin


class EmailAuthenticationForm(SafeTextMixin, AuthenticationForm):
    username = forms.EmailField(
        label=_("E-post"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        "invalid_login": _("Fel e-postadress eller lösenord. Observera att lösenordet skiljer på stora och små bokstäver."),
        "inactive": _("Kontot är inte aktivt."),
    }


class AnyUserPasswordResetForm(SafeTextMixin, PasswordResetForm):
    """Also reaches accounts that never chose a password (evaluators invited by the office)."""

    def get_users(self, email):
        return get_user_model().objects.filter(email__iexact=email, is_active=True)
