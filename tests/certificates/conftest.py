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
    """Kept as a name: tests/conftest.py loads the data migrations' rows for every database test."""
