"""In Chromium: the trainee sees what is missing, completes it, submits; the evaluator reads the material
and downloads the PDF. Screenshots (and the PDF's pages as PNG) land in test-artifacts/screenshots/."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluations.models import Evaluation
from portfolio.models import Section
from portfolio.services import material_pdf
from tests.browser.fixtures import assert_accessible, log_in, log_out, shot
from tests.conftest import PASSWORD

from .test_reading import HOSTILE, QUESTIONS, overrides
from .test_submission import add_document, add_recording, fill_sections, template  # noqa: F401

# browser, page, phone_page, browser_problems and _screenshots come from tests/portfolio/conftest.py.
pytestmark = pytest.mark.browser
S = Evaluation.State

LONG_ANSWER = (
    "Jag har arbetat på vårdcentralen i tre år och randat på medicin, kirurgi, psykiatri och pediatrik.\n\n"
    "Under perioden på vårdcentralen har jag fokuserat på multisjuka äldre och på att bygga upp en egen lista. "
    "Det har gett mig en känsla för kontinuitetens värde och för hur mycket tid som sparas när man känner patienten."
)


@pytest.fixture
def agreed(make_case, trainee, template):  # noqa: F811
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    fill_sections(case, leave_blank={("D", "uncertainty"), ("E", "instruments")},
                  overrides={**overrides(), ("C", "focus"): LONG_ANSWER})
    add_recording(case, template, days_ago=12)
    add_recording(case, template, days_ago=14, consent_after=False, evaluated=False)
    return case


def _complete(case, template):  # noqa: F811
    for section in Section.objects.filter(case=case, code__in=["D", "E"]):
        section.data = {**section.data, "uncertainty": "Jag tål osäkerhet bättre nu.", "instruments": "Ja, mini-CEX."}
        section.save()
    add_document(case)
    recording = case.recordings.get(consent_after=False)
    recording.delete()
    add_recording(case, template, days_ago=15, share_safe_reference="SS-9876")


def _pdf_pages(pdf_path, folder):
    if shutil.which("pdftoppm") is None:
        return []
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf_path), str(folder / "pdf-page")], check=True)
    return sorted(folder.glob("pdf-page-*.png"))


def test_trainee_submits_and_the_evaluator_reads_and_downloads_the_pdf(page, agreed, trainee, evaluator, template,  # noqa: F811
                                                                       monkeypatch,
                                                                       _screenshots):
    log_in(page, trainee.email, PASSWORD)
    page.goto(f"/arenden/{agreed.pk}/skicka-in/")
    expect(page.locator("#missing-list li")).to_have_count(4)
    expect(page.locator("button[data-confirm]")).to_have_count(0)
    assert_accessible(page)
    shot(page, "submit-missing")

    # Each missing item links to where it is fixed.
    hrefs = page.locator("#missing-list a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    unfinished = agreed.recordings.get(consent_after=False)
    assert hrefs == [
        reverse("portfolio:section", args=[agreed.pk, "D"]),
        reverse("portfolio:section", args=[agreed.pk, "E"]),
        reverse("portfolio:section", args=[agreed.pk, "C"]),
        reverse("portfolio:recording_edit", args=[agreed.pk, unfinished.pk]),
    ]

    _complete(agreed, template)
    page.reload()
    expect(page.locator("#ready")).to_be_visible()
    assert_accessible(page)
    shot(page, "submit-ready")

    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Skicka in materialet").click()
    expect(page.get_by_role("heading", name="Materialet är inskickat")).to_be_visible()
    assert dialogs == ["Skicka materialet till värderaren? Texterna låses när de är inskickade."]
    shot(page, "submitted")
    assert Evaluation.objects.get(pk=agreed.pk).state == S.MATERIAL_SUBMITTED
    log_out(page)

    log_in(page, evaluator.email, PASSWORD)
    page.goto(f"/arenden/{agreed.pk}/material/")
    box = page.locator(".questions-box")
    for question in QUESTIONS:
        expect(box).to_contain_text(question)
    expect(page.locator("#avsnitt-B")).to_contain_text("Andra stycket <script>alert('x')</script>")
    assert HOSTILE.split("\n\n")[0] in page.locator("#avsnitt-B").inner_text()
    assert_accessible(page)
    shot(page, "reading-desktop")

    # The PDF is the worker's: the link opens a page that waits, and reloads itself until the file is there.
    queued = []
    monkeypatch.setattr(material_pdf, "queue_task_on_commit", lambda func, *args: queued.append((func, args)))
    page.get_by_role("link", name="Ladda ner som PDF").click()
    expect(page.get_by_role("heading", name="PDF:en förbereds …")).to_be_visible()
    assert_accessible(page)
    shot(page, "pdf-preparing")
    assert [func for func, _args in queued] == [material_pdf.RENDER_TASK]
    with page.expect_download() as download_info:
        material_pdf.render_material_pdf(*queued[0][1])  # the worker
    download = download_info.value
    assert download.suggested_filename == "mitt-i-st-testsson.pdf"
    pdf_path = _screenshots["dir"] / "material.pdf"
    download.save_as(str(pdf_path))
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    assert _pdf_pages(pdf_path, _screenshots["dir"]) or shutil.which("pdftoppm") is None


def test_pages_on_a_phone(phone_page, agreed, trainee, evaluator, template):  # noqa: F811
    log_in(phone_page, trainee.email, PASSWORD)
    phone_page.goto(f"/arenden/{agreed.pk}/skicka-in/")
    assert_accessible(phone_page)
    shot(phone_page, "submit-missing-phone")

    _complete(agreed, template)
    # Late: the deadline has passed, the page says so and still offers the button.
    Evaluation.objects.filter(pk=agreed.pk).update(practice_day=timezone.localdate() + timedelta(days=20))
    phone_page.reload()
    expect(phone_page.get_by_text(re.compile("Tidsgränsen passerade"))).to_be_visible()
    expect(phone_page.locator("button[data-confirm]")).to_be_visible()
    assert_accessible(phone_page)
    shot(phone_page, "submit-ready-late-phone")

    phone_page.once("dialog", lambda dialog: dialog.accept())
    phone_page.locator("button[data-confirm]").click()
    expect(phone_page.get_by_text("Inskickat för sent")).to_be_visible()
    log_out(phone_page)

    log_in(phone_page, evaluator.email, PASSWORD)
    phone_page.goto(f"/arenden/{agreed.pk}/material/")
    expect(phone_page.locator(".questions-box")).to_contain_text(QUESTIONS[0])
    expect(phone_page.get_by_text("Inskickat för sent").first).to_be_visible()
    assert_accessible(phone_page)
    shot(phone_page, "reading-phone")


def test_evaluator_before_submission_sees_a_clear_page(page, browser_problems, agreed, evaluator):
    browser_problems.allow(r"status of 403")  # the page is a 403 on purpose
    log_in(page, evaluator.email, PASSWORD)
    page.goto(f"/arenden/{agreed.pk}/material/")
    expect(page.get_by_role("heading", name="Materialet är inte inskickat än")).to_be_visible()
    assert_accessible(page)
    shot(page, "not-submitted")
