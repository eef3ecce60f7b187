"""What the autosave says when it is refused: the server's Swedish message, never a raw code, and a
way to log in again that keeps the page (and its text) open."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evaluations.models import Evaluation
from portfolio.sections import SECTION_BY_CODE
from portfolio.services.supervisor import supervisor_link_request, supervisor_link_revoke
from tests.browser.fixtures import log_in, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State
RAW_CODES = ("login_required", "not_found", "gone")


def status_of(page):
    return page.locator("[data-autosave-status]").first


def test_the_supervisors_autosave_shows_the_servers_words(page, browser_problems, make_case, trainee):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    link, token = supervisor_link_request(case=case, by=trainee, email="hanna.handledare@example.org")
    browser_problems.allow(r"status of 401")
    browser_problems.allow(r"status of 410")
    page.goto(reverse("portfolio:supervisor_landing", args=[token]))
    page.get_by_role("button", name="Öppna formuläret").click()
    page.wait_for_url(re.compile(r"/handledare/utlatande/"))
    field = page.get_by_label(str(SECTION_BY_CODE["F"].prompt("strengths").label))

    # The session that holds the link's grant ends (the browser's cookie is gone).
    page.context.clear_cookies(name="sessionid")
    field.fill("Lyhörd och noggrann.")
    expect(status_of(page)).to_contain_text("Formuläret är inte öppet i den här webbläsaren längre", timeout=10_000)
    shot(page, "supervisor-session-gone")
    assert not any(code in status_of(page).inner_text() for code in RAW_CODES)

    # Opened again from the e-mail, then the trainee revokes the link.
    page.goto(reverse("portfolio:supervisor_landing", args=[token]))
    expect(page.locator("[data-link-state=opened]")).to_contain_text("Länken är redan använd")
    shot(page, "supervisor-landing-used")
    page.get_by_role("button", name="Fortsätt med utlåtandet").click()
    page.wait_for_url(re.compile(r"/handledare/utlatande/"))
    # The text typed while signed out was kept in the browser and is saved now.
    expect(status_of(page)).to_contain_text("Sparat", timeout=10_000)
    expect(page.get_by_label(str(SECTION_BY_CODE["F"].prompt("strengths").label))).to_have_value("Lyhörd och noggrann.")
    supervisor_link_revoke(link=link, by=trainee)
    page.get_by_label(str(SECTION_BY_CODE["F"].prompt("strengths").label)).fill("Lyhörd, noggrann.")
    expect(status_of(page)).to_contain_text("Länken gäller inte längre", timeout=10_000)
    shot(page, "supervisor-link-revoked")
    assert not any(code in status_of(page).inner_text() for code in RAW_CODES)


def test_signed_out_while_writing_offers_a_login_link_in_a_new_tab(page, browser_problems, make_case, trainee):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    browser_problems.allow(r"status of 401")
    log_in(page, trainee.email, PASSWORD)
    page.goto(reverse("portfolio:section", args=[case.pk, "B"]))
    page.context.clear_cookies(name="sessionid")
    page.locator("textarea").first.fill("Jag valde allmänmedicin för bredden.")
    status = status_of(page)
    expect(status).to_contain_text("Du är utloggad", timeout=10_000)
    login = status.get_by_role("link", name="Logga in (öppnas i en ny flik)")
    expect(login).to_have_attribute("target", "_blank")
    expect(login).to_have_attribute("href", reverse("accounts:login"))
    shot(page, "trainee-logged-out")
    # Logging in again in the new tab, then back here: the text is saved.
    with page.context.expect_page() as new_tab:
        login.click()
    tab = new_tab.value
    tab.locator("main input[name=username]").fill(trainee.email)
    tab.locator("main input[name=password]").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_load_state()
    tab.close()
    page.bring_to_front()
    page.get_by_role("button", name=re.compile("^Spara")).first.click()
    expect(status).to_contain_text("Sparat", timeout=10_000)
