"""The portfolio's part of the trainee's own data (evaluations/personal_data.py runs these).

Export: every section (with the supervisor's statement once submitted) prompt by prompt, the recordings with
their self-evaluations, the documents, and as files the material's PDF and the documents as uploaded.
Erasure: the same as the purge (portfolio/purge.py), for every case of the person.
"""

from django.utils import timezone

from evaluations.extensions import ExportPart

from .models import Document, SupervisorLink
from .pdf import build_package, pdf_filename, render_pdf
from .purge import holds_material, purge_material
from .services.documents import document_storage


def _iso(value):
    return value.isoformat() if value else None


def _section(view) -> dict:
    return {
        "code": view.code,
        "title": str(view.title),
        "answers": [{"prompt": str(a.label), "answer": a.text} for a in view.answers],
        "locked_at": _iso(view.section.locked_at),
    }


def _recording(view) -> dict:
    r = view.recording
    return {
        "number": view.number,
        "recorded_on": _iso(r.recorded_on),
        "patient_age": str(r.get_age_band_display()),
        "visit_type": str(r.get_visit_type_display()),
        "consent_before": r.consent_before,
        "consent_after": r.consent_after,
        "journal_note_shared": r.journal_note_shared,
        "share_safe_reference": r.share_safe_reference,
        "self_evaluation": [{"question": a.label, "answer": a.text} for a in view.answers],
    }


def _document_file(document: Document):
    def read() -> bytes:
        with document_storage().open(document.file.name, "rb") as handle:
            return handle.read()

    return read


def export(person, cases) -> ExportPart | None:
    data, files = [], []
    for case in cases:
        if case.material_purged_at is not None or not holds_material(case):
            continue
        package = build_package(case)
        folder = f"portfolj-{case.registered_at:%Y}"
        data.append({
            "case": str(case.pk),
            "sections": [_section(v) for v in package.sections],
            "supervisor_statement": _section(package.statement) if package.statement else None,
            "recordings": [_recording(v) for v in package.recordings],
            "documents": [
                {"kind": str(d.get_kind_display()), "name": d.original_name, "uploaded_at": _iso(d.uploaded_at)}
                for d in package.documents
            ],
            "supervisor_links": [
                {"email": link.email, "created_at": _iso(link.created_at), "expires_at": _iso(link.expires_at),
                 "revoked_at": _iso(link.revoked_at)}
                for link in SupervisorLink.objects.filter(case=case).order_by("created_at")
            ],
        })
        files.append((f"{folder}/{pdf_filename(case)}",
                      lambda package=package: render_pdf(package, today=timezone.localdate())))
        files += [(f"{folder}/dokument/{d.original_name or d.kind}", _document_file(d)) for d in package.documents]
    return ExportPart(data, files) if data else None


def erase(person, cases) -> list[str]:
    names = []
    for case in cases:
        names += purge_material(case)
    return names
