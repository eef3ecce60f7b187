"""Sections in Chromium: autosave, reload, two tabs in conflict, session expiry, no JavaScript; screenshots."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluations.models import Evaluation
from portfolio.sections import SECTION_BY_CODE
from portfolio.services.common import ensure_sections

# browser, page, phone_page, browser_problems and _screenshots come from tests/portfolio/conftest.py
from tests.browser.fixtures import DESKTOP, PHONE, _open_page, assert_accessible, log_in, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State
SAVED = re.compile(r"Sparat \d{2}:\d{2}")


@pytest.fixture
def case(make_case):
    return make_case(S.PRACTICE_DAY_AGREED)


def section_path(case, code):
    return reverse("portfolio:section", args=[case.pk, code])


def status_of(page):
    return page.locator("[data-autosave-status][aria-live]")


def stored(case, code):
    return ensure_sections(case)[code]


def second_page(page, browser_problems):
    """Another tab in the same browser (same session, same localStorage)."""
    other = page.context.new_page()
    other._mittist_shots = page._mittist_shots
    browser_problems.watch(other)
    return other


def test_typed_text_is_saved_and_there_after_reload(page, case):
    log_in(page, case.trainee.email, PASSWORD)
    page.goto(section_path(case, "B"))
    assert_accessible(page)
    field = page.get_by_label("Kort presentation av din bakgrund och utbildning")
    field.click()
    field.press_sequentially("Jag har arbetat på vårdcentral sedan 2019.\nFörst som AT-läkare")
    expect(status_of(page)).to_have_text(SAVED, timeout=8000)
    shot(page, "section-b-saved")
    assert stored(case, "B").answer("background") == "Jag har arbetat på vårdcentral sedan 2019.\nFörst som AT-läkare"
    # Nothing left in the browser's store once the server has it.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('mittist:draft:')).length") == 0

    page.reload()
    expect(field).to_have_value("Jag har arbetat på vårdcentral sedan 2019.\nFörst som AT-läkare")
    expect(page.locator("[data-autosave-notice]")).to_have_count(0)

    # Leaving a field saves at once: the one-line questions at the end of B.
    question = page.get_by_label("Fråga 2")
    question.fill("Hur hinner jag med forskningen?")
    page.get_by_label("Fråga 3").click()
    expect(status_of(page)).to_have_text(SAVED)
    assert stored(case, "B").answer("question_2") == "Hur hinner jag med forskningen?"


def test_two_tabs_on_one_section_get_the_conflict_panel(page, case, browser_problems):
    browser_problems.allow(r"status of 409")
    log_in(page, case.trainee.email, PASSWORD)
    page.goto(section_path(case, "D"))
    other = second_page(page, browser_problems)
    other.goto(section_path(case, "D"))
    label = "Din förmåga att hantera medicinsk osäkerhet"

    page.get_by_label(label).fill("Skrivet i första fliken.")
    page.get_by_label(label).blur()
    expect(status_of(page)).to_have_text(SAVED)

    other.get_by_label(label).fill("Skrivet i andra fliken.")
    other.get_by_label(label).blur()
    panel = other.locator("[data-conflict-panel]")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", level=2)).to_have_text("Avsnittet har ändrats i ett annat fönster")
    expect(panel.get_by_label("Din text")).to_have_value("Skrivet i andra fliken.")
    expect(panel.get_by_label("Sparad text från annat fönster")).to_have_value("Skrivet i första fliken.")
    assert_accessible(other)
    shot(other, "conflict-panel")
    assert stored(case, "D").answer("uncertainty") == "Skrivet i första fliken."  # nothing overwritten

    # The second tab merges by hand, keeps its own text, and it is saved on the new version.
    other.get_by_label(label).fill("Skrivet i första fliken. Och i andra.")
    panel.get_by_role("button", name="Behåll min text").click()
    expect(panel).to_have_count(0)
    expect(status_of(other)).to_have_text(SAVED)
    section = stored(case, "D")
    assert section.answer("uncertainty") == "Skrivet i första fliken. Och i andra."
    assert section.version == 2

    # The first tab is now the stale one; it takes the other text over its own without a reload.
    page.get_by_label(label).fill("Första fliken igen.")
    page.get_by_label(label).blur()
    expect(page.locator("[data-conflict-panel]")).to_be_visible()
    page.get_by_role("button", name="Använd den sparade texten").click()
    expect(page.get_by_label(label)).to_have_value("Skrivet i första fliken. Och i andra.")
    expect(status_of(page)).to_have_text(SAVED)
    assert stored(case, "D").answer("uncertainty") == "Skrivet i första fliken. Och i andra."


def test_other_fields_changed_in_another_tab_are_merged_without_asking(page, case, browser_problems):
    browser_problems.allow(r"status of 409")
    log_in(page, case.trainee.email, PASSWORD)
    page.goto(section_path(case, "E"))
    other = second_page(page, browser_problems)
    other.goto(section_path(case, "E"))

    page.get_by_label("Omfattning och innehåll i din handledning").fill("En timme i veckan.")
    page.get_by_label("Omfattning och innehåll i din handledning").blur()
    expect(status_of(page)).to_have_text(SAVED)
    other.get_by_label("Hur har utvecklingen till allmänläkare stimulerats?").fill("Genom eget ansvar.")
    other.get_by_label("Hur har utvecklingen till allmänläkare stimulerats?").blur()
    expect(status_of(other)).to_have_text(SAVED)
    expect(other.locator("[data-conflict-panel]")).to_have_count(0)
    expect(other.get_by_label("Omfattning och innehåll i din handledning")).to_have_value("En timme i veckan.")
    section = stored(case, "E")
    assert (section.answer("extent"), section.answer("gp_development")) == ("En timme i veckan.", "Genom eget ansvar.")


def test_text_typed_after_the_session_ended_is_kept_and_saved_after_login(page, case, browser_problems):
    browser_problems.allow(r"status of 401")
    log_in(page, case.trainee.email, PASSWORD)
    page.goto(section_path(case, "C"))
    field = page.get_by_label("Hur har du utvecklats?")
    field.fill("Mer självständig.")
    field.blur()
    expect(status_of(page)).to_have_text(SAVED)

    page.context.clear_cookies(name="sessionid")  # the session expires while the trainee writes on
    field.fill("Mer självständig. Och tryggare i osäkerhet.")
    field.blur()
    expect(status_of(page)).to_have_text(re.compile("Du är utloggad – texten finns kvar i webbläsaren"))
    shot(page, "logged-out")
    assert stored(case, "C").answer("development") == "Mer självständig."

    # The trainee reloads (or follows a link) and ends up at the login page; after it, the text is back and saved.
    page.reload()
    page.wait_for_url(re.compile(r"/konto/logga-in/"))
    page.locator("main input[name=username]").fill(case.trainee.email)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(section_path(case, "C")))
    expect(page.locator("[data-autosave-notice]")).to_contain_text("Osparad text från förra gången är återställd")
    expect(field).to_have_value("Mer självständig. Och tryggare i osäkerhet.")
    expect(status_of(page)).to_have_text(SAVED)
    shot(page, "restored-after-login")
    assert stored(case, "C").answer("development") == "Mer självständig. Och tryggare i osäkerhet."


def test_logged_out_tab_saves_when_the_user_comes_back_logged_in(page, case, browser_problems):
    browser_problems.allow(r"status of 401")
    log_in(page, case.trainee.email, PASSWORD)
    page.goto(section_path(case, "B"))
    page.context.clear_cookies(name="sessionid")
    field = page.get_by_label("Varför vill du bli specialist i allmänmedicin?")
    field.fill("För mötet med människor.")
    field.blur()
    expect(status_of(page)).to_contain_text("Du är utloggad")
    # Logs in again in a new tab (the CSRF token changes), returns and presses Save.
    other = second_page(page, browser_problems)
    log_in(other, case.trainee.email, PASSWORD)
    other.close()
    page.bring_to_front()
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(status_of(page)).to_have_text(SAVED)
    assert stored(case, "B").answer("why_gp") == "För mötet med människor."


def test_save_button_works_without_javascript(browser, live_server, case, browser_problems, _screenshots):
    context = browser.new_context(java_script_enabled=False, locale="sv-SE", base_url=live_server.url,
                                  viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page._mittist_shots = _screenshots
        log_in(page, case.trainee.email, PASSWORD)
        page.goto(section_path(case, "E"))
        page.get_by_label("Omfattning och innehåll i din handledning").fill("Varannan vecka.")
        page.get_by_role("button", name="Spara", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("E Beskrivning av handledningen är sparat.")
        assert stored(case, "E").answer("extent") == "Varannan vecka."

        # A stale save (another window saved meanwhile) comes back with both texts, nothing overwritten.
        section = stored(case, "E")
        section.data = {**section.data, "extent": "Från telefonen."}
        section.version += 1
        section.updated_at = timezone.now()
        section.save()
        page.get_by_label("Omfattning och innehåll i din handledning", exact=True).fill("Från datorn.")
        page.get_by_role("button", name="Spara", exact=True).click()
        expect(page.locator(".form-errors")).to_contain_text("Avsnittet har ändrats i ett annat fönster")
        expect(page.get_by_label("Omfattning och innehåll i din handledning", exact=True)).to_have_value("Från datorn.")
        expect(page.get_by_label("Sparad text från annat fönster: Omfattning")).to_have_value("Från telefonen.")
        assert_accessible(page)
        shot(page, "no-js-conflict")
        assert stored(case, "E").answer("extent") == "Från telefonen."
        page.get_by_role("button", name="Spara", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("är sparat")
        assert stored(case, "E").answer("extent") == "Från datorn."
    finally:
        context.close()


def _fill(case, code, text):
    section = stored(case, code)
    section.data = {**section.data, **{p.key: f"{text} {p.key}" for p in SECTION_BY_CODE[code].prompts}}
    section.version += 1
    section.updated_at = timezone.now()
    section.save()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_overview_and_section_screens(viewport, case, coordinator, browser, live_server, browser_problems,
                                      _screenshots):
    _fill(case, "B", "Min bakgrund")
    _fill(case, "D", "Självvärdering")
    context, page = _open_page(browser, live_server, browser_problems, _screenshots,
                               DESKTOP if viewport == "desktop" else PHONE)
    try:
        log_in(page, case.trainee.email, PASSWORD)
        page.goto(reverse("portfolio:overview", args=[case.pk]))
        expect(page.get_by_role("heading", level=1)).to_have_text("Din portfölj")
        assert_accessible(page)
        shot(page, "overview-trainee")
        page.get_by_role("link", name="A Personuppgifter", exact=True).click()
        expect(page.get_by_label("Namn", exact=True)).to_have_value(case.trainee.full_name)
        assert_accessible(page)
        shot(page, "section-a")
        page.goto(section_path(case, "D"))
        assert_accessible(page)
        shot(page, "section-d")

        page.context.clear_cookies()
        log_in(page, coordinator.email, PASSWORD)
        page.goto(reverse("portfolio:overview", args=[case.pk]))
        expect(page.locator("main")).not_to_contain_text("Min bakgrund")
        assert_accessible(page)
        shot(page, "overview-coordinator")
    finally:
        context.close()
    problems = browser_problems.unexpected()
    assert not problems, problems


def test_conflict_panel_on_a_phone(phone_page, case, browser_problems):
    browser_problems.allow(r"status of 409")
    page = phone_page
    log_in(page, case.trainee.email, PASSWORD)
    page.goto(section_path(case, "B"))
    other = second_page(page, browser_problems)
    other.goto(section_path(case, "B"))
    label = "Vad vill du ha ut av Mitt-i-ST-dagen?"
    page.get_by_label(label).fill("Återkoppling på mina konsultationer och tid att prata om forskning.")
    page.get_by_label(label).blur()
    expect(status_of(page)).to_have_text(SAVED)
    other.get_by_label(label).fill("Att få veta vad jag ska öva mer på.")
    other.get_by_label(label).blur()
    expect(other.locator("[data-conflict-panel]")).to_be_visible()
    assert_accessible(other)
    shot(other, "conflict-panel-phone")


def test_browser_copy_older_than_the_saved_text_is_offered_as_a_conflict(page, case, browser_problems):
    """Text left in this browser was written before another device saved the same prompt: nothing is lost."""
    log_in(page, case.trainee.email, PASSWORD)
    page.goto(section_path(case, "B"))
    key = f"mittist:draft:{case.pk}:B:role_model"
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [key, '{"text": "Min gamla distriktsläkare, skrivet på datorn.", "base": "", "version": 0, "at": 1}'],
    )
    section = stored(case, "B")
    section.data = {**section.data, "role_model": "Skrivet på telefonen."}
    section.version += 1
    section.save()

    page.reload()
    panel = page.locator("[data-conflict-panel]")
    expect(panel).to_contain_text("skrevs innan avsnittet sparades från ett annat fönster")
    expect(panel.get_by_label("Din text")).to_have_value("Min gamla distriktsläkare, skrivet på datorn.")
    expect(panel.get_by_label("Sparad text från annat fönster")).to_have_value("Skrivet på telefonen.")
    assert stored(case, "B").answer("role_model") == "Skrivet på telefonen."
    panel.get_by_role("button", name="Behåll min text").click()
    expect(status_of(page)).to_have_text(SAVED)
    assert stored(case, "B").answer("role_model") == "Min gamla distriktsläkare, skrivet på datorn."
    assert page.evaluate("([key]) => localStorage.getItem(key)", [key]) is None
