import pytest

from evaluations.models import Evaluation
from survey.models import SurveyDefinition

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


def load_definitions() -> None:
    """The versions the data migrations load. A test on the live server (transactional) empties every table
    when it ends, migration data too, so the browser tests put them back first."""
    from evaluations.reports.definitions import QUALITY_CHECKLIST, REPORT_TEMPLATE
    from evaluations.reports.models import QualityChecklist, ReportTemplate
    from survey.definitions import SURVEY_V1

    for model, entry in ((ReportTemplate, REPORT_TEMPLATE), (QualityChecklist, QUALITY_CHECKLIST),
                         (SurveyDefinition, SURVEY_V1)):
        model.objects.get_or_create(version=entry["version"], defaults={"title": entry["title"], "items": entry["items"]})


@pytest.fixture
def definitions(db):
    load_definitions()


@pytest.fixture
def definition(definitions):
    return SurveyDefinition.current()
