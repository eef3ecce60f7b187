"""The one way the system sends e-mail.

Each message is a folder under templates/emails/<name>/ with subject.txt, body.txt and body.html;
they are rendered in the recipient's language. Sending happens in the django-q2 worker, queued once
the surrounding transaction has committed, so a rolled-back change never sends mail.
"""

from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django_q.tasks import async_task

from .context_processors import shared_context


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    language: str = "sv"

    @classmethod
    def of(cls, user) -> "Recipient":
        return cls(email=user.email, name=user.full_name, language=user.language or "sv")


def render_message(template: str, context: dict, language: str) -> tuple[str, str, str]:
    context = {"site_url": settings.SITE_URL, **shared_context(), **context}
    with translation.override(language):
        subject = render_to_string(f"emails/{template}/subject.txt", context)
        text = render_to_string(f"emails/{template}/body.txt", context)
        html = render_to_string(f"emails/{template}/body.html", context)
    # A newline in a subject is a header injection waiting to happen.
    return " ".join(subject.split()), text, html


def send_now(template: str, recipient: Recipient, context: dict, attachments=()) -> None:
    subject, text, html = render_message(template, {**context, "recipient": recipient}, recipient.language)
    # formataddr quotes names with commas or brackets ("Svensson, Anna") that would break the header.
    to = formataddr((recipient.name, recipient.email)) if recipient.name else recipient.email
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()


def queue_task_on_commit(func: str, *args) -> None:
    """Queue a background task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: async_task(func, *args))
