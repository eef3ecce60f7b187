"""The trainee's own data (GDPR art. 15 and 20) and its erasure (art. 17). Issue 11, point 9.

- **Export.** The trainee downloads everything held about them as one ZIP: `data.json` (the account, every
  case with its dates and timeline, who read the material, and each app's part) and the PDFs and files
  (the material as the evaluator read it, the uploaded documents, the report, the certificate). Each app
  contributes its part through `register_data_exporter` (evaluations/extensions.py); the core knows none of
  them. The ZIP is streamed: each file is made and sent in turn, nothing is kept on the server.
- **Erasure.** The trainee asks for it on "Mina uppgifter"; the office carries it out on the case page once
  every Mitt-i-ST of theirs has ended (closed, withdrawn or rejected). Each app's eraser deletes what it
  holds of the person; the core's (last) leaves the case as an anonymous tombstone for SFAM's statistics
  (state, dates, region, curriculum, the evaluator) and anonymises and deactivates the account:
  no name, e-mail, phone, personnummer, workplace, contacts or free text stays. Files go after the commit,
  like the purge's (evaluations/purge.py).

Both are on the cases' audit trail ("personal_data_exported", "erasure_requested", "personal_data_erased").
"""

import json
import logging
import uuid
import zipfile

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mittist.mailer import Recipient, queue_mail, write_mail

from . import notifications
from .extensions import ExportPart, registry
from .models import CaseEvent, Evaluation, ReadEvent
from .purge import queue_files
from .services import CaseStateError

logger = logging.getLogger(__name__)

ERASED_NAME = "Raderad ST-läkare"
ERASED_DOMAIN = "raderad.invalid"


def cases_of(person):
    return Evaluation.objects.filter(trainee=person).select_related("evaluator__user").order_by("registered_at")


def iso(value) -> str | None:
    return value.isoformat() if value else None


# --- export -------------------------------------------------------------------------------------------


def _case_data(case: Evaluation) -> dict:
    from .readlog import read_kind_label, reader_name

    return {
        "id": str(case.pk),
        "state": str(case.get_state_display()),
        "personnummer": case.personnummer_clear() if case.personnummer_encrypted else "",
        "workplace": case.workplace,
        "workplace_address": case.workplace_address,
        "region": case.get_region_display() if case.region else "",
        "curriculum": str(case.get_curriculum_display()) if case.curriculum else "",
        "st_start": iso(case.st_start),
        "st_planned_end": iso(case.st_planned_end),
        "supervisor_name": case.supervisor_name,
        "supervisor_email": case.supervisor_email,
        "director_of_studies": case.director_of_studies,
        "manager_name": case.manager_name,
        "manager_profession": case.manager_profession,
        "invoicing_address": case.invoicing_address,
        "evaluator": case.evaluator.name if case.evaluator else "",
        "registered_at": iso(case.registered_at),
        "registration_accepted_at": iso(case.registration_accepted_at),
        "contact_made_on": iso(case.contact_made_on),
        "practice_day": iso(case.practice_day),
        "material_submitted_at": iso(case.material_submitted_at),
        "practice_day_held_on": iso(case.practice_day_held_on),
        "report_delivered_at": iso(case.report_delivered_at),
        "quality_reviewed_at": iso(case.quality_reviewed_at),
        "certified_at": iso(case.certified_at),
        "closed_at": iso(case.closed_at),
        "ended_reason": case.ended_reason,
        "material_purged_at": iso(case.material_purged_at),
        "erasure_requested_at": iso(case.erasure_requested_at),
        # The timeline as the trainee's case page shows it: what happened and when (the office's notes stay
        # out, as on the page; they are about the office's work, not about the trainee).
        "timeline": [
            {"at": iso(e.at), "event": str(e.label), "state": e.to_state_label() and str(e.to_state_label())}
            for e in case.events.all().order_by("at", "id")
        ],
        "read_by_others": [
            {"first_at": iso(r.at), "last_at": iso(r.last_at), "count": r.count, "reader": reader_name(r),
             "what": str(read_kind_label(r.what)), "detail": r.detail}
            for r in ReadEvent.objects.filter(case=case).select_related("reader").order_by("at", "id")
        ],
    }


def core_exporter(person, cases) -> ExportPart:
    account = {
        "name": person.full_name,
        "email": person.email,
        "phone": person.phone,
        "language": person.language,
        "role": str(person.get_role_display()),
        "account_created": iso(person.date_joined),
        "last_login": iso(person.last_login),
    }
    return ExportPart({"account": account, "cases": [_case_data(c) for c in cases]})


def collect_export(person) -> tuple[dict, list[tuple[str, object]]]:
    """data.json's content and the files to add, from every registered app. Runs before the first byte is
    sent, so that a failure here is an error page, not a broken download."""
    cases = list(cases_of(person))
    data = {
        "exported_at": iso(timezone.now()),
        "system": "Mitt-i-ST, Svensk förening för allmänmedicin (SFAM)",
        "person": str(person.pk),
    }
    files = []
    for exporter in registry.data_exporters:
        part = exporter.export(person, cases)
        if part is None:
            continue
        data[exporter.key] = part.data
        files += part.files
    return data, files


def _readme() -> str:
    return "\n".join([
        _("Dina uppgifter i Mitt-i-ST"),
        "",
        _("data.json: allt som finns sparat om dig i Mitt-i-ST, i ett maskinläsbart format (JSON): kontot, "
          "ärendena med datum och händelser, vem som har läst ditt material, portföljen, inspelningarna, "
          "praktikdagen, rapporten, intyget och dina mini-CEX."),
        _("Övriga filer: materialet som PDF (så som värderaren läste det), dina uppladdade dokument, rapporten "
          "och intyget som PDF, så länge de finns kvar hos SFAM."),
        "",
        _("Utvärderingens svar sparas utan koppling till dig och kan därför inte tas med."),
        "",
    ])


class _Sink:
    """A write-only file for ZipFile: what is written is taken out in chunks and sent on (ZipFile writes
    a stream without seeking when the file cannot tell its position)."""

    def __init__(self):
        self.buffer = bytearray()

    def write(self, data) -> int:
        self.buffer += data
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        chunk = bytes(self.buffer)
        self.buffer.clear()
        return chunk


def unique_name(name: str, taken: set[str], folder: str = "") -> str:
    """`folder` + `name` as a ZIP entry not yet in `taken` (and now in it): a repeated name gets " (2)", " (3)"…
    before its extension."""
    candidate, number = folder + name, 2
    while candidate in taken:
        stem, dot, ext = name.rpartition(".")
        candidate = folder + (f"{stem} ({number}).{ext}" if dot and stem else f"{name} ({number})")
        number += 1
    taken.add(candidate)
    return candidate


def stream_zip(data: dict, files):
    """Yields the ZIP in chunks: the readme and data.json first, then each file as it is made."""
    sink = _Sink()
    missing = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_("LASMIG.txt"), _readme())
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        yield sink.take()
        taken = {"data.json"}
        for name, make in files:
            try:
                content = make()
            except Exception:  # a storage that is down, a file gone: said inside the archive, the rest goes on
                logger.exception("Personal data export: could not add %s", name)
                missing.append(name)
                continue
            archive.writestr(unique_name(name, taken), content)
            yield sink.take()
        if missing:
            text = _("Följande filer kunde inte hämtas just nu. Försök igen om en stund:") + "\n" + "\n".join(missing)
            archive.writestr(_("filer-saknas.txt"), text + "\n")
    yield sink.take()


def export_filename(person) -> str:
    from mittist.pdf import pdf_filename

    return pdf_filename("mina-uppgifter-mitt-i-st", person.full_name, "uppgifter").removesuffix(".pdf") + ".zip"


def record_export(*, person, by) -> None:
    """The audit row: one on each of the person's cases."""
    if by.pk != person.pk or not by.has_perm("evaluations.export_own_data"):
        raise PermissionDenied
    with transaction.atomic():
        for case in Evaluation.objects.select_for_update().filter(trainee=person):
            CaseEvent.record(case, by, "personal_data_exported")


# --- erasure ------------------------------------------------------------------------------------------


def erasure_request(*, case: Evaluation, by) -> Evaluation:
    """The trainee asks the office to erase their data: noted on the case, the office gets an e-mail."""
    with transaction.atomic():
        case = Evaluation.objects.select_for_update().get(pk=case.pk)
        if not by.has_perm("evaluations.request_erasure", case):
            raise PermissionDenied
        if case.erasure_requested_at is not None:
            return case
        # The request is about the person: every case of theirs shows it to the office.
        now = timezone.now()
        for each in Evaluation.objects.select_for_update().filter(trainee_id=case.trainee_id, erased_at__isnull=True,
                                                                  erasure_requested_at__isnull=True):
            Evaluation.objects.filter(pk=each.pk).update(erasure_requested_at=now)
            each.erasure_requested_at = now
            CaseEvent.record(each, by, "erasure_requested")
        notifications.queue("erasure_requested", case)
    return Evaluation.objects.get(pk=case.pk)


def erasure_blocker(case: Evaluation) -> str:
    """Why the person's data cannot be erased now, or "" when it can."""
    if case.erased_at is not None:
        return _("Personuppgifterna är redan raderade.")
    running = Evaluation.objects.filter(trainee_id=case.trainee_id).exclude(state__in=Evaluation.ENDED_STATES)
    if running.exists():
        return _("ST-läkaren har en Mitt-i-ST som pågår. Personuppgifterna kan raderas först när alla hennes eller "
                 "hans ärenden är avslutade, avbrutna eller avvisade.")
    return ""


def personal_data_erase(*, case: Evaluation, by) -> Evaluation:
    """Erase everything about the case's trainee (all their cases, their account and their mini-CEX)."""
    person = case.trainee
    with transaction.atomic():
        cases = list(Evaluation.objects.select_for_update().filter(trainee_id=person.pk).order_by("registered_at"))
        case = next(c for c in cases if c.pk == case.pk)
        if not by.has_perm("evaluations.erase_personal_data", case):
            raise PermissionDenied
        blocker = erasure_blocker(case)
        if blocker:
            raise CaseStateError(blocker)
        # The address goes now: the confirmation is the last mail to it. No link to the account, which is
        # anonymised below (a resend must reach the address the person had, not the erased one).
        farewell = Recipient(email=person.email, name=person.full_name, language=person.language or "sv")
        names = []
        for eraser in registry.data_erasers:
            names += list(eraser.erase(person, cases) or [])
        queue_files(case, names)
        for each in cases:
            CaseEvent.record(each, by, "personal_data_erased")
        # Written after the erasers (the outbox's would take it) and with the erasure; its row is deleted once
        # it is out, and until then its text is sealed.
        write_mail(_write_erased, farewell)
    return Evaluation.objects.get(pk=case.pk)


def _write_erased(recipient: Recipient) -> None:
    queue_mail("personal_data_erased", recipient, {"office_email": settings.MITTIST_OFFICE_EMAIL},
               forget_when_sent=True)


def core_eraser(person, cases) -> list[str]:
    """Last of the erasers: the cases become tombstones, the account an anonymous, inactive one."""
    now = timezone.now()
    for case in cases:
        Evaluation.objects.filter(pk=case.pk).update(
            personnummer_encrypted="", personnummer_hash="", personnummer_masked="",
            workplace="", workplace_address="", supervisor_name="", supervisor_email="", director_of_studies="", manager_name="",
            manager_profession="", invoicing_address="", ended_reason="", hold_reason="",
            assignment_override_reason="", erased_at=now,
        )
        CaseEvent.objects.filter(case=case).exclude(note="").update(note="")
        ReadEvent.objects.filter(case=case).delete()
    old_email = person.email
    person.full_name = ERASED_NAME
    person.email = f"raderad-{uuid.uuid4().hex}@{ERASED_DOMAIN}"
    person.phone = ""
    person.is_active = False
    person.set_unusable_password()
    person.save(update_fields=["full_name", "email", "phone", "is_active", "password"])
    person.groups.clear()
    person.user_permissions.clear()
    _forget_elsewhere(person, old_email, cases)
    return []


def _forget_elsewhere(person, old_email: str, cases) -> None:
    """The name and address also sit in the sign-in log (django-axes) and the admin's history."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=old_email).delete()
    for obj_model, ids in ((type(person), [person.pk]), (Evaluation, [c.pk for c in cases])):
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj_model), object_id__in=[str(i) for i in ids]
        ).update(object_repr="–", change_message="")


# --- the case page's card -----------------------------------------------------------------------------


def erasure_panel_context(request, case) -> dict | None:
    user = request.user
    is_office = user.has_perm("evaluations.manage_case", case)
    is_trainee = user.has_perm("evaluations.act_as_trainee", case)
    if not (is_office or is_trainee):
        return None
    if is_office and not (case.erasure_requested_at or case.erased_at or case.is_ended):
        return None  # nothing to do or to say while the case runs and nobody asked
    return {
        "case": case,
        "is_office": is_office,
        "is_trainee": is_trainee,
        "can_erase": user.has_perm("evaluations.erase_personal_data", case),
        "blocker": erasure_blocker(case) if is_office else "",
        "my_data_url": reverse("evaluations:my_data"),
    }
