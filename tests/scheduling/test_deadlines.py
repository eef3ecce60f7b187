"""The deadline engine: every deadline derived from its anchor, which are open now, and how they move
when the anchor moves (practice day rescheduled, evaluator replaced). Also the include that lists them."""

import importlib
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone, translation

from evaluations import services
from evaluations.models import CaseEvent, Evaluation
from mittist.urls import urlpatterns as site_urlpatterns
from portfolio.models import Section
from scheduling.deadlines import case_deadlines
from tests.browser.fixtures import assert_accessible, log_in, shot
from tests.conftest import PASSWORD

S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=STHLM)
PRACTICE_DAY = date(2026, 5, 4)  # nine weeks later, a Monday


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def by_kind(case, today=None) -> dict:
    return {d.kind: d for d in case_deadlines(Evaluation.objects.get(pk=case.pk), today)}


@pytest.fixture(autouse=True)
def _monday():
    with at(MONDAY):
        yield


# --- derivation -----------------------------------------------------------------------------------


def test_a_case_without_an_accepted_evaluator_has_only_the_answer_deadline(make_case, settings):
    assert case_deadlines(make_case(S.REGISTERED)) == []
    (answer,) = case_deadlines(make_case(S.EVALUATOR_ASSIGNED))
    assert (answer.kind, answer.who, answer.open) == ("assignment_answer", ("evaluator",), True)
    assert answer.due_on == MONDAY.date() + timedelta(days=settings.MITTIST_ASSIGNMENT_ANSWER_DAYS)


def test_contact_is_due_two_weeks_after_the_trainee_is_told_and_is_the_trainees(make_case):
    deadlines = by_kind(make_case(S.EVALUATOR_ACCEPTED))

    assert list(deadlines) == ["contact"]
    contact = deadlines["contact"]
    assert contact.due_on == date(2026, 3, 16)
    assert contact.who == ("trainee",)
    assert contact.open and not contact.overdue and contact.status == "open"
    assert contact.days_left == 14
    assert str(contact.label) == "Kontakt med värderaren"


def test_contact_counts_from_the_local_date_of_being_told(make_case):
    # 00:30 in Stockholm is still the previous day in UTC: the Swedish date counts.
    with at(datetime(2026, 3, 3, 0, 30, tzinfo=STHLM)):
        case = make_case(S.EVALUATOR_ACCEPTED)
    assert case.evaluator_notified_at.astimezone(ZoneInfo("UTC")).date() == date(2026, 3, 2)
    assert by_kind(case)["contact"].due_on == date(2026, 3, 17)


def test_days_left_and_overdue_follow_today(make_case, settings):
    case = make_case(S.EVALUATOR_ACCEPTED)
    on_the_day = by_kind(case, date(2026, 3, 16))["contact"]
    assert on_the_day.days_left == 0 and not on_the_day.overdue

    with at(datetime(2026, 3, 20, 8, 0, tzinfo=STHLM)):
        late = by_kind(case)["contact"]
    assert late.overdue and late.status == "overdue"
    assert late.days_left == -4 and late.days_overdue == 4

    settings.MITTIST_CONTACT_DAYS = 21  # the rule is a setting, and the date is computed from it
    assert by_kind(case)["contact"].due_on == date(2026, 3, 23)


def test_after_contact_the_practice_day_should_be_agreed_within_four_weeks_as_advice(make_case):
    deadlines = by_kind(make_case(S.CONTACT_MADE))

    contact, agree = deadlines["contact"], deadlines["practice_day_agreed"]
    assert contact.done_on == date(2026, 3, 2) and not contact.open and contact.status == "done"
    assert agree.due_on == date(2026, 3, 30)
    assert agree.advisory and agree.open
    assert agree.who == ("trainee", "evaluator")


def test_an_agreed_practice_day_sets_material_supervisor_practice_day_and_report(make_case):
    deadlines = by_kind(make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY))

    assert list(deadlines) == [
        "contact", "practice_day_agreed", "supervisor_statement", "material", "practice_day", "report",
    ]
    assert deadlines["practice_day_agreed"].done_on == date(2026, 3, 2)
    assert deadlines["material"].due_on == date(2026, 4, 6)  # 28 days before
    assert deadlines["supervisor_statement"].due_on == date(2026, 4, 6)  # with the material
    assert deadlines["supervisor_statement"].who == ("supervisor",)
    assert deadlines["practice_day"].due_on == PRACTICE_DAY
    assert deadlines["report"].due_on == date(2026, 5, 25)  # 21 days after

    open_now = {kind for kind, d in deadlines.items() if d.open}
    assert open_now == {"supervisor_statement", "material", "practice_day"}
    assert deadlines["report"].status == "upcoming"


def test_when_the_day_was_agreed_is_the_cases_own_fact_not_the_audit_logs(make_case, evaluator):
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    assert Evaluation.objects.get(pk=case.pk).practice_day_agreed_at == MONDAY
    # The audit rows are for reading, not for deciding: the deadline stands without them.
    CaseEvent.objects.filter(case=case).delete()
    assert by_kind(case)["practice_day_agreed"].done_on == date(2026, 3, 2)


def test_a_day_agreed_again_after_one_not_held_keeps_the_first_agreement(make_case, evaluator):
    case = make_case(S.MATERIAL_SUBMITTED, practice_day=PRACTICE_DAY)
    with at(datetime(2026, 5, 4, 17, 0, tzinfo=STHLM)):
        case = services.case_mark_practice_day_not_held(case=case, by=evaluator.user, reason="Sjuk")
        assert by_kind(case)["practice_day_agreed"].done_on is None  # no day now: the advice is open again
    with at(datetime(2026, 5, 11, 9, 0, tzinfo=STHLM)):
        case = services.case_agree_practice_day(case=case, by=case.trainee, on=date(2026, 6, 1))
    assert Evaluation.objects.get(pk=case.pk).practice_day_agreed_at == MONDAY
    assert by_kind(case, today=date(2026, 5, 11))["practice_day_agreed"].done_on == date(2026, 3, 2)


def test_the_migration_takes_when_the_day_was_first_agreed_from_the_audit_rows(make_case):
    from django.apps import apps

    migration = importlib.import_module("evaluations.migrations.0009_s2tmpl_practice_day_agreed_at")
    agreed = make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    later = datetime(2026, 3, 9, 10, 0, tzinfo=STHLM)
    CaseEvent.objects.create(case=agreed, action="practice_day_agreed", at=later, note="2026-06-01")
    not_yet = make_case(S.CONTACT_MADE)
    Evaluation.objects.update(practice_day_agreed_at=None)  # as before the migration

    migration.from_audit_trail(apps, None)

    assert Evaluation.objects.get(pk=agreed.pk).practice_day_agreed_at == MONDAY  # the first of the two
    assert Evaluation.objects.get(pk=not_yet.pk).practice_day_agreed_at is None


def test_rescheduling_the_practice_day_moves_material_supervisor_and_report(make_case, trainee):
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY, trainee=trainee)
    with at(datetime(2026, 3, 10, 9, 0, tzinfo=STHLM)):
        services.case_reschedule_practice_day(case=case, by=trainee, on=date(2026, 6, 1), reason="Sjuk")
        deadlines = by_kind(case)

    assert deadlines["practice_day"].due_on == date(2026, 6, 1)
    assert deadlines["material"].due_on == date(2026, 5, 4)
    assert deadlines["supervisor_statement"].due_on == date(2026, 5, 4)
    assert deadlines["report"].due_on == date(2026, 6, 22)
    assert deadlines["contact"].due_on == date(2026, 3, 16)  # not anchored on the practice day


def test_replacing_the_evaluator_before_contact_restarts_the_contact_deadline(make_case, coordinator, other_evaluator):
    case = make_case(S.EVALUATOR_ACCEPTED)
    with at(datetime(2026, 3, 10, 9, 0, tzinfo=STHLM)):
        services.case_reassign_evaluator(case=case, by=coordinator, evaluator=other_evaluator, reason="Jäv")
        # The new evaluator has not accepted: nothing runs for the trainee, only the evaluator's answer.
        assert set(by_kind(case)) == {"assignment_answer"}
        assert by_kind(case)["assignment_answer"].due_on == date(2026, 3, 15)
    with at(datetime(2026, 3, 11, 9, 0, tzinfo=STHLM)):
        services.case_accept_assignment(case=case, by=other_evaluator.user)
        assert by_kind(case)["contact"].due_on == date(2026, 3, 25)


def test_replacing_the_evaluator_later_moves_the_contact_date_without_reopening_it(
    make_case, coordinator, other_evaluator
):
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    with at(datetime(2026, 3, 10, 9, 0, tzinfo=STHLM)):
        services.case_reassign_evaluator(case=case, by=coordinator, evaluator=other_evaluator, reason="Sjuk")
        deadlines = by_kind(case)

    assert deadlines["contact"].due_on == date(2026, 3, 24)
    assert not deadlines["contact"].open
    assert deadlines["material"].due_on == date(2026, 4, 6)  # the agreed day stays


def test_submitting_the_material_closes_it_and_the_report_counts_from_the_day_held(make_case, evaluator, trainee):
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY, trainee=trainee)
    services.case_submit_material(case=case, by=trainee)
    deadlines = by_kind(case)
    assert deadlines["material"].done_on == date(2026, 3, 2)
    assert deadlines["practice_day"].open
    assert not deadlines["supervisor_statement"].open  # its stage is over

    with at(datetime(2026, 5, 4, 16, 0, tzinfo=STHLM)):
        services.case_mark_practice_day_held(case=case, by=evaluator.user)
        deadlines = by_kind(case)
    assert deadlines["practice_day"].done_on == PRACTICE_DAY
    assert deadlines["report"].open and deadlines["report"].due_on == date(2026, 5, 25)
    assert deadlines["report"].who == ("evaluator",)


def test_a_submitted_supervisor_statement_closes_its_deadline(make_case):
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    Section.objects.create(case=case, code="F", locked_at=timezone.now() + timedelta(days=3))

    statement = by_kind(case)["supervisor_statement"]
    assert statement.done_on == date(2026, 3, 5)
    assert not statement.open


def test_the_survey_is_due_two_weeks_after_the_certificate_and_closes_with_the_case(make_case, coordinator):
    case = make_case(S.CERTIFIED)
    survey = by_kind(case)["survey"]
    assert survey.due_on == date(2026, 3, 16) and survey.open and survey.who == ("trainee",)

    services.case_close_after_survey(case=case, by=case.trainee)
    assert not by_kind(case)["survey"].open


@pytest.mark.parametrize("interrupt", ["put_on_hold", "withdraw"])
def test_nothing_is_open_while_the_case_is_on_hold_or_withdrawn(make_case, coordinator, interrupt):
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    getattr(services, f"case_{interrupt}")(case=case, by=coordinator, reason="Föräldraledig")
    deadlines = by_kind(case)
    assert deadlines and not any(d.open for d in deadlines.values())
    assert {d.status for d in deadlines.values()} <= {"done", "inactive"}


# --- the include ----------------------------------------------------------------------------------


def render_include(case, language="sv", today=None) -> str:
    with translation.override(language):
        return render_to_string("scheduling/_deadlines.html", {"deadlines": case_deadlines(case, today)})


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_include_shows_each_deadline_with_days_left_done_or_overdue(make_case):
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    text = text_of(render_include(case, today=date(2026, 4, 8)))

    assert "Kontakt med värderaren ST-läkare 16 mars 2026 Klart 2 mars 2026" in text
    assert "Portfölj och inspelningar till värderaren ST-läkare 6 april 2026 2 dagar försenad" in text
    assert "Handledarens utlåtande Handledare 6 april 2026" in text
    assert "Praktikdag ST-läkare, Värderare 4 maj 2026 26 dagar kvar" in text
    assert "Rapport Värderare 25 maj 2026 Senare" in text
    assert text.count("is-overdue") == 0  # classes are not text
    assert render_include(case, today=date(2026, 4, 8)).count('class="deadline-overdue is-overdue"') == 2


def test_the_include_marks_the_day_itself_and_speaks_english(make_case):
    case = make_case(S.EVALUATOR_ACCEPTED)
    assert "I dag" in text_of(render_include(case, today=date(2026, 3, 16)))
    english = text_of(render_include(case, language="en"))
    assert "14 days left" in english and "March 2026" in english


def test_the_include_says_when_there_is_nothing_yet(make_case):
    assert "Inga tidsgränser ännu" in render_include(make_case(S.REGISTERED))


# --- how it looks: a page with the include, on desktop and phone -----------------------------------

PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% load i18n %}{% block content %}<div class="container">
<h1>{{ case.trainee.full_name }}</h1>
<section class="card" aria-labelledby="deadlines-heading"><h2 id="deadlines-heading">Tidsgränser</h2>
{% include "scheduling/_deadlines.html" with deadlines=deadlines %}</section></div>{% endblock %}"""
)


def deadlines_page(request, case_id):
    case = get_object_or_404(Evaluation.objects.visible_to(request.user), pk=case_id)
    return HttpResponse(PAGE.render({"case": case, "deadlines": case_deadlines(case)}, request))


urlpatterns = [*site_urlpatterns, path("test/tidsgranser/<uuid:case_id>/", deadlines_page)]


@pytest.mark.browser
def test_deadlines_read_well_on_desktop_and_phone(settings, make_case, trainee, page, phone_page):
    settings.ROOT_URLCONF = __name__
    case = make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY, trainee=trainee)
    with at(datetime(2026, 4, 8, 9, 0, tzinfo=STHLM)):  # the material is two days late
        for current in (page, phone_page):
            log_in(current, trainee.email, PASSWORD)
            current.goto(f"/test/tidsgranser/{case.pk}/")
            rows = current.locator("table.deadlines tbody tr")
            assert rows.count() == 6
            assert current.locator("tr.is-overdue").count() == 2
            assert "2 dagar försenad" in rows.nth(3).inner_text()
            assert_accessible(current)
            shot(current, "deadlines")
