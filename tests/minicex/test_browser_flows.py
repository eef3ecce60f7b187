"""Both ways to assess a mini-CEX, end to end on a phone-sized screen (390 x 844).

Screenshots: test-artifacts/screenshots/<test>/.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from evaluations.minicex.models import MiniCex
from tests.browser.fixtures import PHONE, _open_page, assert_accessible, log_in, shot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("printed_forms")]
S = MiniCex.State



def accept_dialogs(page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def create_form(page, *, button: str) -> None:
    page.goto("/mini-cex/ny/")
    assert_accessible(page)
    page.fill("input[name=clinical_context]", "Vårdcentral, vuxen med hosta i tre veckor")
    page.fill("textarea[name=case_description]", "Kvinna 45 år, rökare, hosta sedan tre veckor.")
    page.fill("textarea[name=reflection]", "Jag glömde fråga om viktnedgång.")
    page.locator("input[name=goals][value='STb1']").first.check()
    page.locator("input[name=focus][value='anamnes']").check()
    page.fill("input[name=assessor_name]", "Asta Bedömare")
    page.fill("input[name=assessor_email]", "asta.bedomare@example.org")
    shot(page, "trainee-part")
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def fill_assessment(page) -> None:
    page.locator("input[name=difficulty][value='medium']").check()
    for key, value in (("anamnes", "3"), ("status", "4"), ("bemotande", "5"), ("radgivning", "2"),
                       ("organisation", "na")):
        page.locator(f"input[name=rating_{key}][value='{value}']").check()
    page.fill("textarea[name=summary]", "Strukturerad och lyhörd.")
    page.fill("textarea[name=suggestions]", "Bra: öppna frågor. Vidare: sammanfatta innan avslut.")


def write_action_plan(page, form: MiniCex) -> None:
    page.goto(f"/mini-cex/{form.pk}/handlingsplan/")
    assert_accessible(page)
    page.fill("textarea[name=action_plan]", "Öva på att sammanfatta för patienten.")
    shot(page, "action-plan")
    page.get_by_role("button", name="Lås formuläret").click()
    page.wait_for_load_state()
    shot(page, "locked")


def test_same_device_flow_on_a_phone(phone_page, trainee, mailoutbox, browser_problems):
    page = phone_page
    browser_problems.allow(r"status of 400 \(Bad Request\)")  # the wrong code and the incomplete form, on purpose
    accept_dialogs(page)
    log_in(page, trainee.email, PASSWORD)
    create_form(page, button="Fyll i på samma enhet")

    # The phone goes to the assessor.
    page.wait_for_url(re.compile(r"/bedomare/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Lämna över enheten till bedömaren"
    assert page.input_value("input[name=assessor_email]") == "asta.bedomare@example.org"
    assert_accessible(page)
    shot(page, "hand-over")
    page.get_by_role("button", name="Skicka engångskod").click()
    page.wait_for_load_state()
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    assert page.locator("input[name=code]").get_attribute("autocomplete") == "one-time-code"
    shot(page, "code")
    page.fill("input[name=code]", "000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Bekräfta").click()
    page.wait_for_load_state()
    assert "Koden stämmer inte" in page.content()
    shot(page, "wrong-code")
    page.fill("input[name=code]", code)
    page.get_by_role("button", name="Bekräfta").click()
    page.wait_for_url(re.compile(r"/bedomare/formular/$"))

    # The assessor fills in; first an incomplete submission shows the errors at the fields.
    assert_accessible(page)
    shot(page, "assessment-empty")
    page.get_by_role("button", name="Skicka in bedömningen").click()
    page.wait_for_load_state()
    assert page.locator(".field-error").count() >= 3
    shot(page, "assessment-errors")
    fill_assessment(page)
    shot(page, "assessment-filled")
    page.get_by_role("button", name="Skicka in bedömningen").click()
    page.wait_for_url(re.compile(r"/bedomare/klar/$"))
    assert "Lämna tillbaka enheten" in page.content()
    assert_accessible(page)
    shot(page, "hand-back")

    form = MiniCex.objects.get()
    assert form.state == S.ASSESSED and form.assessor_confirmed_by == "code"
    page.get_by_role("link", name="Skriv handlingsplan").click()
    page.wait_for_load_state()
    write_action_plan(page, form)
    form.refresh_from_db()
    assert form.state == S.COMPLETED
    assert form.ratings == {"anamnes": 3, "status": 4, "bemotande": 5, "radgivning": 2, "organisation": "na"}


def test_email_link_flow_on_a_phone(phone_page, trainee, mailoutbox, browser, live_server, browser_problems,
                                    _screenshots):
    page = phone_page
    accept_dialogs(page)
    log_in(page, trainee.email, PASSWORD)
    create_form(page, button="Skicka till bedömaren")
    form = MiniCex.objects.get()
    assert form.state == S.AWAITING_ASSESSOR and form.mode == "email_link"
    assert_accessible(page)
    shot(page, "trainee-sent")

    # The assessor, on their own phone, not logged in.
    [request] = [m for m in mailoutbox if "asta.bedomare@example.org" in m.to[0]]
    url = re.search(r"https?://\S+/bedom/[A-Za-z0-9_-]+/", request.body).group(0)
    path = url[url.index("/mini-cex/"):]
    context, assessor = _open_page(browser, live_server, browser_problems, _screenshots, PHONE)
    accept_dialogs(assessor)
    assessor.goto(path)
    assert assessor.get_by_role("heading", level=1).inner_text() == "Bedömning av mini-CEX"
    assert "Kvinna 45 år" in assessor.content() or assessor.get_by_text("Läkarens beskrivning").count()
    assert_accessible(assessor)
    shot(assessor, "link-form")
    assessor.locator("input[name=rating_anamnes][value='3']").check()
    assessor.fill("textarea[name=summary]", "Halvvägs.")
    assessor.get_by_role("button", name="Spara utkast").click()
    assessor.wait_for_load_state()
    assert "Utkastet är sparat" in assessor.content()
    shot(assessor, "link-draft-saved")
    assessor.goto(path)
    assert assessor.locator("input[name=rating_anamnes][value='3']").is_checked()
    assert assessor.input_value("textarea[name=summary]") == "Halvvägs."
    fill_assessment(assessor)
    assessor.get_by_role("button", name="Skicka in bedömningen").click()
    assessor.wait_for_load_state()
    assert "Tack! Bedömningen är inskickad" in assessor.content()
    assert_accessible(assessor)
    shot(assessor, "link-thanks")
    assessor.goto(path)
    assert "Bedömningen är redan inskickad" in assessor.content()
    context.close()

    form.refresh_from_db()
    assert form.state == S.ASSESSED and form.assessor_confirmed_by == "link"
    # The trainee sees the assessment and locks the form with an action plan.
    page.goto(f"/mini-cex/{form.pk}/")
    assert_accessible(page)
    shot(page, "trainee-assessed")
    write_action_plan(page, form)
    form.refresh_from_db()
    assert form.state == S.COMPLETED and form.action_plan


def test_link_status_box_while_waiting(phone_page, trainee, mailoutbox):
    page = phone_page
    accept_dialogs(page)
    log_in(page, trainee.email, PASSWORD)
    create_form(page, button="Skicka till bedömaren")
    form = MiniCex.objects.get()
    page.goto(f"/mini-cex/{form.pk}/")
    box = page.locator(".mcx-link-status")
    assert box.count() == 1
    assert "asta.bedomare@example.org" in box.inner_text()
    shot(page, "status-box")
    # The one extension is offered in the link's last three days, not while it has two weeks left.
    assert box.get_by_role("button", name="Förläng länken två veckor").count() == 0
    MiniCex.objects.filter(pk=form.pk).update(link_expires_at=timezone.now() + timedelta(days=2))
    page.reload()
    box = page.locator(".mcx-link-status")
    box.get_by_role("button", name="Förläng länken två veckor").click()
    page.wait_for_load_state()
    form.refresh_from_db()
    assert form.link_extended_at is not None
    assert page.locator(".mcx-link-status").get_by_text("förlängd").count() == 1
    assert page.locator(".mcx-link-status").get_by_role("button", name="Förläng länken två veckor").count() == 0
    shot(page, "status-extended")


def test_assessment_page_on_a_wide_screen_has_the_definitions_beside_the_scale(page, make_form):
    form, token = make_form(S.AWAITING_ASSESSOR, mode="link")
    page.goto(f"/mini-cex/{form.pk}/bedom/{token}/")
    assert_accessible(page)
    definitions = page.locator(".mcx-definitions").bounding_box()
    ratings = page.locator(".mcx-ratings").bounding_box()
    assert definitions["x"] > ratings["x"] + ratings["width"] - 1  # beside, not above
    shot(page, "desktop-assessment")
