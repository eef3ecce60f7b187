"""In Chromium: a coordinator enrols the second factor, signs in with it; the office's lock-out and
flagged-registration pages."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from evaluations.models import PendingRegistration
from tests.browser.fixtures import assert_accessible, log_in, log_out, shot
from tests.conftest import PASSWORD, fictional_pnr
from tests.second_factor import code_for

pytestmark = pytest.mark.browser


def test_coordinator_enrols_and_signs_in_with_a_code(page, coordinator):
    page.goto(reverse("accounts:login"))
    page.locator("main input[name=username]").fill(coordinator.email)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(reverse("accounts:second_factor_enrol")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivera tvåstegsverifiering")
    expect(page.locator(".otp-qr img")).to_be_visible()
    assert_accessible(page)
    shot(page, "enrol")

    page.get_by_label("Kod från appen").fill("000000")
    page.get_by_role("button", name="Aktivera").click()
    expect(page.locator(".field-error")).to_contain_text("Koden stämmer inte")
    shot(page, "enrol-wrong-code")

    secret = page.locator(".otp-secret").inner_text().replace(" ", "")
    import base64
    import time

    time.sleep(1.1)  # django-otp's back-off after the wrong code
    page.get_by_label("Kod från appen").fill(code_for(base64.b32decode(secret).hex()))
    page.get_by_role("button", name="Aktivera").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dina reservkoder")
    expect(page.locator(".recovery-codes li")).to_have_count(settings.MITTIST_RECOVERY_CODES)
    assert_accessible(page)
    shot(page, "recovery-codes")
    page.get_by_role("link", name="Jag har sparat koderna").click()
    page.wait_for_url(re.compile(reverse("evaluations:dashboard")))
    log_out(page)

    # The next sign-in asks for the code (the helper types what the app shows).
    page.goto(reverse("accounts:login"))
    page.locator("main input[name=username]").fill(coordinator.email)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(reverse("accounts:second_factor_verify")))
    assert_accessible(page)
    shot(page, "verify")
    log_out(page)
    log_in(page, coordinator.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:dashboard")))

    page.locator("a.site-user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tvåstegsverifiering")
    expect(page.get_by_role("main")).to_contain_text("Tvåstegsverifiering aktiverad")
    assert_accessible(page)
    shot(page, "settings")


def test_office_pages_for_locks_and_flagged_registrations(page, coordinator, make_case, mailoutbox):
    from tests.evaluations.test_registration import confirm_link, valid_data

    case = make_case()
    for i in range(settings.MITTIST_LOCKOUT_ACCOUNT_LIMIT):
        Client(REMOTE_ADDR=f"192.0.2.{i % 3 + 1}").post(
            reverse("accounts:login"), {"username": case.trainee.email, "password": "fel-lösenord-1"}
        )
    Client().post(reverse("evaluations:register"), valid_data(email="ny@example.org", personnummer=fictional_pnr(1)))
    Client().post(confirm_link(mailoutbox, "ny@example.org"))
    flagged = PendingRegistration.objects.get()

    log_in(page, coordinator.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:dashboard")))
    expect(page.get_by_role("heading", name=re.compile("Flaggade anmälningar"))).to_be_visible()
    shot(page, "dashboard-flagged")
    page.get_by_role("link", name="Spärrade inloggningar").click()
    row = page.get_by_role("row", name=re.compile(re.escape(case.trainee.email)))
    expect(row).to_be_visible()
    assert_accessible(page)
    shot(page, "lockouts")
    row.get_by_role("button", name="Häv spärren").click()
    expect(page.locator(".messages")).to_contain_text("är hävd")
    expect(page.get_by_role("main")).to_contain_text("Inga konton är spärrade")
    shot(page, "lockouts-after")

    page.goto(flagged.get_absolute_url())
    assert_accessible(page)
    shot(page, "flagged")
    page.get_by_label("Skäl").fill("Personnumret tillhör någon annan. Kontakta kansliet.")
    page.get_by_role("button", name="Avvisa anmälan").click()
    page.wait_for_url(re.compile(reverse("evaluations:dashboard")))
    expect(page.locator(".messages")).to_contain_text("Anmälan är avvisad")
