from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils import timezone


def register_reminder_sweep(sender=None, using="default", **kwargs):
    """The reminder sweep as one django-q2 schedule, every 15 minutes (shown in the admin under Django Q).

    Runs after every migrate; keyed by name, so running it again updates the one schedule instead of
    adding another. The first run is set only when the schedule is created: a later migrate does not
    move it. Missed runs are not caught up (Q_CLUSTER catch_up=False): the next run sweeps all that is due.
    """
    from django_q.models import Schedule

    from .services.reminders import SWEEP_FUNC, SWEEP_NAME

    Schedule.objects.using(using).update_or_create(
        name=SWEEP_NAME,
        defaults={"func": SWEEP_FUNC, "schedule_type": Schedule.MINUTES, "minutes": 15, "repeats": -1},
        create_defaults={
            "func": SWEEP_FUNC,
            "schedule_type": Schedule.MINUTES,
            "minutes": 15,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Schemaläggning"

    def ready(self):
        from evaluations.extensions import register_action_labels, register_after_change

        from .audit import ACTION_LABELS as SCHEDULING_LABELS

        # The core shows these on the case timeline without importing this app.
        register_action_labels(SCHEDULING_LABELS)
        # Reminders follow the case's deadlines; the calendar invite follows its practice day.
        register_after_change("state_changed", "scheduling.reminders.replan_reminders")
        register_after_change("practice_day_changed", "scheduling.practice_day.practice_day_changed")

        from evaluations.extensions import register_report_panel

        from .services.programme import report_panel_context

        # Beside the report form: the day's sitting-in patients, as the programme had them.
        register_report_panel("scheduling/programme/_report_panel.html", 20, report_panel_context)

        from evaluations.extensions import register_material_holder, register_material_purger

        from .purge import holds_material, purge_material

        # The notes written here leave SFAM with the rest of the material (evaluations/purge.py runs these).
        register_material_purger(purge_material)
        register_material_holder(holds_material)
        from django.utils.translation import gettext_lazy as _

        from evaluations.extensions import register_personal_data

        from . import personal_data

        # The trainee's own data: the proposed days and the programme; their comments erased with the person.
        register_personal_data("practice_day", _("Praktikdagen: föreslagna datum och programmet"), personal_data, 20)

        from evaluations.extensions import register_case_link, register_case_panel, register_minicex_back_link

        from . import panels

        # The case page's deadlines, and the practice day's page from the case's pages and the mini-CEX form.
        register_case_panel("scheduling/_case_deadlines_panel.html", 10, panels.deadlines_panel_context,
                            place="case_middle")
        register_case_link("case_header", panels.case_header_links, 10)
        register_case_link("next_step", panels.next_step_links, 10)
        register_case_link("evaluator_card", panels.evaluator_card_links, 10)
        register_minicex_back_link(panels.minicex_back_link)
        post_migrate.connect(register_reminder_sweep, sender=self, dispatch_uid="scheduling.register_reminder_sweep")
