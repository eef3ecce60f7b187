from django.apps import AppConfig


class MiniCexConfig(AppConfig):
    name = "evaluations.minicex"
    label = "minicex"
    verbose_name = "Mini-CEX"
