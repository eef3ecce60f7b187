"""Who reads the report: the trainee from delivery; others' cases are 404; the coordinator sees how it stands,
never its text; the quality group reads the report once delivered but never the portfolio."""

import pytest
from django.urls import reverse

from evaluations.models import Evaluation
from evaluations.reports import services as report_services
from tests.conftest import PASSWORD  # noqa: F401

from .conftest import save

S = Evaluation.State
SECRET = "Hemlig formulering om konsultationerna."

REPORT_PAGES = ["reports:read", "reports:write", "reports:preview", "reports:deliver", "reports:pdf",
                "reports:share", "reports:review"]


def get(client, user, name, case):
    client.force_login(user)
    return client.get(reverse(name, args=[case.pk]))


@pytest.fixture
def draft(report, evaluator):
    return save(report, evaluator.user, summary=SECRET)


def test_the_trainee_cannot_read_the_draft(client, held_case, draft, trainee):
    response = get(client, trainee, "reports:read", held_case)
    assert response.status_code == 403
    page = response.content.decode()
    assert SECRET not in page
    assert "Rapporten är inte skickad än" in page
    assert get(client, trainee, "reports:preview", held_case).status_code in (302, 403)
    assert SECRET not in get(client, trainee, "reports:preview", held_case).content.decode()
    assert get(client, trainee, "reports:pdf", held_case).status_code == 404
    assert get(client, trainee, "reports:write", held_case).status_code == 403
    assert SECRET not in get(client, trainee, "reports:write", held_case).content.decode()
    response = client.post(reverse("reports:autosave", args=[held_case.pk]), {"version": 1, "summary": "Inbrott"})
    assert response.status_code == 403
    assert report_services.report_for(held_case).answer("summary") == SECRET


def test_the_trainee_reads_and_downloads_the_delivered_report(client, delivered, trainee):
    case = delivered.case
    response = get(client, trainee, "reports:read", case)
    assert response.status_code == 200
    assert "Text för summary." in response.content.decode()
    response = get(client, trainee, "reports:pdf", case)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize("name", REPORT_PAGES)
def test_another_trainee_gets_404_everywhere(client, delivered, other_trainee, name):
    assert get(client, other_trainee, name, delivered.case).status_code == 404


@pytest.mark.parametrize("name", REPORT_PAGES)
def test_another_evaluator_gets_404_everywhere(client, delivered, other_evaluator, name):
    assert get(client, other_evaluator.user, name, delivered.case).status_code == 404


@pytest.mark.parametrize("name", ["reports:read", "reports:write", "reports:preview", "reports:autosave"])
def test_another_evaluator_cannot_touch_a_draft(client, held_case, draft, other_evaluator, name):
    client.force_login(other_evaluator.user)
    url = reverse(name, args=[held_case.pk])
    response = client.post(url, {"version": 1, "summary": "x"}) if name == "reports:autosave" else client.get(url)
    assert response.status_code == 404
    assert report_services.report_for(held_case).answer("summary") == SECRET


def test_the_coordinator_sees_the_status_only(client, delivered, coordinator):
    case = delivered.case
    for name in ("reports:read", "reports:write", "reports:preview", "reports:review"):
        response = get(client, coordinator, name, case)
        page = response.content.decode()
        assert "Text för" not in page, name
    response = get(client, coordinator, "reports:read", case)
    assert response.status_code == 403
    assert "Här visas bara hur den ligger till" in response.content.decode()
    assert get(client, coordinator, "reports:pdf", case).status_code == 403
    case_page = get(client, coordinator, "evaluations:case_detail", case).content.decode()
    assert "Text för" not in case_page
    assert "Skickad" in case_page and "Väntar på granskning" in case_page


def test_the_coordinator_never_sees_the_draft_either(client, held_case, draft, coordinator):
    for name in ("reports:read", "reports:write", "reports:preview", "reports:deliver"):
        response = get(client, coordinator, name, held_case)
        assert response.status_code in (302, 403), name
        assert SECRET not in response.content.decode()


def test_the_quality_group_reads_the_delivered_report(client, delivered, quality):
    case = delivered.case
    response = get(client, quality, "reports:read", case)
    assert response.status_code == 200
    assert "Text för recommendations." in response.content.decode()
    assert get(client, quality, "reports:pdf", case).status_code == 200
    review_page = get(client, quality, "reports:review", case)
    assert review_page.status_code == 200
    assert "Text för summary." in review_page.content.decode()


def test_the_quality_group_does_not_see_the_case_before_delivery(client, held_case, draft, quality):
    for name in ("reports:read", "reports:review", "evaluations:case_detail"):
        assert get(client, quality, name, held_case).status_code == 404


@pytest.mark.parametrize("name", ["portfolio:overview", "portfolio:reading", "portfolio:reading_pdf",
                                  "portfolio:recordings", "portfolio:supervisor", "portfolio:submit"])
def test_the_quality_group_does_not_read_the_portfolio(client, delivered, quality, name):
    response = get(client, quality, name, delivered.case)
    assert response.status_code in (403, 404)
    assert "Hur hinner jag med forskningen" not in response.content.decode()  # a portfolio question


def test_the_quality_groups_case_page_has_no_portfolio_links_nor_contact_details(client, delivered, quality):
    page = get(client, quality, "evaluations:case_detail", delivered.case).content.decode()
    assert reverse("portfolio:overview", args=[delivered.case.pk]) not in page
    assert reverse("portfolio:reading", args=[delivered.case.pk]) not in page
    assert delivered.case.trainee.email not in page
    assert reverse("reports:review", args=[delivered.case.pk]) in page
