"""Keyboard only (Tab, Enter, Space, arrows and typing; no mouse) through registration, a portfolio section and
the report form; and the report's pages as every reader sees them, each checked with axe-core."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluations.models import Evaluation, PendingRegistration
from evaluations.reports import services as report_services
from evaluations.reports.models import ReportShare
from portfolio.services.common import ensure_sections
from tests.conftest import PASSWORD, fictional_pnr

from .fixtures import assert_accessible, log_in, shot

pytestmark = pytest.mark.browser
S = Evaluation.State
SAVED = re.compile(r"Sparat \d{2}:\d{2}")
ACTIVE_MATCHES = "selector => !!document.activeElement && document.activeElement.matches(selector)"


def tab_to(page, selector: str, *, limit: int = 150) -> None:
    """Press Tab until the focused element matches `selector`: the way a keyboard user gets there."""
    for _ in range(limit):
        if page.evaluate(ACTIVE_MATCHES, selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} was never reached with Tab ({limit} presses) on {page.url}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def type_date(page, selector: str, day) -> None:
    """Type a date into a date field segment by segment. The segments' order follows the browser's own
    language, not the page's, so each order is tried; the arrows lead back to the first segment."""
    tab_to(page, selector)
    for order in ("%m%d%Y", "%d%m%Y", "%Y%m%d"):
        page.keyboard.type(day.strftime(order))
        if page.evaluate("s => document.querySelector(s).value", selector) == day.isoformat():
            return
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
    pytest.fail(f"could not type {day} into {selector}")


# --- registration ---------------------------------------------------------------------------------


def test_registration_with_the_keyboard_only(page):
    today = timezone.localdate()
    email = "tyra.tangentsson@example.org"
    page.goto(reverse("evaluations:register"))
    assert_accessible(page)
    page.keyboard.press("Tab")
    # The first Tab reaches the skip link, which leads to the form without the header's links.
    if page.evaluate(ACTIVE_MATCHES, "a[href='#main']"):
        page.keyboard.press("Enter")
    fields = [
        ("full_name", "Tyra Tangentsson"),
        ("email", email),
        ("phone", "070-000 00 41"),
        ("personnummer", fictional_pnr(41)),
        ("workplace", "Vårdcentralen Kustbyn"),
        ("workplace_address", "Hamngatan 1, 000 00 Kustbyn"),
    ]
    for name, text in fields:
        type_into(page, f"main [name={name}]", text)
    tab_to(page, "main select[name=region]")
    for _ in range(30):  # a closed select steps through its options with the arrow keys
        if page.evaluate("() => document.activeElement.value") == "halland":
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator("main select[name=region]")).to_have_value("halland")
    tab_to(page, "main input[name=curriculum]")
    for _ in range(4):
        if page.evaluate("() => document.activeElement.value") == "2021":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator("main input[name=curriculum][value='2021']")).to_be_checked()
    type_date(page, "main [name=st_start]", today - timedelta(days=900))
    type_date(page, "main [name=st_planned_end]", today + timedelta(days=800))
    for name, text in [
        ("supervisor_name", "Hugo Handledarsson"),
        ("supervisor_email", "hugo.handledare@example.org"),
        ("director_of_studies", "Stina Studierektor"),
        ("manager_name", "Maria Chefsdotter"),
        ("manager_profession", "Distriktsläkare"),
        ("invoicing_address", "Region Halland, Box 0, 300 00 Exempelstad"),
        ("password1", "Tangenter-och-tabbar-41"),
        ("password2", "Tangenter-och-tabbar-41"),
    ]:
        type_into(page, f"main [name={name}]", text)
    # Every checkbox the form asks for (consents), ticked with Space.
    for box in page.locator("main form input[type=checkbox]").all():
        name = box.get_attribute("name")
        tab_to(page, f"main input[type=checkbox][name={name}]")
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    shot(page, "registration-by-keyboard")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    # Nothing is made until the address is confirmed (issue 11): the answers wait for the link in the mail.
    page.wait_for_url(re.compile(reverse("evaluations:register_sent")))
    assert_accessible(page)
    pending = PendingRegistration.objects.get(email=email)
    fields = pending.case_fields
    assert (fields["region"], fields["curriculum"], fields["workplace"]) == ("halland", "2021", "Vårdcentralen Kustbyn")
    assert fields["st_start"] == (today - timedelta(days=900)).isoformat()


# --- a portfolio section --------------------------------------------------------------------------


def test_portfolio_section_with_the_keyboard_only(page, make_case):
    case = make_case(S.PRACTICE_DAY_AGREED)
    log_in(page, case.trainee.email, PASSWORD)
    page.goto(reverse("portfolio:overview", args=[case.pk]))
    assert_accessible(page)
    # From the overview to section B by Tab and Enter.
    tab_to(page, f"main a[href='{reverse('portfolio:section', args=[case.pk, 'B'])}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(reverse("portfolio:section", args=[case.pk, "B"])))
    assert_accessible(page)
    type_into(page, "main textarea[name=background]", "Jag har arbetat på vårdcentral sedan 2019; tangentbordet räcker.")
    expect(page.locator("[data-autosave-status][aria-live]")).to_have_text(SAVED, timeout=8000)
    # The plain Save button works from the keyboard too.
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert_accessible(page)
    shot(page, "section-b-by-keyboard")
    assert ensure_sections(case)["B"].answer("background").endswith("tangentbordet räcker.")


# --- the report -----------------------------------------------------------------------------------


@pytest.fixture
def held_case(make_case):
    return make_case(S.PRACTICE_DAY_HELD)


def test_report_form_with_the_keyboard_only(page, held_case):
    case = held_case
    log_in(page, case.evaluator.user.email, PASSWORD)
    page.goto(case.get_absolute_url())
    assert_accessible(page)
    tab_to(page, f"main a[href='{reverse('reports:write', args=[case.pk])}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(reverse("reports:write", args=[case.pk])))
    assert_accessible(page)
    first = page.locator("main form textarea").first
    name = first.get_attribute("name")
    status = page.locator("[data-autosave-status][aria-live]")
    assert not SAVED.fullmatch((status.text_content() or "").strip())  # nothing saved yet: the status must change
    type_into(page, f"main textarea[name={name}]", "Praktikdagen var väl förberedd, skriven med tangentbordet.")
    expect(status).to_have_text(SAVED, timeout=8000)
    shot(page, "report-by-keyboard")
    report = report_services.report_for(case)
    report.refresh_from_db()
    assert report.answers[name] == "Praktikdagen var väl förberedd, skriven med tangentbordet."
    # On to the preview with Enter on its link.
    tab_to(page, f"main a[href='{reverse('reports:preview', args=[case.pk])}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(reverse("reports:preview", args=[case.pk])))
    assert_accessible(page)


def test_report_pages_for_every_reader(page, held_case, quality, browser_problems):
    """Write, preview and send (evaluator), read and share (trainee), the share link (reader), review (quality)."""
    case = held_case
    evaluator = case.evaluator.user
    log_in(page, evaluator.email, PASSWORD)
    for name, url in [
        ("report-write", reverse("reports:write", args=[case.pk])),
        ("report-preview", reverse("reports:preview", args=[case.pk])),
        ("report-deliver", reverse("reports:deliver", args=[case.pk])),
    ]:
        page.goto(url)
        assert_accessible(page)
        shot(page, name)
    # Written in full and sent through the services (the form itself is walked above).
    report = report_services.report_for(case)
    report = report_services.report_save(
        report=report, by=evaluator, data={key: f"Text för {key}." for key in report.keys}, base_version=report.version
    )
    report_services.report_deliver(report=report, by=evaluator)
    page.goto(reverse("reports:read", args=[case.pk]))
    assert_accessible(page)
    shot(page, "report-read-evaluator")

    page.context.clear_cookies()
    log_in(page, case.trainee.email, PASSWORD)
    for name, url in [
        ("report-read-trainee", reverse("reports:read", args=[case.pk])),
        ("report-share", reverse("reports:share", args=[case.pk])),
        ("case-trainee-delivered", case.get_absolute_url()),
    ]:
        page.goto(url)
        assert_accessible(page)
        shot(page, name)
    _share, token = report_services.share_create(
        report=report, by=case.trainee, kind=ReportShare.Kind.SUPERVISOR, name="Hugo Handledarsson",
        email="hugo.handledare@example.org",
    )
    page.goto(reverse("reports:share", args=[case.pk]))
    assert_accessible(page)
    shot(page, "report-share-with-link")

    page.context.clear_cookies()
    page.goto(reverse("reports:shared_landing", args=[token]))
    assert_accessible(page)
    shot(page, "report-shared-landing")
    opener = page.locator("main form button[type=submit], main a.btn").first
    if opener.count():
        opener.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state()
        assert_accessible(page)
        shot(page, "report-shared-view")
    page.goto(reverse("reports:verify"))
    assert_accessible(page)
    shot(page, "report-verify")

    log_in(page, quality.email, PASSWORD)
    page.goto(reverse("reports:review", args=[case.pk]))
    assert_accessible(page)
    page.get_by_role("button", name="Jag granskar denna").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Registrera granskningen")).to_be_visible()
    assert_accessible(page)
    shot(page, "report-review-form")
