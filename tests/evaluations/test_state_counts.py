"""The number of cases per state that the database keeps (evaluations/state_counts.py): it must always equal
a real count of the cases, whoever writes them, on PostgreSQL and on SQLite."""

from datetime import date

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from evaluations import services
from evaluations import state_counts as kept
from evaluations.apps import EvaluationsConfig
from evaluations.models import Evaluation, StateCount
from evaluations.selectors import state_counts
from mittist.accounts.models import Role
from mittist.accounts.personnummer import parse_personnummer
from tests.conftest import case_fields, fictional_pnr

S = Evaluation.State


def counted() -> dict[str, int]:
    """What a real GROUP BY over every case gives, every state included."""
    rows = Evaluation.objects.values("state").annotate(n=Count("*")).order_by()
    found = {row["state"]: row["n"] for row in rows}
    return {state: found.get(state, 0) for state in S.values}


def unsaved_cases(make_user, count: int, first: int = 500) -> list[Evaluation]:
    cases = []
    for n in range(first, first + count):
        case = Evaluation(trainee=make_user(Role.TRAINEE), **case_fields())
        case.set_personnummer(parse_personnummer(fictional_pnr(n, year=1970 + n % 20), today=date.today()))
        cases.append(case)
    return cases


def test_the_triggers_are_installed_after_migrate(db):
    assert set(kept.TRIGGERS) <= kept.installed_triggers(connection)


def test_counts_follow_cases_created_and_moved_by_the_services(make_case, coordinator):
    for state in Evaluation.PROCESS:
        make_case(state)
    services.case_withdraw(case=make_case(S.CONTACT_MADE), by=coordinator, reason="Avbröt")
    on_hold = services.case_put_on_hold(case=make_case(S.PRACTICE_DAY_AGREED), by=coordinator, reason="Sjuk")
    services.case_reject_registration(case=make_case(S.REGISTERED, accepted=False), by=coordinator, reason="Nej")
    assert state_counts() == counted()
    assert state_counts()[S.ON_HOLD] == 1

    services.case_resume(case=on_hold, by=coordinator)

    assert state_counts() == counted()
    assert state_counts()[S.ON_HOLD] == 0


def test_counts_follow_bulk_create_queryset_update_and_delete(make_user):
    Evaluation.objects.bulk_create(unsaved_cases(make_user, 6))
    assert state_counts()[S.REGISTERED] == 6

    Evaluation.objects.filter(pk__in=Evaluation.objects.values("pk")[:2]).update(state=S.WITHDRAWN)
    assert state_counts() == counted()
    assert (state_counts()[S.REGISTERED], state_counts()[S.WITHDRAWN]) == (4, 2)

    Evaluation.objects.filter(state=S.WITHDRAWN).first().delete()  # with its audit rows (CASCADE)
    Evaluation.objects.filter(state=S.REGISTERED)[:1].get().delete()
    assert state_counts() == counted()
    assert (state_counts()[S.REGISTERED], state_counts()[S.WITHDRAWN]) == (3, 1)

    Evaluation.objects.all().delete()
    assert state_counts() == {state: 0 for state in S.values}


def test_an_update_that_keeps_the_state_leaves_the_counts(make_case):
    case = make_case(S.CONTACT_MADE)
    Evaluation.objects.filter(pk=case.pk).update(workplace="Vårdcentralen Annan", state=S.CONTACT_MADE)
    assert state_counts() == counted()
    assert state_counts()[S.CONTACT_MADE] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # TRUNCATE refuses a table with deferred checks pending in its transaction
def test_truncate_empties_the_counts(make_case):
    make_case(S.CONTACT_MADE)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE evaluations_evaluation CASCADE")
    assert state_counts() == {state: 0 for state in S.values}


def test_reading_the_counts_does_not_read_the_cases(make_case):
    make_case(S.CONTACT_MADE)
    with CaptureQueriesContext(connection) as queries:
        state_counts()
    assert len(queries) == 1
    assert "evaluations_evaluation" not in queries[0]["sql"]
    assert StateCount.objects.get(state=S.CONTACT_MADE).cases == 1


def test_migrate_puts_back_triggers_a_table_rebuild_dropped(make_case, make_user):
    """SQLite drops a table's triggers when a migration rebuilds the table: `post_migrate` restores them and
    recounts what changed meanwhile."""
    make_case(S.CONTACT_MADE)
    kept.uninstall(connection)
    Evaluation.objects.bulk_create(unsaved_cases(make_user, 2))  # not counted: no triggers
    assert state_counts()[S.REGISTERED] == 0

    kept.reinstall_if_missing(sender=EvaluationsConfig, using=connection.alias)

    assert set(kept.TRIGGERS) <= kept.installed_triggers(connection)
    assert state_counts() == counted()
    assert state_counts()[S.REGISTERED] == 2
