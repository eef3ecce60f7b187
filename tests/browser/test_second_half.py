"""The second half of a Mitt-i-ST in Chromium, across roles, from "practice day held" to "closed":
the evaluator marks the day held, writes and sends the report; the trainee reads and shares it; the reader
opens the link; the quality group takes and records the review; the trainee downloads the certificate and
answers the survey. Screenshots of every page in test-artifacts/screenshots/test_held_to_closed/."""

import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from evaluations.models import Evaluation
from evaluations.reports.models import ReportShare
from tests.conftest import PASSWORD
from tests.reports.conftest import QUESTIONS, ask_questions

from .fixtures import DESKTOP, _open_page, assert_accessible, log_in, shot

pytestmark = pytest.mark.browser
S = Evaluation.State

REPORT = {
    "Sammanfattning av praktikdagen": "En väl förberedd dag med fyra patienter och ett bra avslutande samtal.",
    "Medsittningar": "Medsittning med en äldre multisjuk patient, ett barn och ett återbesök.",
    "Reflektioner kring portfölj och inspelningar": "Portföljen är genomarbetad och inspelningarna visar god struktur.",
    "Styrkor": "Lyhörd, strukturerad och trygg i mötet med patienten.",
    "Utvecklingsområden": "Att avsluta konsultationen med en tydlig plan.",
    "Rekommendationer för resten av ST och utbildningsplanen": "Fler hemvändardagar med fokus på kroniska sjukdomar.",
}


def role_page(browser, live_server, browser_problems, _screenshots, email):
    """Another person at another computer: their own browser context, logged in."""
    context, page = _open_page(browser, live_server, browser_problems, _screenshots, DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())
    if email:
        log_in(page, email, PASSWORD)
    return context, page


def test_held_to_closed(page, browser, live_server, browser_problems, _screenshots, make_case, trainee, evaluator,
                        quality):
    browser_problems.allow(r"status of 404 .*favicon")
    case = make_case(S.MATERIAL_SUBMITTED, trainee=trainee, practice_day=date.today())
    ask_questions(case)
    page.on("dialog", lambda dialog: dialog.accept())
    contexts = []

    # 1. The evaluator marks the day held and finds the report on their home page, with its deadline.
    log_in(page, evaluator.user.email, PASSWORD)
    page.goto(case.get_absolute_url())
    page.get_by_role("button", name="Praktikdagen är genomförd").click()
    expect(page.locator(".messages")).to_contain_text("Praktikdagen är markerad som genomförd.")
    page.goto(reverse("evaluations:evaluator_home"))
    row = page.locator("tr", has_text=trainee.full_name)
    expect(row).to_contain_text("Skriv och skicka rapporten senast")
    shot(page, "evaluator-home-report-due")
    row.get_by_role("link", name=re.compile("Skriv rapporten")).click()
    page.wait_for_url(re.compile(reverse("reports:write", args=[case.pk])))
    expect(page.locator(".report-question-text").first).to_contain_text(QUESTIONS[0])
    assert_accessible(page)
    shot(page, "write-empty")

    # 2. Writes (autosaved), tries to send too early, finishes, previews and sends.
    for label, text in REPORT.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label("Svar på fråga 1").fill("Boka in forskningstid i schemat varje vecka.")
    page.get_by_label("Svar på fråga 2").fill("Ta ansvar för ett eget listat team av multisjuka.")
    page.get_by_label("Svar på fråga 2").blur()
    expect(page.locator("[data-autosave-status][aria-live]")).to_have_text(re.compile(r"Sparat \d{2}:\d{2}"))
    page.get_by_role("link", name="Skicka rapporten").click()
    missing = page.locator(".form-errors")
    expect(missing).to_contain_text("1 fält saknas")
    expect(missing.get_by_role("link")).to_have_text(f"Svar på fråga 3: {QUESTIONS[2]}")
    shot(page, "deliver-missing")
    missing.get_by_role("link").click()
    page.get_by_label("Svar på fråga 3").fill("Planera dem i förväg tillsammans med handledaren.")
    page.get_by_label("Svar på fråga 3").blur()
    expect(page.locator("[data-autosave-status][aria-live]")).to_have_text(re.compile(r"Sparat \d{2}:\d{2}"))
    shot(page, "write-complete")
    page.get_by_role("link", name="Förhandsgranska").first.click()
    expect(page.get_by_text(REPORT["Styrkor"])).to_be_visible()
    shot(page, "preview")
    page.goto(reverse("reports:deliver", args=[case.pk]))
    shot(page, "deliver-ready")
    # Sending renders the PDF (WeasyPrint): slower than a page on a busy machine.
    page.get_by_role("button", name="Skicka rapporten").click(no_wait_after=True)
    page.wait_for_url(re.compile(re.escape(reverse("reports:read", args=[case.pk])) + "$"), timeout=30_000)
    expect(page.locator(".messages")).to_contain_text("Rapporten är skickad.")
    shot(page, "evaluator-report-sent")
    case.refresh_from_db()
    assert case.state == S.REPORT_DELIVERED

    # 3. The trainee reads it, downloads the PDF and shares it with the supervisor.
    context, trainee_page = role_page(browser, live_server, browser_problems, _screenshots, trainee.email)
    contexts.append(context)
    trainee_page.goto(case.get_absolute_url())
    trainee_page.get_by_role("link", name="Läs rapporten").click()
    expect(trainee_page.get_by_text(REPORT["Utvecklingsområden"])).to_be_visible()
    assert_accessible(trainee_page)
    shot(trainee_page, "trainee-reads-report")
    with trainee_page.expect_download() as download:
        trainee_page.get_by_role("link", name=re.compile("PDF")).first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    trainee_page.goto(reverse("reports:share", args=[case.pk]))
    trainee_page.get_by_label("Handledare").check()
    trainee_page.get_by_label("Namn", exact=True).fill("Hedda Handledare")
    trainee_page.get_by_label("E-postadress").fill("hedda.handledare@example.org")
    mail.outbox.clear()
    trainee_page.get_by_role("button", name="Skicka länken").click()
    expect(trainee_page.locator(".messages")).to_contain_text("Rapporten är delad med Hedda Handledare")
    shot(trainee_page, "trainee-shared")
    link = re.search(r"https?://\S+/rapport/delad/\S+/", mail.outbox[-1].body).group(0)

    # 4. The supervisor opens the link (no account); the trainee sees that it was opened.
    context, reader = role_page(browser, live_server, browser_problems, _screenshots, None)
    contexts.append(context)
    reader.goto(re.sub(r"^https?://[^/]+", "", link))
    shot(reader, "reader-landing")
    reader.get_by_role("button", name="Läs rapporten").click()
    expect(reader.get_by_text(REPORT["Sammanfattning av praktikdagen"])).to_be_visible()
    assert_accessible(reader)
    shot(reader, "reader-reads")
    assert ReportShare.objects.get(report__case=case).view_count == 1
    trainee_page.reload()
    expect(trainee_page.locator("table")).to_contain_text("1 gång, senast")
    shot(trainee_page, "trainee-share-opened")

    # 5. The quality group takes the report, answers the checklist and records the review.
    context, quality_page = role_page(browser, live_server, browser_problems, _screenshots, quality.email)
    contexts.append(context)
    quality_page.goto(reverse("evaluations:quality_home"))
    row = quality_page.locator("tr", has_text=trainee.full_name)
    expect(row).to_contain_text("I tid")
    assert_accessible(quality_page)
    shot(quality_page, "quality-home-queue")
    row.get_by_role("link", name=re.compile("Granska")).click()
    quality_page.get_by_role("button", name="Jag granskar denna").click()
    groups = quality_page.locator("fieldset:has(input[type=radio])")
    for i in range(groups.count()):
        groups.nth(i).get_by_label("Ja", exact=True).check()
    quality_page.get_by_role("textbox", name=re.compile("^Kommentarer")).fill("Tydlig och konkret återkoppling. Bra svar på frågorna.")
    quality_page.get_by_label("Skicka kommentarerna till värderaren").check()
    shot(quality_page, "quality-review-form")
    quality_page.get_by_role("button", name="Registrera granskningen").click()
    quality_page.wait_for_url(re.compile(reverse("evaluations:quality_home")))
    expect(quality_page.locator(".messages")).to_contain_text("Granskningen är registrerad")
    expect(quality_page.locator("#done-heading + .table-wrap")).to_contain_text(trainee.full_name)
    shot(quality_page, "quality-home-reviewed")
    case.refresh_from_db()
    assert case.state == S.CERTIFIED

    # 6. The trainee downloads the certificate and answers the survey, which closes the case.
    trainee_page.goto(reverse("evaluations:trainee_home"))
    shot(trainee_page, "trainee-home-certified")
    with trainee_page.expect_download() as download:
        trainee_page.get_by_role("link", name=re.compile("Hämta intyget")).first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    trainee_page.get_by_role("link", name="Svara på enkäten").first.click()
    trainee_page.wait_for_url(re.compile(reverse("survey:answer", args=[case.pk])))
    groups = trainee_page.locator("fieldset.survey-topic fieldset")
    for i in range(groups.count()):
        groups.nth(i).get_by_role("radio", name=re.compile(r"^5")).check()
    trainee_page.get_by_label("Vad var bäst med din Mitt-i-ST?").fill("Samtalet med värderaren.")
    shot(trainee_page, "survey-filled")
    trainee_page.get_by_role("button", name="Skicka in och avsluta min Mitt-i-ST").click()
    trainee_page.wait_for_url(re.compile(reverse("survey:thanks", args=[case.pk])))
    shot(trainee_page, "survey-thanks")
    trainee_page.goto(case.get_absolute_url())
    expect(trainee_page.locator(".badge").first).to_have_text("Avslutad")
    shot(trainee_page, "trainee-case-closed")
    case.refresh_from_db()
    assert case.state == S.CLOSED and case.survey_answered

    # 7. The quality group's view of the closed case: no survey timing.
    quality_page.goto(case.get_absolute_url())
    expect(quality_page.locator("body")).not_to_contain_text("Utvärderingen besvarad")
    shot(quality_page, "quality-case-closed")
    for context in contexts:
        context.close()
