"""The error pages seen in Chromium, in Swedish: the layout, the way on, and axe-core clean."""

import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible, assert_axe_clean, log_in, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_404_and_403_pages(page, browser_problems, make_case, trainee):
    browser_problems.allow(r"status of 40[34]")
    page.goto("/finns-inte-alls/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    expect(page.get_by_role("link", name="Logga in").last).to_be_visible()
    assert_accessible(page)
    assert_axe_clean(page)
    shot(page, "404-anonymous")

    log_in(page, trainee.email, PASSWORD)
    page.goto(reverse("evaluations:dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har inte tillgång till sidan")
    assert_accessible(page)
    assert_axe_clean(page)
    shot(page, "403-trainee-on-the-dashboard")
    page.get_by_role("link", name="Gå till din startsida").click()
    expect(page).to_have_url(reverse("evaluations:trainee_home"))


@override_settings(ROOT_URLCONF="tests.test_error_pages", MITTIST_OFFICE_EMAIL="kansli@example.org")
def test_500_page(page, browser_problems, db):
    browser_problems.allow(r"status of 500")
    page.goto("/test-fel/500/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Något gick fel hos oss")
    expect(page.get_by_role("link", name="kansli@example.org").first).to_be_visible()
    assert_accessible(page)
    assert_axe_clean(page)
    shot(page, "500")


def test_csrf_page(page, browser_problems, db):
    browser_problems.allow(r"status of 403")
    page.goto(reverse("accounts:login"))
    page.context.clear_cookies(name="csrftoken")
    page.locator("main input[name=username]").fill("ingen@example.org")
    page.locator("main input[name=password]").fill("fel")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Formuläret kunde inte skickas")
    assert_accessible(page)
    assert_axe_clean(page)
    shot(page, "csrf")


