from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Third-party models the admin lists, named in Swedish: their packages ship no Swedish catalogue,
# so the office would otherwise read "Scheduled tasks" and "Access attempts" among Swedish headings.
THIRD_PARTY_NAMES = {
    ("django_q", "schedule"): (_("schemalagt jobb"), _("schemalagda jobb")),
    ("django_q", "success"): (_("lyckat jobb"), _("lyckade jobb")),
    ("django_q", "failure"): (_("misslyckat jobb"), _("misslyckade jobb")),
    ("django_q", "ormq"): (_("jobb i kö"), _("jobb i kö")),
    ("axes", "accessattempt"): (_("inloggningsförsök"), _("inloggningsförsök")),
    ("axes", "accesslog"): (_("inloggning"), _("inloggningar")),
    ("axes", "accessfailurelog"): (_("misslyckad inloggning"), _("misslyckade inloggningar")),
}
THIRD_PARTY_APPS = {"axes": _("Inloggningsskydd")}


class AccountsConfig(AppConfig):
    name = "mittist.accounts"
    label = "accounts"
    verbose_name = "Konton"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import remember_second_factor

        user_logged_in.connect(remember_second_factor, dispatch_uid="mittist-remember-second-factor")

        from django.apps import apps

        for (app_label, model_name), (singular, plural) in THIRD_PARTY_NAMES.items():
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:  # not installed here
                continue
            model._meta.verbose_name = singular
            model._meta.verbose_name_plural = plural
        for app_label, name in THIRD_PARTY_APPS.items():
            if apps.is_installed(app_label):
                apps.get_app_config(app_label).verbose_name = name

        from mittist.middleware import start_session_clock

        user_logged_in.connect(start_session_clock, dispatch_uid="mittist.start_session_clock")
