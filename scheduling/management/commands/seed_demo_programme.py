"""Demo: SFAM's suggested day in the programme of the demo cases whose practice day is on, and, on
the case whose day was held, the evaluator's mini-CEX of the first sitting-in patient.

Run after seed_demo; idempotent (a programme that has items is left alone). Sends no e-mail.
"""


from evaluations.models import Evaluation
from mittist.demo import DemoCommand
from scheduling.models import ProgrammeItem
from scheduling.services.minicex import programme_item_start_minicex
from scheduling.services.programme import EDITABLE_STATES, programme_fill_suggestion, programme_for

DEMO_EVALUATOR = "vardare@example.org"


class Command(DemoCommand):
    help = "Fill the demo cases' practice-day programmes (and one practice-day mini-CEX)."

    def handle(self, *args, **options):
        filled = 0
        cases = Evaluation.objects.filter(evaluator__user__email=DEMO_EVALUATOR, state__in=EDITABLE_STATES)
        for case in cases.select_related("trainee", "evaluator__user"):
            programme = programme_for(case)
            if programme.items.exists():
                continue
            programme_fill_suggestion(case=case, by=case.trainee, version=programme.version)
            filled += 1
            if case.state == Evaluation.State.PRACTICE_DAY_HELD:
                first = ProgrammeItem.objects.filter(programme=programme, kind=ProgrammeItem.Kind.SITTING_IN).first()
                programme_item_start_minicex(case=case, by=case.evaluator.user, item_id=first.pk)
        self.stdout.write(f"Demo programmes filled: {filled}")
