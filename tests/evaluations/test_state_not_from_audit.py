"""What the services decide by is kept in the model they change; the audit rows (CaseEvent) are for reading.

An evaluator who declined a case needs the office's reason to be asked again: that is a DeclinedAssignment
row, written by the decline, and the check holds when the audit rows say nothing."""

import importlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from evaluations import services
from evaluations.models import CaseEvent, DeclinedAssignment, Evaluation
from evaluations.selectors import assignment_conflicts, declined_by

S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")


def test_a_decline_is_kept_with_the_case_and_asks_for_a_reason_without_the_audit_rows(
    make_case, coordinator, evaluator
):
    case = make_case(S.EVALUATOR_ASSIGNED, region="halland")
    services.case_decline_assignment(case=case, by=evaluator.user, reason="Jäv")
    (decline,) = DeclinedAssignment.objects.filter(case=case)
    assert decline.user_id == evaluator.user_id

    CaseEvent.objects.filter(case=case).delete()
    case = Evaluation.objects.get(pk=case.pk)
    assert [c.code for c in assignment_conflicts(case, evaluator)] == ["declined"]
    with pytest.raises(ValidationError, match="Tackade nej"):
        services.case_assign_evaluator(case=case, by=coordinator, evaluator=evaluator)
    services.case_assign_evaluator(case=case, by=coordinator, evaluator=evaluator, override_reason="Jävet är utrett")
    assert Evaluation.objects.get(pk=case.pk).evaluator == evaluator


def test_an_accepted_assignment_leaves_no_decline(make_case, evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    assert declined_by(case) == {}


def test_the_migration_takes_the_declines_from_the_audit_rows(make_case, evaluator, other_evaluator, coordinator):
    migration = importlib.import_module("evaluations.migrations.0010_s2tmpl_declined_assignment")
    case = make_case(S.REGISTERED)
    first = datetime(2026, 3, 2, 10, 0, tzinfo=STHLM)
    for at, actor in [(first, evaluator.user), (first + timedelta(days=9), evaluator.user),
                      (first + timedelta(days=3), other_evaluator.user), (first, None)]:
        CaseEvent.objects.create(case=case, action="assignment_declined", actor=actor, at=at)
    CaseEvent.objects.create(case=case, action="assignment_accepted", actor=coordinator, at=first)

    migration.from_audit_trail(apps, None)

    assert declined_by(case) == {evaluator.user_id: first + timedelta(days=9), other_evaluator.user_id: first + timedelta(days=3)}
    assert DeclinedAssignment.objects.filter(case=case).count() == 3
