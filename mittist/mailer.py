"""The one way the system sends e-mail: through the outbox (mittist/outbox/).

Each message is a folder under templates/emails/<name>/ with subject.txt, body.txt and body.html; they
are rendered in the recipient's language. `queue_mail` renders a message and writes it to the outbox in the
caller's transaction, so a rolled-back change never sends mail and a committed one never loses it; the
django-q2 worker sends it (with retries) once the transaction commits.

Code that picks recipients and builds the context (evaluations/notifications.py and its kind) runs via
`write_mail(func, *args)`, in the transaction of the change: it sees the change as it will commit.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string
from django_q.tasks import async_task

from .context_processors import shared_context

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    language: str = "sv"
    user_id: Any = None  # the account, when the recipient has one: a resend reaches its current address

    @classmethod
    def of(cls, user) -> "Recipient":
        return cls(email=user.email, name=user.full_name, language=user.language or "sv", user_id=user.pk)


def render_message(template: str, context: dict, language: str) -> tuple[str, str, str]:
    context = {"site_url": settings.SITE_URL, **shared_context(), **context}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}/subject.txt", context)
        text = render_to_string(f"emails/{template}/body.txt", context)
        html = render_to_string(f"emails/{template}/body.html", context)
    # A newline in a subject is a header injection waiting to happen.
    return " ".join(subject.split()), text, html


def _case_id(context: dict):
    case = context.get("case")
    if case is not None and getattr(case, "_meta", None) is not None and case._meta.model_name == "evaluation":
        return case.pk
    form = context.get("form")
    return getattr(form, "case_id", None)


def queue_mail(template: str, recipient: Recipient, context: dict, attachments=(), *, topic: str = "",
               forget_when_sent: bool = False) -> None:
    """Render one message for one recipient and put it in the outbox (sent after the commit); a waiting
    message on the same `topic` is replaced by this one. `forget_when_sent`: no row is kept once it is out."""
    from mittist.outbox.services import enqueue

    subject, text, html = render_message(template, {**context, "recipient": recipient}, recipient.language)
    enqueue(
        template=template, email=recipient.email, name=recipient.name, language=recipient.language,
        user_id=recipient.user_id, case_id=_case_id(context), subject=subject, text=text, html=html,
        attachments=attachments, topic=topic, forget_when_sent=forget_when_sent,
    )


# The old name, for code written before the outbox: it too only writes to the outbox now.
send_now = queue_mail


def write_mail(func, *args) -> None:
    """Run a function that writes messages (`queue_mail`) now, in the caller's transaction.

    `func` is a callable or a dotted path (the core names satellite functions by path). If it breaks, the
    change still goes through and a failed row tells the coordinator that a message is missing."""
    from mittist.outbox.services import record_unwritable

    name = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    try:
        with transaction.atomic():
            (import_string(func) if isinstance(func, str) else func)(*args)
    except Exception as error:
        logger.exception("Could not write the e-mail of %s%r", name, args)
        record_unwritable(name.rsplit(".", 1)[-1], error)


def queue_task_on_commit(func: str, *args) -> None:
    """Queue a background task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: async_task(func, *args))
