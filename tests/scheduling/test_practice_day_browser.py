"""The practice day agreed through the real UI in Chromium: the trainee proposes two days, the evaluator
confirms one, and both see the agreed day. Screenshots under test-artifacts/screenshots/<test>/."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from evaluations.models import CaseEvent, Evaluation
from scheduling.models import CalendarInvite, PracticeDayProposal
from scheduling.services import practice_day as services
from tests.browser.fixtures import assert_accessible, log_in, log_out, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State


def working_day_from(day):
    while services.warnings_for(day):
        day += timedelta(days=1)
    return day


def long_day(day, fmt="l j F Y") -> str:
    with translation.override("sv"):
        return formats.date_format(day, fmt)


@pytest.fixture
def contact_made(make_case, trainee):
    return make_case(S.CONTACT_MADE, trainee=trainee, workplace="Vårdcentralen Kustbyn")


def test_trainee_proposes_two_days_and_the_evaluator_confirms_one(page, browser_problems, contact_made, trainee,
                                                                   evaluator):
    # The refused day answers 400 (the form with its error), which Chromium reports on the console.
    browser_problems.allow(r"status of 400 .*/praktikdag/foresla/")
    case = contact_made
    today = timezone.localdate()
    first = working_day_from(today + timedelta(days=35))
    second = working_day_from(first + timedelta(days=1))
    too_early = today + timedelta(days=10)
    earliest = today + timedelta(days=28)
    practice_day_url = reverse("scheduling:practice_day", args=[case.pk])

    # 1. The trainee goes from their home page to the practice day page.
    log_in(page, trainee.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:trainee_home")))
    page.get_by_role("link", name="Föreslå datum för praktikdagen").click()
    page.wait_for_url(re.compile(practice_day_url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Praktikdag")
    expect(page.get_by_text(f"Tidigast {long_day(earliest, 'j F Y')}")).to_be_visible()
    assert_accessible(page)
    shot(page, "trainee-empty")

    # 2. A day too soon is refused at the field, with the earliest possible day.
    page.get_by_label("Datum", exact=True).fill(too_early.isoformat())
    page.get_by_role("button", name="Skicka förslaget").click()
    error = page.locator("#id_propose-day_1_error")
    expect(error).to_contain_text(f"Praktikdagen kan tidigast vara {long_day(earliest, 'j F Y')}.")
    assert_accessible(page)
    shot(page, "trainee-too-early")

    # 3. Two good days with a note.
    page.get_by_label("Datum", exact=True).fill(first.isoformat())
    page.locator("#id_propose-day_2").fill(second.isoformat())
    page.get_by_label("Kommentar").fill("Jag har kortare mottagning på förmiddagarna de här dagarna.")
    page.get_by_role("button", name="Skicka förslaget").click()
    expect(page.locator(".messages")).to_contain_text("Förslaget är skickat till värderaren")
    proposals = page.locator("section", has=page.get_by_role("heading", name="Föreslagna datum"))
    expect(proposals).to_contain_text(long_day(first))
    expect(proposals).to_contain_text(long_day(second))
    expect(proposals.get_by_role("button", name=re.compile("^Bekräfta"))).to_have_count(0)
    assert_accessible(page)
    shot(page, "trainee-proposed")
    assert any(evaluator.email in m.to[0] and "föreslår datum" in m.subject for m in mail.outbox)
    log_out(page)

    # 4. The evaluator finds the case, opens the practice day page and confirms the second day.
    log_in(page, evaluator.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:evaluator_home")))
    page.get_by_role("link", name=trainee.full_name).click()
    page.wait_for_url(re.compile(case.get_absolute_url()))
    shot(page, "evaluator-case-page")
    page.get_by_role("link", name="Bestäm praktikdag").click()
    page.wait_for_url(re.compile(practice_day_url))
    expect(page.get_by_text("Jag har kortare mottagning")).to_have_count(2)
    assert_accessible(page)
    shot(page, "evaluator-sees-proposals")
    page.get_by_role("button", name=f"Bekräfta {long_day(second, 'j F')}").click()
    expect(page.locator(".messages")).to_contain_text(f"Praktikdagen är bestämd till {long_day(second, 'j F Y')}")
    expect(page.get_by_role("heading", name=long_day(second))).to_be_visible()
    expect(page.get_by_role("link", name="Lägg in i kalendern (.ics)")).to_be_visible()
    assert_accessible(page)
    shot(page, "evaluator-confirmed")
    log_out(page)

    # 5. The trainee sees the agreed day on the home page and the practice day page.
    log_in(page, trainee.email, PASSWORD)
    page.wait_for_url(re.compile(reverse("evaluations:trainee_home")))
    expect(page.get_by_role("main")).to_contain_text(long_day(second, "j F Y"))
    shot(page, "trainee-home-agreed")
    page.get_by_role("link", name="Praktikdag och kalender").click()
    page.wait_for_url(re.compile(practice_day_url))
    expect(page.get_by_role("heading", name=long_day(second))).to_be_visible()
    # Moving it is a proposal to the evaluator, folded away until needed (no direct move for either side).
    expect(page.get_by_text("Behöver dagen flyttas?")).to_be_visible()
    expect(page.locator("[name=reschedule-day]")).to_have_count(0)
    assert_accessible(page)
    shot(page, "trainee-agreed")
    with page.expect_download() as download:
        page.get_by_role("link", name="Lägg in i kalendern (.ics)").click()
    content = open(download.value.path(), encoding="utf-8").read()
    assert f"DTSTART;TZID=Europe/Stockholm:{second:%Y%m%d}T083000" in content

    # What the database and the outbox say.
    case.refresh_from_db()
    assert (case.state, case.practice_day) == (S.PRACTICE_DAY_AGREED, second)
    statuses = dict(PracticeDayProposal.objects.filter(case=case).values_list("day", "status"))
    assert statuses == {first: "withdrawn", second: "accepted"}
    assert CaseEvent.objects.get(case=case, action="practice_day_agreed").actor == evaluator.user
    assert CalendarInvite.objects.get(case=case).sequence == 0
    invited = sorted(m.to[0] for m in mail.outbox if m.attachments)
    assert len(invited) == 2 and any(trainee.email in t for t in invited)
    assert any("mittist-kansli@example.org" in m.to[0] for m in mail.outbox)


def test_practice_day_pages_on_a_phone(phone_page, contact_made, trainee, evaluator):
    page = phone_page
    case = contact_made
    today = timezone.localdate()
    first = working_day_from(today + timedelta(days=35))
    saturday = first + timedelta(days=(5 - first.weekday()) % 7)
    services.practice_day_propose(case=case, by=trainee, days=[first], note="Helst en tisdag eller onsdag.")

    log_in(page, trainee.email, PASSWORD)
    page.goto(reverse("scheduling:practice_day", args=[case.pk]))
    page.locator("#id_propose-day_1").fill(saturday.isoformat())
    page.get_by_role("button", name="Skicka förslaget").click()
    expect(page.locator("#id_propose-day_1_warning")).to_contain_text("är en lördag")
    assert_accessible(page)
    shot(page, "phone-trainee-weekend-warning")
    page.get_by_role("button", name="Föreslå ändå").click()
    expect(page.locator(".messages")).to_contain_text("Förslaget är skickat")
    assert_accessible(page)
    shot(page, "phone-trainee-proposed")
    log_out(page)

    log_in(page, evaluator.email, PASSWORD)
    page.goto(reverse("scheduling:practice_day", args=[case.pk]))
    expect(page.get_by_text("är en lördag")).to_be_visible()
    page.locator("summary", has_text="Inget av datumen passar").click()
    assert_accessible(page)
    shot(page, "phone-evaluator-proposals")
    page.get_by_role("button", name=f"Bekräfta {long_day(first, 'j F')}").click()
    expect(page.get_by_role("heading", name=long_day(first))).to_be_visible()
    assert_accessible(page)
    shot(page, "phone-evaluator-confirmed")
