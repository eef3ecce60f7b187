"""Writing to the outbox, and the coordinator's resend."""

import logging
import traceback

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from .models import Message
from .sealing import seal_content

logger = logging.getLogger(__name__)
M = Message.State


def _send_on_commit(message_id) -> None:
    from .sending import SEND_TASK

    transaction.on_commit(lambda: async_task(SEND_TASK, str(message_id)))


def withdraw(topic: str) -> int:
    """Take back the messages on `topic` that have not gone out (a link revoked, a day moved again)."""
    deleted, _ = Message.objects.filter(topic=topic, state=M.PENDING).delete()
    return deleted


def enqueue(*, template: str, email: str, name: str = "", language: str = "sv", user_id=None, case_id=None,
            subject: str, text: str, html: str, attachments=(), topic: str = "",
            forget_when_sent: bool = False) -> Message:
    """One message as a row, in the caller's transaction; the worker sends it once that commits.

    With a topic, a message on it that is still waiting is replaced: an e-mail never carries a link or
    a day that a later change has already replaced. `forget_when_sent`: the row is deleted once the
    message is out (it is all that is left of an erased person)."""
    if topic:
        withdraw(topic)
    message = Message.objects.create(
        template=template, recipient_email=email, recipient_name=name, language=language, recipient_user_id=user_id,
        case_id=case_id, content=seal_content(subject, text, html, attachments), topic=topic,
        forget_when_sent=forget_when_sent,
    )
    _send_on_commit(message.pk)
    return message


def record_unwritable(template: str, error: Exception, *, case_id=None) -> Message:
    """A message that could not even be written (a broken template, say): on record as failed, so the
    coordinator sees that someone was not told, instead of it vanishing in a log."""
    summary = "".join(traceback.format_exception_only(type(error), error)).strip()
    return Message.objects.create(template=template, case_id=case_id, state=M.FAILED, last_error=summary[:2000])


def can_resend(message: Message, now=None) -> bool:
    if not message.recipient_email or not message.content:
        return False
    return Message.objects.needing_attention(now).filter(pk=message.pk).exists()


def resend(*, message: Message, email: str) -> Message:
    """Send a failed or stuck message again, to `email` (the coordinator may have corrected it)."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Ange en giltig e-postadress.")}) from None
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if not can_resend(message):
            raise ValidationError(_("Meddelandet kan inte skickas igen: det har redan skickats eller väntar på sin tur."))
        message.recipient_email = email
        message.state = M.PENDING
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.claimed_at = None
        message.last_error = ""
        message.save()
        _send_on_commit(message.pk)
    return message
