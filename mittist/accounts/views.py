from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .forms import AnyUserPasswordResetForm, EmailAuthenticationForm


def axes_username(request, credentials) -> str:
    """django-axes: the e-mail a login attempt was for, as login compares it (case-insensitive)."""
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return value.strip().lower()


ROLE_HOMES = {
    "coordinator": "evaluations:dashboard",
    "trainee": "evaluations:trainee_home",
    "evaluator": "evaluations:evaluator_home",
    "quality": "evaluations:quality_home",
    # A supervisor's account is for assessing mini-CEX (section F works through its own link).
    "supervisor": "minicex:assessments",
}


def home(request):
    """Everyone starts at their own role's page."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if user.role in ROLE_HOMES:
        return redirect(ROLE_HOMES[user.role])
    if user.is_staff:
        return redirect("admin:index")
    return redirect("accounts:login")


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def set_language(request):
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in {"sv", "en"} and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset_form.html",
    form_class=AnyUserPasswordResetForm,
    email_template_name="registration/password_reset_email.html",
    subject_template_name="registration/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html", success_url=reverse_lazy("accounts:password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
