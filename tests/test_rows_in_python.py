"""The long lists written in Python (evaluations/templatetags/case_rows.py, scheduling_rows.py) escape as the
templates do, and their dates read as Django's date filter writes them."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from evaluations.models import Evaluation, Evaluator
from evaluations.templatetags.case_rows import case_step_items, case_table_rows, state_count_items
from evaluations.timeline import Step
from mittist.accounts.models import User
from mittist.dates import date_formatter
from mittist.html import format_html
from scheduling.deadlines import Deadline
from scheduling.templatetags.scheduling_rows import deadline_rows

HOSTILE = '<script>alert("x")</script> & O\'Brien \u202e'


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("style", ["SHORT_DATE_FORMAT", "DATE_FORMAT", "j F Y", "Y-m-d", "SHORT_DATETIME_FORMAT"])
def test_date_formatter_writes_what_date_format_writes(language, style):
    with translation.override(language):
        formatted = date_formatter(style)
        for month in range(1, 13):
            values = [datetime(987, month, 9, 7, 5), datetime(2026, month, 28, 23, 59)]
            if "DATETIME" not in style:
                values += [date(2026, month, 1), date(2026, month, 28)]
            for value in values:
                assert formatted(value) == date_format(value, style)


def test_date_formatter_falls_back_for_other_letters():
    with translation.override("sv"):
        assert date_formatter("l j F")(date(2026, 12, 6)) == date_format(date(2026, 12, 6), "l j F") == "söndag 6 december"


def test_format_html_escapes_as_djangos_conditional_escape():
    lazy_text = lazy(lambda: HOSTILE, str)()
    for value in (HOSTILE, lazy_text, mark_safe("<b>ok</b>"), 1200, None):
        assert format_html("[{}]", value) == f"[{conditional_escape(value)}]"


def _case(**fields):
    case = Evaluation(workplace=HOSTILE, region="stockholm", trainee=User(full_name=HOSTILE, email="a&b@example.se"),
                      registered_at=timezone.now(), **fields)
    case.url = "/arenden/1/?a=1&b=2"
    return case


def test_case_rows_escape_names_and_isolate_them():
    rows = case_table_rows([_case(state="contact_made", evaluator=Evaluator(user=User(full_name=HOSTILE)))])
    assert "<script>" not in rows
    assert rows.count("<bdi>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; O&#x27;Brien \u202e</bdi>") == 3
    assert 'href="/arenden/1/?a=1&amp;b=2"' in rows


def test_a_late_case_row_is_marked_and_says_why():
    with translation.override("sv"):
        rows = case_table_rows([_case(state="material_submitted", next_due_on=timezone.localdate() - timedelta(days=1),
                                      next_due_kind="material", material_submitted_late=True)])
    assert '<tr class="is-overdue">' in rows
    assert '<span class="badge badge-overdue">Försenad</span>' in rows
    assert '<span class="badge badge-warning">Material inskickat sent</span>' in rows


def test_state_counts_mark_the_filtered_state_only():
    counts = [(Evaluation.State.REGISTERED, 0), (Evaluation.State.CLOSED, 12)]
    with translation.override("en"):
        items = state_count_items(counts, "closed")
    assert items.count('aria-current="true"') == 1
    assert '<a class="stat stat-zero" href="?state=registered">' in items
    assert '<span class="stat-value">12</span>' in items


def test_steps_escape_a_link_and_count_days():
    today = timezone.localdate()
    with translation.override("sv"):
        items = case_step_items([
            Step(HOSTILE, "hint", "current", None, today + timedelta(days=1), url='/x/?a="1"'),
            Step("Rapport", "hint", "current", None, today - timedelta(days=2)),
        ])
    assert '<a href="/x/?a=&quot;1&quot;">&lt;script&gt;' in items
    assert "1 dag kvar" in items and "2 dagar försenad" in items
    assert items.count('aria-current="step"') == 2


def test_deadline_rows_say_today_recommendation_and_days():
    today = date(2026, 12, 6)
    deadlines = [
        Deadline("material", today, ("trainee",), True, today=today),
        Deadline("material", today - timedelta(days=1), ("trainee",), True, advisory=True, today=today),
        Deadline("material", today - timedelta(days=3), ("trainee",), True, today=today),
    ]
    with translation.override("sv"):
        rows = deadline_rows(deadlines)
    assert '<span class="badge badge-warning">I dag</span>' in rows
    assert "(rekommendation)" in rows and "1 dag sedan" in rows
    assert '<tr class="deadline-overdue is-overdue">' in rows and "3 dagar försenad" in rows
    assert '<time class="nowrap" datetime="2026-12-06">6 december 2026</time>' in rows


def test_event_times_are_local():
    with translation.override("sv"):
        assert date_formatter("SHORT_DATETIME_FORMAT")(
            timezone.localtime(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))) == "29 mar 2026 03:30"


@pytest.mark.parametrize("value", [None, "", HOSTILE, 12])
def test_plain_inputs_write_what_djangos_widgets_write(value):
    from django import forms

    from evaluations.forms import Plain

    attrs = {"id": "id_q", "maxlength": 100, "required": True, "disabled": False, "aria-describedby": 'a "b"'}
    for plain, django_widget in ((Plain.TextInput(), forms.TextInput()), (Plain.CheckboxInput(), forms.CheckboxInput())):
        assert plain.render("q", value, attrs) == django_widget.render("q", value, attrs)
    assert Plain.CheckboxInput().render("overdue", True) == '<input type="checkbox" name="overdue" checked>'
