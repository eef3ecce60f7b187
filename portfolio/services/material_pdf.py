"""The material as one PDF: rendered in the worker, kept for each version of its content.

WeasyPrint needs seconds for a long package, more than a request should wait. So `material.pdf` asks
`material_pdf_for(case)`: the page the PDF is made from is rendered (cheap) and its SHA-256 names the
version; a PDF of that version already stored is served at once, otherwise one row is made and the
worker renders it (`render_material_pdf`) while the reader's page refreshes itself.

The version covers everything the PDF shows: the content (any change before submission, or after the
office reopens the material, makes another version, so a download right after a change gives the new
text), the reader's language and the printing day in the footer. A newer version replaces the older
one of the same language; the purge deletes every row and its file (portfolio/purge.py).
"""

import hashlib
import logging
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from evaluations.models import Evaluation
from mittist import pdf as shared_pdf
from mittist.mailer import queue_task_on_commit

from ..models import MaterialPdf
from ..pdf import build_package, render_html

logger = logging.getLogger(__name__)
RENDER_TASK = "portfolio.services.material_pdf.render_material_pdf"
Status = MaterialPdf.Status


def pdf_storage():
    return MaterialPdf._meta.get_field("file").storage


def storage_name(case: Evaluation, fingerprint: str) -> str:
    """In the case's folder, which the purge deletes whole (every version of every object in it). Each
    rendering its own name: two renderings of one version never overwrite or delete each other's file."""
    return f"cases/{case.pk}/material-pdf/{fingerprint}-{uuid.uuid4().hex[:8]}.pdf"


def _html(case: Evaluation, language: str, printed_on: date) -> str:
    with translation.override(language):
        return render_html(build_package(case), today=printed_on)


def _fingerprint(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


def is_stuck(pdf: MaterialPdf) -> bool:
    """Queued but not done in time: the worker is down or lost it. Shown as a failure, with a retry."""
    waited = timedelta(minutes=settings.MITTIST_MATERIAL_PDF_WAIT_MINUTES)
    return pdf.status == Status.PENDING and pdf.requested_at < timezone.now() - waited


def material_pdf_for(case: Evaluation, *, retry: bool = False) -> MaterialPdf:
    """The PDF of the material as it reads now, in the active language: ready, or asked of the worker.

    `retry` asks again for a version that failed (or waited too long). With the worker inline (tests,
    Conf.SYNC outside a transaction) the row comes back ready."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    printed_on = timezone.localdate()
    fingerprint = _fingerprint(_html(case, language, printed_on))
    pdf = MaterialPdf.objects.filter(case=case, fingerprint=fingerprint).first()
    if pdf is None:
        try:
            with transaction.atomic():
                pdf = MaterialPdf.objects.create(
                    case=case, fingerprint=fingerprint, language=language, printed_on=printed_on
                )
        except IntegrityError:  # the same version asked for by another request at the same moment
            return MaterialPdf.objects.get(case=case, fingerprint=fingerprint)
        queue_task_on_commit(RENDER_TASK, str(pdf.pk))
    elif retry and (pdf.status == Status.FAILED or is_stuck(pdf) or pdf.status == Status.READY and not _stored(pdf)):
        # Only the request that flips the row queues the task again.
        flipped = MaterialPdf.objects.filter(pk=pdf.pk, status=pdf.status, requested_at=pdf.requested_at).update(
            status=Status.PENDING, requested_at=timezone.now(), finished_at=None, file=""
        )
        if flipped:
            queue_task_on_commit(RENDER_TASK, str(pdf.pk))
    else:
        return pdf
    pdf.refresh_from_db()
    return pdf


def _stored(pdf: MaterialPdf) -> bool:
    try:
        return bool(pdf.file.name) and pdf_storage().exists(pdf.file.name)
    except Exception:  # the storage is down: not servable now
        return False


def _delete_quietly(names: list[str]) -> None:
    for name in names:
        try:
            pdf_storage().delete(name)
        except Exception:
            logger.exception("Could not delete the stored material PDF %s", name)


def render_material_pdf(pdf_id: str) -> None:
    """The worker's task: render the asked-for version and store it; a failure is kept for the reader to see."""
    pdf = MaterialPdf.objects.filter(pk=pdf_id, status=Status.PENDING).select_related("case__trainee").first()
    if pdf is None:
        return  # done already, or purged with the material
    case = pdf.case
    try:
        html = _html(case, pdf.language, pdf.printed_on)
        if _fingerprint(html) != pdf.fingerprint:
            # Changed since it was asked for: the reader's next request asks for the new version.
            MaterialPdf.objects.filter(pk=pdf.pk, status=Status.PENDING).delete()
            return
        content = shared_pdf.render_html_pdf(html)
        name = pdf_storage().save(storage_name(case, pdf.fingerprint), ContentFile(content))
    except Exception:
        logger.exception("Rendering the material PDF of case %s failed", case.pk)
        MaterialPdf.objects.filter(pk=pdf.pk, status=Status.PENDING).update(
            status=Status.FAILED, finished_at=timezone.now()
        )
        return
    with transaction.atomic():
        done = MaterialPdf.objects.filter(pk=pdf.pk, status=Status.PENDING).update(
            status=Status.READY, file=name, finished_at=timezone.now()
        )
        older = MaterialPdf.objects.filter(case=case, language=pdf.language).exclude(pk=pdf.pk).exclude(
            status=Status.PENDING
        )
        stale = [n for n in older.values_list("file", flat=True) if n]
        older.delete()
        if not done:  # purged (or asked again) while rendering: keep no file without its row
            stale.append(name)
        if stale:
            transaction.on_commit(lambda: _delete_quietly(stale))
