"""survey_submit: the answers are stored linked to nothing, the case closes with one audit row, all or nothing."""

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from evaluations import services as case_services
from evaluations.models import CaseEvent, Evaluation
from evaluations.services import CaseStateError
from survey import services
from survey.models import SurveyResponse

from .conftest import full_answers

S = Evaluation.State


def test_submitting_stores_an_unlinkable_response_and_closes_the_case(certified_case, trainee, definition):
    events_before = CaseEvent.objects.filter(case=certified_case).count()
    with time_machine.travel(timezone.now()):
        today = timezone.localdate()
        response = services.survey_submit(
            case=certified_case, by=trainee, answers=full_answers(best="  Dagen med värderaren.\r\nTack!  ")
        )

    case = Evaluation.objects.get(pk=certified_case.pk)
    assert case.state == S.CLOSED and case.survey_answered and case.closed_at is not None

    events = CaseEvent.objects.filter(case=case)
    assert events.count() == events_before + 1
    event = events.first()
    assert (event.action, event.actor, event.from_state, event.to_state) == ("survey_answered", trainee, S.CERTIFIED, S.CLOSED)
    assert event.note == ""  # nothing of the answers, nor the response's key, on the case

    stored = SurveyResponse.objects.get()
    assert stored.pk == response.pk and stored.definition == definition
    assert (stored.year, stored.month, stored.region) == (today.year, today.month, "halland")
    assert stored.answers["instructions_clear"] == 4
    assert stored.answers["best"] == "Dagen med värderaren.\nTack!"
    # Nothing in the row names the person or the case.
    row = json.dumps({"id": str(stored.pk), **stored.answers})
    for trace in (str(case.pk), str(trainee.pk), trainee.email, trainee.full_name, case.workplace):
        assert trace not in row
    assert str(stored.pk) not in " ".join(CaseEvent.objects.values_list("note", flat=True))


def test_answers_are_checked_and_nothing_is_stored_when_one_is_wrong(certified_case, trainee):
    answers = full_answers(instructions_clear="", preparation_time="7", best="x" * 5001)
    with pytest.raises(ValidationError) as error:
        services.survey_submit(case=certified_case, by=trainee, answers=answers)
    assert error.value.message_dict == {
        "instructions_clear": ["Välj ett av alternativen 1–5."],
        "preparation_time": ["Välj ett av alternativen 1–5."],
        "best": ["Texten är för lång: 5001 tecken, högst 5000 går att skicka. Korta texten."],
    }
    assert not SurveyResponse.objects.exists()
    assert Evaluation.objects.get(pk=certified_case.pk).state == S.CERTIFIED


def test_free_text_is_optional_and_unknown_keys_are_dropped(certified_case, trainee):
    answers = full_answers(best="", improve="   ", other="", is_staff="1", case_id=str(certified_case.pk))
    services.survey_submit(case=certified_case, by=trainee, answers=answers)
    stored = SurveyResponse.objects.get()
    assert set(stored.answers) == {i["key"] for i in stored.definition.items if i["kind"] == "scale"}


def test_control_characters_in_free_text_are_refused(certified_case, trainee):
    with pytest.raises(ValidationError) as error:
        services.survey_submit(case=certified_case, by=trainee, answers=full_answers(other="abc\u202edef"))
    assert "other" in error.value.message_dict


def test_a_second_submit_is_refused_and_stores_nothing(certified_case, trainee):
    services.survey_submit(case=certified_case, by=trainee, answers=full_answers())
    with pytest.raises(CaseStateError, match="Du har redan svarat"):
        services.survey_submit(case=certified_case, by=trainee, answers=full_answers())
    assert SurveyResponse.objects.count() == 1
    assert CaseEvent.objects.filter(case=certified_case, action="survey_answered").count() == 1


@pytest.mark.parametrize("state", [S.PRACTICE_DAY_HELD, S.REPORT_DELIVERED])
def test_before_the_certificate_the_survey_is_refused(make_case, trainee, state):
    case = make_case(state, trainee=trainee)
    with pytest.raises(CaseStateError, match="när intyget är utfärdat"):
        services.survey_submit(case=case, by=trainee, answers=full_answers())
    assert not SurveyResponse.objects.exists()
    assert Evaluation.objects.get(pk=case.pk).state == state


def test_a_case_closed_by_the_office_takes_no_survey(certified_case, trainee, coordinator):
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        case_services.case_close(case=certified_case, by=coordinator)
        with pytest.raises(CaseStateError):
            services.survey_submit(case=certified_case, by=trainee, answers=full_answers())
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("who", ["other_trainee", "coordinator", "evaluator", "quality"])
def test_only_the_cases_own_trainee_may_answer(request, certified_case, who):
    person = request.getfixturevalue(who)
    person = getattr(person, "user", person)
    with pytest.raises(PermissionDenied):
        services.survey_submit(case=certified_case, by=person, answers=full_answers())
    assert not SurveyResponse.objects.exists()
    assert Evaluation.objects.get(pk=certified_case.pk).state == S.CERTIFIED


def test_the_response_and_the_closing_are_one_transaction(certified_case, trainee, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the case could not be closed")

    monkeypatch.setattr(services, "case_close_after_survey", broken)
    with pytest.raises(RuntimeError):
        services.survey_submit(case=certified_case, by=trainee, answers=full_answers())
    assert not SurveyResponse.objects.exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (run with CI=true)")
def test_two_submits_at_once_store_one_response(transactional_db, make_case, trainee, monkeypatch):
    from tests.evaluations.test_concurrency import run_together

    real = services.clean_answers

    def slow(*args, **kwargs):
        time.sleep(0.3)  # inside the lock: the other submit is certainly waiting for it
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "clean_answers", slow)
    certified_case = make_case(S.CERTIFIED, trainee=trainee)
    results = run_together(
        lambda: services.survey_submit(case=certified_case, by=trainee, answers=full_answers()),
        lambda: services.survey_submit(case=certified_case, by=trainee, answers=full_answers()),
    )
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"]
    assert isinstance(next(v for k, v in results if k == "error"), CaseStateError)
    assert SurveyResponse.objects.count() == 1
