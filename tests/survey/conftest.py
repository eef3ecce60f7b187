import pytest

from evaluations.models import Evaluation
from survey.models import SurveyDefinition
from tests.definitions import load_definitions

S = Evaluation.State


def full_answers(definition=None, **overrides) -> dict:
    """Every scale answered (4), every text written: what a trainee who answers everything posts."""
    definition = definition or SurveyDefinition.current()
    answers = {}
    for item in definition.items:
        answers[item["key"]] = "4" if item.get("kind", "scale") == "scale" else f"Fritext för {item['key']}."
    answers.update(overrides)
    return answers


@pytest.fixture
def certified_case(definitions, make_case, trainee):
    return make_case(S.CERTIFIED, trainee=trainee)


@pytest.fixture
def definitions(db):
    load_definitions()


@pytest.fixture
def definition(definitions):
    return SurveyDefinition.current()
