from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mittist.accounts"
    label = "accounts"
    verbose_name = "Konton"
