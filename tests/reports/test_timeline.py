"""The case page after the practice day: the steps say what really happened (an early certificate skips the
review), the quality group does not see when the survey was answered, and every event has a Swedish label.
The evaluator's home shows the report's deadline, from settings, with the way to the form."""

import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format

from evaluations.models import ACTION_LABELS, Evaluation
from evaluations.timeline import case_steps
from tests.conftest import close_with_survey

S = Evaluation.State
ROOT = Path(__file__).resolve().parents[2]


def step(case, label, **kwargs):
    return next(s for s in case_steps(case, **kwargs) if s.label == label)


def test_the_review_step_is_done_only_after_a_review(make_case):
    case = make_case(S.CERTIFIED)
    review = step(case, "Kvalitetsgranskning")
    assert review.status == "done" and review.done_on is not None


def test_an_early_certificate_skips_the_review_step(make_case, coordinator):
    from evaluations.certificates.services import certificate_issue_early

    case = make_case(S.REPORT_DELIVERED)
    assert step(case, "Kvalitetsgranskning").status == "current"
    certificate_issue_early(case=case, by=coordinator, reason="Brådskande.")
    case = Evaluation.objects.get(pk=case.pk)
    review = step(case, "Kvalitetsgranskning")
    assert (review.status, review.done_on) == ("skipped", None)
    assert review.hint == "Intyget utfärdades före kvalitetsgranskningen."
    assert step(case, "Intyg").status == "done"
    assert step(case, "Utvärdering").status == "current"  # the trainee's next step, not the review


def test_skipped_step_reads_as_not_done(client, make_case, coordinator):
    from evaluations.certificates.services import certificate_issue_early

    case = make_case(S.REPORT_DELIVERED)
    certificate_issue_early(case=case, by=coordinator, reason="Brådskande.")
    client.force_login(case.trainee)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'class="step step-skipped"' in page and "Inte gjort:" in page


def test_the_report_step_states_the_deadline_from_settings(make_case, settings):
    settings.MITTIST_REPORT_DAYS_AFTER = 10
    case = make_case(S.PRACTICE_DAY_HELD)
    report = step(case, "Rapport")
    assert report.hint == "Värderaren skickar en skriftlig rapport inom 10 dagar efter praktikdagen."
    assert report.due == case.practice_day_held_on + timedelta(days=10)


def test_the_quality_group_does_not_see_when_the_survey_was_answered(client, make_case, quality, coordinator):
    case = make_case(S.CLOSED)
    assert case.survey_answered
    closed_on = date_format(case.closed_at.date(), "j F Y")
    client.force_login(coordinator)
    office = client.get(case.get_absolute_url()).content.decode()
    assert "Utvärderingen besvarad" in office

    client.force_login(quality)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Utvärderingen besvarad" not in page and "Ärendet avslutat" not in page
    assert "Enkät om Mitt-i-ST" not in page
    steps = case_steps(case, survey_time=False)
    assert steps[-1].done_on is None and steps[-1].due is None
    # The survey step's date is gone; other steps keep theirs.
    survey_step = re.search(r"Utvärdering</strong>.*?</li>", page, re.S).group(0)
    assert closed_on not in survey_step and "Klart" not in survey_step


def test_a_case_closed_without_the_survey_says_so_to_the_office(make_case, coordinator):
    from tests.conftest import close_after_the_survey_time

    case = make_case(S.CERTIFIED)
    case = close_after_the_survey_time(case, coordinator)
    survey = step(case, "Utvärdering")
    assert (survey.status, survey.hint) == ("skipped", "Ärendet avslutades utan utvärdering.")
    assert step(case, "Utvärdering", survey_time=False).status == "done"  # the quality group cannot tell


def test_every_event_the_code_records_has_a_swedish_label():
    """Actions written with CaseEvent.record (or the portfolio's record helper) anywhere in the project."""
    pattern = re.compile(r"""(?:CaseEvent\.record|_record_coalesced|\brecord)\([^"'\n]*["']([a-z_]+)["']""")
    found = set()
    for folder in ("evaluations", "portfolio", "scheduling", "survey"):
        for path in (ROOT / folder).rglob("*.py"):
            if "minicex" in path.parts or "migrations" in path.parts:
                continue  # mini-CEX forms keep their own trail with their own labels
            found |= set(pattern.findall(path.read_text()))
    found |= {"material_purge_notice", "report_purge_notice"}  # recorded as f"{what}_purge_notice"
    assert {"report_saved", "report_shared", "quality_review_taken"} <= found  # the scan sees them
    missing = sorted(action for action in found if action not in ACTION_LABELS)
    assert missing == []


def test_the_timeline_shows_labels_not_codes(client, make_case, quality, trainee):
    from evaluations.reports import services as report_services

    case = make_case(S.REPORT_DELIVERED, trainee=trainee)
    report_services.share_create(report=case.report, by=trainee, kind="supervisor", name="Hedda Handledare",
                                 email="hedda@example.org")
    report_services.review_take(case=case, by=quality)
    client.force_login(trainee)
    page = client.get(case.get_absolute_url()).content.decode()
    for code in ("report_saved", "report_shared", "quality_review_taken"):
        assert f">{code}" not in page
    assert "Rapporten delad" in page and "Kvalitetsgranskning påbörjad" in page


def test_the_evaluators_home_shows_the_report_deadline_and_the_form(client, make_case, evaluator):
    case = make_case(S.PRACTICE_DAY_HELD)
    due = case.practice_day_held_on + timedelta(days=settings.MITTIST_REPORT_DAYS_AFTER)
    client.force_login(evaluator.user)
    page = client.get(reverse("evaluations:evaluator_home")).content.decode()
    assert f"Skriv och skicka rapporten senast {date_format(due, 'j F Y')}" in page
    assert f'href="{reverse("reports:write", args=[case.pk])}"' in page


def test_no_write_link_once_the_report_is_sent(client, make_case, evaluator):
    case = make_case(S.REPORT_DELIVERED)
    client.force_login(evaluator.user)
    page = client.get(reverse("evaluations:evaluator_home")).content.decode()
    assert reverse("reports:write", args=[case.pk]) not in page


def test_closing_with_the_survey_is_recorded(make_case, trainee):
    case = make_case(S.CERTIFIED, trainee=trainee)
    case = close_with_survey(case, trainee)
    assert step(case, "Utvärdering").status == "done"
