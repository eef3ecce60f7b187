from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mittist.accounts"
    label = "accounts"
    verbose_name = "Konton"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from mittist.middleware import start_session_clock

        user_logged_in.connect(start_session_clock, dispatch_uid="mittist.start_session_clock")
