from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mittist.accounts"
    label = "accounts"
    verbose_name = "Konton"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import remember_second_factor

        user_logged_in.connect(remember_second_factor, dispatch_uid="mittist-remember-second-factor")
