"""Issue 10 walked in Chromium, in Swedish, with screenshots: the declined assignment, the dashboard's
search and late flags, the evaluator's home, the programme before the day, the submission check."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evaluations.models import Evaluation
from mittist.accounts.models import Role
from tests.browser.fixtures import assert_accessible, assert_axe_clean, log_in, log_out, shot
from tests.conftest import PASSWORD, fictional_pnr

pytestmark = pytest.mark.browser
S = Evaluation.State


def test_declining_lands_on_the_evaluators_home_with_the_message(page, make_case, evaluator):
    case = make_case(S.EVALUATOR_ASSIGNED)
    log_in(page, evaluator.user.email, PASSWORD)
    page.goto(case.get_absolute_url())
    page.get_by_text("Tacka nej till uppdraget").first.click()
    page.locator("textarea").first.fill("Jag är jävig: vi har arbetat ihop.")
    page.locator("form[action$='/decline_assignment/'] button[type=submit]").click()
    expect(page).to_have_url(reverse("evaluations:evaluator_home"))
    expect(page.locator(".messages")).to_contain_text("Du har tackat nej. Kansliet tillfrågar en annan värderare.")
    assert_accessible(page)
    shot(page, "evaluator-home-after-decline")


def test_dashboard_search_and_late_material(page, make_case, make_user, coordinator, evaluator):
    today = date.today()
    oberg = make_case(S.REGISTERED, trainee=make_user(Role.TRAINEE, full_name="Åsa Öberg"))
    late = make_case(S.MATERIAL_SUBMITTED, practice_day=today + timedelta(days=10),
                     trainee=make_user(Role.TRAINEE, full_name="Lena Sen"))
    make_case(S.MATERIAL_SUBMITTED, practice_day=today + timedelta(days=40),
              trainee=make_user(Role.TRAINEE, full_name="Tim Itid"))
    log_in(page, coordinator.email, PASSWORD)
    page.goto(reverse("evaluations:dashboard") + "?q=öberg")
    expect(page.locator("main table")).to_contain_text(oberg.trainee.full_name)
    shot(page, "dashboard-search-oberg")
    page.goto(reverse("evaluations:dashboard") + "?q=" + fictional_pnr(1).replace("-", "")[2:])
    expect(page.locator("main table")).to_contain_text(oberg.trainee.full_name)
    page.goto(reverse("evaluations:dashboard") + "?overdue=on")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    expect(page.locator("main table")).to_contain_text("Material inskickat sent")
    assert_accessible(page)
    shot(page, "dashboard-only-late")
    log_out(page)

    log_in(page, evaluator.user.email, PASSWORD)
    expect(page.locator("main")).to_contain_text(late.trainee.full_name)
    expect(page.locator("main .badge-warning", has_text="Material inskickat sent")).to_have_count(1)
    shot(page, "evaluator-home-late-material")


def test_programme_before_the_practice_day_has_no_minicex_button(page, make_case, trainee):
    from scheduling.services.programme import programme_fill_suggestion

    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=date.today() + timedelta(days=30))
    programme_fill_suggestion(case=case, by=trainee, version=0)
    log_in(page, case.evaluator.user.email, PASSWORD)
    page.goto(reverse("scheduling:programme", args=[case.pk]))
    expect(page.locator("main")).to_contain_text("Mini-CEX för medsittningarna startar du här från och med praktikdagen")
    expect(page.get_by_role("button", name="Starta mini-CEX")).to_have_count(0)
    assert_axe_clean(page)
    shot(page, "programme-a-month-before")
