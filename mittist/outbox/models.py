"""The outbox: every e-mail the system sends is first a row here, written in the transaction of the change
that causes it (mittist/mailer.py), then sent by the worker (sending.py).

Each row has its Message-ID from the start: a message sent twice (the worker died after the server
took it) arrives twice as the same message. The message is rendered when it is written (what is true at the change) and kept sealed (encrypted, as it
may hold a capability link) until it has gone out; a sent row keeps no text and is deleted after
MITTIST_OUTBOX_KEEP_DAYS.
"""

import uuid
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_message_id() -> str:
    """A Message-ID header for a new row, made once: every delivery of the row carries it, so a second
    copy (the worker died after the server took the first) is recognisably the same message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "mittist.invalid"
    # Short (random part 32 characters), so that the header stays on one line for a usual domain.
    return f"<{uuid.uuid4().hex}@{domain}>"


class MessageQuerySet(models.QuerySet):
    def needing_attention(self, now=None):
        """Failed, or stuck: waiting long past its time, or still claimed long after its lease ran out
        (the sweep puts a lapsed claim back in line; one it has not is a sign that no worker is running).
        What the coordinator sees on the dashboard."""
        now = now or timezone.now()
        late = now - timedelta(minutes=settings.MITTIST_OUTBOX_STUCK_MINUTES)
        lapsed_long_ago = late - timedelta(minutes=settings.MITTIST_OUTBOX_LEASE_MINUTES)
        return self.filter(
            Q(state=Message.State.FAILED)
            | Q(state=Message.State.SENDING, claimed_at__lt=lapsed_long_ago)
            | Q(state=Message.State.PENDING, next_attempt_at__lt=late)
        )


class Message(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Väntar")
        SENDING = "sending", _("Skickas")
        SENT = "sent", _("Skickat")
        FAILED = "failed", _("Misslyckades")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The Message-ID header of every delivery of this message (made when the row is written).
    message_id = models.CharField(max_length=255, default=new_message_id, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    template = models.CharField(_("meddelande"), max_length=100)
    recipient_email = models.EmailField(_("mottagare"), max_length=254, blank=True)
    recipient_name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=8, default="sv")
    # The account the message is for, if any: a resend goes to its address as it is now.
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The case it is about (no foreign key: the outbox serves every app and is imported by none of them).
    case_id = models.UUIDField(null=True, blank=True, db_index=True)
    # A later message on the same topic (a new link, a moved day) replaces this one if it has not gone out yet.
    topic = models.CharField(max_length=120, blank=True, db_index=True)
    # Sealed JSON {subject, text, html, attachments}; emptied once sent.
    content = models.TextField(blank=True)
    # The row goes once the message is out: the confirmation of an erasure keeps the erased address only
    # as long as it is needed to deliver it.
    forget_when_sent = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("e-postmeddelande")
        verbose_name_plural = _("e-postmeddelanden")

    def __str__(self):
        return f"{self.template} → {self.recipient_email}"

    @property
    def subject(self) -> str:
        from .sealing import open_content

        return open_content(self.content).get("subject", "") if self.content else ""
