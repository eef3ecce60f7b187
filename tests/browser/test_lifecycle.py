"""One Mitt-i-ST from the public registration form to "contact made", through the real UI in Chromium."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from evaluations.models import CaseEvent, Evaluation
from tests.conftest import PASSWORD, fictional_pnr

from .fixtures import assert_accessible, log_in, log_out, shot

pytestmark = pytest.mark.browser

TRAINEE_EMAIL = "tilde.testlund@example.org"
TRAINEE_PASSWORD = "Blabarssylt-i-mars-77"


def fill_registration(page, *, pnr_n: int = 7, email: str = TRAINEE_EMAIL) -> None:
    today = timezone.localdate()
    page.get_by_label("Namn", exact=True).fill("Tilde Testlund")
    page.get_by_label("Personnummer", exact=True).fill(fictional_pnr(pnr_n))
    page.get_by_label("E-post", exact=True).fill(email)
    page.get_by_label("Telefon", exact=True).fill("070-000 00 00")
    page.get_by_label("Vårdcentral", exact=True).fill("Vårdcentralen Kustbyn")
    page.get_by_label("Region", exact=True).select_option("halland")
    page.get_by_label("Målbeskrivning 2021").check()
    page.get_by_label("ST startade", exact=True).fill((today - timedelta(days=900)).isoformat())
    page.get_by_label("Planerat slutdatum för ST", exact=True).fill((today + timedelta(days=800)).isoformat())
    page.get_by_label("Handledare i allmänmedicin", exact=True).fill("Hugo Handledarsson")
    page.get_by_label("Handledarens e-post", exact=True).fill("hugo.handledare@example.org")
    page.get_by_label("Studierektor").fill("Stina Studierektor")
    page.get_by_label("Chef", exact=True).fill("Maria Chefsdotter")
    page.get_by_label("Chefens profession", exact=True).fill("Distriktsläkare")
    page.get_by_label("Fakturaadress", exact=True).fill("Region Halland\nBox 0, 300 00 Exempelstad\nRef: ST-123")
    page.get_by_label("Välj lösenord", exact=True).fill(TRAINEE_PASSWORD)
    page.get_by_label("Upprepa lösenordet", exact=True).fill(TRAINEE_PASSWORD)


def confirm_by_mail(page, email: str) -> None:
    """The registration waits for its address: open the link in the mail and press the button, then log in."""
    page.wait_for_url(re.compile(reverse("evaluations:register_sent")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta din e-postadress")
    assert not Evaluation.objects.filter(trainee__email=email).exists()
    link = next(
        match.group(1) for message in mail.outbox if email in message.to[0]
        for match in [re.search(r"https?://[^/\s]+(/anmalan/bekrafta/[^/\s]+/)", message.body)] if match
    )
    page.goto(link)
    page.get_by_role("button", name="Bekräfta och skicka anmälan").click()
    page.wait_for_url(re.compile(reverse("evaluations:register_confirmed")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmälan är skickad")
    log_in(page, email, TRAINEE_PASSWORD)


def long_date(day) -> str:
    with translation.override("sv"):
        return formats.date_format(day, "j F Y")


def test_registration_to_contact_made(page, coordinator, make_evaluator):
    vera = make_evaluator(region="uppsala", home_clinic="Vårdcentralen Norrby", full_name="Vera Värderare")
    # Someone the coordinator must not pick: same region as the trainee.
    make_evaluator(region="halland", home_clinic="Vårdcentralen Hamnen", full_name="Harald Hallänning")

    # 1. A visitor registers.
    page.goto(reverse("evaluations:register"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmälan till Mitt-i-ST")
    assert_accessible(page)
    shot(page, "registration-empty")
    fill_registration(page)
    shot(page, "registration-filled")
    page.get_by_role("button", name="Skicka anmälan").click()
    shot(page, "registration-sent")
    confirm_by_mail(page, TRAINEE_EMAIL)
    page.wait_for_url(re.compile(reverse("evaluations:trainee_home")))
    expect(page.locator(".steps")).to_contain_text("Anmälan")
    expect(page.locator(".badge").first).to_have_text("Anmäld")
    assert_accessible(page)
    shot(page, "trainee-home-registered")
    case = Evaluation.objects.get(trainee__email=TRAINEE_EMAIL)
    assert case.region == "halland"
    log_out(page)
    shot(page, "logged-out")

    # 2. The coordinator accepts the registration and assigns an evaluator from another region.
    log_in(page, coordinator.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:dashboard")))
    queue = page.locator("section", has=page.get_by_role("heading", name="Anmälningar att godkänna"))
    expect(queue).to_contain_text("Tilde Testlund")
    shot(page, "coordinator-dashboard")
    queue.get_by_role("link", name="Tilde Testlund", exact=True).click()
    page.wait_for_url(re.compile(reverse("evaluations:case_detail", args=[case.pk])))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilde Testlund")
    assert_accessible(page)
    shot(page, "case-registered")
    page.get_by_role("button", name="Godkänn anmälan").click()
    expect(page.locator(".messages")).to_contain_text("Anmälan är godkänd.")
    shot(page, "case-accepted")
    page.get_by_role("link", name="Tilldela värderare").click()
    page.wait_for_url(re.compile(reverse("evaluations:assign_evaluator", args=[case.pk])))
    harald_row = page.get_by_role("row", name=re.compile("Harald Hallänning"))
    expect(harald_row).to_contain_text("region")  # the same-region conflict is shown
    assert_accessible(page)
    shot(page, "assign")
    page.get_by_label("Vera Värderare").check()
    shot(page, "assign-chosen")
    page.get_by_role("button", name="Tilldela och skicka e-post").click()
    page.wait_for_url(re.compile(reverse("evaluations:dashboard")))
    expect(page.locator(".messages")).to_contain_text("Vera Värderare är tillfrågad")
    shot(page, "dashboard-after-assignment")
    log_out(page)

    # 3. The evaluator accepts.
    log_in(page, vera.user.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:evaluator_home")))
    request = page.locator("article", has_text="Tilde Testlund")
    expect(request).to_be_visible()
    assert_accessible(page)
    shot(page, "evaluator-home-request")
    request.get_by_role("button", name="Acceptera uppdraget").click()
    expect(page.locator(".messages")).to_contain_text("ST-läkaren får nu veta att du är värderare")
    shot(page, "evaluator-accepted")
    log_out(page)

    # 4. The trainee sees the evaluator and the deadline, and reports the contact.
    log_in(page, TRAINEE_EMAIL, TRAINEE_PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:trainee_home")))
    expect(page.get_by_role("main")).to_contain_text("Vera Värderare")
    case.refresh_from_db()
    contact_due = timezone.localtime(case.evaluator_notified_at).date() + timedelta(days=14)
    assert case.contact_due == contact_due
    current = page.locator(".step-current")
    expect(current).to_contain_text("Kontakta värderaren")
    expect(current).to_contain_text(long_date(contact_due))
    expect(current).to_contain_text("14 dagar kvar")
    shot(page, "trainee-home-evaluator-accepted")
    page.locator("summary", has_text="Jag har kontaktat värderaren").click()
    page.get_by_label("Datum då du kontaktade värderaren").fill(timezone.localdate().isoformat())
    assert_accessible(page)
    shot(page, "trainee-contact-form")
    page.locator("details[open]").get_by_role("button", name="Jag har kontaktat värderaren").click()
    expect(page.locator(".messages")).to_contain_text("Kontakten är registrerad.")
    expect(page.locator(".badge").first).to_have_text("Kontakt tagen")
    shot(page, "trainee-home-contact-made")

    # What the database and the outbox say.
    case.refresh_from_db()
    assert case.state == Evaluation.State.CONTACT_MADE
    assert case.evaluator == vera
    assert case.contact_made_on == timezone.localdate()
    actions = list(CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("action", flat=True))
    assert actions == ["registered", "registration_accepted", "evaluator_assigned", "assignment_accepted",
                       "contact_made"]
    sent = [(message.to[0], message.subject) for message in mail.outbox]
    assert any(TRAINEE_EMAIL in to and "tagit emot din anmälan" in subject for to, subject in sent), sent
    assert any("mittist-kansli@example.org" in to and "Ny anmälan" in subject for to, subject in sent), sent
    assert any(TRAINEE_EMAIL in to and "är godkänd" in subject for to, subject in sent), sent
    assert any(vera.user.email in to and "Förfrågan om att värdera Tilde Testlund" in subject
               for to, subject in sent), sent
    assert any(TRAINEE_EMAIL in to and "Din värderare i Mitt-i-ST är Vera Värderare" in subject
               for to, subject in sent), sent


def test_registration_on_a_phone(phone_page):
    page = phone_page
    page.goto(reverse("evaluations:register"))
    assert_accessible(page)
    shot(page, "phone-registration-empty")
    page.get_by_role("button", name="Skicka anmälan").click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert_accessible(page)
    shot(page, "phone-registration-errors")
    fill_registration(page, pnr_n=8, email="tilde.phone@example.org")
    shot(page, "phone-registration-filled")
    page.get_by_role("button", name="Skicka anmälan").click()
    confirm_by_mail(page, "tilde.phone@example.org")
    page.wait_for_url(re.compile(reverse("evaluations:trainee_home")))
    expect(page.locator(".steps")).to_contain_text("Anmälan")
    assert_accessible(page)
    shot(page, "phone-trainee-home")
    assert Evaluation.objects.filter(trainee__email="tilde.phone@example.org").exists()
