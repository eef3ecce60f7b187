"""E-mails about a mini-CEX form, written to the outbox in the transaction of the change.

A new link or code replaces the mail with the old one if that has not gone out yet (the outbox topic), and a
link or code no longer current is not written: an e-mail never carries a link or code that no longer works.
"""

from django.conf import settings
from django.urls import reverse

from mittist import crypto
from mittist.mailer import Recipient, queue_mail

from .models import MiniCex, hash_token
from .services import code_is_current


def _assessor(form: MiniCex) -> Recipient:
    language = form.assessor_user.language if form.assessor_user_id else "sv"
    return Recipient(email=form.assessor_email, name=form.assessor_name, language=language or "sv")


def assessor_topic(form: MiniCex) -> str:
    """One topic for everything sent to the assessor about a form: a new link, code or cancellation
    replaces the one still waiting, whose link or code no longer works."""
    return f"minicex:{form.pk}:assessor"


def form_url(form: MiniCex) -> str:
    return settings.SITE_URL + reverse("minicex:detail", args=[form.pk])


def link_url(form: MiniCex, token: str) -> str:
    return settings.SITE_URL + reverse("minicex:assess_link", args=[form.pk, token])


def deliver(kind: str, form_id: str, sealed: str | None = None) -> int:
    form = MiniCex.objects.select_related("trainee", "definition", "assessor_user", "case").get(pk=form_id)
    context = {"form": form, "trainee_name": form.trainee.full_name, "form_url": form_url(form)}
    if kind == "assessment_request":
        token = crypto.decrypt(sealed)
        if form.link_token_hash != hash_token(token) or not form.link_is_live:
            return 0  # replaced, extended or cancelled before the worker got here
        queue_mail("minicex_assessment_request", _assessor(form), {**context, "link_url": link_url(form, token)},
                   topic=assessor_topic(form))
        return 1
    if kind == "assessor_code":
        code = crypto.decrypt(sealed)
        if not form.is_on_trainee_device or not code_is_current(form, code):
            return 0  # a newer code was sent, this one used or expired, or the form sent by link meanwhile
        queue_mail("minicex_assessor_code", _assessor(form), {**context, "code": code}, topic=assessor_topic(form))
        return 1
    if kind == "assessment_cancelled":
        # Replaces a request still waiting in the outbox: its link no longer works.
        queue_mail("minicex_assessment_cancelled", _assessor(form), context, topic=assessor_topic(form))
        return 1
    if kind in {"assessed", "amended"}:
        queue_mail(f"minicex_{kind}", Recipient.of(form.trainee), context)
        return 1
    raise ValueError(f"unknown mini-CEX notification {kind!r}")
