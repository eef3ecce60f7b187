"""Issuing and revoking the certificate. Each is one step on the case, with its audit row and e-mail."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import notifications
from evaluations.models import CaseEvent, Evaluation
from evaluations.services import locked_case, take_step
from mittist.text import clean_text

from .models import Certificate, new_code

REFUSED = _("Intyget kan utfärdas när rapporten är skickad.")


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


def certificate_issue_on_review(*, case: Evaluation, by) -> Certificate:
    """Called inside the quality review's transaction (case locked): the review issues the certificate."""
    before = take_step(case, by, "issue_certificate", REFUSED, on_behalf=True)
    certificate = _create(case, None)
    CaseEvent.record(case, None, "certificate_issued", from_state=before)
    notifications.queue("certificate_issued", case)
    return certificate


def certificate_issue_early(*, case: Evaluation, by, reason: str) -> Certificate:
    """The office issues the certificate before the quality review, with a reason."""
    reason = clean_text(reason, multiline=True)
    if not reason.strip():
        raise ValidationError({"reason": _("Ange varför intyget utfärdas före kvalitetsgranskningen.")})
    with transaction.atomic():
        case = locked_case(case)
        before = take_step(case, by, "issue_certificate", REFUSED)
        certificate = _create(case, by, early_reason=reason)
        CaseEvent.record(case, by, "certificate_issued", from_state=before, note=reason)
        notifications.queue("certificate_issued", case)
    return certificate


def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    reason = clean_text(reason, multiline=True)
    if not reason.strip():
        raise ValidationError({"reason": _("Ange varför intyget återkallas.")})
    with transaction.atomic():
        case = locked_case(certificate.case)
        if not by.has_perm("certificates.revoke", case):
            raise PermissionDenied
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise ValidationError(_("Intyget är redan återkallat."))
        certificate.revoked_at, certificate.revoked_by, certificate.revoked_reason = timezone.now(), by, reason
        certificate.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        CaseEvent.record(case, by, "certificate_revoked", note=reason)
        notifications.queue("certificate_revoked", case)
    return certificate
