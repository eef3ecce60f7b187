"""The document upload include in Chromium: a refused file shows its error at the field, a good one is kept.

Run on the local folder and on S3 (moto), where the download link goes through a presigned URL.
"""

import re

import pytest
from playwright.sync_api import expect

from evaluations.models import Evaluation
from portfolio.models import Document
from tests.browser.fixtures import assert_accessible, log_in, shot
from tests.conftest import PASSWORD

from .conftest import make_pdf, make_png

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("where", ["local", "s3"])
def test_trainee_uploads_the_education_plan_after_a_refused_file(page, make_case, trainee, request, where):
    if where == "s3":
        request.getfixturevalue("s3")
    case = make_case(Evaluation.State.PRACTICE_DAY_AGREED, trainee=trainee)
    log_in(page, trainee.email, PASSWORD)

    page.goto(f"/arenden/{case.pk}/dokument/education_plan/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Utbildningsplan")
    assert_accessible(page)
    shot(page, "empty")

    field = page.locator("#document-education_plan")
    field.get_by_label("Utbildningsplan").set_input_files(
        {"name": "utbildningsplan.pdf", "mimeType": "application/pdf", "buffer": make_png()}
    )
    field.get_by_role("button", name="Ladda upp").click()
    page.wait_for_load_state()
    error = page.locator("#document-education_plan-error")
    expect(error).to_have_text(re.compile(r"Filen heter \.pdf men innehållet är en PNG-bild\."))
    expect(page.locator("#document-education_plan")).to_have_class(re.compile(r"\bhas-error\b"))
    assert not Document.objects.filter(case=case).exists()
    assert_accessible(page)
    shot(page, "refused-png-named-pdf")

    page.locator("#document-education_plan").get_by_label("Utbildningsplan").set_input_files(
        {"name": "Min utbildningsplan – Åsa.pdf", "mimeType": "application/pdf", "buffer": make_pdf()}
    )
    page.locator("#document-education_plan").get_by_role("button", name="Ladda upp").click()
    page.wait_for_load_state()
    expect(page.locator("#document-education_plan-error")).to_have_count(0)
    link = page.get_by_role("link", name="Min utbildningsplan – Åsa.pdf")
    expect(link).to_be_visible()
    shot(page, "uploaded")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "Min utbildningsplan – Åsa.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == make_pdf()


def test_on_section_c_a_refused_upload_keeps_the_text_and_shows_the_error_at_the_field(page, make_case, trainee):
    case = make_case(Evaluation.State.PRACTICE_DAY_AGREED, trainee=trainee)
    log_in(page, trainee.email, PASSWORD)
    page.goto(f"/arenden/{case.pk}/portfolj/C/")
    focus = page.get_by_label("Vad har du fokuserat på under de olika perioderna?")
    focus.fill("Under randningen på medicinkliniken fokuserade jag på multisjuka äldre.")
    focus.press("Tab")  # leaving the field saves it
    expect(page.get_by_text(re.compile(r"Sparat \d{2}:\d{2}")).first).to_be_visible()

    field = page.locator("#document-education_plan")
    field.get_by_label("Utbildningsplan").set_input_files(
        {"name": "utbildningsplan.pdf", "mimeType": "application/pdf", "buffer": b"<html><body>nej</body></html>"}
    )
    field.get_by_role("button", name="Ladda upp").click()
    page.wait_for_load_state()

    assert page.url.endswith(f"/arenden/{case.pk}/portfolj/C/#document-education_plan")
    expect(page.locator("#document-education_plan-error")).to_have_text(
        re.compile(r"Filen heter \.pdf men innehållet är inte en PDF-fil\.")
    )
    expect(page.get_by_label("Vad har du fokuserat på under de olika perioderna?")).to_have_value(
        "Under randningen på medicinkliniken fokuserade jag på multisjuka äldre."
    )
    assert_accessible(page)
    shot(page, "section-c-refused-html-named-pdf")
