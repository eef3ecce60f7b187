"""Issuing and revoking the certificate. Each is one step on the case, with its audit row and e-mail.

- the recorded quality review issues it (reports.services.review_complete calls certificate_issue_on_review
  inside its own transaction, the case already locked);
- the office may issue it earlier, once the report is delivered, with a reason (certificate_issue_early);
- the office may revoke it, with a reason (certificate_revoke). A revoked certificate stays revoked: the
  case keeps its one certificate, and the public page says since when it is not valid.

Demo data needs nothing else: a reviewed case has its certificate; an early one or a revoked one is
these two services called with the coordinator.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluations import notifications
from evaluations.models import CaseEvent, Evaluation
from evaluations.services import CaseStateError, locked_case, take_step
from mittist.text import clean_text

from .models import Certificate, new_code
from .rules import certificate_of

REFUSED = gettext_lazy("Intyget kan utfärdas när rapporten är skickad.")
REFUSED_EARLY = gettext_lazy(
    "Intyget kan utfärdas före kvalitetsgranskningen bara när rapporten är skickad och ännu inte granskad."
)
MAX_REASON_LENGTH = 2000


def _create(case: Evaluation, by, early_reason: str = "") -> Certificate:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    case=case,
                    code=new_code(),
                    trainee_name=case.trainee.full_name,
                    evaluator_name=case.evaluator.name if case.evaluator else "",
                    practice_day=case.practice_day_held_on or case.practice_day,
                    issued_at=case.certified_at or timezone.now(),
                    issued_by=by,
                    early_reason=early_reason,
                )
        except IntegrityError:
            if Certificate.objects.filter(case=case).exists():
                raise
            # A code that happened to exist already (60 bits: practically never): draw another.
    raise RuntimeError("could not draw a unique certificate code")


def _reason(reason: str, missing: str) -> str:
    reason = clean_text(reason, multiline=True).strip()
    if not reason:
        raise ValidationError({"reason": missing})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": _("Skriv högst %(max)s tecken.") % {"max": MAX_REASON_LENGTH}})
    return reason


def certificate_issue_on_review(*, case: Evaluation, by) -> Certificate:
    """Called inside the quality review's transaction (case locked): the review issues the certificate."""
    before = take_step(case, by, "issue_certificate", REFUSED, on_behalf=True)
    certificate = _create(case, None)
    CaseEvent.record(case, None, "certificate_issued", from_state=before)
    notifications.queue("certificate_issued", case)
    return certificate


def certificate_issue_early(*, case: Evaluation, by, reason: str) -> Certificate:
    """The office issues the certificate before the quality review, with a reason."""
    with transaction.atomic():
        case = locked_case(case)
        # Rights first, so that someone without them learns nothing about the case.
        if not by.has_perm("certificates.manage", case):
            raise PermissionDenied
        reason = _reason(reason, _("Skriv varför intyget utfärdas före kvalitetsgranskningen."))
        if certificate_of(case) is not None:
            raise CaseStateError(_("Intyget är redan utfärdat."))
        if not by.has_perm("certificates.issue_early", case):
            raise CaseStateError(REFUSED_EARLY)
        before = take_step(case, by, "issue_certificate", REFUSED_EARLY)
        certificate = _create(case, by, early_reason=reason)
        CaseEvent.record(case, by, "certificate_issued", from_state=before, note=reason)
        notifications.queue("certificate_issued", case)
    return certificate


def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    """The office withdraws a certificate: it can no longer be downloaded, and its code says revoked."""
    with transaction.atomic():
        case = locked_case(certificate.case)
        if not by.has_perm("certificates.manage", case):
            raise PermissionDenied
        reason = _reason(reason, _("Skriv varför intyget återkallas."))
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise CaseStateError(_("Intyget är redan återkallat."))
        certificate.revoked_at, certificate.revoked_by, certificate.revoked_reason = timezone.now(), by, reason
        certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        CaseEvent.record(case, by, "certificate_revoked", note=reason)
        notifications.queue("certificate_revoked", case)
    return certificate

