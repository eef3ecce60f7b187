"""Two different people take two different steps on one case at the same moment.

tests/evaluations/test_concurrency.py covers two assignments, accept against decline and accept
against reassignment. These are the other races of the process: the office reopens the material while
the evaluator marks the practice day held (the two exclude each other: exactly one wins), and the office
withdraws the case while the trainee submits the material (the withdrawal always stands; the submission
either came first or is refused). Each thread has its own PostgreSQL connection; the first service to
take the case's row lock holds it a little (its audit row is written slowly).
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied

from evaluations import services
from evaluations.models import CaseEvent, Evaluation
from evaluations.services import CaseStateError
from mittist.outbox.models import Message
from tests.concurrency import run_together

from .conftest import needs_postgres

pytestmark = needs_postgres
S = Evaluation.State
ROUNDS = 2


def actions(case, *names) -> list[str]:
    return list(CaseEvent.objects.filter(case=case, action__in=names).order_by("pk").values_list("action", flat=True))


def test_the_office_reopening_while_the_evaluator_marks_the_day_held_takes_exactly_one(
    transactional_db, make_case, coordinator, evaluator, slow_audit
):
    for _ in range(ROUNDS):
        case = make_case(S.MATERIAL_SUBMITTED, practice_day=date.today() - timedelta(days=1))
        results = run_together(
            lambda case=case: services.case_mark_practice_day_held(case=case, by=evaluator.user),
            lambda case=case: services.case_reopen_material(case=case, by=coordinator, reason="Fel bilaga"),
        )
        oks = [i for i, (kind, _) in enumerate(results) if kind == "ok"]
        assert len(oks) == 1, results
        loser = results[1 - oks[0]][1]
        assert isinstance(loser, CaseStateError), results

        case.refresh_from_db()
        happened = actions(case, "practice_day_held", "material_reopened")
        if oks == [0]:
            assert happened == ["practice_day_held"]
            assert case.state == S.PRACTICE_DAY_HELD
        else:
            assert happened == ["material_reopened"]
            assert case.state == S.PRACTICE_DAY_AGREED
            assert case.trainee_texts_open


def test_the_office_withdrawing_while_the_trainee_submits_leaves_a_withdrawn_case_and_a_true_record(
    transactional_db, make_case, coordinator, slow_audit
):
    for _ in range(ROUNDS):
        case = make_case(S.PRACTICE_DAY_AGREED)
        Message.objects.all().delete()
        results = run_together(
            lambda case=case: services.case_submit_material(case=case, by=case.trainee),
            lambda case=case: services.case_withdraw(case=case, by=coordinator, reason="Slutat sin ST"),
        )
        assert results[1][0] == "ok", results  # the withdrawal always stands

        case.refresh_from_db()
        assert case.state == S.WITHDRAWN
        happened = actions(case, "material_submitted", "withdrawn")
        submitted_mails = Message.objects.filter(case_id=case.pk, template="material_submitted").count()
        if results[0][0] == "ok":
            assert happened == ["material_submitted", "withdrawn"]
            assert case.material_submitted_at is not None
            assert submitted_mails == 1
        else:
            assert isinstance(results[0][1], (CaseStateError, PermissionDenied)), results
            assert happened == ["withdrawn"]
            assert case.material_submitted_at is None
            assert submitted_mails == 0  # the evaluator is never told of a submission that did not happen
