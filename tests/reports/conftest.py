"""Fixtures for the report tests: a case whose practice day is held, its trainee's three questions from
portfolio section B, and helpers to write, deliver and read the report through the real services."""

import pytest
from django.core import mail

from evaluations.models import Evaluation
from evaluations.reports import services as report_services
from portfolio.services.common import ensure_sections
from tests.conftest import complete_answers

S = Evaluation.State

QUESTIONS = [
    "Hur hinner jag med forskningen under ST?",
    "Hur blir jag tryggare i handläggningen av multisjuka äldre?",
    "Hur använder jag hemvändardagarna bäst?",
]


def ask_questions(case, questions=QUESTIONS):
    """The trainee's three questions to the evaluator, as written in portfolio section B."""
    section = ensure_sections(case)["B"]
    section.data = {**section.data, **{f"question_{n}": q for n, q in enumerate(questions, start=1)}}
    section.save(update_fields=["data"])
    return section


@pytest.fixture
def held_case(make_case, trainee):
    case = make_case(S.PRACTICE_DAY_HELD, trainee=trainee)
    ask_questions(case)
    return case


@pytest.fixture
def report(held_case):
    return report_services.report_for(held_case)


def save(report, by, **answers):
    return report_services.report_save(report=report, by=by, data=answers, base_version=report.version)


def write_all(report, by):
    return report_services.report_save(report=report, by=by, data=complete_answers(report),
                                       base_version=report.version)


@pytest.fixture
def delivered(held_case, report, evaluator, django_capture_on_commit_callbacks):
    """The report written in full and sent (PDF rendered, e-mails gone out)."""
    report = write_all(report, evaluator.user)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_deliver(report=report, by=evaluator.user)
    report.case.refresh_from_db()
    return report


@pytest.fixture
def outbox():
    mail.outbox.clear()
    return mail.outbox
