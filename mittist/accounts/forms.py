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
        """Through the outbox, like every other message: retried, and never lost when the server is down."""
        from django.template.loader import render_to_string

        from mittist.outbox.services import enqueue

        user = context["user"]
        subject = " ".join(render_to_string(subject_template_name, context).split())
        text = render_to_string(email_template_name, context)
        html = render_to_string(html_email_template_name, context) if html_email_template_name else ""
        enqueue(template="password_reset", email=to_email, name=user.full_name, language=user.language or "sv",
                user_id=user.pk, subject=subject, text=text, html=html)
