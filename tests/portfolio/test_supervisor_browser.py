"""The supervisor writes section F through the e-mailed link, in Chromium, in a browser with no account."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from evaluations.models import Evaluation
from portfolio.models import Section
from portfolio.sections import SECTION_BY_CODE
from portfolio.services.common import ensure_sections
from tests.browser.fixtures import DESKTOP, PHONE, _check, _open_page, assert_accessible, log_in, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State
SUPERVISOR_EMAIL = "hugo.handledare@example.org"
LINK = re.compile(r"https?://[^/\s]+(/handledare/[A-Za-z0-9_-]{20,}/)")


def test_supervisor_writes_and_submits_f_through_the_link(
    page, browser, live_server, browser_problems, _screenshots, make_case, trainee, evaluator  # noqa: F811
):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, supervisor_email=SUPERVISOR_EMAIL,
                     supervisor_name="Hugo Handledarsson")
    d = ensure_sections(case)["D"]
    d.data = {
        "biomedicine": "Jag använder biomedicinen som ett verktyg bland flera.\nIbland för mycket.",
        "uncertainty": "Jag har blivit bättre på att dela osäkerheten med patienten.",
        "best_sides": "Kontinuitet och lyhördhet.",
    }
    d.save()
    browser_problems.allow(r"status of 400")  # the early submit answers 400 with the fields marked

    # 1. The trainee asks for the statement.
    log_in(page, trainee.email, PASSWORD)
    page.goto(reverse("portfolio:supervisor", args=[case.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Handledarens utlåtande")
    expect(page.get_by_label("Handledarens e-postadress")).to_have_value(SUPERVISOR_EMAIL)
    assert_accessible(page)
    shot(page, "trainee-before-request")
    page.get_by_role("button", name="Be om utlåtande").click()
    expect(page.locator(".messages")).to_contain_text(f"Länken är skickad till {SUPERVISOR_EMAIL}")
    expect(page.locator(".badge", has_text="Aktiv")).to_be_visible()
    shot(page, "trainee-link-sent")

    [request_mail] = [m for m in mail.outbox if SUPERVISOR_EMAIL in m.to[0]]
    path = LINK.search(request_mail.body).group(1)

    # 2. The supervisor, in a browser of their own, opens the link from the e-mail.
    context, supervisor = _open_page(browser, live_server, browser_problems, _screenshots, DESKTOP)
    try:
        supervisor.on("dialog", lambda dialog: dialog.accept())
        supervisor.goto(path)
        expect(supervisor.get_by_role("heading", level=1)).to_have_text("Handledarens utlåtande")
        expect(supervisor.locator("main")).to_contain_text(trainee.full_name)
        assert_accessible(supervisor)
        shot(supervisor, "supervisor-landing")
        supervisor.get_by_role("button", name="Öppna formuläret").click()
        supervisor.wait_for_url(re.compile(r"/handledare/utlatande/"))
        assert_accessible(supervisor)
        shot(supervisor, "supervisor-statement-empty")

        # The trainee's self-evaluation, read-only.
        supervisor.get_by_text("Läs ST-läkarens självvärdering (avsnitt D)").click()
        expect(supervisor.locator("#self-evaluation")).to_contain_text("Kontinuitet och lyhördhet.")
        shot(supervisor, "supervisor-reads-self-evaluation")
        supervisor.get_by_text("Läs ST-läkarens självvärdering (avsnitt D)").click()

        # Part of F, then an early submit: the unanswered prompts are marked, the text is kept.
        f = SECTION_BY_CODE["F"]
        supervisor.get_by_label(str(f.prompt("duration").label)).fill("Sedan september 2023, en timme i veckan.")
        supervisor.get_by_label(str(f.prompt("strengths").label)).fill("Lyhörd, noggrann och\nbra på uppföljning.")
        expect(supervisor.locator("[data-autosave-status]").first).to_contain_text("Sparat", timeout=10_000)
        supervisor.get_by_role("button", name="Skicka in utlåtandet").click()
        expect(supervisor.locator(".form-errors")).to_contain_text("frågor är obesvarade")
        expect(supervisor.get_by_label(str(f.prompt("strengths").label))).to_have_value(
            "Lyhörd, noggrann och\nbra på uppföljning.")
        shot(supervisor, "supervisor-submit-incomplete")

        for prompt in f.prompts:
            if prompt.key in ("duration", "strengths"):
                continue
            supervisor.get_by_label(str(prompt.label)).fill(f"Min bedömning: {prompt.label}")
        supervisor.get_by_label(str(f.prompt("self_evaluation_comments").label)).press("Tab")
        expect(supervisor.locator("[data-autosave-status]").first).to_contain_text("Sparat", timeout=10_000)
        saved = Section.objects.get(case=case, code="F")
        assert saved.data["self_evaluation_comments"].startswith("Min bedömning")
        assert saved.data["strengths"] == "Lyhörd, noggrann och\nbra på uppföljning."
        shot(supervisor, "supervisor-statement-filled")

        supervisor.get_by_role("button", name="Skicka in utlåtandet").click()
        expect(supervisor.get_by_role("heading", level=1)).to_have_text("Tack för ditt utlåtande")
        expect(supervisor.locator("main")).to_contain_text("bra på uppföljning")
        assert supervisor.locator("main textarea").count() == 0
        assert_accessible(supervisor)
        shot(supervisor, "supervisor-thank-you")
    finally:
        context.close()

    assert Section.objects.get(case=case, code="F").locked_at is not None
    told = {m.to[0] for m in mail.outbox if "utlåtande" in m.subject and SUPERVISOR_EMAIL not in m.to[0]}
    assert any(trainee.email in to for to in told) and any(evaluator.user.email in to for to in told)

    # 3. The trainee sees that the statement is in, and reads it.
    page.reload()
    expect(page.locator("main")).to_contain_text("Utlåtandet är inskickat")
    expect(page.locator("main")).to_contain_text("bra på uppföljning")
    expect(page.get_by_role("button", name="Be om utlåtande")).to_have_count(0)
    shot(page, "trainee-statement-submitted")


def test_link_on_a_phone_and_after_revocation(
    browser, live_server, browser_problems, _screenshots, make_case, trainee  # noqa: F811
):
    from portfolio.services.supervisor import supervisor_link_request, supervisor_link_revoke

    case = make_case(S.CONTACT_MADE, trainee=trainee)
    link, token = supervisor_link_request(case=case, by=trainee, email=SUPERVISOR_EMAIL)
    browser_problems.allow(r"status of 410")
    context, phone = _open_page(browser, live_server, browser_problems, _screenshots, PHONE)
    try:
        phone.goto(reverse("portfolio:supervisor_landing", args=[token]))
        assert_accessible(phone)
        shot(phone, "phone-landing")
        phone.get_by_role("button", name="Öppna formuläret").click()
        phone.wait_for_url(re.compile(r"/handledare/utlatande/"))
        assert_accessible(phone)
        shot(phone, "phone-statement")
        supervisor_link_revoke(link=link, by=trainee)
        phone.reload()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Länken gäller inte längre")
        assert trainee.full_name not in phone.locator("main").inner_text()
        assert_accessible(phone)
        shot(phone, "phone-revoked")
    finally:
        context.close()
    _check(browser_problems)
