"""Progress over time: the chart's data, the SVG and its table, who may see whose, and the compare page."""

import re
import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse

from evaluations.minicex.charts import build_chart
from evaluations.minicex.models import NOT_OBSERVED, MiniCex
from evaluations.minicex.selectors import chart_series, rated_forms
from tests.minicex.conftest import assessment_values

S = MiniCex.State
PROGRESS = "/mini-cex/utveckling/"


def rated(make_form, day, ratings, state=S.COMPLETED, **kwargs):
    values = assessment_values(ratings=ratings)
    form, _ = make_form(state, assessment=values, **kwargs)
    MiniCex.objects.filter(pk=form.pk).update(performed_on=day)
    form.refresh_from_db()
    return form


def all_items(value):
    return {k: value for k in ("anamnes", "status", "bemotande", "radgivning", "organisation")}


@pytest.fixture
def history(make_form):
    """Three ST forms entered out of date order; the middle one did not observe Anamnes."""
    late = rated(make_form, date(2025, 6, 1), all_items(4))
    early = rated(make_form, date(2025, 1, 10), all_items(2), state=S.ASSESSED)
    middle = rated(make_form, date(2025, 3, 5), {**all_items(3), "anamnes": NOT_OBSERVED})
    return early, middle, late


def test_points_in_date_order_with_a_gap_for_not_observed(trainee, history):
    early, middle, late = history
    series = chart_series(rated_forms(trainee, kind="st"))
    anamnes = next(s for s in series if s["key"] == "anamnes")
    assert [p["form_id"] for p in anamnes["points"]] == [early.pk, middle.pk, late.pk]
    assert [p["value"] for p in anamnes["points"]] == [2, None, 4]
    assert [p["not_observed"] for p in anamnes["points"]] == [False, True, False]
    assert anamnes["points"][1]["label"] == "Inte observerat"
    assert anamnes["top"] == 5
    chart = build_chart(anamnes)
    assert chart["segments"] == []  # no two neighbouring ratings to join: the line breaks at the gap
    status = build_chart(next(s for s in series if s["key"] == "status"))
    assert len(status["segments"]) == 1 and status["segments"][0].count("L") == 2
    assert [p["x"] for p in status["points"]] == sorted(p["x"] for p in status["points"])
    # A higher level is drawn higher up (smaller y).
    assert status["points"][0]["y"] > status["points"][1]["y"] > status["points"][2]["y"]


def test_only_assessed_and_completed_forms_are_charted(make_form, trainee, history):
    make_form(S.DRAFT)
    make_form(S.AWAITING_ASSESSOR)
    make_form(S.CANCELLED)
    series = chart_series(rated_forms(trainee, kind="st"))
    assert len(series[0]["points"]) == 3


def test_st_and_bt_are_never_on_one_chart(make_form, trainee, bt_definition, history):
    bt = rated(make_form, date(2025, 2, 1), all_items(3), definition=bt_definition)
    st_points = chart_series(rated_forms(trainee, kind="st"))[0]["points"]
    bt_series = chart_series(rated_forms(trainee, kind="bt"))
    assert bt.pk not in [p["form_id"] for p in st_points]
    assert [p["form_id"] for p in bt_series[0]["points"]] == [bt.pk]
    assert bt_series[0]["top"] == 4
    with pytest.raises(ValueError):
        chart_series(list(rated_forms(trainee, kind="st")) + [bt])


def test_page_draws_svg_and_the_same_values_as_a_table(client, trainee, history):
    client.force_login(trainee)
    html = client.get(PROGRESS).content.decode()
    assert html.count('<svg class="minicex-chart-svg"') == 5
    assert 'role="img"' in html and "<title>" in html and "<script" not in html.split("<main")[1]
    assert 'style="' not in html.split("<main")[1]  # strict CSP: no inline styles
    assert 'cx="48.0"' in html  # coordinates with a decimal point, whatever the language
    table = html[html.index("<table class=\"table table-stack minicex-progress-table"):]
    table = table[: table.index("</table>")]
    assert "<caption" in table
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == 3
    assert "10 januari 2025" in rows[0] and rows[0].count(">2</span>") == 5
    assert "Inte observerat" in rows[1] and rows[1].count(">3</span>") == 4
    assert rows[2].count(">4</span>") == 5


def test_kind_filter_and_bad_dates_do_not_break_the_page(client, make_form, trainee, bt_definition, history):
    rated(make_form, date(2025, 2, 1), all_items(3), definition=bt_definition)
    client.force_login(trainee)
    bt = client.get(PROGRESS, {"kind": "bt"})
    assert bt.status_code == 200 and bt.context["kind"] == "bt" and len(bt.context["forms"]) == 1
    assert bt.content.decode().count("<circle") == 5  # one point per item, four levels
    for query in ({"date_from": "not-a-date"}, {"kind": "xx"}, {"date_from": "2025-12-01", "date_to": "2025-01-01"},
                  {"date_from": "\x00" * 10}, {"date_to": "9" * 5000}):
        response = client.get(PROGRESS, query)
        assert response.status_code == 200
    narrowed = client.get(PROGRESS, {"date_from": "2025-03-01", "date_to": "2025-12-31"})
    assert [f.performed_on for f in narrowed.context["forms"]] == [date(2025, 3, 5), date(2025, 6, 1)]


def test_empty_state_links_to_create(client, trainee):
    client.force_login(trainee)
    html = client.get(PROGRESS).content.decode()
    assert "Inga bedömda mini-CEX ännu" in html
    assert "<svg" not in html.split("<main")[1]


def test_coordinator_sees_a_trainees_progress(client, coordinator, trainee, history):
    client.force_login(coordinator)
    response = client.get(reverse("minicex:trainee_progress", args=[trainee.pk]))
    assert response.status_code == 200
    assert response.context["trainee"] == trainee and len(response.context["forms"]) == 3
    assert client.get(reverse("minicex:trainee_progress", args=[uuid.uuid4()])).status_code == 404
    assert client.get(PROGRESS).status_code == 403


def test_other_roles_may_not_see_a_trainees_progress(client, trainee, other_trainee, evaluator, history):
    for user in (other_trainee, trainee, evaluator.user):
        client.force_login(user)
        assert client.get(reverse("minicex:trainee_progress", args=[trainee.pk])).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(PROGRESS)
    assert response.status_code == 302 and "logga-in" in response["Location"]


# --- compare --------------------------------------------------------------------------------------


def test_compare_two_forms_side_by_side(client, trainee, history):
    early, _, late = history
    client.force_login(trainee)
    response = client.get(reverse("minicex:compare"), {"a": early.pk, "b": late.pk})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows[0]["label"] == "Anamnes"
    assert (rows[0]["a"]["number"], rows[0]["b"]["number"]) == (2, 4)
    html = response.content.decode()
    assert html.count('<article class="paper"') == 2


def test_compare_someone_elses_form_is_404(client, trainee, other_trainee, history):
    early, _, _ = history
    client.force_login(other_trainee)
    response = client.get(reverse("minicex:compare"), {"a": early.pk, "b": early.pk})
    assert response.status_code == 404
    response = client.get(reverse("minicex:compare"), {"a": str(uuid.uuid4())})
    assert response.status_code == 404


@pytest.mark.parametrize("query", [{}, {"a": "nonsense"}, {"a": "1", "b": "2"}, {"a": "\x00"}, {"b": "x" * 10000},
                                   {"trainee": "nope"}])
def test_compare_bad_ids_offer_a_choice_not_a_500(client, trainee, history, query):
    client.force_login(trainee)
    response = client.get(reverse("minicex:compare"), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<select id="compare-a" name="a"' in html
    assert len(response.context["picker"]) == 3  # the trainee's rated forms


def test_compare_picker_for_a_coordinator_is_one_doctors_forms(client, coordinator, trainee, history):
    client.force_login(coordinator)
    assert len(client.get(reverse("minicex:compare")).context["picker"]) == 0
    picker = client.get(reverse("minicex:compare"), {"trainee": trainee.pk}).context["picker"]
    assert {f.trainee_id for f in picker} == {trainee.pk} and len(picker) == 3


def test_default_kind_is_the_trainees_programme(client, make_form, bt_trainee, bt_definition):
    form, _ = make_form(S.COMPLETED, by=bt_trainee, definition=bt_definition,
                        performed_on=date.today() - timedelta(days=3))
    client.force_login(bt_trainee)
    response = client.get(PROGRESS)
    assert response.context["kind"] == "bt"
    assert [f.pk for f in response.context["forms"]] == [form.pk]
