"""The quality group's start page: the queue of delivered reports (oldest first, delivery date, on time or
late, who has taken it, a link to review) and the latest reviews; a clear empty state."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from evaluations.models import Evaluation
from evaluations.reports import services as report_services
from mittist.accounts.models import Role
from tests.conftest import review_report

S = Evaluation.State
HOME = "evaluations:quality_home"


def rows(response, name="to_review"):
    return [row.case.pk for row in response.context[name]]


def test_empty_queue_says_so(client, quality):
    client.force_login(quality)
    page = client.get(reverse(HOME)).content.decode()
    assert "Inga rapporter väntar på granskning." in page
    assert "När en värderare skickar en rapport får ni e-post" in page
    assert "Inga granskade rapporter ännu." in page


def test_queue_is_oldest_delivery_first_with_date_flag_and_link(client, quality, make_case):
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        older = make_case(S.REPORT_DELIVERED)
    newer = make_case(S.REPORT_DELIVERED)
    client.force_login(quality)
    response = client.get(reverse(HOME))
    assert rows(response) == [older.pk, newer.pk]
    page = response.content.decode()
    assert reverse("reports:review", args=[older.pk]) in page
    assert "I tid" in page
    assert newer.report.delivered_at.strftime("%Y") in page


def test_a_late_report_is_flagged(client, quality, make_case, evaluator):
    case = make_case(S.REPORT_DELIVERED)
    case.report.delivered_late = True
    case.report.save(update_fields=["delivered_late"])
    client.force_login(quality)
    page = client.get(reverse(HOME)).content.decode()
    assert "Efter tidsgränsen" in page


def test_who_has_taken_a_report_shows(client, quality, make_user, make_case):
    colleague = make_user(Role.QUALITY, full_name="Kim Kollega")
    mine, theirs, free = make_case(S.REPORT_DELIVERED), make_case(S.REPORT_DELIVERED), make_case(S.REPORT_DELIVERED)
    report_services.review_take(case=mine, by=quality)
    report_services.review_take(case=theirs, by=colleague)
    client.force_login(quality)
    response = client.get(reverse(HOME))
    by_case = {row.case.pk: row for row in response.context["to_review"]}
    assert by_case[mine.pk].taken_by_me and by_case[theirs.pk].taken_by == "Kim Kollega"
    assert not by_case[free.pk].taken_by
    page = response.content.decode()
    assert "Fortsätt granska" in page and "Kim Kollega" in page and "Ingen än" in page


def test_reviewed_reports_leave_the_queue_and_show_below(client, quality, make_case):
    case = make_case(S.REPORT_DELIVERED)
    review_report(case, quality)
    client.force_login(quality)
    response = client.get(reverse(HOME))
    assert rows(response) == []
    assert rows(response, "reviewed") == [case.pk]
    assert response.context["reviewed"][0].reviewed_by == quality.full_name
    assert "Visa granskningen" in response.content.decode()


def test_an_early_certificate_still_waits_for_its_review(client, quality, coordinator, make_case):
    from evaluations.certificates.services import certificate_issue_early

    case = make_case(S.REPORT_DELIVERED)
    certificate_issue_early(case=case, by=coordinator, reason="Brådskande intyg.")
    client.force_login(quality)
    response = client.get(reverse(HOME))
    assert rows(response) == [case.pk]
    assert rows(response, "reviewed") == []


def test_not_for_other_roles(client, trainee, coordinator, evaluator):
    for user in (trainee, coordinator, evaluator.user):
        client.force_login(user)
        assert client.get(reverse(HOME)).status_code == 403
