"""No lost mail: a claim is a lease. A row left in "sending" by a worker that died mid-send goes back in
line once MITTIST_OUTBOX_LEASE_MINUTES have passed and is delivered by the sweep, with the Message-ID it
got when it was written, so a second copy (the server took the first) is recognisably the same message.
Against a real SMTP server (aiosmtpd, tests/outbox/conftest.py)."""

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from evaluations import services
from mittist.outbox.models import Message
from mittist.outbox.sending import LAPSED, build, claim, deliver, reclaim_lapsed, send_due
from tests.concurrency import run_together
from tests.faults.conftest import skip_unless_postgres
from tests.test_settings import manage, production_env

from .test_outbox import NOW, M, S


def write_mail(case, capture) -> dict:
    """The practice day agreed: three messages written, none sent yet (the commit's tasks are not run)."""
    with capture(execute=False):
        services.case_agree_practice_day(case=case, by=case.trainee, on=date.today() + timedelta(days=40))
    return {m.recipient_email: m for m in Message.objects.all()}


def claimed_by_a_dead_worker(row, at) -> None:
    """A worker claimed the row at `at` and was killed before it wrote down what happened."""
    assert claim(row.pk, at)


@pytest.fixture
def dead_claim(case, smtp, settings, django_capture_on_commit_callbacks):
    """(clock, row): at NOW, with a lease of 10 minutes, the trainee's message claimed by a worker that
    then died; the clock stands still until shifted."""
    settings.MITTIST_OUTBOX_LEASE_MINUTES = 10
    with time_machine.travel(NOW, tick=False) as clock:
        row = write_mail(case, django_capture_on_commit_callbacks)[case.trainee.email]
        claimed_by_a_dead_worker(row, NOW)
        row.refresh_from_db()
        yield clock, row


def message_ids(smtp, address) -> list[str]:
    return [str(message["Message-ID"]) for message in smtp.to(address)]


def test_every_message_goes_out_with_the_message_id_written_on_its_row(case, smtp,
                                                                       django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False):
        rows = write_mail(case, django_capture_on_commit_callbacks)
        assert send_due() == 3
    ids = {address: row.message_id for address, row in rows.items()}
    assert len(set(ids.values())) == 3 and all(i.startswith("<") and i.endswith("@mittist.example.org>")
                                              for i in ids.values())
    for address, message_id in ids.items():
        assert message_ids(smtp, address) == [message_id]
        assert Message.objects.get(message_id=message_id).state == M.SENT


def test_a_claim_within_its_lease_is_not_touched(case, smtp, dead_claim):
    clock, row = dead_claim
    clock.shift(timedelta(minutes=10))  # the lease is not over yet: the worker may still be sending
    assert reclaim_lapsed() == 0
    send_due()
    row.refresh_from_db()
    assert (row.state, row.claimed_at, row.attempts, row.last_error) == (M.SENDING, NOW, 1, "")
    assert smtp.to(case.trainee.email) == []
    assert not Message.objects.needing_attention(NOW + timedelta(minutes=10)).filter(pk=row.pk).exists()


def test_a_claim_left_by_a_dead_worker_is_taken_back_by_the_sweep_and_delivered_once(case, smtp, dead_claim):
    clock, row = dead_claim
    clock.shift(timedelta(minutes=10, seconds=1))
    send_due()  # the sweep that runs every minute anyway
    row.refresh_from_db()
    assert (row.state, row.attempts, row.claimed_at, row.content) == (M.SENT, 2, None, "")
    clock.shift(timedelta(hours=2))
    send_due()
    assert message_ids(smtp, case.trainee.email) == [row.message_id]
    assert not Message.objects.needing_attention().filter(pk=row.pk).exists()


def test_a_message_the_server_took_before_the_worker_died_arrives_again_as_the_same_message(
    case, smtp, dead_claim
):
    clock, row = dead_claim
    deliver(build(row), on_accepted=lambda: None)  # the server took it; the worker died before marking it
    assert Message.objects.get(pk=row.pk).state == M.SENDING
    clock.shift(timedelta(minutes=11))
    send_due()
    written = row.message_id
    row.refresh_from_db()
    assert row.state == M.SENT and row.message_id == written
    # At least once: two copies, one Message-ID (mail systems and clients show it once), same text.
    copies = smtp.to(case.trainee.email)
    assert [str(m["Message-ID"]) for m in copies] == [written, written]
    assert copies[0].get_body(("plain",)).get_content() == copies[1].get_body(("plain",)).get_content()


def test_a_lapsed_claim_with_no_tries_left_fails_and_is_shown(case, smtp, settings, coordinator,
                                                               django_capture_on_commit_callbacks):
    settings.MITTIST_OUTBOX_LEASE_MINUTES = 10
    settings.MITTIST_OUTBOX_MAX_ATTEMPTS = 2
    with time_machine.travel(NOW, tick=False) as clock:
        row = write_mail(case, django_capture_on_commit_callbacks)[case.trainee.email]
        Message.objects.filter(pk=row.pk).update(attempts=1)  # one try already failed
        claimed_by_a_dead_worker(row, NOW)  # the second and last, lost with its worker
        clock.shift(timedelta(minutes=11))
        send_due()
        row.refresh_from_db()
        assert (row.state, row.attempts, row.last_error) == (M.FAILED, 2, LAPSED)
        assert Message.objects.needing_attention().filter(pk=row.pk).exists()
        client = Client()
        client.force_login(coordinator)
        page = client.get(reverse("evaluations:dashboard")).content.decode()
        assert "efter 10 minuter" in page and "Misslyckades" in page
    assert smtp.to(case.trainee.email) == []


def test_a_claim_is_stuck_for_the_coordinator_only_long_past_what_the_sweep_would_retry(
    case, smtp, settings, django_capture_on_commit_callbacks
):
    settings.MITTIST_OUTBOX_LEASE_MINUTES = 10
    settings.MITTIST_OUTBOX_STUCK_MINUTES = 15
    with time_machine.travel(NOW, tick=False):
        row = write_mail(case, django_capture_on_commit_callbacks)[case.trainee.email]
        claimed_by_a_dead_worker(row, NOW)
    stuck = Message.objects.filter(pk=row.pk)
    # Past its lease the sweep takes it back within the minute: nothing for a person to do yet.
    assert not stuck.needing_attention(NOW + timedelta(minutes=24)).exists()
    # Still claimed 25 minutes on: no sweep is running, the coordinator is told.
    assert stuck.needing_attention(NOW + timedelta(minutes=25, seconds=1)).exists()


@pytest.mark.parametrize("lease, timeout, refused", [("1", "60", True), ("0", "30", True), ("1", "59", False)])
def test_settings_refuse_a_lease_not_longer_than_the_smtp_timeout(lease, timeout, refused):
    result = manage("check", env=production_env(MITTIST_OUTBOX_LEASE_MINUTES=lease, EMAIL_TIMEOUT=timeout))
    if refused:
        assert result.returncode != 0 and "MITTIST_OUTBOX_LEASE_MINUTES" in result.stderr
    else:
        assert result.returncode == 0, result.stderr


@pytest.mark.postgres
@skip_unless_postgres
def test_two_sweeps_at_once_take_a_lapsed_claim_back_once_and_deliver_it_once(
    transactional_db, make_case, smtp, monkeypatch, django_capture_on_commit_callbacks
):
    cases = [make_case(S.CONTACT_MADE) for _ in range(3)]
    Message.objects.all().delete()
    # Outside a test transaction the commit's send task would run at once: these rows are only written.
    monkeypatch.setattr("mittist.outbox.services._send_on_commit", lambda message_id: None)
    for each in cases:
        write_mail(each, django_capture_on_commit_callbacks)
    rows = list(Message.objects.all())
    assert len(rows) == 9 and len({row.message_id for row in rows}) == 9
    smtp.handler.received.clear()  # what building the cases sent
    # Real time (the threads do not share a travelled clock): claimed by dead workers long ago.
    long_ago = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
    Message.objects.update(state=M.SENDING, claimed_at=long_ago, attempts=1, next_attempt_at=long_ago)

    taken_back = run_together(reclaim_lapsed, reclaim_lapsed)
    assert [kind for kind, _ in taken_back] == ["ok", "ok"], taken_back
    assert sum(n for _, n in taken_back) == len(rows)  # each row by one sweep only

    Message.objects.update(state=M.SENDING, claimed_at=long_ago, attempts=1)
    results = run_together(send_due, send_due)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert sum(sent for _, sent in results) == len(rows)
    received = Counter(str(message["Message-ID"]) for _rcpt, message in smtp.received)
    assert received == Counter(Message.objects.values_list("message_id", flat=True))
    assert set(received.values()) == {1}
    assert set(Message.objects.values_list("state", "attempts")) == {(M.SENT, 2)}
