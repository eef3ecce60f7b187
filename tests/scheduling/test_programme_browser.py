"""In Chromium: trainee and evaluator build the practice day's programme; the checklist follows each change.
Screenshots (desktop and phone, and the PDF's pages as PNG) land in test-artifacts/screenshots/<test>/."""

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from evaluations.models import Evaluation
from scheduling.models import Programme, ProgrammeItem
from tests.browser.fixtures import assert_accessible, log_in, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State


@pytest.fixture
def case(make_case, trainee):
    return make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=date.today() + timedelta(days=40))


def check(page, key):
    return page.locator(f"[data-check={key}]")


def expect_all_ticked(page):
    expect(page.locator("[data-check][data-ok=false]")).to_have_count(0)
    expect(page.locator("[data-check][data-ok=true]")).to_have_count(10)


def test_trainee_fills_the_suggestion_removes_the_child_and_the_checklist_follows(
    page, phone_page, case, trainee, evaluator, browser_problems
):
    url = f"/arenden/{case.pk}/praktikdag/program/"
    log_in(page, trainee.email, PASSWORD)
    page.goto(url)
    assert_accessible(page)
    expect(page.get_by_text("0 av 10 uppfyllda")).to_be_visible()
    shot(page, "empty-desktop")

    page.get_by_role("button", name="Fyll i förslag till dagsprogram").click()
    page.wait_for_url(re.compile(r"/praktikdag/program/$"))
    expect(page.get_by_text("Förslaget till dagsprogram är ifyllt")).to_be_visible()
    expect(page.get_by_text("10 av 10 uppfyllda")).to_be_visible()
    expect_all_ticked(page)
    assert_accessible(page)
    duplicate_ids = page.evaluate(
        "() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
        " return ids.filter((id, i) => ids.indexOf(id) !== i); }"
    )
    assert duplicate_ids == []  # a remove form per row, none repeating the add form's ids
    shot(page, "suggestion-desktop")

    # The child's slot goes: "Ett barn" is no longer ticked, the rest still are.
    child_row = page.locator("tr", has_text="Barn (0–17 år)")
    expect(child_row).to_have_count(1)
    child_row.get_by_role("button", name=re.compile("Ta bort")).click()
    page.wait_for_url(re.compile(r"/praktikdag/program/$"))
    expect(page.get_by_text(re.compile(r"Borttaget: 09:50–10:30 Medsittning, patient"))).to_be_visible()
    expect(check(page, "child")).to_have_attribute("data-ok", "false")
    expect(check(page, "morning_patients")).to_have_attribute("data-ok", "false")  # two before lunch now
    expect(page.locator("[data-check][data-ok=false]")).to_have_count(2)
    expect(check(page, "child")).to_contain_text("✗")
    shot(page, "child-removed-desktop")

    # Adding a child again through the form (patient fields show only for a sitting-in).
    form = page.locator("form", has=page.get_by_role("button", name="Lägg till"))
    form.get_by_label("Moment").select_option("lunch")
    expect(form.locator("[data-patient-fields]")).to_be_hidden()
    form.get_by_label("Moment").select_option("sitting_in")
    expect(form.locator("[data-patient-fields]")).to_be_visible()
    form.get_by_label("Börjar").fill("11:20")
    form.get_by_label("Slutar").fill("11:55")
    form.get_by_label("Patientens ålder").select_option("child")
    form.get_by_label("Akut eller planerat besök").select_option("acute")
    shot(page, "adding-child-desktop")
    form.get_by_role("button", name="Lägg till").click()
    page.wait_for_url(re.compile(r"/praktikdag/program/$"))
    expect(page.get_by_text("Tillagt: 11:20–11:55 Medsittning, patient.")).to_be_visible()
    expect_all_ticked(page)

    # The evaluator, on the phone, sees the same programme and checklist; changes an item.
    log_in(phone_page, evaluator.user.email, PASSWORD)
    phone_page.goto(url)
    assert_accessible(phone_page)
    expect_all_ticked(phone_page)
    shot(phone_page, "evaluator-phone")
    phone_page.locator("tr", has_text="Samtal med chefen").get_by_role("link", name=re.compile("Ändra")).click()
    phone_page.wait_for_url(re.compile(r"/program/[0-9a-f-]+/$"))
    assert_accessible(phone_page)
    expect(phone_page.locator("[data-patient-fields]")).to_be_hidden()
    phone_page.get_by_label("Anteckning").fill("Maja Chef, i hennes rum")
    shot(phone_page, "edit-phone")
    phone_page.get_by_role("button", name="Spara ändringarna").click()
    phone_page.wait_for_url(re.compile(r"/praktikdag/program/$"))
    expect(phone_page.get_by_text("Maja Chef, i hennes rum")).to_be_visible()

    # The trainee's page is now one version behind: removing from it is refused, nothing removed.
    browser_problems.allow(r"status of 409 ")
    page.locator("tr", has_text="Lunch tillsammans").get_by_role("button", name=re.compile("Ta bort")).click()
    page.wait_for_load_state()
    expect(page.get_by_text("Programmet har ändrats sedan du öppnade sidan")).to_be_visible()
    expect(page.get_by_text("Ingenting togs bort.")).to_be_visible()
    shot(page, "stale-remove-desktop")
    assert ProgrammeItem.objects.filter(programme__case=case, kind="lunch").count() == 1
    assert Programme.objects.get(case=case).version == 4

    # Print view and PDF.
    page.goto(f"/arenden/{case.pk}/praktikdag/program/utskrift/")
    assert_accessible(page)
    expect(page.get_by_role("button", name="Skriv ut")).to_be_visible()
    shot(page, "print-desktop")
    page.emulate_media(media="print")
    shot(page, "print-as-printed")
    page.emulate_media(media="screen")
    phone_page.goto(f"/arenden/{case.pk}/praktikdag/program/utskrift/")
    assert_accessible(phone_page)
    shot(phone_page, "print-phone")

    with page.expect_download() as download_info:
        page.goto(f"/arenden/{case.pk}/praktikdag/program/")
        page.get_by_role("link", name="Ladda ner som PDF").click()
    download = download_info.value
    assert download.suggested_filename == "program-praktikdag-testsson.pdf"
    folder = page._mittist_shots["dir"]
    pdf_path = folder / "programme.pdf"
    download.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf_path), str(folder / "pdf-page")], check=True)
        assert sorted(folder.glob("pdf-page-*.png"))


def test_phone_trainee_builds_a_day_from_scratch(phone_page, make_case, case, trainee):
    url = f"/arenden/{case.pk}/praktikdag/program/"
    log_in(phone_page, trainee.email, PASSWORD)
    # An earlier case of theirs, before a practice day: the page says when the programme can be made.
    earlier = make_case(S.CONTACT_MADE, trainee=trainee)
    phone_page.goto(f"/arenden/{earlier.pk}/praktikdag/program/")
    assert_accessible(phone_page)
    expect(phone_page.get_by_text("Programmet görs när praktikdagen är bestämd")).to_be_visible()
    shot(phone_page, "not-yet-phone")
    phone_page.goto(url)
    assert_accessible(phone_page)
    shot(phone_page, "empty-phone")
    form = phone_page.locator("form", has=phone_page.get_by_role("button", name="Lägg till"))
    form.get_by_label("Moment").select_option("sitting_in")
    form.get_by_label("Börjar").fill("09:00")
    form.get_by_label("Slutar").fill("09:40")
    form.get_by_label("Patientens ålder").select_option("older")
    form.get_by_label("Patienten har flera kroniska sjukdomar").check()
    form.get_by_role("button", name="Lägg till").click()
    phone_page.wait_for_url(re.compile(r"/praktikdag/program/$"))
    expect(check(phone_page, "older_chronic")).to_have_attribute("data-ok", "true")
    expect(check(phone_page, "child")).to_have_attribute("data-ok", "false")
    # The form starts the next item where the last one ended.
    expect(phone_page.get_by_label("Börjar")).to_have_value("09:40")
    shot(phone_page, "one-item-phone")
