"""Every page, as each role sees it, with realistic data: screenshots plus basic accessibility facts.

The screenshots in test-artifacts/screenshots/ are meant to be looked at; the assertions catch the
regressions that can be caught mechanically (one h1, labelled fields, <main>, lang, no sideways scroll).
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluations import services
from evaluations.models import Evaluation
from mittist.accounts.models import Role
from tests.conftest import PASSWORD

from .fixtures import assert_accessible, log_in, log_out, shot

pytestmark = pytest.mark.browser
S = Evaluation.State

# Fictional people: real first names, surnames made up for the demo (no real person is meant).
TRAINEE_NAMES = [
    "Agnes Provström", "Bo Testberg", "Cecilia Exempeldahl", "David Demoek", "Elin Provsberg", "Filip Testgran",
    "Greta Demoholm", "Hassan Exempelim", "Ida Provsson", "Jonas Testsson", "Karin Demolind", "Leo Provmånsson",
    "Maja Testnyberg", "Nils Exempelsson", "Olivia Provsdotter", "Per Testquist", "Rut Demoberg", "Samir Exempeli",
    "Tove Provudd", "Ulf Testvik", "Vera Demowallin", "Wilma Provberg", "Yusuf Testzaki", "Åsa Provåberg",
    "Ärla Testödman", "Östen Demoöberg", "Linnea Björk-Provqvist", "Mohammed Al-Exempel", "Sofia von Testen",
]
CLINICS = ["Vårdcentralen Kustbyn", "Hälsocentralen Fjällnära", "Vårdcentralen Centrum", "Vårdcentralen Ängen",
           "Vårdcentralen Björkhagen", "Hälsocentralen Solgården"]
REGIONS = ["halland", "skane", "vastra_gotaland", "stockholm", "norrbotten", "ostergotland", "jonkoping", "kalmar"]

# (state, how many, extra): the dashboard gets about thirty cases in every state, some of them late.
PLAN = [
    (S.REGISTERED, 3, {"accepted": False}),
    (S.REGISTERED, 1, {}),
    (S.EVALUATOR_ASSIGNED, 2, {}),
    (S.EVALUATOR_ACCEPTED, 3, {}),
    (S.CONTACT_MADE, 2, {}),
    (S.PRACTICE_DAY_AGREED, 2, {}),
    (S.MATERIAL_SUBMITTED, 2, {}),
    (S.PRACTICE_DAY_HELD, 2, {}),
    (S.REPORT_DELIVERED, 2, {}),
    (S.QUALITY_REVIEWED, 2, {}),
    (S.CERTIFIED, 1, {}),
    (S.CLOSED, 2, {}),
]


@pytest.fixture
def demo(make_case, make_user, make_evaluator, coordinator, evaluator, other_evaluator, quality, trainee):
    """About thirty cases in all states, three late; Tova (trainee) and Vera (evaluator) have their own."""
    today = timezone.localdate()
    pool = [
        evaluator,  # Vera Värderare, Region Uppsala, Vårdcentralen Norrby, max 3
        other_evaluator,  # Ove Värderare, Region Skåne, Vårdcentralen Söder
        make_evaluator(region="stockholm", home_clinic="Vårdcentralen Gärdet", max_active_cases=6,
                       full_name="Petra Poolsson"),
        make_evaluator(region="norrbotten", home_clinic="Hälsocentralen Älvbyn", max_active_cases=4,
                       full_name="Gustav Glesbygd"),
    ]
    names = iter(TRAINEE_NAMES)
    n = 0
    cases = []
    for state, count, extra in PLAN:
        for _ in range(count):
            ev = pool[n % len(pool)]
            region = next(r for r in REGIONS[n % len(REGIONS):] + REGIONS if r != ev.region)
            person = make_user(Role.TRAINEE, full_name=next(names))
            cases.append(make_case(state, trainee=person, evaluator_=ev, region=region,
                                   workplace=CLINICS[n % len(CLINICS)], **extra))
            n += 1

    # Tova's own case (the trainee fixture): practice day agreed, material due in a couple of weeks.
    tova = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, evaluator_=evaluator,
                     practice_day=today + timedelta(days=45), workplace="Vårdcentralen Kustbyn")
    # A late contact: the evaluator was announced three weeks ago.
    late = make_case(S.EVALUATOR_ACCEPTED, trainee=make_user(Role.TRAINEE, full_name="Lars Sensson"),
                     evaluator_=pool[2], region="halland")
    notified = timezone.now() - timedelta(days=21)
    Evaluation.objects.filter(pk=late.pk).update(
        evaluator_notified_at=notified, next_due_on=timezone.localdate(notified) + timedelta(days=14)
    )
    # Late material: practice day in ten days, material was due 18 days ago.
    make_case(S.PRACTICE_DAY_AGREED, trainee=make_user(Role.TRAINEE, full_name="Mira Materialsdotter"),
              evaluator_=pool[3], region="kalmar", practice_day=today + timedelta(days=10))
    # A case waiting for an evaluator where every candidate has something to think about.
    conflicted = make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Klara Konfliktsson"),
                           region="uppsala", workplace="Vårdcentralen Söder")
    on_hold = make_case(S.CONTACT_MADE, trainee=make_user(Role.TRAINEE, full_name="Vilma Vilande"),
                        evaluator_=pool[1], region="halland")
    services.case_put_on_hold(case=on_hold, by=coordinator, reason="Föräldraledig till och med mars.")
    withdrawn = make_case(S.EVALUATOR_ACCEPTED, trainee=make_user(Role.TRAINEE, full_name="Anton Avbrutén"),
                          evaluator_=pool[2], region="gotland")
    services.case_withdraw(case=withdrawn, by=coordinator, reason="Byter specialitet.")
    rejected = make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Rebecka Ratad"), accepted=False)
    services.case_reject_registration(case=rejected, by=coordinator, reason="ST:n slutar om fyra månader.")
    reviewable = Evaluation.objects.filter(state=S.REPORT_DELIVERED).first()
    return SimpleNamespace(
        cases=cases, tova=tova, late=late, conflicted=conflicted, on_hold=on_hold, reviewable=reviewable,
        pool=pool, coordinator=coordinator, trainee=trainee, evaluator=evaluator, quality=quality,
    )


def visit(page, url: str, name: str, *, heading: str | None = None) -> None:
    page.goto(url)
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    shot(page, name)


# --- anonymous pages --------------------------------------------------------------------------------


def test_public_pages(page, browser_problems, make_user):
    visit(page, reverse("accounts:login"), "login", heading="Logga in")
    page.get_by_role("button", name="Logga in").click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert_accessible(page)
    shot(page, "login-errors")

    visit(page, reverse("evaluations:register"), "registration", heading="Anmälan till Mitt-i-ST")
    page.get_by_role("button", name="Skicka anmälan").click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert_accessible(page)
    shot(page, "registration-errors")

    visit(page, reverse("accounts:password_reset"), "password-reset", heading="Glömt lösenord")
    page.get_by_label("E-post").fill("someone@example.org")
    page.get_by_role("button", name="Skicka länk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kolla din e-post")
    assert_accessible(page)
    shot(page, "password-reset-done")
    visit(page, reverse("accounts:password_reset_confirm", args=["xx", "not-a-token"]), "password-reset-bad-link",
          heading="Välj lösenord")


def test_lockout_page(page, browser_problems, make_user):
    user = make_user(Role.TRAINEE, full_name="Låsta Lisa")
    # Axes answers the locked-out attempt with 429, which Chromium reports as a failed resource.
    browser_problems.allow(r"status of 429")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.goto(reverse("accounts:login"))
        page.get_by_label("E-post").fill(user.email)
        page.get_by_label("Lösenord").fill(f"wrong-password-{attempt}")
        page.get_by_role("button", name="Logga in").click()
        page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("För många inloggningsförsök")
    assert_accessible(page)
    shot(page, "locked-out")


# --- the coordinator ----------------------------------------------------------------------------------


def test_coordinator_pages(page, browser_problems, demo):
    log_in(page, demo.coordinator.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:dashboard")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Översikt")
    assert_accessible(page)
    shot(page, "dashboard")
    expect(page.locator("table tbody tr")).to_have_count(25)  # one page of the ~35 cases
    page.get_by_label("Bara försenade").check()
    page.get_by_role("button", name="Filtrera").click()
    expect(page.get_by_role("link", name="Lars Sensson")).to_be_visible()
    assert_accessible(page)
    shot(page, "dashboard-overdue")
    page.get_by_label("Sök").fill("ingen-sådan-person")
    page.get_by_role("button", name="Filtrera").click()
    expect(page.locator(".empty-state").last).to_be_visible()
    shot(page, "dashboard-no-match")
    visit(page, reverse("evaluations:dashboard") + "?page=2", "dashboard-page-2")

    for label, case in [
        ("case-registered", Evaluation.objects.filter(state=S.REGISTERED, registration_accepted_at=None).first()),
        ("case-late-contact", demo.late),
        ("case-agreed", demo.tova),
        ("case-on-hold", demo.on_hold),
        ("case-closed", Evaluation.objects.filter(state=S.CLOSED).first()),
        ("case-rejected", Evaluation.objects.filter(state=S.REJECTED).first()),
    ]:
        visit(page, case.get_absolute_url(), label, heading=case.trainee.full_name)

    # An action with a form, opened and submitted empty.
    page.goto(demo.tova.get_absolute_url())
    page.locator("summary", has_text="Gör vilande").click()
    browser_problems.allow(r"status of 400")
    page.locator("details[open]").get_by_role("button", name="Gör vilande").click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert_accessible(page)
    shot(page, "case-action-errors")

    # Assignment with every kind of conflict, then a blocked choice without a reason.
    visit(page, reverse("evaluations:assign_evaluator", args=[demo.conflicted.pk]), "assign-conflicts",
          heading="Tilldela värderare")
    expect(page.locator(".conflict").first).to_be_visible()
    page.get_by_label("Vera Värderare").check()
    page.get_by_role("button", name="Tilldela och skicka e-post").click()
    expect(page.locator(".form-errors")).to_contain_text("Samma region")
    assert_accessible(page)
    shot(page, "assign-blocked")
    visit(page, reverse("evaluations:assign_evaluator", args=[demo.tova.pk]), "reassign", heading="Byt värderare")

    visit(page, reverse("evaluations:evaluator_list"), "evaluator-list", heading="Värderarpoolen")
    visit(page, reverse("evaluations:evaluator_create"), "evaluator-new", heading="Ny värderare")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert_accessible(page)
    shot(page, "evaluator-new-errors")
    visit(page, reverse("evaluations:evaluator_edit", args=[demo.evaluator.pk]), "evaluator-edit",
          heading="Vera Värderare")


def test_coordinator_in_english(page, demo):
    log_in(page, demo.coordinator.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:dashboard")))
    page.get_by_label("Språk").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)
    shot(page, "dashboard-en")
    visit(page, demo.late.get_absolute_url(), "case-en")
    visit(page, reverse("evaluations:assign_evaluator", args=[demo.conflicted.pk]), "assign-en")
    # The choice is remembered on the account: it survives logging out and in again.
    log_out(page)
    log_in(page, demo.coordinator.email, PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "en")


# --- the trainee, the evaluator, the quality group ----------------------------------------------------------


def test_trainee_pages(page, demo):
    log_in(page, demo.trainee.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:trainee_home")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Min Mitt-i-ST")
    expect(page.get_by_role("main")).to_contain_text("Vera Värderare")
    assert_accessible(page)
    shot(page, "trainee-home")
    visit(page, demo.tova.get_absolute_url(), "trainee-case", heading="Tova Testsson")
    expect(page.get_by_role("main")).to_contain_text(demo.tova.personnummer_clear())

    page.get_by_label("Språk").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(reverse("evaluations:trainee_home"))
    assert_accessible(page)
    shot(page, "trainee-home-en")


def test_trainee_without_a_case(page, make_user):
    person = make_user(Role.TRAINEE, full_name="Nora Nyss")
    log_in(page, person.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:trainee_home")))
    assert_accessible(page)
    shot(page, "trainee-home-empty")


def test_evaluator_pages(page, demo):
    log_in(page, demo.evaluator.user.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:evaluator_home")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina värderingar")
    assert_accessible(page)
    shot(page, "evaluator-home")
    visit(page, demo.tova.get_absolute_url(), "evaluator-case", heading="Tova Testsson")
    expect(page.get_by_role("main")).not_to_contain_text(demo.tova.personnummer_clear())
    waiting = Evaluation.objects.filter(state=S.EVALUATOR_ASSIGNED, evaluator=demo.evaluator).first()
    if waiting:
        page.goto(reverse("evaluations:evaluator_home"))
        page.locator("summary", has_text="Tacka nej till uppdraget").first.click()
        assert_accessible(page)
        shot(page, "evaluator-decline-form")


def test_quality_pages(page, demo):
    log_in(page, demo.quality.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:quality_home")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kvalitetsgranskning")
    assert_accessible(page)
    shot(page, "quality-home")
    visit(page, demo.reviewable.get_absolute_url(), "quality-case", heading=demo.reviewable.trainee.full_name)
    # The review has its own page (reports:review): take the report, and the checklist opens.
    page.get_by_role("link", name="Granska rapporten").click()
    page.get_by_role("button", name="Jag granskar denna").click()
    expect(page.get_by_role("button", name="Registrera granskningen")).to_be_visible()
    assert_accessible(page)
    shot(page, "quality-review-form")


# --- the same on a phone ------------------------------------------------------------------------------


def test_phone_pages(phone_page, demo):
    page = phone_page
    log_in(page, demo.coordinator.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:dashboard")))
    assert_accessible(page)
    shot(page, "phone-dashboard")
    visit(page, demo.late.get_absolute_url(), "phone-case")
    visit(page, reverse("evaluations:assign_evaluator", args=[demo.conflicted.pk]), "phone-assign")
    visit(page, reverse("evaluations:evaluator_list"), "phone-evaluator-list")
    log_out(page)
    log_in(page, demo.evaluator.user.email, PASSWORD)
    assert_accessible(page)
    shot(page, "phone-evaluator-home")
    log_out(page)
    log_in(page, demo.trainee.email, PASSWORD)
    assert_accessible(page)
    shot(page, "phone-trainee-home")
