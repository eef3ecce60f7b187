"""Issue 10 items 12–24 in the browser (Swedish): the pages the changes show up on, with screenshots."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluations import services
from evaluations.models import Evaluation
from scheduling.services import practice_day as scheduling_services
from tests.browser.fixtures import log_in, log_out, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State


def working_day(day):
    while day.weekday() >= 5 or scheduling_services.warnings_for(day):
        day += timedelta(days=1)
    return day


def test_rejected_trainee_sees_the_outcome_and_registers_again(page, make_case, coordinator, trainee):
    case = make_case(S.REGISTERED, accepted=False, trainee=trainee)
    services.case_reject_registration(case=case, by=coordinator, reason="Handledarens e-postadress saknas i anmälan.")
    log_in(page, trainee.email, PASSWORD)
    page.goto(reverse("evaluations:trainee_home"))
    expect(page.get_by_role("heading", name="Din anmälan har inte godkänts")).to_be_visible()
    shot(page, "rejected-home")
    page.get_by_role("link", name="Anmäl dig igen").click()
    expect(page.get_by_label("Vårdcentral", exact=True)).to_have_value(case.workplace)
    shot(page, "register-again")
    page.get_by_label("Telefon", exact=True).fill("070-000 00 01")
    page.get_by_role("button", name="Skicka anmälan").click()
    expect(page.get_by_text("Din nya anmälan är mottagen")).to_be_visible()
    shot(page, "registered-again")


def test_assign_page_marks_full_and_declined_evaluators(page, make_case, make_evaluator, coordinator, evaluator,
                                                        browser_problems):
    browser_problems.allow(r"status of 400")  # the form answers 400 with the reason asked for at the field
    full = make_evaluator(region="skane", home_clinic="Vårdcentralen Söder", max_active_cases=1, full_name="Fia Full")
    make_case(S.CONTACT_MADE, evaluator_=full)
    case = make_case(S.EVALUATOR_ASSIGNED, region="halland")
    services.case_decline_assignment(case=case, by=evaluator.user, reason="Vi har arbetat ihop.")
    log_in(page, coordinator.email, PASSWORD)
    page.goto(reverse("evaluations:assign_evaluator", args=[case.pk]))
    expect(page.get_by_text("Tackade nej till det här ärendet")).to_be_visible()
    page.get_by_label("Fia Full").check()
    page.get_by_role("button", name="Tilldela och skicka e-post").click()
    expect(page.locator(".field-error, .errorlist").first).to_contain_text("fullt antal ärenden")
    shot(page, "assign-needs-reason")


def test_evaluator_request_page_and_home(page, make_case, evaluator):
    case = make_case(S.EVALUATOR_ASSIGNED)
    log_in(page, evaluator.user.email, PASSWORD)
    page.goto(reverse("evaluations:evaluator_home"))
    expect(page.get_by_text("Svara senast")).to_be_visible()
    shot(page, "evaluator-home")
    page.goto(case.get_absolute_url())
    expect(page.get_by_text("Kontaktuppgifter, handledare och chef visas när du har tackat ja")).to_be_visible()
    expect(page.get_by_text(case.trainee.email)).to_have_count(0)
    shot(page, "request-before-accepting")


def test_dashboard(page, make_case, make_user, coordinator):
    from mittist.accounts.models import Role

    for n, email in enumerate(["anna.a@example.org", "anna.b@example.org"]):
        make_case(S.REGISTERED, accepted=bool(n), trainee=make_user(Role.TRAINEE, full_name="Anna Andersson",
                                                                    email=email))
    make_case(S.EVALUATOR_ASSIGNED)
    log_in(page, coordinator.email, PASSWORD)
    page.goto(reverse("evaluations:dashboard"))
    expect(page.get_by_text("anna.b@example.org").first).to_be_visible()
    shot(page, "dashboard")


def test_moving_the_practice_day_by_proposal(page, make_case, trainee, evaluator):
    day = working_day(timezone.localdate() + timedelta(days=45))
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=day)
    new_day = working_day(day + timedelta(days=3))
    log_in(page, trainee.email, PASSWORD)
    page.goto(reverse("scheduling:practice_day", args=[case.pk]))
    expect(page.get_by_text("Exempelvägen 2")).to_be_visible()
    shot(page, "agreed-day")
    page.get_by_text("Behöver dagen flyttas?").click()
    page.get_by_label("Ny dag", exact=True).fill(new_day.isoformat())
    page.get_by_label("Skäl till flytten").fill("Jag är på kurs den dagen.")
    page.get_by_role("button", name="Skicka förslaget").click()
    expect(page.get_by_text("Dagen flyttas när värderaren bekräftar")).to_be_visible()
    shot(page, "move-proposed")
    log_out(page)
    log_in(page, evaluator.user.email, PASSWORD)
    page.goto(reverse("scheduling:practice_day", args=[case.pk]))
    page.get_by_role("button", name="Bekräfta").click()
    expect(page.get_by_text("Praktikdagen är flyttad till")).to_be_visible()
    shot(page, "move-confirmed")
    assert Evaluation.objects.get(pk=case.pk).practice_day == new_day
