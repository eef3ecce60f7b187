"""A submit button clicked twice: two identical POSTs arrive at the same moment, on two connections.

Each request runs in its own thread with its own PostgreSQL connection, with the same signed-in
session, as a browser's double click sends them. The first holds the case's row lock a little longer
(its audit row is written slowly), so the second certainly waits on it rather than simply coming after.
One submission, one set of e-mails, one audit row; the second request lands on a page showing what
was done, never an error page.
"""


import pytest
from django.test import Client
from django.urls import reverse

from evaluations.models import CaseEvent, Evaluation
from mittist.outbox.models import Message
from portfolio.models import SelfEvaluationTemplate
from tests.concurrency import run_together
from tests.conftest import write_full_report
from tests.portfolio.conftest import reset_storages
from tests.portfolio.test_submission import TEMPLATE_QUESTIONS, complete_portfolio

from .conftest import needs_postgres

pytestmark = needs_postgres
S = Evaluation.State


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    reset_storages()
    yield
    reset_storages()


def double_click(user, url):
    """Two POSTs of one signed-in browser at the same moment; the two responses."""
    first = Client()
    first.force_login(user)
    second = Client()
    second.cookies = first.cookies
    results = run_together(lambda: first.post(url), lambda: second.post(url))
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    return [response for _, response in results], first


def told(response) -> list[str]:
    """The messages this response queued for the next page."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


def mails(case) -> list[tuple[str, str]]:
    return sorted(Message.objects.filter(case_id=case.pk).values_list("template", "recipient_email"))


def test_a_double_clicked_material_submission_submits_once(transactional_db, make_case, trainee, slow_audit):
    template = SelfEvaluationTemplate.objects.create(version=900, title="Testformulär", questions=TEMPLATE_QUESTIONS)
    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee)
    complete_portfolio(case, template)
    Message.objects.all().delete()
    url = reverse("portfolio:submit", args=[case.pk])

    responses, browser = double_click(trainee, url)

    assert [r.status_code for r in responses] == [302, 302]
    assert {r.url for r in responses} == {url}
    # One click is thanked, the other told it is already done (not that it cannot be done).
    assert sorted(told(r) for r in responses) == [
        ["Materialet är inskickat. Värderaren har fått e-post."], ["Materialet är redan inskickat."],
    ]
    case.refresh_from_db()
    assert case.state == S.MATERIAL_SUBMITTED
    assert CaseEvent.objects.filter(case=case, action="material_submitted").count() == 1
    # One set: the evaluator told, the trainee's receipt.
    assert mails(case) == sorted([
        ("material_received", trainee.email), ("material_submitted", case.evaluator.user.email),
    ])
    page = browser.get(url).content.decode()
    assert "Materialet är inskickat" in page


def test_a_double_clicked_report_send_sends_once(transactional_db, make_case, evaluator, slow_audit):
    case = make_case(S.PRACTICE_DAY_HELD)
    write_full_report(case)
    Message.objects.all().delete()
    url = reverse("reports:deliver", args=[case.pk])

    responses, browser = double_click(evaluator.user, url)

    assert [r.status_code for r in responses] == [302, 302]
    read_url = reverse("reports:read", args=[case.pk])
    sent_message = (
        "Rapporten är skickad. ST-läkaren har fått e-post, och rapporten ligger hos kvalitetsgruppen för granskning."
    )
    winners = [r for r in responses if told(r) == [sent_message]]
    assert len(winners) == 1 and winners[0].url == read_url
    (loser,) = [r for r in responses if r is not winners[0]]
    # Told it is already sent, or (when the first had committed before the second even looked) sent
    # straight to the report as it now reads.
    assert told(loser) == ["Rapporten är redan skickad."] or (told(loser) == [] and loser.url == read_url)
    case.refresh_from_db()
    assert case.state == S.REPORT_DELIVERED
    assert CaseEvent.objects.filter(case=case, action="report_delivered").count() == 1
    sent = mails(case)
    assert len(sent) == len(set(sent))  # nobody mailed twice
    assert {template for template, _ in sent} == {"report_delivered", "report_awaits_review"}
    for response in responses:
        page = browser.get(response.url, follow=True)
        assert page.status_code == 200
