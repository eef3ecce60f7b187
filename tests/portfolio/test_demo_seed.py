from django.core.management import call_command

from evaluations.models import Evaluation
from portfolio.selectors import portfolio_status


def test_demo_data_covers_every_state_and_loads_twice_without_duplicates(db, settings):
    settings.DEBUG = True  # the demo commands run in development only
    for _ in range(2):
        call_command("seed_demo", verbosity=0)
        call_command("seed_demo_portfolio", verbosity=0)

    states = set(Evaluation.objects.values_list("state", flat=True))
    assert states == set(Evaluation.State.values)
    submitted = Evaluation.objects.filter(state=Evaluation.State.MATERIAL_SUBMITTED).get()
    status = portfolio_status(submitted)
    assert status.missing == [] and len(status.recordings) == 2
