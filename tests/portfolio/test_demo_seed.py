from django.core.management import call_command

from evaluations.certificates.models import Certificate
from evaluations.models import Evaluation
from evaluations.reports.models import QualityReview, Report, ReportShare
from portfolio.selectors import portfolio_status


def test_demo_data_covers_every_state_and_loads_twice_without_duplicates(db, settings):
    settings.DEBUG = True  # the demo commands run in development only
    for _ in range(2):
        call_command("seed_demo", verbosity=0)
        call_command("seed_demo_portfolio", verbosity=0)
        call_command("seed_demo_reports", verbosity=0)
        call_command("seed_demo_survey", verbosity=0)

    states = set(Evaluation.objects.values_list("state", flat=True))
    # "Quality reviewed" passes at once: the review issues the certificate in the same step.
    assert states == set(Evaluation.State.values) - {Evaluation.State.QUALITY_REVIEWED}
    assert Evaluation.objects.count() == 16  # loaded twice, stored once
    delivered = Report.objects.filter(delivered_at__isnull=False)
    assert delivered.count() == 4 and all(r.pdf for r in delivered)
    assert QualityReview.objects.filter(completed_at__isnull=True).count() == 1  # taken, not finished
    assert Certificate.objects.count() == 2 and ReportShare.objects.count() == 2
    submitted = Evaluation.objects.filter(state=Evaluation.State.MATERIAL_SUBMITTED).get()
    status = portfolio_status(submitted)
    assert status.missing == [] and len(status.recordings) == 2
