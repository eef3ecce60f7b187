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

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        """Through the mailer and the outbox, like every other message: in the account's language, retried,
        and never lost when the server is down (templates/emails/password_reset/)."""
        from django.urls import reverse

        from mittist.mailer import Recipient, queue_mail

        user = context["user"]
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        reset_url = f"{context['protocol']}://{context['domain']}{path}"
        queue_mail("password_reset", Recipient.of(user), {"user": user, "reset_url": reset_url})

class SecondFactorForm(SafeTextMixin, forms.Form):
    token = forms.CharField(
        label=_("Kod"), max_length=20, strip=True,
        help_text=_("Sex siffror från autentiseringsappen, eller en av dina reservkoder."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false",
                                      "autocapitalize": "off"}),
    )


class EnrolForm(SafeTextMixin, forms.Form):
    token = forms.CharField(
        label=_("Kod från appen"), max_length=10, strip=True,
        help_text=_("De sex siffror som appen visar för Mitt-i-ST just nu."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ResetSecondFactorForm(SafeTextMixin, forms.Form):
    reason = forms.CharField(label=_("Skäl"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
