import pytest

from evaluations.certificates.models import Certificate
from evaluations.models import Evaluation

S = Evaluation.State


@pytest.fixture
def delivered_case(make_case, trainee):
    """Report delivered, quality review not yet recorded: the office may issue the certificate early."""
    return make_case(S.REPORT_DELIVERED, trainee=trainee)


@pytest.fixture
def certified_case(make_case, trainee):
    """Reviewed, so certified by the review, the way most certificates come about."""
    return make_case(S.CERTIFIED, trainee=trainee)


@pytest.fixture
def certificate(certified_case) -> Certificate:
    return Certificate.objects.get(case=certified_case)


@pytest.fixture
def other_certificate(make_case, other_trainee) -> Certificate:
    return Certificate.objects.get(case=make_case(S.CERTIFIED, trainee=other_trainee))


@pytest.fixture
def report_definitions(db):
    """The report template and checklist that a data migration loads. A browser test's live server flushes the
    database after each test, data migrations' rows with it, so the next one puts them back the same way."""
    from evaluations.reports.definitions import QUALITY_CHECKLIST, REPORT_TEMPLATE
    from evaluations.reports.models import QualityChecklist, ReportTemplate

    for model, entry in ((ReportTemplate, REPORT_TEMPLATE), (QualityChecklist, QUALITY_CHECKLIST)):
        model.objects.get_or_create(version=entry["version"], defaults={"title": entry["title"], "items": entry["items"]})
