"""The coordinator finds an e-mail a server refused on the dashboard, corrects the address and sends it
again, in Chromium against a real SMTP server. Screenshots in test-artifacts/."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evaluations import services
from evaluations.models import CaseEvent, Evaluation
from mittist.outbox.models import Message
from tests.browser.fixtures import assert_accessible, log_in, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State


def test_coordinator_resends_a_refused_mail_to_a_corrected_address(page, live_server, smtp, make_case, coordinator):
    case = make_case(S.CONTACT_MADE)
    bad = case.evaluator.user.email
    smtp.refuse(bad, f"550 5.1.1 <{bad}>: Recipient address rejected: User unknown", times=None)
    services.case_agree_practice_day(case=case, by=case.trainee, on=date.today() + timedelta(days=40))
    # The case was built with real commits, so its earlier mails went out; this one (the invite) was refused.
    failed = Message.objects.get(recipient_email=bad, state=Message.State.FAILED)
    assert failed.template == "practice_day_confirmed"

    log_in(page, coordinator.email, PASSWORD)
    page.goto(live_server.url + reverse("evaluations:dashboard"))
    card = page.get_by_role("region", name="E-post som inte har kommit fram")
    expect(card).to_contain_text("User unknown")
    expect(card).to_contain_text("Misslyckades")
    card.scroll_into_view_if_needed()
    shot(page, "dashboard-mail-failed")
    assert_accessible(page)

    row = card.locator("tr", has_text=bad)
    row.get_by_label("E-postadress").fill("vera.ratt@example.org")
    row.get_by_role("button", name="Skicka igen").click()
    expect(page.get_by_text("E-posten skickas igen till vera.ratt@example.org.")).to_be_visible()
    shot(page, "dashboard-mail-resent")
    failed.refresh_from_db()
    assert failed.state == Message.State.SENT
    assert len(smtp.to("vera.ratt@example.org")) == 1
    assert CaseEvent.objects.filter(case=case, action="mail_resent").exists()
