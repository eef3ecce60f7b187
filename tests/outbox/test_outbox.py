"""E-mail that is never lost: the outbox against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from evaluations import notifications, services
from evaluations.models import CaseEvent, Evaluation
from mittist.accounts.models import Role
from mittist.outbox.models import Message
from mittist.outbox.sending import SEND_TASK, prune, retry_delay, send_due, send_message

S = Evaluation.State
M = Message.State
NOW = datetime(2026, 11, 3, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def agree_day(case) -> Evaluation:
    """The change under test: the practice day agreed. Its e-mail goes to three people: trainee and
    evaluator (the mail with the calendar invite, scheduling.practice_day) and the office."""
    return services.case_agree_practice_day(case=case, by=case.trainee, on=date.today() + timedelta(days=40))


def tell_everyone(case, capture):
    with capture(execute=True):
        agree_day(case)
    return {m.recipient_email: m for m in Message.objects.all()}


def refresh(message) -> Message:
    message.refresh_from_db()
    return message


# --- written with the change ---------------------------------------------------------------------------


def test_the_rows_are_written_in_the_transaction_of_the_change(case, smtp, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        agree_day(case)
        # Inside the transaction: the rows are there, the invites with them, nothing has been sent yet.
        pending = Message.objects.filter(state=M.PENDING)
        assert sorted(pending.values_list("recipient_email", "template")) == sorted([
            (case.trainee.email, "practice_day_confirmed"),
            (case.evaluator.user.email, "practice_day_confirmed"),
            (settings.MITTIST_OFFICE_EMAIL, "practice_day_agreed"),
        ])
        rows = {str(pk) for pk in pending.values_list("pk", flat=True)}
        assert smtp.received == []
    # What runs after the commit: one send task per message (and the core's other background work).
    queued = []
    monkeypatch.setattr("mittist.outbox.services.async_task", lambda func, *args: queued.append((func, *args)))
    monkeypatch.setattr("mittist.mailer.async_task", lambda func, *args: queued.append((func, *args)))
    for callback in callbacks:
        callback()
    sends = [args[0] for func, *args in queued if func == SEND_TASK]
    assert sorted(sends) == sorted(rows)


def test_a_rolled_back_change_leaves_no_message(case, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            agree_day(case)
            raise RuntimeError("the change fails after its e-mail was written")
    assert not Message.objects.exists()
    assert smtp.received == []


def test_every_message_goes_out_once_and_keeps_no_text(case, smtp, django_capture_on_commit_callbacks):
    rows = tell_everyone(case, django_capture_on_commit_callbacks)
    assert set(rows) == {case.trainee.email, case.evaluator.user.email, settings.MITTIST_OFFICE_EMAIL}
    assert len(smtp.received) == 3
    for address, row in rows.items():
        row = refresh(row)
        assert row.state == M.SENT and row.attempts == 1 and row.sent_at and row.content == ""
        assert len(smtp.to(address)) == 1
    delivered = smtp.to(case.trainee.email)[0]
    assert delivered["To"] == f"{case.trainee.full_name} <{case.trainee.email}>"
    assert delivered["Subject"] and delivered.get_body(("plain",)).get_content().strip()
    assert send_due() == 0  # nothing is sent twice
    assert len(smtp.received) == 3


def test_the_waiting_text_is_sealed(case, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        agree_day(case)
    row = Message.objects.get(recipient_email=case.trainee.email)
    assert case.trainee.full_name not in row.content and "http" not in row.content
    assert row.subject  # readable by the system (the dashboard), not by someone reading the table


# --- temporary and permanent failures -----------------------------------------------------------------


def test_a_temporary_refusal_is_tried_again_later_and_sent_once(case, smtp, django_capture_on_commit_callbacks):
    smtp.refuse(case.trainee.email, "451 4.3.0 Mailbox busy, try again later", times=1)
    with time_machine.travel(NOW, tick=False) as clock:
        rows = tell_everyone(case, django_capture_on_commit_callbacks)
        trainee = refresh(rows[case.trainee.email])
        assert trainee.state == M.PENDING and trainee.attempts == 1
        assert "451" in trainee.last_error
        assert trainee.next_attempt_at == NOW + retry_delay(1)
        # The others went out at once: one recipient's trouble holds up no one else.
        assert len(smtp.to(case.evaluator.user.email)) == 1 and len(smtp.to(settings.MITTIST_OFFICE_EMAIL)) == 1
        assert send_due() == 0  # not before its time
        clock.shift(retry_delay(1))
        assert send_due() == 1
        clock.shift(timedelta(hours=2))
        assert send_due() == 0
    trainee = refresh(trainee)
    assert trainee.state == M.SENT and trainee.attempts == 2 and trainee.last_error == ""
    assert len(smtp.to(case.trainee.email)) == 1


def test_a_permanent_refusal_fails_at_once_is_shown_and_others_are_unaffected(
    case, smtp, coordinator, django_capture_on_commit_callbacks
):
    bad = case.evaluator.user.email
    smtp.refuse(bad, "550 5.1.1 No such user here", times=None)
    rows = tell_everyone(case, django_capture_on_commit_callbacks)
    failed = refresh(rows[bad])
    assert failed.state == M.FAILED and failed.attempts == 1 and "550" in failed.last_error
    assert smtp.to(bad) == []
    assert len(smtp.to(case.trainee.email)) == 1 and len(smtp.to(settings.MITTIST_OFFICE_EMAIL)) == 1
    assert send_due() == 0  # never tried again on its own

    client = Client()
    client.force_login(coordinator)
    page = client.get(reverse("evaluations:dashboard")).content.decode()
    assert "E-post som inte har kommit fram" in page
    assert bad in page and "550 5.1.1 No such user here" in page and "Misslyckades" in page
    assert reverse("evaluations:mail_resend", args=[failed.pk]) in page


def test_the_coordinator_resends_to_a_corrected_address(case, smtp, coordinator, django_capture_on_commit_callbacks):
    bad = case.evaluator.user.email
    smtp.refuse(bad, "550 5.1.1 No such user here", times=None)
    failed = tell_everyone(case, django_capture_on_commit_callbacks)[bad]
    client = Client()
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:mail_resend", args=[failed.pk]), {"email": "vera.ratt@example.org"})
    assert response.status_code == 302
    failed = refresh(failed)
    assert failed.state == M.SENT and failed.recipient_email == "vera.ratt@example.org"
    assert len(smtp.to("vera.ratt@example.org")) == 1
    event = CaseEvent.objects.get(case=case, action="mail_resent")
    assert event.actor == coordinator and "vera.ratt@example.org" in event.note
    page = client.get(reverse("evaluations:dashboard")).content.decode()
    assert "E-post som inte har kommit fram" not in page
    # A sent message cannot be sent again by a second click.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluations:mail_resend", args=[failed.pk]), {"email": "vera.ratt@example.org"})
    assert len(smtp.to("vera.ratt@example.org")) == 1


def test_resend_refuses_a_bad_address_and_other_roles(case, smtp, coordinator, django_capture_on_commit_callbacks):
    bad = case.evaluator.user.email
    smtp.refuse(bad, "550 5.1.1 No such user here", times=None)
    failed = tell_everyone(case, django_capture_on_commit_callbacks)[bad]
    url = reverse("evaluations:mail_resend", args=[failed.pk])
    other = Client()
    other.force_login(case.trainee)
    assert other.post(url, {"email": "x@example.org"}).status_code == 403
    client = Client()
    client.force_login(coordinator)
    response = client.post(url, {"email": "inte en adress"}, follow=True)
    assert "Ange en giltig e-postadress." in response.content.decode()
    assert refresh(failed).state == M.FAILED


def test_temporary_failures_give_up_after_the_configured_attempts(case, smtp, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.MITTIST_OUTBOX_MAX_ATTEMPTS = 3
    smtp.refuse(case.trainee.email, "421 4.7.0 Too many connections", times=None)
    with time_machine.travel(NOW, tick=False) as clock:
        row = tell_everyone(case, django_capture_on_commit_callbacks)[case.trainee.email]
        for _ in range(4):
            clock.shift(timedelta(hours=1))
            send_due()
    row = refresh(row)
    assert row.state == M.FAILED and row.attempts == 3 and "421" in row.last_error
    assert Message.objects.needing_attention().filter(pk=row.pk).exists()


# --- the server away ---------------------------------------------------------------------------------


def test_server_down_then_up_sends_everything_once(case, smtp, django_capture_on_commit_callbacks):
    smtp.stop()
    with time_machine.travel(NOW, tick=False) as clock:
        rows = tell_everyone(case, django_capture_on_commit_callbacks)
        for row in rows.values():
            row = refresh(row)
            assert row.state == M.PENDING and row.attempts == 1
            assert "ConnectionRefusedError" in row.last_error or "Errno" in row.last_error
        clock.shift(retry_delay(1))
        assert send_due() == 0  # still down: each waits longer
        assert {refresh(r).attempts for r in rows.values()} == {2}
        smtp.start()
        clock.shift(retry_delay(2))
        assert send_due() == 3
        clock.shift(timedelta(hours=1))
        assert send_due() == 0
    assert sorted(rcpt for rcpt, _m in smtp.received) == sorted(rows)
    assert all(refresh(r).state == M.SENT for r in rows.values())


# --- claimed before sent ---------------------------------------------------------------------------------


def test_a_message_is_claimed_before_it_is_sent(case, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        agree_day(case)
    row = Message.objects.get(recipient_email=case.trainee.email)
    assert send_message(row.pk) == "sent"
    assert send_message(row.pk) == "taken"  # a second worker (or the sweep) finds it taken
    assert len(smtp.to(case.trainee.email)) == 1


def test_a_message_left_mid_send_and_never_taken_back_is_shown_as_stuck(case, smtp, coordinator,
                                                                       django_capture_on_commit_callbacks):
    # The sweep takes a lapsed claim back (tests/outbox/test_lease.py); with no sweep running (no worker)
    # the row stays claimed, and once well past its lease the coordinator sees it and can send it again.
    with time_machine.travel(NOW, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=False):
            agree_day(case)
        row = Message.objects.get(recipient_email=case.trainee.email)
        # A worker claimed it and died before it could write down what happened.
        Message.objects.filter(pk=row.pk).update(state=M.SENDING, claimed_at=NOW, attempts=1)
        clock.shift(timedelta(minutes=settings.MITTIST_OUTBOX_LEASE_MINUTES + settings.MITTIST_OUTBOX_STUCK_MINUTES + 1))
        assert smtp.to(case.trainee.email) == []
        assert Message.objects.needing_attention().filter(pk=row.pk).exists()
        client = Client()
        client.force_login(coordinator)
        page = client.get(reverse("evaluations:dashboard")).content.decode()
        assert "Fastnat" in page
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("evaluations:mail_resend", args=[row.pk]), {"email": case.trainee.email})
    assert refresh(row).state == M.SENT and len(smtp.to(case.trainee.email)) == 1


# --- what is kept -------------------------------------------------------------------------------------


def test_old_sent_rows_are_pruned_and_recent_ones_kept(case, smtp, settings, django_capture_on_commit_callbacks):
    settings.MITTIST_OUTBOX_KEEP_DAYS = 30
    with time_machine.travel(NOW, tick=False) as clock:
        tell_everyone(case, django_capture_on_commit_callbacks)
        clock.shift(timedelta(days=29))
        assert prune() == 0 and Message.objects.count() == 3
        clock.shift(timedelta(days=2))
        assert prune() == 3
    assert not Message.objects.exists()


# --- every path goes through the outbox ------------------------------------------------------------------


def test_a_password_reset_mail_goes_through_the_outbox(client, make_user, django_capture_on_commit_callbacks):
    user = make_user(Role.TRAINEE, email="glomsk@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": user.email})
    row = Message.objects.get(recipient_email=user.email)
    assert row.template == "password_reset" and row.state == M.SENT and row.recipient_user == user
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [f"{user.full_name} <{user.email}>"]


def test_a_message_that_cannot_be_written_is_on_record_and_the_change_stands(case, monkeypatch,
                                                                               django_capture_on_commit_callbacks):
    def broken(*args):
        raise LookupError("template missing")

    monkeypatch.setattr(notifications, "deliver", broken)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        CaseEvent.record(case, None, "note")
        notifications.queue("practice_day_agreed", case)
    assert CaseEvent.objects.filter(case=case, action="note").exists()
    row = Message.objects.get()
    assert row.state == M.FAILED and "template missing" in row.last_error
    assert Message.objects.needing_attention().filter(pk=row.pk).exists()


def test_a_message_to_forget_leaves_no_row_once_it_is_out(smtp, db, django_capture_on_commit_callbacks):
    from mittist.mailer import Recipient, queue_mail

    farewell = Recipient(email="raderas@example.org", name="Rut Raderad")
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        queue_mail("personal_data_erased", farewell, {"office_email": settings.MITTIST_OFFICE_EMAIL},
                   forget_when_sent=True)
    # Until it is out, the row (sealed) is what keeps the message from being lost.
    assert Message.objects.get().recipient_email == "raderas@example.org"
    for callback in callbacks:
        callback()
    assert len(smtp.to("raderas@example.org")) == 1
    assert not Message.objects.exists()
