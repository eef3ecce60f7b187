"""The recordings pages in Chromium, desktop and phone: screenshots to look at, and the basics checked."""

import importlib
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from evaluations.models import Evaluation
from portfolio.models import Recording, SelfEvaluation, SelfEvaluationTemplate
from portfolio.services import recordings as services
from tests.browser.fixtures import assert_accessible, log_in, log_out, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State
MIGRATION = importlib.import_module("portfolio.migrations.0002_self_evaluation_template_v1")


@pytest.fixture
def template_v1(transactional_db):
    # Live-server tests flush the database between tests, data migrations included.
    template, _ = SelfEvaluationTemplate.objects.get_or_create(
        version=1, defaults={"title": MIGRATION.TITLE, "questions": MIGRATION.QUESTIONS, "active": True}
    )
    return template


@pytest.fixture
def case(make_case, trainee, template_v1):
    return make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=date.today() + timedelta(days=40))


def both(desktop, phone, url, name):
    """The same page on the desktop and on the phone, checked and photographed."""
    for p, kind in ((desktop, "desktop"), (phone, "phone")):
        p.goto(url)
        assert_accessible(p)
        shot(p, f"{name}-{kind}")


def test_trainee_registers_recordings_and_fills_in_a_self_evaluation(
    page, phone_page, case, trainee, evaluator, browser_problems  # noqa: F811 - the imported fixture
):
    # Refused forms answer 400 (invalid) and 409 (stale), which the browser logs as failed loads.
    browser_problems.allow(r"status of (400|409) ")
    list_url = f"/arenden/{case.pk}/inspelningar/"
    for p in (page, phone_page):
        log_in(p, trainee.email, PASSWORD)
    both(page, phone_page, list_url, "list-empty")
    assert page.get_by_text("Inga inspelningar registrerade ännu").is_visible()

    # The first through the form, as the trainee would.
    page.fill("#id_recorded_on", (date.today() - timedelta(days=2)).isoformat())
    page.select_option("#id_age_band", "65-79")
    page.get_by_label("Återbesök").check()
    page.get_by_label("Patienten tillfrågades före besöket om inspelningen").check()
    page.get_by_label(re.compile("Patienten godkände efter besöket")).check()
    page.fill("#id_share_safe_reference", "SS-2026/0042")
    page.get_by_role("button", name="Spara inspelningen").click()
    page.wait_for_url(re.compile(r"/inspelningar/$"))
    assert page.get_by_text("Inspelning 1 är sparad").is_visible()
    second = services.recording_create(
        case=case, by=trainee, recorded_on=date.today() - timedelta(days=5), age_band="0-17", visit_type="acute",
        consent_before=True, consent_after=True, journal_note_shared=True, share_safe_reference="SS-2026/0043",
    )
    both(page, phone_page, list_url, "list-two")
    assert Recording.objects.filter(case=case).count() == 2

    # The edit form with errors at the fields.
    first = Recording.objects.filter(case=case).exclude(pk=second.pk).get()
    page.goto(f"{list_url}{first.pk}/")
    page.fill("#id_recorded_on", (date.today() + timedelta(days=3)).isoformat())
    page.get_by_label(re.compile("Patienten godkände efter besöket")).uncheck()
    page.fill("#id_share_safe_reference", "850101-1234")
    page.get_by_role("button", name="Spara ändringarna").click()
    page.wait_for_load_state()
    assert page.locator(".field-error").count() == 3
    assert_accessible(page)
    shot(page, "edit-errors-desktop")
    phone_page.goto(f"{list_url}{first.pk}/")
    phone_page.fill("#id_share_safe_reference", "Anna Andersson")
    phone_page.get_by_label("Patienten tillfrågades före besöket om inspelningen").uncheck()
    phone_page.get_by_role("button", name="Spara ändringarna").click()
    phone_page.wait_for_load_state()
    assert phone_page.locator(".field-error").count() == 2
    shot(phone_page, "edit-errors-phone")

    # The self-evaluation: a draft, then complete.
    evaluation_url = f"{list_url}{first.pk}/egenvardering/"
    both(page, phone_page, evaluation_url, "self-evaluation-empty")
    page.fill("textarea[name=reason_for_visit]", "Yrsel sedan en vecka.")
    page.locator("input[name=phase_opening][value='4']").check()
    page.get_by_role("button", name="Spara utkast").click()
    page.wait_for_load_state()
    assert page.get_by_text("Utkastet är sparat.").is_visible()
    assert page.locator("textarea[name=reason_for_visit]").input_value() == "Yrsel sedan en vecka."
    page.get_by_role("button", name="Markera som klar").click()
    page.wait_for_load_state()
    assert page.locator(".field-error").count() == 7  # 3 texts + 4 ratings unanswered
    shot(page, "self-evaluation-incomplete-desktop")

    # A stale save from the phone (loaded before the desktop saved): both texts shown.
    phone_page.fill("textarea[name=reason_for_visit]", "Yrsel, från telefonen.")
    phone_page.get_by_role("button", name="Spara utkast").click()
    phone_page.wait_for_load_state()
    assert phone_page.get_by_text("Egenvärderingen har ändrats någon annanstans").is_visible()
    assert phone_page.locator("textarea[name=reason_for_visit]").input_value() == "Yrsel, från telefonen."
    shot(phone_page, "self-evaluation-conflict-phone")
    assert SelfEvaluation.objects.get(recording=first).answers["reason_for_visit"] == "Yrsel sedan en vecka."

    # Once submitted, the evaluator reads the same pages without forms.
    page.get_by_label(re.compile("Kontaktorsak")).fill("Yrsel sedan en vecka.")
    for key in ["ideas_concerns_expectations", "went_well", "do_differently"]:
        page.fill(f"textarea[name={key}]", "Text för värderaren.")
    for key in ["phase_history", "phase_examination", "phase_explanation", "phase_closing"]:
        page.locator(f"input[name={key}][value='3']").check()
    page.get_by_role("button", name="Markera som klar").click()
    page.wait_for_url(re.compile(r"/inspelningar/$"))
    assert SelfEvaluation.objects.get(recording=first).completed_at is not None
    Evaluation.objects.filter(pk=case.pk).update(state=S.MATERIAL_SUBMITTED, material_submitted_at=timezone.now())
    log_out(page)
    log_in(page, evaluator.user.email, PASSWORD)
    page.goto(list_url)
    assert_accessible(page)
    assert page.locator("form[method=post] .field").count() == 0
    shot(page, "evaluator-list-desktop")
    page.goto(evaluation_url)
    assert_accessible(page)
    assert page.get_by_text("Text för värderaren.").first.is_visible()
    shot(page, "evaluator-self-evaluation-desktop")
