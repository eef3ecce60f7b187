from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mittist.mailer import write_mail


def set_password_url(user) -> str:
    from django.conf import settings

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])


def queue_set_password_mail(user, *, template: str) -> None:
    """New accounts made by the coordinator get a link to choose their own password."""
    write_mail(send_set_password_mail, str(user.pk), template)


def send_set_password_mail(user_id: str, template: str) -> None:
    from mittist.mailer import Recipient, queue_mail

    from .models import User

    user = User.objects.get(pk=user_id)
    queue_mail(template, Recipient.of(user), {"user": user, "set_password_url": set_password_url(user)})
