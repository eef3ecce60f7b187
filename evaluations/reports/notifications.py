"""The e-mail that carries a share link: its token reaches the worker sealed and is never stored in clear."""

from django.conf import settings
from django.urls import reverse

from mittist import crypto
from mittist.mailer import Recipient, queue_mail

from .models import ReportShare


def share_topic(share) -> str:
    return f"report_share:{share.pk}"


def deliver_share(share_id: str, sealed_token: str) -> int:
    share = ReportShare.objects.select_related("report__case__trainee").filter(pk=share_id).first()
    if share is None or not share.is_usable:
        return 0  # revoked (or the report purged) before the worker got to it
    case = share.report.case
    context = {
        "case": case,
        "share": share,
        "trainee_name": case.trainee.full_name,
        "link_url": settings.SITE_URL + reverse("reports:shared_landing", args=[crypto.decrypt(sealed_token)]),
    }
    queue_mail("report_shared", Recipient(email=share.email, name=share.name, language=case.trainee.language or "sv"),
               context, topic=share_topic(share))
    return 1
