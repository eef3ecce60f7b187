"""Progress, compare and the paper form in Chromium at phone size: no sideways scroll, no CSP problems."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evaluations.minicex.models import NOT_OBSERVED, MiniCex, TrainingProfile
from evaluations.minicex.selectors import yearly_counts
from tests.browser.fixtures import assert_accessible, log_in, shot
from tests.conftest import PASSWORD
from tests.minicex.conftest import assessment_values

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("printed_forms")]
S = MiniCex.State



def history(make_form, trainee):
    TrainingProfile.objects.create(user=trainee, training_start=date(2024, 9, 1), part_time_percent=75)
    forms = []
    for day, level in ((date(2024, 10, 1), 2), (date(2025, 2, 1), 3), (date(2025, 6, 1), 4)):
        ratings = {k: level for k in ("anamnes", "status", "bemotande", "radgivning", "organisation")}
        if level == 3:
            ratings["radgivning"] = NOT_OBSERVED
        form, _ = make_form(S.COMPLETED, assessment=assessment_values(ratings=ratings))
        MiniCex.objects.filter(pk=form.pk).update(performed_on=day)
        forms.append(form)
    return forms


def test_progress_and_compare_on_a_phone(phone_page, make_form, trainee):
    first, _, last = history(make_form, trainee)
    page = phone_page
    log_in(page, trainee.email, PASSWORD)

    page.goto(reverse("minicex:progress"))
    expect(page.locator("h1")).to_have_text("Min utveckling i mini-CEX")
    expect(page.locator("svg.minicex-chart-svg")).to_have_count(5)
    expect(page.locator("svg[role=img] circle.chart-point-na")).to_have_count(1)
    expect(page.locator(".minicex-progress-table tbody tr")).to_have_count(3)
    assert_accessible(page)
    shot(page, "progress-phone")

    page.goto(f"{reverse('minicex:compare')}?a={first.pk}&b={last.pk}")
    expect(page.locator(".minicex-compare-table tbody tr")).to_have_count(6)
    expect(page.locator("article.paper")).to_have_count(2)
    assert_accessible(page)
    # The rating grid may scroll inside its own region, never the page.
    grid = page.locator(".paper-grid-wrap").first
    expect(grid).to_have_attribute("role", "region")
    shot(page, "compare-phone")

    page.goto(f"{reverse('minicex:compare')}?a=not-a-form")
    expect(page.locator("select#compare-a option")).to_have_count(4)
    assert_accessible(page)


def test_progress_on_a_desktop(page, make_form, trainee):
    history(make_form, trainee)
    log_in(page, trainee.email, PASSWORD)
    page.goto(reverse("minicex:progress"))
    expect(page.locator(".minicex-years .stat")).to_have_count(len(yearly_counts(trainee)))
    expect(page.locator(".minicex-years .stat").last).to_contain_text("År 1")
    assert_accessible(page)
    shot(page, "progress-desktop")
