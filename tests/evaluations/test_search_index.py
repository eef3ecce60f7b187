"""The dashboard at many cases: the search compares stored folded copies of the searched columns, which the
database keeps itself (on both databases), and on PostgreSQL reads them off pg_trgm indexes; the list and the
two queues are read off indexes in their own order instead of sorting every case."""

import pytest
from django.db import connection

from evaluations import selectors
from evaluations.models import Evaluation
from mittist.accounts.models import Role, User
from mittist.search import fold
from tests.conftest import S

needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes (CI=true)")


def test_the_folded_copies_are_the_folded_columns_and_follow_every_write(make_user, make_case):
    user = make_user(Role.TRAINEE, full_name="Åsa Öberg-Ærø", email="Asa.OBERG@vc.example.org")
    case = make_case(S.REGISTERED, trainee=user, workplace="Vårdcentralen Ängen")
    user = User.objects.get(pk=user.pk)
    case = Evaluation.objects.get(pk=case.pk)
    assert user.full_name_folded == fold("Åsa Öberg-Ærø") == "asa oberg-ærø"
    assert user.email_folded == fold(user.email)
    assert case.workplace_folded == "vardcentralen angen"

    # Any write, not only the services' saves: a bulk update too.
    User.objects.filter(pk=user.pk).update(full_name="Östen Ståhl")
    Evaluation.objects.filter(pk=case.pk).update(workplace="Hälsocentralen Öster")
    assert User.objects.get(pk=user.pk).full_name_folded == "osten stahl"
    assert Evaluation.objects.get(pk=case.pk).workplace_folded == "halsocentralen oster"
    assert list(selectors.case_list(q="östen öster")) == [case]
    assert list(selectors.case_list(q="Ærø")) == []  # the old name is gone from the search too


def test_search_finds_by_the_evaluators_name_not_their_email(make_user, make_case):
    from evaluations.models import Evaluator

    user = make_user(Role.EVALUATOR, full_name="Örjan Ståhl", email="ovrig.adress@example.org")
    stahl = Evaluator.objects.create(user=user, region="gotland", home_clinic="VC Hav")
    theirs = make_case(S.EVALUATOR_ASSIGNED, evaluator_=stahl)
    assert list(selectors.case_list(q="STAHL")) == [theirs]
    assert list(selectors.case_list(q="ovrig.adress")) == []


def _plan(queryset, *settings) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@needs_postgresql
def test_on_postgresql_the_search_can_read_every_searched_column_off_its_trigram_index(make_case):
    make_case(S.REGISTERED)
    # With sequential scans off, the planner uses an index wherever the query's expression matches one.
    plan = _plan(selectors.case_list(q="Öberg"), "enable_seqscan")
    for index in ("accounts_user_full_name_folded_trgm", "accounts_user_email_folded_trgm",
                  "evaluation_workplace_folded_trgm"):
        assert f"Bitmap Index Scan on {index}" in plan, plan
    assert "'%oberg%'" in plan  # the folded word, compared with the stored folded column


@pytest.mark.postgres
@needs_postgresql
@pytest.mark.parametrize("listing, index", [
    (lambda: selectors.case_list()[:25], "evaluation_list_order"),
    (lambda: selectors.registration_queue()[:20], "evaluation_registration_queue"),
    (lambda: selectors.assignment_queue()[:20], "evaluation_assignment_queue"),
])
def test_on_postgresql_the_dashboards_lists_are_read_in_order_off_their_index(make_case, listing, index):
    make_case(S.REGISTERED)
    plan = _plan(listing(), "enable_seqscan", "enable_sort")
    assert f"Index Scan using {index} on evaluations_evaluation" in plan, plan
    assert "Sort" not in plan, plan  # the first page without sorting every case


def test_the_case_names_its_one_state_field_as_django_fsm_would_find_it():
    from django_fsm import FSMFieldMixin

    assert tuple(Evaluation().state_fields) == tuple(
        f for f in Evaluation._meta.fields if isinstance(f, FSMFieldMixin)
    )
