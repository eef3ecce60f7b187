"""The evaluator's start page: requests, ongoing cases, and the finished ones a page at a time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations import views
from evaluations.models import Evaluation

S = Evaluation.State
pytestmark = pytest.mark.django_db


def test_the_finished_cases_come_a_page_at_a_time_and_the_page_does_not_grow_with_them(
    client, make_case, evaluator, monkeypatch
):
    monkeypatch.setattr(views, "EVALUATOR_FINISHED_PAGE_SIZE", 2)
    ongoing = make_case(S.CONTACT_MADE)
    first = make_case(S.REPORT_DELIVERED)
    home = reverse("evaluations:evaluator_home")
    client.force_login(evaluator.user)
    client.get(home)
    with CaptureQueriesContext(connection) as one_finished:
        page = client.get(home).content.decode()
    assert ongoing.get_absolute_url() in page and first.get_absolute_url() in page
    assert "Sidnavigering" not in page  # one page: no pager

    later = [make_case(S.REPORT_DELIVERED), make_case(S.REPORT_DELIVERED)]
    with CaptureQueriesContext(connection) as three_finished:
        page = client.get(home).content.decode()
    assert len(three_finished) == len(one_finished)
    assert "Avslutade <span class=\"muted\">(3)</span>" in page
    assert "Sida 1 av 2" in page and "?page=2#avslutade" in page
    finished = [first, *later]
    shown = [case for case in finished if case.get_absolute_url() in page]
    assert len(shown) == 2 and ongoing.get_absolute_url() in page  # the ongoing one on every page

    second = client.get(home + "?page=2").content.decode()
    assert "Sida 2 av 2" in second
    assert [case for case in finished if case.get_absolute_url() in second] == [
        case for case in finished if case not in shown
    ]
    assert ongoing.get_absolute_url() in second


def test_no_finished_cases_no_finished_section(client, make_case, evaluator):
    make_case(S.CONTACT_MADE)
    client.force_login(evaluator.user)
    page = client.get(reverse("evaluations:evaluator_home")).content.decode()
    assert "done-heading" not in page
