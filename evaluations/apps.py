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
        import mittist.search  # noqa: F401  (registers the accent-folding function on SQLite connections)

        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="evaluations.create_cache_table")

        from .state_counts import reinstall_if_missing

        post_migrate.connect(reinstall_if_missing, sender=self, dispatch_uid="evaluations.state_count_triggers")

        from evaluations.extensions import register_case_panel

        from .purge import register_purge_sweep
        from .purge_views import case_panel_context

        post_migrate.connect(register_purge_sweep, sender=self, dispatch_uid="evaluations.register_purge_sweep")
        # What leaves SFAM when, on the case page (the core's own panel, after the report's and certificate's).
        register_case_panel("evaluations/purge/_case_panel.html", 90, case_panel_context)

        from django.utils.translation import gettext_lazy as _

        from .personal_data import core_eraser, core_exporter, erasure_panel_context
        from .readlog import case_panel_context as read_log_panel_context

        # Who read the material: the office per case, the trainee as "Vem har läst".
        register_case_panel("evaluations/readlog/_case_panel.html", 95, read_log_panel_context)
        register_case_panel("evaluations/personal_data/_case_panel.html", 97, erasure_panel_context)

        from .extensions import register_data_eraser, register_data_exporter

        register_data_exporter("mitt_i_st", _("Konto och ärenden"), core_exporter, order=0)
        register_data_eraser(core_eraser, order=100)  # last: the satellites may still read the case first
