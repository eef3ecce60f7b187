"""The portfolio's part of the purge (the rule and the sweep are the core's: evaluations/purge.py).

Registered in PortfolioConfig.ready():
- `purge_material(case)`: deletes every row of the case's material — sections A–F (so the supervisor's
  statement too), recordings with their self-evaluations, the supervisor's links, the documents and
  the stored PDFs of the material —
  and blanks the recording events' notes on the timeline (a recording's date and kind of visit). It
  returns the documents' and PDFs' storage names and the case's document folder: replaced and removed documents
  leave old versions there on a versioned bucket, and the core deletes every one of them.
- `holds_material(case)`: whether anything the trainee wrote or uploaded is still here;
- the trainee's download before the purge: the material as one PDF with the documents, in one ZIP.
"""

import tempfile
import zipfile

from django.db import transaction
from django.db.models import Case, JSONField, Q, Value, When
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from evaluations.models import CaseEvent, Evaluation
from evaluations.personal_data import unique_name
from mittist import pdf as shared_pdf

from .models import Document, MaterialPdf, Recording, Section, SupervisorLink
from .pdf import build_package, pdf_filename, render_pdf
from .services.documents import document_storage

RECORDING_ACTIONS = ("recording_saved", "recording_removed", "self_evaluation_saved")
ZIP_IN_MEMORY = 8 * 1024 * 1024  # larger archives spill to a temporary file


def documents_folder(case: Evaluation) -> str:
    """Where portfolio.services.documents stores every document of the case."""
    return f"cases/{case.pk}/"


# A section is the trainee's once saved or locked (F's submission); before that, a section other than A (a copy
# of the registration) is theirs if anything is written in it. Its texts are read only when that is the question.
_SAVED = Q(version__gt=0) | Q(locked_at__isnull=False)
_DATA_TO_READ = Case(When(_SAVED | Q(code="A"), then=Value(None, JSONField())), default="data",
                     output_field=JSONField())


def _sections_written(case: Evaluation) -> bool:
    rows = Section.objects.filter(case=case).values_list("version", "locked_at", _DATA_TO_READ)
    for version, locked_at, data in rows:
        if version > 0 or locked_at is not None:
            return True
        if data and any(str(value).strip() for value in data.values()):
            return True
    return False


def holds_material(case: Evaluation) -> bool:
    return (
        _sections_written(case)
        or Document.objects.filter(case=case).exists()
        or Recording.objects.filter(case=case).exists()
        or SupervisorLink.objects.filter(case=case).exists()
    )


def purge_material(case: Evaluation) -> list[str]:
    """Delete the case's material from the database; return the files for the core to delete after commit."""
    names = list(Document.objects.filter(case=case).values_list("file", flat=True))
    names += [name for name in MaterialPdf.objects.filter(case=case).values_list("file", flat=True) if name]
    Document.objects.filter(case=case).delete()
    MaterialPdf.objects.filter(case=case).delete()  # the rendered PDFs of the material
    Recording.objects.filter(case=case).delete()  # their self-evaluations go with them
    SupervisorLink.objects.filter(case=case).delete()
    Section.objects.filter(case=case).delete()
    CaseEvent.objects.filter(case=case, action__in=RECORDING_ACTIONS).exclude(note="").update(note="")
    return [*names, documents_folder(case)]


# --- the trainee's download before the purge ----------------------------------------------------------


def zip_filename(case: Evaluation) -> str:
    return shared_pdf.pdf_filename("mitt-i-st-material", case.trainee.full_name, "material").removesuffix(".pdf") + ".zip"


def _entry_name(document: Document, taken: set[str]) -> str:
    name = document.original_name or f"{slugify(document.get_kind_display()) or document.kind}"
    return unique_name(name, taken, folder="dokument/")


def material_zip(case: Evaluation):
    """The material as the trainee takes it home: the PDF the evaluator read, and the documents as uploaded.

    Returns an open file positioned at its start (in memory, or a temporary file when large)."""
    package = build_package(case)
    archive_file = tempfile.SpooledTemporaryFile(max_size=ZIP_IN_MEMORY)
    missing = []
    with zipfile.ZipFile(archive_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(pdf_filename(case), render_pdf(package, today=timezone.localdate()))
        taken: set[str] = {pdf_filename(case)}
        storage = document_storage()
        for document in package.documents:
            entry = _entry_name(document, taken)
            try:
                with storage.open(document.file.name, "rb") as source:
                    data = source.read()  # whole first: a read that fails half-way leaves no broken entry
            except Exception:  # gone from the storage, or the storage is down: say so inside the archive
                missing.append(document.original_name)
                continue
            archive.writestr(entry, data)
        if missing:
            text = _("Följande dokument kunde inte hämtas just nu. Försök igen om en stund:") + "\n" + "\n".join(missing)
            archive.writestr(_("dokument-saknas.txt"), text + "\n")
    archive_file.seek(0)
    return archive_file


def record_download(case: Evaluation, by) -> None:
    from .services.common import record

    with transaction.atomic():
        record(Evaluation.objects.select_for_update().get(pk=case.pk), by, "material_downloaded")
