"""The certificate in Chromium: the office issues it early, the trainee downloads it from the home page,
a stranger checks its code on the public page, and after the office revokes it the page says so."""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from evaluations.certificates.models import Certificate
from evaluations.models import Evaluation
from tests.browser.fixtures import ARTIFACTS, assert_accessible, log_in, log_out, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

S = Evaluation.State


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def keep_pdf_as_png(pdf_path, name: str) -> None:
    """The downloaded PDF, rendered beside the screenshots so that it can be looked at."""
    if shutil.which("pdftoppm"):
        folder = ARTIFACTS / "certificate-pdf"
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", str(pdf_path), str(folder / name)], check=True)


def test_issue_download_verify_and_revoke(page, browser, live_server, report_definitions, make_case, trainee, coordinator,
                                          tmp_path, browser_problems):
    case = make_case(S.REPORT_DELIVERED, trainee=trainee)
    # The form sent without a reason comes back with 400, as every form with errors in the app does.
    browser_problems.allow(r"status of 400 .*/intyg/utfarda/")

    # 1. The office issues the certificate before the quality review; a missing reason is caught at the field.
    log_in(page, coordinator.email, PASSWORD)
    page.goto(case.get_absolute_url())
    card = page.locator("#intyg")
    expect(card).to_contain_text("Intyget utfärdas automatiskt när kvalitetsgruppen")
    card.locator("summary", has_text="Utfärda intyget nu").click()
    card.get_by_role("button", name="Utfärda intyget nu").click()
    expect(page.locator("#id_certificate_issue-reason_error")).to_have_text(
        "Skriv varför intyget utfärdas före kvalitetsgranskningen.")
    shot(page, "office-reason-missing")
    page.get_by_label("Varför utfärdas intyget före kvalitetsgranskningen?").fill(
        "ST-läkaren söker specialistbevis innan kvalitetsgruppen hinner granska.")
    page.locator("#intyg").get_by_role("button", name="Utfärda intyget nu").click()
    expect(page.locator(".messages")).to_contain_text("Intyget är utfärdat.")
    expect(page.locator("#intyg")).to_contain_text("före kvalitetsgranskningen")
    assert_accessible(page)
    shot(page, "office-issued")
    certificate = Certificate.objects.get(case=case)
    log_out(page)

    # 2. The trainee finds it on the home page and downloads it.
    log_in(page, trainee.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/min-mitt-i-st/|/mitt-i-st/|/$|/hem"))
    home_card = page.locator("#intyg")
    expect(home_card).to_contain_text("Ditt intyg")
    expect(home_card).to_contain_text(certificate.code)
    assert_accessible(page)
    shot(page, "trainee-home")
    with page.expect_download() as download_info:
        home_card.get_by_role("link", name="Hämta intyget (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "intyg-mitt-i-st-testsson.pdf"
    pdf_path = tmp_path / "intyg.pdf"
    download.save_as(pdf_path)
    if shutil.which("pdftotext"):
        text = pdf_text(pdf_path)
        assert trainee.full_name in text and certificate.code in text
    keep_pdf_as_png(pdf_path, "downloaded")
    log_out(page)

    # 3. A stranger, not signed in, types the code from the paper: lower case, spaces, an O for the zero.
    stranger = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE",
                                   timezone_id="Europe/Stockholm", base_url=live_server.url)
    phone = stranger.new_page()
    phone._mittist_shots = page._mittist_shots
    phone.goto("/kontrollera-intyg/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Kontrollera ett intyg")
    assert_accessible(phone)
    shot(phone, "verify-empty-phone")
    phone.get_by_label("Kontrollkod", exact=True).fill(certificate.code.lower().replace("-", " ").replace("0", "o"))
    phone.get_by_role("button", name="Kontrollera").click()
    expect(phone).to_have_url(re.compile(f"/kontrollera-intyg/{certificate.code}/$"))
    result = phone.locator(".verify-result")
    expect(result).to_contain_text("Intyget är giltigt")
    expect(result).to_contain_text(trainee.full_name)
    assert_accessible(phone)
    shot(phone, "verify-valid-phone")

    # A mistyped code gets a clear answer, and the form to try again.
    phone.get_by_label("Kontrollkod", exact=True).fill("ABCD-EFGH-JKMN")
    phone.get_by_role("button", name="Kontrollera").click()
    expect(phone.locator(".verify-result")).to_contain_text("Inget intyg har den koden")
    shot(phone, "verify-unknown-phone")

    # 4. The office revokes it (the browser asks first); the public page then says revoked.
    log_in(page, coordinator.email, PASSWORD)
    page.goto(case.get_absolute_url())
    page.locator("#intyg summary", has_text="Återkalla intyget").click()
    page.get_by_label("Varför återkallas intyget?").fill("Utfärdat på fel underlag.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#intyg").get_by_role("button", name="Återkalla intyget").click()
    expect(page.locator(".messages")).to_contain_text("Intyget är återkallat.")
    expect(page.locator("#intyg")).to_contain_text("Utfärdat på fel underlag.")
    shot(page, "office-revoked")

    phone.goto(f"/kontrollera-intyg/{certificate.code}/")
    expect(phone.locator(".verify-result")).to_contain_text("Intyget är återkallat och gäller inte")
    shot(phone, "verify-revoked-phone")
    stranger.close()
    log_out(page)

    # 5. The trainee's home page no longer offers the download.
    log_in(page, trainee.email, PASSWORD)
    expect(page.locator("#intyg")).to_contain_text("Intyget är återkallat")
    expect(page.locator("#intyg").get_by_role("link", name="Hämta intyget (PDF)")).to_have_count(0)
    shot(page, "trainee-home-revoked")


def test_the_verification_page_on_a_desktop_and_its_limit(page, report_definitions, make_case, trainee, settings,
                                                          browser_problems):
    settings.MITTIST_VERIFY_ATTEMPTS_PER_HOUR = 2
    browser_problems.allow(r"status of (404|429) ")
    certificate = Certificate.objects.get(case=make_case(S.CERTIFIED, trainee=trainee))
    page.goto(f"/kontrollera-intyg/{certificate.code}/")
    expect(page.locator(".verify-result")).to_contain_text("Intyget är giltigt")
    assert_accessible(page)
    shot(page, "verify-valid-desktop")

    # Two wrong codes, then even the right one waits, and the page says until when.
    for code in ("ZZZZ-ZZZZ-0001", "ZZZZ-ZZZZ-0002"):
        page.goto(f"/kontrollera-intyg/{code}/")
    page.goto(f"/kontrollera-intyg/{certificate.code}/")
    result = page.locator(".verify-result")
    expect(result).to_contain_text("För många felaktiga koder")
    expect(result).to_contain_text(re.compile(r"Försök igen om .+, klockan \d\d\.\d\d\."))
    expect(page.get_by_text(trainee.full_name)).to_have_count(0)
    assert_accessible(page)
    shot(page, "verify-blocked-desktop")
