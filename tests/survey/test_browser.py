"""The survey in Chromium: the trainee goes from the home page to the form, answers (once with a mistake), and
is thanked; the quality group reads the year's charts and switches year. Screenshots in test-artifacts/."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluations.models import Evaluation
from survey.models import SurveyResponse
from tests.browser.fixtures import assert_accessible, log_in, log_out, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State


def test_trainee_answers_from_the_home_page_and_the_quality_group_reads_the_year(
    page, browser_problems, definitions, make_case, trainee, quality, settings
):
    browser_problems.allow(r"status of 400 \(Bad Request\)")  # the form with errors answers 400, by design
    case = make_case(S.CERTIFIED, trainee=trainee)
    settings.DEBUG = True  # the demo commands run in development only
    call_command("seed_demo_survey", stdout=io.StringIO())
    before = SurveyResponse.objects.count()

    log_in(page, trainee.email, PASSWORD)
    page.goto(reverse("evaluations:trainee_home"))
    next_step = page.locator(".next-step")
    expect(next_step.get_by_role("heading", name="Utvärdering")).to_be_visible()
    expect(page.locator(".steps").get_by_role("link", name="Utvärdering")).to_be_visible()
    shot(page, "trainee-home-certified")
    next_step.get_by_role("link", name="Svara på enkäten").click()
    page.wait_for_url(re.compile(reverse("survey:answer", args=[case.pk])))
    expect(page.get_by_role("heading", level=1)).to_have_text("Utvärdering av Mitt-i-ST")
    assert_accessible(page)
    shot(page, "survey-form")

    # Keyboard: into the first scale's group and along it with the arrow keys, as a radio group works.
    first = page.get_by_role("group", name="Instruktionerna för Mitt-i-ST var tydliga.")
    first.get_by_role("radio", name="1 Instämmer inte alls").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(first.get_by_role("radio", name="3", exact=True)).to_be_checked()

    # Everything but two scales, and some text: the form comes back with both errors and nothing lost.
    skipped = {"Praktikdagen var väl upplagd.", "Skulle du rekommendera Mitt-i-ST till en ST-kollega?"}
    groups = page.locator("fieldset.survey-topic fieldset")
    for i in range(groups.count()):
        group = groups.nth(i)
        question = group.locator("legend").first.inner_text().strip()
        if question not in skipped and not group.get_by_role("radio", checked=True).count():
            group.get_by_role("radio", name=re.compile(r"^5")).check()
    page.get_by_label("Vad var bäst med din Mitt-i-ST?").fill("Samtalet i slutet av dagen, med handledaren med.")
    page.get_by_label("Vad kan vi göra bättre?").fill("Kortare instruktioner för portföljen.\nGärna exempel.")
    page.get_by_role("button", name="Skicka in och avsluta min Mitt-i-ST").click()
    page.wait_for_load_state()
    summary = page.locator(".form-errors")
    expect(summary).to_contain_text("Svaren kunde inte skickas")
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(page.locator("#id_day_organised_error")).to_have_text("Välj ett av alternativen 1–5.")
    expect(page.get_by_label("Vad kan vi göra bättre?")).to_have_value("Kortare instruktioner för portföljen.\nGärna exempel.")
    expect(first.get_by_role("radio", name="3", exact=True)).to_be_checked()
    assert not SurveyResponse.objects.count() - before
    shot(page, "survey-form-errors")

    summary.get_by_role("link", name="Praktikdagen var väl upplagd.").click()
    page.get_by_role("group", name="Praktikdagen var väl upplagd.").get_by_role("radio", name="4", exact=True).check()
    page.get_by_role("group", name=re.compile("rekommendera")).get_by_role("radio", name=re.compile("^5")).check()
    page.get_by_role("button", name="Skicka in och avsluta min Mitt-i-ST").click()
    page.wait_for_url(re.compile(reverse("survey:thanks", args=[case.pk])))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack för dina svar!")
    expect(page.get_by_role("link", name="Hämta intyget (PDF)")).to_be_visible()
    expect(page.locator("#material-heading + p")).to_contain_text("raderas hos SFAM tidigast")
    assert page.evaluate(f"window.localStorage.getItem('mittist:survey:{case.pk}')") is None
    assert_accessible(page)
    shot(page, "survey-thanks")

    case.refresh_from_db()
    assert case.state == S.CLOSED and case.survey_answered
    assert SurveyResponse.objects.count() == before + 1

    # Back to the form: it is closed, the trainee lands on the thanks again.
    page.goto(reverse("survey:answer", args=[case.pk]))
    page.wait_for_url(re.compile(reverse("survey:thanks", args=[case.pk])))
    expect(page.locator(".messages")).to_contain_text("Du har redan svarat")
    log_out(page)

    log_in(page, quality.email, PASSWORD)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Utvärderingar").click()
    year = timezone.localdate().year
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Utvärderingar {year}")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Hur värdefull var Mitt-i-ST för dig"))).to_be_visible()
    expect(page.locator(".survey-quotes")).to_contain_text(["Samtalet i slutet av dagen, med handledaren med."])
    assert_accessible(page)
    shot(page, "quality-results-this-year")
    page.get_by_label("År", exact=True).select_option(str(year - 1))
    page.wait_for_url(re.compile(rf"ar={year - 1}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Utvärderingar {year - 1}")
    expect(page.get_by_role("table", name=re.compile("Medelvärde per fråga och region"))).to_contain_text("Region Stockholm")
    shot(page, "quality-results-last-year")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Hämta {year - 1} som CSV").click()
    assert download.value.suggested_filename == f"mitt-i-st-utvardering-{year - 1}.csv"


def test_the_form_in_english_and_on_a_phone(page, phone_page, definitions, make_case, trainee):
    case = make_case(S.CERTIFIED, trainee=trainee)
    trainee.language = "en"
    trainee.save(update_fields=["language"])
    log_in(page, trainee.email, PASSWORD)
    page.goto(reverse("survey:answer", args=[case.pk]))
    expect(page.get_by_role("group", name="Preparation and instructions")).to_be_visible()
    expect(page.get_by_role("radio", name="1 Strongly disagree").first).to_be_visible()
    shot(page, "survey-form-english")

    trainee.language = "sv"
    trainee.save(update_fields=["language"])
    log_in(phone_page, trainee.email, PASSWORD)
    phone_page.goto(reverse("survey:answer", args=[case.pk]))
    assert_accessible(phone_page)
    shot(phone_page, "survey-form-phone")

    # The page is lost before sending (a closed tab, an expired session): what was typed comes back.
    phone_page.get_by_role("group", name="Praktikdagen var väl upplagd.").get_by_role("radio", name="2", exact=True).check()
    phone_page.get_by_label("Övriga synpunkter").fill("Skrivet på telefonen, inte skickat.")
    phone_page.reload()
    expect(phone_page.locator("[data-keep-draft-notice]")).to_be_visible()
    expect(phone_page.get_by_label("Övriga synpunkter")).to_have_value("Skrivet på telefonen, inte skickat.")
    expect(phone_page.get_by_role("group", name="Praktikdagen var väl upplagd.").get_by_role("radio", name="2", exact=True)).to_be_checked()
    shot(phone_page, "survey-form-phone-restored")


def test_the_office_closes_without_the_survey_once_its_time_is_up(page, definitions, make_case, coordinator):
    case = make_case(S.CERTIFIED)
    log_in(page, coordinator.email, PASSWORD)
    page.goto(case.get_absolute_url())
    card = page.locator("section", has=page.get_by_role("heading", name="Utvärdering", exact=True))
    expect(card).to_contain_text("kan du avsluta ärendet utan utvärdering efter")
    expect(page.get_by_role("button", name="Avsluta utan utvärdering")).to_have_count(0)
    shot(page, "coordinator-case-waiting-for-the-survey")

    with time_machine.travel(timezone.now() + timedelta(days=16)):
        log_in(page, coordinator.email, PASSWORD)  # the session of 16 days ago has expired
        page.goto(case.get_absolute_url())
        expect(card).to_contain_text("Sista dag för utvärderingen var")
        shot(page, "coordinator-case-survey-time-up")
        page.get_by_role("button", name="Avsluta utan utvärdering").click()
        page.wait_for_load_state()
        expect(page.locator(".messages")).to_contain_text("Ärendet är avslutat.")
        expect(card).to_contain_text("Ärendet avslutades utan utvärdering.")
        shot(page, "coordinator-case-closed-without-survey")
    case.refresh_from_db()
    assert case.state == S.CLOSED and not case.survey_answered and not SurveyResponse.objects.exists()
