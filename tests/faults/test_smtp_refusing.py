"""The SMTP server refuses every message for a while, then takes them again: each goes out exactly once.

End to end: a user's request causes the e-mails, the outbox's worker task (run at the commit) meets a
real SMTP server (aiosmtpd, tests/outbox/conftest.py) that takes the whole message and then answers
DATA with a temporary refusal, as a greylisting or overloaded server does. After the recovery the
outbox's sweep sends each message once; on PostgreSQL two workers sweeping at the same moment still
send each once (the row is claimed before it is sent).
"""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from evaluations.models import CaseEvent, Evaluation
from mittist.outbox.models import Message
from mittist.outbox.sending import retry_delay, send_due
from tests.concurrency import run_together
from tests.outbox.conftest import Handler

from .conftest import skip_unless_postgres

S = Evaluation.State
M = Message.State
NOW = datetime(2026, 11, 3, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


class RefusingHandler(Handler):
    """Takes the whole message, then refuses it with 451 while `refusing` is set."""

    refusing = True
    refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            self.refused += 1
            return "451 4.3.0 Temporary local problem, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def refusing_smtp(smtp):
    smtp.stop()
    smtp.handler = RefusingHandler()
    smtp.start()
    return smtp


def accept_assignment_by_request(case, capture):
    """The evaluator accepts through the page; the e-mails' worker tasks run at the commit."""
    client = Client()
    client.force_login(case.evaluator.user)
    with capture(execute=True):
        response = client.post(reverse("evaluations:case_action", args=[case.pk, "accept_assignment"]))
    assert response.status_code == 302
    assert CaseEvent.objects.filter(case=case, action="assignment_accepted").count() == 1
    return list(Message.objects.filter(case_id=case.pk))


def delivered(server) -> Counter:
    return Counter(rcpt for rcpt, _message in server.received)


def test_refused_then_accepted_every_message_goes_out_exactly_once(
    make_case, refusing_smtp, django_capture_on_commit_callbacks
):
    case = make_case(S.EVALUATOR_ASSIGNED)
    Message.objects.all().delete()  # what building the case wrote
    with time_machine.travel(NOW, tick=False) as clock:
        rows = accept_assignment_by_request(case, django_capture_on_commit_callbacks)
        assert rows  # the acceptance tells someone
        assert refusing_smtp.handler.refused == len(rows)  # each was tried at once, and refused
        for row in Message.objects.all():
            assert (row.state, row.attempts) == (M.PENDING, 1)
            assert "451" in row.last_error
            assert row.next_attempt_at == NOW + retry_delay(1)

        clock.shift(retry_delay(1))
        assert send_due() == 0  # still refusing: each waits longer
        assert set(Message.objects.values_list("attempts", flat=True)) == {2}

        refusing_smtp.handler.refusing = False  # the server recovers
        clock.shift(retry_delay(2))
        assert send_due() == len(rows)
        clock.shift(timedelta(hours=2))
        assert send_due() == 0

    assert delivered(refusing_smtp) == Counter(row.recipient_email.lower() for row in rows)
    assert all(count == 1 for count in delivered(refusing_smtp).values())
    assert set(Message.objects.values_list("state", "last_error")) == {(M.SENT, "")}


@pytest.mark.postgres
@skip_unless_postgres
def test_two_workers_sweeping_after_the_recovery_send_each_message_once(
    transactional_db, make_case, refusing_smtp, django_capture_on_commit_callbacks
):
    cases = [make_case(S.EVALUATOR_ASSIGNED) for _ in range(3)]
    Message.objects.all().delete()
    rows = []
    for case in cases:
        rows += accept_assignment_by_request(case, django_capture_on_commit_callbacks)
    assert Message.objects.filter(state=M.PENDING, attempts=1).count() == len(rows)

    refusing_smtp.handler.refusing = False
    # Both workers' sweeps, after the retry pause (real time: the threads do not share a travelled clock).
    Message.objects.update(next_attempt_at=datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")))
    results = run_together(send_due, send_due)

    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert sum(sent for _, sent in results) == len(rows)
    assert delivered(refusing_smtp) == Counter(row.recipient_email.lower() for row in rows)
    assert all(count == 1 for count in delivered(refusing_smtp).values())
    assert Message.objects.filter(state=M.SENT).count() == len(rows)
