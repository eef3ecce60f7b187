"""The quality group's aggregates: per year, regions only in groups of five, free text without traces, CSV."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mittist.accounts.models import Role
from survey.models import SurveyResponse

RESULTS = reverse("survey:results")
CSV = reverse("survey:results_csv")


@pytest.fixture
def add(definition):
    """add(n, year=2026, region="halland", **answers): n responses as the survey stores them."""

    def make(n=1, *, year=2026, month=5, region="halland", **answers):
        base = {item["key"]: 4 for item in definition.items if item["kind"] == "scale"}
        base.update(answers)
        SurveyResponse.objects.bulk_create(
            SurveyResponse(definition=definition, year=year, month=month, region=region, answers=dict(base))
            for _ in range(n)
        )

    return make


@pytest.fixture
def reader(client, quality):
    client.force_login(quality)
    return client


def csv_table(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TRAINEE, Role.EVALUATOR, Role.SUPERVISOR])
def test_only_the_quality_group_reads_the_answers(client, make_user, role, add):
    add(5)
    client.force_login(make_user(role))
    assert client.get(RESULTS).status_code == 403
    assert client.get(CSV).status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(client):
    assert reverse("accounts:login") in client.get(RESULTS).url


def test_counts_mean_and_distribution_per_scale_question(reader, add):
    add(2, instructions_clear=1)
    add(1, instructions_clear=3)
    add(3, instructions_clear=5)
    html = reader.get(RESULTS).content.decode()
    # 6 answers; mean (2·1 + 3 + 3·5) / 6 = 3.33…; 1: 2 (33 %), 3: 1 (17 %), 5: 3 (50 %).
    row = re.search(r"<tr>\s*<th scope=\"row\">.*?Instruktionerna för Mitt-i-ST var tydliga\..*?</tr>", html, re.S).group(0)
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
    assert [re.sub(r"<[^>]+>|&nbsp;", " ", c).split() for c in cells] == [
        ["6"], ["3,3"], ["2", "(33", "%)"], ["0", "(0", "%)"], ["1", "(17", "%)"], ["0", "(0", "%)"], ["3", "(50", "%)"],
    ]


def test_each_scale_question_is_drawn_as_an_accessible_svg_with_the_same_numbers(reader, add, definition):
    add(2, overall_value=2)
    add(3, overall_value=5)
    html = reader.get(RESULTS).content.decode()
    scales = [item for item in definition.items if item["kind"] == "scale"]
    assert html.count('role="img"') == len(scales)
    figure = re.search(r'<figure class="minicex-chart survey-chart" aria-labelledby="chart-overall_value-caption">.*?</figure>',
                       html, re.S).group(0)
    assert '<figcaption id="chart-overall_value-caption" class="minicex-chart-caption">Hur värdefull var Mitt-i-ST för dig, sammantaget?</figcaption>' in figure
    assert 'aria-labelledby="chart-overall_value-caption chart-overall_value-desc"' in figure
    desc = re.search(r"<desc [^>]*>(.*?)</desc>", figure, re.S).group(1)
    assert "5 svar, medel 3,8" in desc
    assert "1 (Inte alls värdefull): 0; 2: 2; 3: 0; 4: 0; 5 (Mycket värdefull): 3" in desc
    assert figure.count("<rect ") == 5 and "<title>5: 3 svar (60 %)</title>" in figure
    # Columns as tall as their counts: 5 is the tallest, 2 two thirds of it, the rest nothing.
    heights = [float(h) for h in re.findall(r'<rect class="chart-bar" [^>]*height="([\d.]+)"', figure)]
    assert heights[4] > 0 and heights[1] == pytest.approx(heights[4] * 2 / 3, abs=0.1) and heights[0] == heights[2] == 0
    assert 'style=' not in figure  # the CSP allows no inline style


def test_a_region_is_named_only_with_at_least_five_answers_that_year(reader, add, settings):
    settings.MITTIST_SURVEY_MIN_GROUP = 5
    add(4, region="gotland")
    add(5, region="kalmar")
    add(5, region="kronoberg", year=2025)
    html = reader.get(RESULTS + "?ar=2026").content.decode()
    assert "Region Kalmar län" in html
    assert "Gotland" not in html
    assert "4 svar kommer från regioner med färre svar och ingår bara i totalen." in html
    assert "Kronoberg" not in html  # another year

    add(1, region="gotland")
    html = reader.get(RESULTS + "?ar=2026").content.decode()
    assert "Region Gotland" in html and "Region Kalmar län" in html
    assert "ingår bara i totalen" not in html


def test_the_minimum_group_comes_from_the_setting(reader, add, settings):
    settings.MITTIST_SURVEY_MIN_GROUP = 3
    add(3, region="gotland")
    html = reader.get(RESULTS).content.decode()
    assert "Region Gotland" in html and "minst 3 svar" in html


def test_free_text_is_sorted_by_its_words_with_no_month_or_region_beside_it(reader, add):
    add(1, month=1, region="skane", best="Örjan var bra")
    add(1, month=2, region="skane", best="Bra återkoppling")
    add(1, month=3, region="skane", best="allt")
    add(1, month=5, region="skane", best="Äntligen")
    add(1, month=6, region="skane", best="Åter till jobbet")
    add(1, month=4, region="skane", improve="Kortare <instruktioner>")
    html = reader.get(RESULTS).content.decode()
    quotes = re.search(r'id="text-best-heading".*?<ul class="survey-quotes">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", quotes) == ["allt", "Bra återkoppling", "Åter till jobbet", "Äntligen", "Örjan var bra"]
    assert "Kortare &lt;instruktioner&gt;" in html
    texts = html[html.index('id="texts-heading"'):]
    for trace in ("Skåne", "skane", "januari", "mars", "2026-0"):
        assert trace not in texts


def test_the_year_picker_shows_one_year_at_a_time(reader, add):
    add(2, year=2025, best="Från förra året")
    add(1, year=2026, best="Från i år")
    newest = reader.get(RESULTS).content.decode()
    assert "<h1>Utvärderingar 2026</h1>" in newest and "Från i år" in newest and "Från förra året" not in newest
    assert '<option value="2025">2025</option>' in newest and '<option value="2026" selected>2026</option>' in newest
    older = reader.get(RESULTS + "?ar=2025").content.decode()
    assert "Från förra året" in older and "Från i år" not in older
    unknown = reader.get(RESULTS + "?ar=1999").content.decode()
    assert "<h1>Utvärderingar 2026</h1>" in unknown


def test_no_answers_yet_is_an_empty_state(reader):
    html = reader.get(RESULTS).content.decode()
    assert "Inga svar från" in html and "<svg" not in html and 'href="' + CSV not in html


def test_the_nav_leads_the_quality_group_to_the_answers(reader):
    html = reader.get(reverse("evaluations:quality_home")).content.decode()
    assert f'<a href="{RESULTS}">Utvärderingar</a>' in html


# --- CSV --------------------------------------------------------------------------------------------


def test_csv_has_one_row_per_answer_with_year_region_where_allowed_and_the_answers(reader, add, settings):
    settings.MITTIST_SURVEY_MIN_GROUP = 5
    add(5, region="kalmar")
    add(2, region="gotland", best="Rad ett\nrad två; med semikolon")
    add(3, year=2025, region="gotland")
    response = reader.get(CSV + "?ar=2026")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="mitt-i-st-utvardering-2026.csv"' in response["Content-Disposition"]
    table = csv_table(response)
    header, rows = table[0], table[1:]
    assert header[:3] == ["År", "Region", "Enkätversion"]
    assert "Instruktionerna för Mitt-i-ST var tydliga." in header and "Vad var bäst med din Mitt-i-ST?" in header
    assert not any("månad" in h.lower() for h in header)
    assert len(rows) == 7 and {row[0] for row in rows} == {"2026"}
    assert sorted(row[1] for row in rows) == [""] * 2 + ["Region Kalmar län"] * 5
    best = header.index("Vad var bäst med din Mitt-i-ST?")
    assert sorted(row[best] for row in rows)[-1] == "Rad ett\nrad två; med semikolon"
    assert {row[header.index("Instruktionerna för Mitt-i-ST var tydliga.")] for row in rows} == {"4"}


def test_csv_rows_are_in_key_order_not_in_the_order_answers_came(reader, add):
    for month in range(1, 13):
        add(1, month=month, other=f"svar {month:02d}")
    table = csv_table(reader.get(CSV))
    keys = sorted(SurveyResponse.objects.values_list("pk", flat=True))
    expected = [SurveyResponse.objects.get(pk=pk).answers["other"] for pk in keys]
    other = table[0].index("Övriga synpunkter")
    assert [row[other] for row in table[1:]] == expected


def test_csv_cells_cannot_run_as_formulas(reader, add):
    add(1, best="=HYPERLINK(\"http://example.org\")", improve="+1", other="@SUM(A1)")
    header, row = csv_table(reader.get(CSV))
    assert row[header.index("Vad var bäst med din Mitt-i-ST?")] == "'=HYPERLINK(\"http://example.org\")"
    assert row[header.index("Vad kan vi göra bättre?")] == "'+1"
    assert row[header.index("Övriga synpunkter")] == "'@SUM(A1)"


# --- a constant number of queries ---------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [RESULTS, CSV])
def test_the_number_of_queries_does_not_grow_with_the_answers(reader, add, url, django_assert_num_queries):
    regions = ["gotland", "kalmar", "skane", "uppsala"]
    for i in range(10):
        add(1, region=regions[i % 4], best=f"Text {i}")
    with_ten = count_queries(reader, url)
    for i in range(190):
        add(1, region=regions[i % 4], year=2026, best=f"Text {i}", improve="Mer")
    with django_assert_num_queries(with_ten):
        response = reader.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert SurveyResponse.objects.count() == 200


def test_answers_to_two_versions_of_the_questions_are_counted_together(reader, add, definition):
    from survey.models import SurveyDefinition

    items = [dict(item) for item in definition.items if item["key"] != "workload"]
    items[0]["label"] = "Instruktionerna var tydliga (ny lydelse)."
    items.append({"key": "travel", "topic": "Helheten", "label": "Resan fungerade.", "kind": "scale",
                  "low": "Dåligt", "high": "Bra"})
    newer = SurveyDefinition.objects.create(version=2, title="v2", items=items)
    add(2, instructions_clear=2)  # version 1, with "workload" = 4
    SurveyResponse.objects.create(definition=newer, year=2026, month=6, region="halland",
                                  answers={"instructions_clear": 5, "travel": 3})
    html = reader.get(RESULTS).content.decode()
    assert "Instruktionerna var tydliga (ny lydelse)." in html  # the newest wording
    assert "Instruktionerna för Mitt-i-ST var tydliga." not in html
    assert "Resan fungerade." in html and "Arbetet med portfölj och inspelningar" in html  # both versions' keys
    desc = re.search(r'<desc id="chart-instructions_clear-desc">(.*?)</desc>', html, re.S).group(1)
    assert desc.startswith("3 svar, medel 3,0")
    header, *rows = csv_table(reader.get(CSV))
    assert "Resan fungerade." in header and sorted(r[2] for r in rows) == ["1", "1", "2"]
