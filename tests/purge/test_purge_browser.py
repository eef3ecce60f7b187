"""The purge in Chromium, as the trainee meets it: the notice's link, the downloads, and the pages after.

The trainee follows the link in the notice e-mail (signing in on the way), downloads the material as a ZIP
and the report as a PDF; after the purge the case page says where the report went, the purge page says
what was deleted and when, and the public check confirms the PDF the trainee kept.
"""

import hashlib
import re
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evaluations.models import Evaluation
from tests.browser.fixtures import assert_accessible, shot
from tests.conftest import PASSWORD

from .builders import build_full_case
from .conftest import KEEP, NOTICE, at, sweep

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("migration_rows_back")]


def sign_in_on_the_way(page, email: str) -> None:
    """The page asked for a login: sign in there and come back to where the link pointed."""
    page.locator("main input[name=username]").fill(email)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def long_date(day) -> str:
    months = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
              "november", "december"]
    return f"{day.day} {months[day.month - 1]} {day.year}"


def test_the_trainee_takes_everything_home_before_the_purge_and_finds_it_said_after(
    page, live_server, make_case, trainee, evaluator, quality, mailoutbox, tmp_path, browser_problems
):
    browser_problems.allow(r"status of 410 \(Gone\).*/material/")  # the portfolio page says it is gone
    full = build_full_case(make_case, trainee, evaluator, quality)
    case = full.case
    due = max(timezone.localdate(case.quality_reviewed_at) + timedelta(days=30),
              timezone.localdate(case.closed_at) + timedelta(days=KEEP))
    notice_day = due - timedelta(days=NOTICE)

    with at(notice_day):
        sweep(notice_day)
        notice = next(m for m in mailoutbox if m.subject.startswith("Ditt material i Mitt-i-ST raderas"))
        link = re.search(r"https://mittist\.example\.org(\S+/radering/)", notice.body).group(1)
        assert long_date(due) in notice.body

        page.goto(link)
        expect(page).to_have_url(re.compile(r"/konto/logga-in/"))
        sign_in_on_the_way(page, trainee.email)
        expect(page).to_have_url(re.compile(re.escape(link) + "$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Radering hos SFAM")
        material = page.locator("section", has=page.get_by_role("heading", name="Materialet"))
        expect(material.locator("dd").last).to_have_text(long_date(due))
        assert_accessible(page)
        shot(page, "purge-page-before")

        with page.expect_download() as zip_info:
            page.get_by_role("link", name="Hämta materialet (PDF och dokument, ZIP)").click()
        archive_path = tmp_path / "material.zip"
        zip_info.value.save_as(archive_path)
        assert zip_info.value.suggested_filename == "mitt-i-st-material-testsson.zip"
        with zipfile.ZipFile(archive_path) as archive:
            names = archive.namelist()
            assert "dokument/plan.pdf" in names
            assert archive.read("mitt-i-st-testsson.pdf").startswith(b"%PDF-")

        with page.expect_download() as pdf_info:
            page.get_by_role("link", name="Hämta rapporten som PDF").click()
        report_path = tmp_path / "rapport.pdf"
        pdf_info.value.save_as(report_path)
        kept = report_path.read_bytes()
        assert kept == full.pdf_bytes

    with at(due):
        sweep(due)
        assert Evaluation.objects.get(pk=case.pk).material_purged_at is not None
        page.goto(f"/arenden/{case.pk}/")
        if "/konto/logga-in/" in page.url:  # the week in between outlived the session
            sign_in_on_the_way(page, trainee.email)
        report_card = page.locator("section", has=page.get_by_role("heading", name="Rapport", exact=True))
        expect(report_card).to_contain_text(f"Raderad hos SFAM {long_date(due)}")
        expect(report_card).to_contain_text("ST-läkaren har den som PDF och har själv valt vilka som fått den.")
        purge_card = page.locator("section", has=page.get_by_role("heading", name="Radering hos SFAM"))
        expect(purge_card).to_contain_text(f"Raderat {long_date(due)}")
        assert_accessible(page)
        shot(page, "case-page-after")

        purge_card.get_by_role("link", name="Vad raderas och när").click()
        expect(page.locator("main")).to_contain_text(f"Materialet raderades hos SFAM {long_date(due)}.")
        expect(page.locator("main")).to_contain_text(f"Rapporten raderades hos SFAM {long_date(due)}.")
        expect(page.get_by_role("link", name=re.compile("Hämta"))).to_have_count(0)
        shot(page, "purge-page-after")

        page.goto(urlsplit(f"https://x/arenden/{case.pk}/material/").path)
        expect(page.get_by_role("heading", level=1)).to_have_text("Materialet är raderat")
        shot(page, "portfolio-gone")

        page.goto(f"/arenden/{case.pk}/radering/")
        page.get_by_role("link", name="Kontrollera en rapport").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Kontrollera en rapport")
        page.get_by_label("Rapportens PDF").set_input_files(str(report_path))
        page.get_by_role("button", name="Kontrollera").click()
        page.wait_for_load_state()
        expect(page.get_by_role("status")).to_contain_text("Rapporten är äkta.")
        expect(page.locator("main")).to_contain_text(hashlib.sha256(kept).hexdigest())
        expect(page.locator("main")).not_to_contain_text(trainee.full_name)
        assert_accessible(page)
        shot(page, "report-check-genuine")


def test_the_report_check_on_a_phone_for_someone_without_an_account(
    phone_page, live_server, make_case, definitions, browser_problems
):
    browser_problems.allow(r"status of 400 \(Bad Request\).*/rapport/kontrollera/")  # the refused checksum
    case = make_case(Evaluation.State.CERTIFIED)
    phone_page.goto("/rapport/kontrollera/")
    assert_accessible(phone_page)
    phone_page.get_by_label("Eller kontrollsumman (SHA-256)").fill("abc")
    phone_page.get_by_role("button", name="Kontrollera").click()
    phone_page.wait_for_load_state()
    expect(phone_page.locator(".field-error")).to_contain_text("En kontrollsumma är 64 tecken lång")
    assert_accessible(phone_page)
    shot(phone_page, "phone-error")
    phone_page.get_by_label("Eller kontrollsumman (SHA-256)").fill(case.report.pdf_sha256)
    phone_page.get_by_role("button", name="Kontrollera").click()
    phone_page.wait_for_load_state()
    expect(phone_page.get_by_role("status")).to_contain_text("Rapporten är äkta.")
    assert_accessible(phone_page)
    shot(phone_page, "phone-genuine")
