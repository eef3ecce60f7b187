"""axe-core on the pages it found faults on: the case page's deadline table (a scroll box keyboard users
could not scroll, its date column clipped), and the mini-CEX detail and programme pages (landmarks
without a unique name)."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evaluations.minicex.models import MiniCex
from evaluations.models import Evaluation
from scheduling.models import Programme, ProgrammeItem
from scheduling.services.minicex import programme_item_start_minicex
from tests.browser.fixtures import PHONE, _open_page, assert_accessible, axe_violations_all, log_in, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
S = Evaluation.State


@pytest.fixture
def case_on_the_day(make_case, trainee):
    """A case whose practice day is today, with a programme and a started practice-day mini-CEX."""
    case = make_case(S.MATERIAL_SUBMITTED, trainee=trainee, practice_day=date.today())
    programme = Programme.objects.create(case=case)
    ProgrammeItem.objects.create(programme=programme, start=time(8, 30), end=time(9), kind=ProgrammeItem.Kind.INTRODUCTION)
    item = ProgrammeItem.objects.create(programme=programme, start=time(9), end=time(9, 40),
                                        kind=ProgrammeItem.Kind.SITTING_IN, age_band="adult", urgency="planned")
    programme_item_start_minicex(case=case, by=case.evaluator.user, item_id=item.pk)
    return case


def _check(page, name):
    assert_accessible(page)
    violations = axe_violations_all(page)
    shot(page, name)
    assert violations == [], violations


def test_case_page_programme_and_minicex_are_axe_clean(page, case_on_the_day, trainee, evaluator):
    case = case_on_the_day
    log_in(page, evaluator.user.email, PASSWORD)
    page.goto(case.get_absolute_url())
    _check(page, "case-page-evaluator")
    page.goto(reverse("scheduling:programme", args=[case.pk]))
    _check(page, "programme-evaluator")
    form = MiniCex.objects.get(case=case)
    page.goto(reverse("minicex:detail", args=[form.pk]))
    _check(page, "minicex-detail-evaluator")


def test_the_deadline_table_scrolls_by_keyboard_on_a_phone_and_shows_its_dates(
    browser, live_server, browser_problems, _screenshots, make_case, trainee
):
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=date.today() + timedelta(days=40))
    context, phone = _open_page(browser, live_server, browser_problems, _screenshots, PHONE)
    try:
        log_in(phone, trainee.email, PASSWORD)
        phone.goto(case.get_absolute_url())
        table = phone.locator("table.deadlines")
        expect(table).to_be_visible()
        assert axe_violations_all(phone, ["scrollable-region-focusable"]) == []
        # Every date is shown whole: nothing of the date column is cut off by its scroll box.
        clipped = phone.evaluate("""() => [...document.querySelectorAll('table.deadlines time')].filter(t => {
            const box = t.closest('.table-wrap').getBoundingClientRect(), r = t.getBoundingClientRect();
            return r.right > box.right + 0.5 || r.left < box.left - 0.5; }).map(t => t.textContent)""")
        assert clipped == []
        shot(phone, "deadlines-phone")
    finally:
        context.close()
