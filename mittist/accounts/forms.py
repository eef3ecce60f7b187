from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from mittist.context_processors import shared_context
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
        """Through the outbox, like every other message: retried, and never lost when the server is down."""
        from django.template.loader import render_to_string

        from mittist.outbox.services import enqueue

        context = {**shared_context(), **context}  # the link's lifetime and the office, as in every mail
        user = context["user"]
        subject = " ".join(render_to_string(subject_template_name, context).split())
        text = render_to_string(email_template_name, context)
        html = render_to_string(html_email_template_name, context) if html_email_template_name else ""
        enqueue(template="password_reset", email=to_email, name=user.full_name, language=user.language or "sv",
                user_id=user.pk, subject=subject, text=text, html=html)

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
