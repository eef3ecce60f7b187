"""Storing and removing portfolio documents (education plan, photo).

The order keeps the database honest whatever the storage does: the new object is stored first, then
the row is written in a transaction, and the object it replaces is deleted only once that has
committed. A storage that fails leaves no row pointing at a missing object; a database that fails
leaves no stored object behind (best effort).
"""

import logging
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from evaluations.models import Evaluation

from ..models import Document
from ..uploads import CheckedUpload
from .common import PortfolioError, record

logger = logging.getLogger(__name__)


class DocumentStorageError(PortfolioError):
    """The storage (local folder or S3) could not take the file now; trying again later may work."""


def storage_error_message() -> str:
    return _("Dokumentet kunde inte sparas just nu. Försök igen om en stund.")


def document_storage():
    return Document._meta.get_field("file").storage


def storage_name(case: Evaluation, kind: str, extension: str) -> str:
    """Server-made: nothing of the user's file name reaches the storage."""
    return f"cases/{case.pk}/{kind}/{uuid.uuid4()}.{extension}"


def _delete_quietly(name: str) -> None:
    """Remove a stored object; a failure leaves an orphan to log, never an error for the user."""
    try:
        document_storage().delete(name)
    except Exception:
        logger.exception("Could not delete stored document %s", name)


def _audit_note(kind: str) -> str:
    # The timeline is shared by everyone on the case: the note is in the source language, not the user's.
    with translation.override(settings.LANGUAGE_CODE):
        return str(Document.Kind(kind).label)


def _locked_case(case: Evaluation, by) -> Evaluation:
    locked = Evaluation.objects.select_for_update().get(pk=case.pk)
    if not by.has_perm("portfolio.edit", locked):
        raise PermissionDenied
    return locked


def document_upload(*, case: Evaluation, kind: str, by, upload: CheckedUpload) -> Document:
    """Store a checked file as the case's document of `kind`, replacing any earlier one."""
    if kind not in Document.Kind.values:
        raise ValueError(kind)
    if not by.has_perm("portfolio.edit", case):
        raise PermissionDenied
    upload.file.seek(0)
    # The stored object's Content-Type is the format the content showed, not what the browser claimed.
    upload.file.content_type = upload.format.content_type
    try:
        stored = document_storage().save(storage_name(case, kind, upload.format.extension), upload.file)
    except Exception as error:  # EndpointConnectionError, ClientError, OSError, ...: all mean "not stored"
        logger.warning("Storing a %s for case %s failed: %r", kind, case.pk, error)
        raise DocumentStorageError(storage_error_message()) from error

    try:
        with transaction.atomic():
            locked = _locked_case(case, by)
            document = Document.objects.select_for_update().filter(case=locked, kind=kind).first()
            replaced = document.file.name if document is not None else None
            if document is None:
                document = Document(case=locked, kind=kind)
            document.file = stored
            document.original_name = upload.original_name
            document.content_type = upload.format.content_type
            document.size = upload.size
            document.uploaded_at = timezone.now()
            document.uploaded_by = by
            document.save()
            record(locked, by, "document_uploaded", note=_audit_note(kind))
            if replaced and replaced != stored:
                transaction.on_commit(lambda: _delete_quietly(replaced))
    except BaseException:
        _delete_quietly(stored)
        raise
    return document


def document_remove(*, case: Evaluation, kind: str, by) -> None:
    """Remove the case's document of `kind`; the stored object goes once the removal has committed."""
    with transaction.atomic():
        locked = _locked_case(case, by)
        document = Document.objects.select_for_update().filter(case=locked, kind=kind).first()
        if document is None:
            raise PortfolioError(_("Det finns inget dokument att ta bort."))
        name = document.file.name
        document.delete()
        record(locked, by, "document_removed", note=_audit_note(kind))
        transaction.on_commit(lambda: _delete_quietly(name))
