"""Two people acting on the same case at the same moment: the row lock decides, and the loser is told.

Each thread gets its own database connection, so this needs a real server with row locks
(PostgreSQL); SQLite serialises whole-database writes and would prove nothing here.
"""

import time
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from evaluations import services
from evaluations.models import CaseEvent, Evaluation, Evaluator
from evaluations.services import CaseStateError
from mittist.accounts.models import Role
from mittist.accounts.personnummer import parse_personnummer
from tests.concurrency import run_together
from tests.conftest import PASSWORD, case_fields, fictional_pnr

S = Evaluation.State
ROUNDS = 5

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent transactions on separate connections with row locks "
        "(run with CI=true); SQLite locks the whole database file",
    ),
]




def split(results):
    oks = [value for kind, value in results if kind == "ok"]
    errors = [value for kind, value in results if kind == "error"]
    return oks, errors


def reload(case):
    return Evaluation.objects.select_related("evaluator__user").get(pk=case.pk)


def test_cases_built_by_make_case_are_committed_and_visible_to_other_connections(transactional_db, make_case):
    case = make_case(S.EVALUATOR_ASSIGNED)
    (result,) = run_together(lambda: Evaluation.objects.get(pk=case.pk).state)
    assert result == ("ok", S.EVALUATOR_ASSIGNED)


def test_two_coordinators_assigning_at_once_one_wins_the_other_is_told_who(
    transactional_db, make_case, make_user, make_evaluator, slow_audit
):
    kora = make_user(Role.COORDINATOR, full_name="Kora Först")
    kurt = make_user(Role.COORDINATOR, full_name="Kurt Samtidig")
    xena = make_evaluator(region="skane", home_clinic="VC X", max_active_cases=20, full_name="Xena Xberg")
    yngve = make_evaluator(region="gotland", home_clinic="VC Y", max_active_cases=20, full_name="Yngve Yström")

    for _ in range(ROUNDS):
        case = make_case(S.REGISTERED)
        results = run_together(
            lambda case=case: services.case_assign_evaluator(case=case, by=kora, evaluator=xena),
            lambda case=case: services.case_assign_evaluator(case=case, by=kurt, evaluator=yngve),
        )
        oks, errors = split(results)
        assert len(oks) == 1, results
        assert len(errors) == 1 and isinstance(errors[0], CaseStateError), results

        case = reload(case)
        assert case.state == S.EVALUATOR_ASSIGNED
        assert case.evaluator in (xena, yngve)
        assert oks[0].evaluator == case.evaluator
        assert f"har just fått värderaren {case.evaluator.name}" in str(errors[0])
        assert CaseEvent.objects.filter(case=case, action="evaluator_assigned").count() == 1


def test_evaluator_accepting_and_declining_at_once_takes_exactly_one_answer(
    transactional_db, make_case, evaluator, slow_audit
):
    for _ in range(ROUNDS):
        case = make_case(S.EVALUATOR_ASSIGNED)
        results = run_together(
            lambda case=case: services.case_accept_assignment(case=case, by=evaluator.user),
            lambda case=case: services.case_decline_assignment(case=case, by=evaluator.user, reason="Hinner inte"),
        )
        oks, errors = split(results)
        assert len(oks) == 1, results
        # After a decline the evaluator has no rights on the case any more; after an accept the decline
        # meets a case that has moved on.
        assert len(errors) == 1 and isinstance(errors[0], (CaseStateError, PermissionDenied)), results

        case = reload(case)
        answers = list(
            CaseEvent.objects.filter(case=case, action__in=["assignment_accepted", "assignment_declined"])
            .values_list("action", flat=True)
        )
        assert len(answers) == 1
        if answers == ["assignment_accepted"]:
            assert case.state == S.EVALUATOR_ACCEPTED
            assert case.evaluator == evaluator
            assert case.evaluator_notified_at is not None
        else:
            assert case.state == S.REGISTERED
            assert case.evaluator is None
            assert case.registration_accepted_at is not None


def test_evaluator_accepting_while_the_coordinator_replaces_them_ends_with_the_new_evaluator_asked(
    transactional_db, make_case, coordinator, evaluator, other_evaluator, slow_audit
):
    # Room for every round's case: a full evaluator would need a reason (issue 10), not what this tests.
    Evaluator.objects.filter(pk=other_evaluator.pk).update(max_active_cases=ROUNDS + 3)
    other_evaluator.refresh_from_db()
    for _ in range(ROUNDS):
        case = make_case(S.EVALUATOR_ASSIGNED)
        results = run_together(
            lambda case=case: services.case_accept_assignment(case=case, by=evaluator.user),
            lambda case=case: services.case_reassign_evaluator(
                case=case, by=coordinator, evaluator=other_evaluator, reason="Byte"
            ),
        )
        # The replacement always goes through; the old evaluator's answer either came first or is refused.
        assert results[1][0] == "ok", results
        if results[0][0] == "error":
            assert isinstance(results[0][1], PermissionDenied), results

        case = reload(case)
        assert case.state == S.EVALUATOR_ASSIGNED
        assert case.evaluator == other_evaluator
        assert case.evaluator_notified_at is None
        assert CaseEvent.objects.filter(case=case, action="evaluator_reassigned").count() == 1
        accepted = CaseEvent.objects.filter(case=case, action="assignment_accepted").count()
        assert accepted == (1 if results[0][0] == "ok" else 0)


def test_two_registrations_with_the_same_personnummer_at_once_make_one_case(transactional_db):
    pnr = parse_personnummer(fictional_pnr(11), today=date.today())

    def register(email):
        return services.register_trainee(
            personnummer=pnr,
            password=PASSWORD,
            user_fields={"full_name": "Rut Dubbel", "email": email, "phone": ""},
            case_fields=case_fields(),
        )

    results = run_together(lambda: register("rut.ett@example.org"), lambda: register("rut.tva@example.org"))
    oks, errors = split(results)
    assert len(oks) == 1, results
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), results
    assert "personnummer" in errors[0].message_dict
    assert Evaluation.objects.count() == 1


def test_a_report_being_rendered_does_not_hold_up_another_cases_step(transactional_db, make_case, make_evaluator,
                                                                     monkeypatch):
    """The step of a case takes the count rows of its two states until commit (evaluations/state_counts.py):
    the report's PDF is rendered and stored before its step, so a step into the same state elsewhere does
    not wait for WeasyPrint."""
    import threading

    from evaluations.reports import pdf as report_pdf
    from evaluations.reports import services as report_services
    from tests.conftest import complete_answers

    other = make_evaluator(region="skane", home_clinic="VC Annan", full_name="Ove Annan")
    held = make_case(S.PRACTICE_DAY_HELD)
    submitted = make_case(S.MATERIAL_SUBMITTED, evaluator_=other, practice_day=date.today())
    report = report_services.report_for(held)
    report = report_services.report_save(report=report, by=held.evaluator.user, data=complete_answers(report),
                                         base_version=report.version)
    rendering, other_done = threading.Event(), threading.Event()
    render = report_pdf.render_report_pdf

    def slow_render(report):
        rendering.set()
        finished["other_in_time"] = other_done.wait(timeout=5)  # the other step, done while this renders
        return render(report)

    finished = {}
    monkeypatch.setattr(report_pdf, "render_report_pdf", slow_render)

    def deliver():
        report_services.report_deliver(report=report, by=held.evaluator.user)
        finished["report"] = time.monotonic()

    def hold_the_other():
        assert rendering.wait(timeout=10)
        services.case_mark_practice_day_held(case=submitted, by=other.user)  # into practice_day_held too
        finished["other"] = time.monotonic()
        other_done.set()

    results = run_together(deliver, hold_the_other)
    assert [kind for kind, _value in results] == ["ok", "ok"], results
    assert finished["other_in_time"] and finished["other"] < finished["report"]  # it did not wait for the PDF
    assert reload(held).state == S.REPORT_DELIVERED and reload(submitted).state == S.PRACTICE_DAY_HELD
