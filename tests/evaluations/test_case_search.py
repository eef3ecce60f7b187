"""The dashboard's search as the paginator reads it (selectors.CaseSearch): the same matches, in the same order,
as the export's `case_list(q=…)`, whichever way it reads them (on PostgreSQL: the parts of a UNION, the
people looked up by id or by walking the list), and counted only up to what the paginator asks."""

import pytest
from django.db import connection

from evaluations.selectors import CaseSearch, case_list
from mittist.accounts.models import Role
from tests.conftest import S, fictional_pnr

COLUMNS = ("state", "trainee_id", "workplace", "region", "evaluator_id", "next_due_on", "registered_at")
QUERIES = [
    "Ekström",  # trainees' names, accent-folded
    "ekstrom",
    "ekstrom.sara",  # an e-mail
    "Ängen",  # a clinic
    "Värdsson",  # an evaluator's name, for every case of theirs
    "värdsson ängen",  # two words from two tables
    "sara ängen",
    "Ängen Ekström",  # a case whose trainee and clinic both hold a word, once
    "ängen ÄNGEN",  # a word twice
    "zzz",  # nothing
    fictional_pnr(1),  # a personnummer: found by its hash
]


@pytest.fixture
def cases(make_user, make_case, make_evaluator):
    assessor = make_evaluator(full_name="Valle Värdsson", email="valle@example.org", region="gotland")
    sara = make_user(Role.TRAINEE, full_name="Sara Ekström", email="ekstrom.sara@example.org")
    made = [
        make_case(S.REGISTERED, trainee=sara, workplace="Vårdcentralen Ängen"),
        make_case(S.EVALUATOR_ACCEPTED, evaluator_=assessor, workplace="Vårdcentralen Ängen", region="skane"),
        make_case(S.CONTACT_MADE, evaluator_=assessor, workplace="Vårdcentralen Norr", region="skane"),
        make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Per Ekström"), region="skane"),
        make_case(S.CONTACT_MADE, trainee=make_user(Role.TRAINEE, full_name="Ove Ekstrom")),
        make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Lena Lind"), workplace="Hälsocentralen Ängen"),
        make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Bo Annan")),
    ]
    return made


def found(search: CaseSearch, n: int = 100) -> list:
    return [(c.pk, c.next_due_on, c.registered_at) for c in search[0:n]]


def expected(q: str, **filters) -> list:
    return [(c.pk, c.next_due_on, c.registered_at) for c in case_list(q=q, **filters)]


@pytest.mark.parametrize("probe,listed", [(500, 50), (500, 0), (0, 50)],
                         ids=["people-by-id", "people-by-subquery", "people-by-walking-the-list"])
@pytest.mark.parametrize("filters", [{}, {"region": "skane"}, {"state": S.REGISTERED}])
@pytest.mark.parametrize("q", QUERIES)
def test_the_search_finds_what_the_export_finds_in_the_same_order(cases, monkeypatch, q, filters, probe, listed):
    monkeypatch.setattr(CaseSearch, "PROBE", probe)
    monkeypatch.setattr(CaseSearch, "LISTED", listed)
    search = CaseSearch(q=q, columns=COLUMNS, **filters)
    want = expected(q, **filters)
    assert found(search) == want
    assert search.count_up_to(100) == len(want)


def test_the_search_finds_something_for_each_kind_of_query(cases):
    """The queries above are not all empty: each finds what it names."""
    assert len(expected("Ekström")) == 3
    assert len(expected("Värdsson")) == 2
    assert len(expected("Ängen")) == 3
    assert len(expected("Ängen Ekström")) == 1
    assert len(expected(fictional_pnr(1))) == 1


@pytest.mark.parametrize("probe", [500, 0])
def test_the_count_stops_at_what_is_asked_and_pages_do_not_overlap(cases, monkeypatch, probe):
    monkeypatch.setattr(CaseSearch, "PROBE", probe)
    search = CaseSearch(q="ängen", columns=COLUMNS)
    everything = found(search)
    assert len(everything) == 3
    assert search.count_up_to(2) == 2
    assert search.count_up_to(3) == 3
    assert found(search, 2) + [(c.pk, c.next_due_on, c.registered_at) for c in search[2:4]] == everything


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the UNION of limited parts is PostgreSQL's")
def test_on_postgresql_a_page_is_one_query_and_the_parts_are_limited(cases, django_assert_num_queries):
    search = CaseSearch(q="ängen", columns=COLUMNS)
    with django_assert_num_queries(1) as queries:
        search[0:25]
    sql = queries.captured_queries[0]["sql"]
    assert "UNION ALL" in sql and sql.count("LIMIT 25") >= 3, sql


def test_the_dashboard_shows_the_first_matches_up_to_the_cap(client, coordinator, cases, settings):
    settings.MITTIST_SEARCH_COUNT_CAP = 2
    client.force_login(coordinator)
    response = client.get("/koordinator/", {"q": "Ekström"})
    page = response.context["page_obj"]
    assert page.paginator.capped and page.paginator.count == 2
    assert [(c.pk, c.next_due_on, c.registered_at) for c in page.object_list] == expected("Ekström")[:2]
    assert "Fler än 2 träffar" in response.content.decode()
