"""Sending the outbox (run by the django-q2 worker).

* `send_message(id)` is queued once the transaction that wrote the row commits; `send_due()` runs every
  minute and picks up every row whose time has come (retries, and rows whose first task was lost).
* Each row is claimed (pending → sending, in one conditional UPDATE) before anything is sent, so two
  workers never send it at once; it is marked sent as soon as the SMTP server has taken it.
* A claim is a lease of MITTIST_OUTBOX_LEASE_MINUTES (longer than any live send): a row still in
  "sending" after that was left by a worker that died mid-send. The sweep puts it back in line (or fails
  it once its tries are used up), in one conditional UPDATE, so two sweeps never both take it back. The
  server may have taken the message before the worker died: then it goes out twice, with the same
  Message-ID (made when the row was written), which mail systems and clients treat as one message.
  At least once, never lost.
* A temporary failure (4xx, connection refused, timeout) is tried again after a growing pause, at most
  MITTIST_OUTBOX_MAX_ATTEMPTS times; a permanent one (5xx for the recipient or the message, an address
  that cannot be written) fails at once. Each row is sent on its own: one recipient's failure never holds
  up another's.
"""

import logging
import smtplib
from datetime import timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.db.models import F
from django.utils import timezone

from .models import Message
from .sealing import open_content

logger = logging.getLogger(__name__)
M = Message.State
SEND_TASK = "mittist.outbox.sending.send_message"
SWEEP_FUNC = "mittist.outbox.sending.send_due"
PRUNE_FUNC = "mittist.outbox.sending.prune"
# The longest pause between two tries.
MAX_DELAY = timedelta(hours=1)


class PermanentFailure(Exception):
    pass


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed try, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_DELAY)


def classify(error: Exception) -> tuple[bool, str]:
    """(permanent?, what to show) for an exception raised while sending."""
    if isinstance(error, PermanentFailure):
        return True, str(error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        text = "; ".join(f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                         for code, msg in error.recipients.values())
        return all(code >= 500 for code in codes), text
    if isinstance(error, (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused)):
        # Our account or sender address: fixed on our side, then every waiting message should go.
        return False, f"{error.smtp_code} {error.smtp_error!r}"
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return error.smtp_code >= 500, f"{error.smtp_code} {message}"
    if isinstance(error, (BadHeaderError, UnicodeError)):
        return True, f"{type(error).__name__}: {error}"
    # Connection refused, timeouts, a server that hung up: try again later.
    return False, f"{type(error).__name__}: {error}"


def build(message: Message) -> EmailMultiAlternatives:
    if not message.recipient_email or not message.content:
        raise PermanentFailure("Meddelandet saknar mottagare eller text.")
    content = open_content(message.content)
    to = formataddr((message.recipient_name, message.recipient_email)) if message.recipient_name else message.recipient_email
    email = EmailMultiAlternatives(content["subject"], content["text"], settings.DEFAULT_FROM_EMAIL, [to],
                                   headers={"Message-ID": message.message_id})
    if content["html"]:
        email.attach_alternative(content["html"], "text/html")
    for filename, data, mimetype in content["attachments"]:
        email.attach(filename, data, mimetype)
    return email


def claim(message_id, now) -> bool:
    return bool(
        Message.objects.filter(pk=message_id, state=M.PENDING, next_attempt_at__lte=now).update(
            state=M.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def deliver(email: EmailMultiAlternatives, on_accepted) -> None:
    """One SMTP transaction; `on_accepted()` runs as soon as the server has taken the message, before
    the goodbye (QUIT), whose failure can no longer undo the delivery."""
    connection = get_connection()
    connection.open()
    try:
        connection.send_messages([email])  # raises on any refusal (fail_silently is off)
        on_accepted()
    finally:
        try:
            connection.close()
        except Exception:  # the message is out and recorded: a hang-up at the goodbye changes nothing
            logger.warning("Outbox: closing the SMTP connection failed", exc_info=True)


def send_message(message_id) -> str:
    """Claim one message and send it; returns what became of it."""
    now = timezone.now()
    if not claim(message_id, now):
        return "taken"  # sent, being sent by another worker, failed, or not due yet
    # Our claim: if it lapsed and another worker has the row now, what we write below touches nothing.
    mine = Message.objects.filter(pk=message_id, state=M.SENDING, claimed_at=now)
    message = Message.objects.get(pk=message_id)

    def accepted():
        if message.forget_when_sent:
            mine.delete()
        else:
            mine.update(state=M.SENT, sent_at=timezone.now(), content="", last_error="", claimed_at=None)

    try:
        deliver(build(message), accepted)
    except Exception as error:  # every failure is recorded on the row, none is lost
        permanent, text = classify(error)
        gave_up = permanent or message.attempts >= settings.MITTIST_OUTBOX_MAX_ATTEMPTS
        fields = {"last_error": text[:2000], "claimed_at": None}
        if gave_up:
            fields["state"] = M.FAILED
        else:
            fields.update(state=M.PENDING, next_attempt_at=timezone.now() + retry_delay(message.attempts))
        mine.update(**fields)
        logger.warning("E-mail %s (%s) to %s: %s %s", message.pk, message.template, message.recipient_email,
                       "failed" if gave_up else "will be tried again", text)
        return "failed" if gave_up else "retry"
    return "sent"


# What a row taken back from a dead worker says (the dashboard shows it if the row comes to need attention).
LAPSED = "Sändningen avbröts (arbetsprocessen stannade); skickas igen med samma Message-ID."


def reclaim_lapsed(now=None) -> int:
    """Rows whose claim has outlived MITTIST_OUTBOX_LEASE_MINUTES (their worker died mid-send): back in
    line at once, or failed once the tries (the lost one counted when it was claimed) are used up. Each is
    one conditional UPDATE: of two sweeps at once, only one takes a row back. The number put back."""
    now = now or timezone.now()
    lapsed = Message.objects.filter(
        state=M.SENDING, claimed_at__lt=now - timedelta(minutes=settings.MITTIST_OUTBOX_LEASE_MINUTES)
    )
    given_up = lapsed.filter(attempts__gte=settings.MITTIST_OUTBOX_MAX_ATTEMPTS).update(
        state=M.FAILED, claimed_at=None, last_error=LAPSED
    )
    back = lapsed.filter(attempts__lt=settings.MITTIST_OUTBOX_MAX_ATTEMPTS).update(
        state=M.PENDING, claimed_at=None, next_attempt_at=now, last_error=LAPSED
    )
    if given_up or back:
        logger.warning("Outbox: %d message(s) left mid-send taken back, %d failed (no tries left)", back, given_up)
    return back


def send_due(now=None) -> int:
    """Take back lapsed claims, then send every message whose time has come, each on its own; the number
    sent."""
    now = now or timezone.now()
    reclaim_lapsed(now)
    sent = 0
    due = Message.objects.filter(state=M.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at")
    for message_id in list(due.values_list("pk", flat=True)[:500]):
        try:
            sent += send_message(message_id) == "sent"
        except Exception:  # a database hiccup on one row must not stop the rest
            logger.exception("Outbox: message %s could not be handled", message_id)
    return sent


def prune(now=None) -> int:
    """Delete sent messages older than MITTIST_OUTBOX_KEEP_DAYS (they hold no text already), and failed
    ones nobody resent within MITTIST_OUTBOX_FAILED_KEEP_DAYS."""
    now = now or timezone.now()
    sent, _ = Message.objects.filter(
        state=M.SENT, sent_at__lt=now - timedelta(days=settings.MITTIST_OUTBOX_KEEP_DAYS)
    ).delete()
    failed, _ = Message.objects.filter(
        state=M.FAILED, created_at__lt=now - timedelta(days=settings.MITTIST_OUTBOX_FAILED_KEEP_DAYS)
    ).delete()
    return sent + failed


def register_outbox_schedules(sender=None, using="default", **kwargs):
    """The sweep (every minute) and the pruning (daily) as django-q2 schedules, kept by name."""
    from django_q.models import Schedule

    for name, func, schedule_type in (
        ("E-post: skicka väntande", SWEEP_FUNC, Schedule.MINUTES),
        ("E-post: rensa gamla", PRUNE_FUNC, Schedule.DAILY),
    ):
        fields = {"func": func, "schedule_type": schedule_type, "minutes": 1 if schedule_type == Schedule.MINUTES else None,
                  "repeats": -1}
        Schedule.objects.using(using).update_or_create(
            name=name, defaults=fields, create_defaults={**fields, "next_run": timezone.now()}
        )
