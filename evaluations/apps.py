from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(sender=None, using="default", **kwargs):
    """The database cache (rate limits when there is no Redis) needs its table; `migrate` is enough to get it."""
    from django.conf import settings
    from django.core.management import call_command

    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        call_command("createcachetable", database=using, verbosity=0)


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = "Mitt-i-ST"

    def ready(self):
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="evaluations.create_cache_table")
