"""The certificate (intyg) that a trainee has completed Mitt-i-ST.

It outlives the purge: it says nothing about the report's content, only who, when, and by whom. Its
short verification code lets anyone confirm it on a public page, which shows name, date and validity
and nothing more.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import Evaluation

# Crockford's base 32: no I, L, O or U, so a code read aloud or typed from paper survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 bits: guessing is hopeless even without the rate limit


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(text: str) -> str:
    """What someone typed, as stored: upper case, grouped, with the letters people mix up mapped."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return ""
    return "-".join(cleaned[i : i + 4] for i in range(0, CODE_LENGTH, 4))


class Certificate(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="certificate",
                                verbose_name=_("ärende"))
    code = models.CharField(_("kontrollkod"), max_length=20, unique=True, default=new_code)
    # As they were when it was issued: a certificate does not change when an account does.
    trainee_name = models.CharField(_("ST-läkare"), max_length=150)
    evaluator_name = models.CharField(_("värderare"), max_length=150)
    practice_day = models.DateField(_("praktikdag"))
    issued_at = models.DateTimeField(_("utfärdat"), default=timezone.now)
    # None: issued by the system when the quality review was recorded.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("utfärdat av"),
    )
    early_reason = models.TextField(_("skäl att utfärda före kvalitetsgranskningen"), blank=True)
    revoked_at = models.DateTimeField(_("återkallat"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("återkallat av"),
    )
    revoked_reason = models.TextField(_("skäl till återkallelse"), blank=True)

    class Meta:
        verbose_name = _("intyg")
        verbose_name_plural = _("intyg")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.trainee_name} ({self.code})"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def issued_on(self):
        return timezone.localdate(self.issued_at)

    def get_verification_path(self) -> str:
        return reverse("certificates:verify_code", args=[self.code])

    @property
    def verification_url(self) -> str:
        """Where the QR code points: the public page that confirms this certificate."""
        return settings.SITE_URL + self.get_verification_path()
