"""A Mitt-i-ST case with everything the purge must remove, built through the real services.

`build_full_case` walks a case from "contact made" to "closed": proposals with comments (one declined with a
comment), every portfolio prompt answered, an education plan uploaded and replaced, a photo uploaded and
removed (so a versioned bucket keeps old versions and delete markers), two recordings with completed
self-evaluations, the supervisor's statement through the link, the day's programme with notes and a
mini-CEX on a sitting-in, the report written in every field and delivered, a share link, and a quality
review with comments. Every text the purge must remove carries a unique marker, so that a dump of the
database or a listing of the bucket can be searched for each one.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from evaluations import services as case_services
from evaluations.models import Evaluation
from evaluations.reports import services as report_services
from tests.conftest import S, close_with_survey
from tests.definitions import load_definitions
from tests.portfolio.conftest import make_pdf

DOCUMENT_FIELDS = {"education_plan", "photo"}


class Markers:
    """Unique sentences, one per field; `token` is the part that is searched for (ASCII, no spaces)."""

    def __init__(self):
        self.by_field: dict[str, str] = {}

    def __call__(self, field_name: str) -> str:
        token = f"MARK{uuid.uuid4().hex}"
        self.by_field[field_name] = token
        return f"Markörmening för {field_name}: {token} slutar här."

    @property
    def tokens(self) -> list[str]:
        return list(self.by_field.values())

    def found_in(self, text: str) -> list[str]:
        return [name for name, token in self.by_field.items() if token in text]


def marked_pdf(sentence: str) -> bytes:
    """A valid PDF with the sentence as a trailing comment, in plain bytes (a byte search finds it)."""
    return make_pdf() + b"% " + sentence.encode("utf-8") + b"\n"


def marked_png(sentence: str) -> bytes:
    import io

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", sentence.encode("ascii", "replace").decode())
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (40, 120, 90)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def upload(case, by, kind: str, name: str, content: bytes, content_type: str):
    from portfolio.services.documents import document_upload
    from portfolio.uploads import check_upload

    checked = check_upload(SimpleUploadedFile(name, content, content_type=content_type), kind)
    return document_upload(case=case, kind=kind, by=by, upload=checked)


def answer_for(prompt, marker: Markers, code: str) -> str:
    fixed = {"date": "2016-06-01", "year": "2016", "choice": "2021"}
    if prompt.kind in fixed:
        return fixed[prompt.kind]
    return marker(f"{code}.{prompt.key}")


@dataclass
class FullCase:
    case: Evaluation
    markers: Markers
    share_token: str
    pdf_bytes: bytes
    pdf_name: str
    minicex_id: object
    certificate_code: str
    stored_names: list[str] = field(default_factory=list)
    supervisor_token: str = ""


def local_noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def build_full_case(make_case, trainee, evaluator, quality, *, close: bool = True) -> FullCase:
    """From "contact made" to closed (or certified), every text marked. Runs through time: returns at the
    moment the case closed (the caller's clock is moved with time_machine)."""
    from portfolio.models import Section
    from portfolio.sections import SECTION_BY_CODE, TRAINEE_SECTIONS
    from portfolio.services import recordings as recording_services
    from portfolio.services import supervisor as supervisor_services
    from portfolio.services.common import ensure_sections
    from portfolio.services.documents import document_remove
    from portfolio.services.sections import section_save
    from portfolio.services.submission import material_submit
    from scheduling.models import ProgrammeItem
    from scheduling.services import practice_day as scheduling_services
    from scheduling.services import programme as programme_services
    from scheduling.services.minicex import programme_item_start_minicex

    load_definitions()
    mark = Markers()
    ev = evaluator.user
    case = make_case(S.CONTACT_MADE, trainee=trainee, evaluator_=evaluator)
    today = timezone.localdate()
    first_day, practice_day = today + timedelta(days=38), today + timedelta(days=40)
    while practice_day.weekday() >= 5:
        practice_day += timedelta(days=1)

    # Days proposed with comments, one set declined with a comment, the other confirmed.
    scheduling_services.practice_day_propose(case=case, by=trainee, days=[first_day], note=mark("proposal.trainee"))
    scheduling_services.practice_day_decline(case=case, by=ev, note=mark("proposal.decline"))
    proposals = scheduling_services.practice_day_propose(
        case=case, by=ev, days=[practice_day], note=mark("proposal.evaluator")
    )
    case = scheduling_services.practice_day_confirm(proposal=proposals[0], by=trainee)

    # The portfolio: every prompt of A–E, through the service the pages use.
    sections = ensure_sections(case)
    for definition in TRAINEE_SECTIONS:
        section = sections[definition.code]
        data = {p.key: answer_for(p, mark, definition.code) for p in definition.prompts}
        section_save(section=section, by=trainee, data=data, base_version=section.version, can_edit=lambda c: True)
    first_plan = upload(case, trainee, "education_plan", "plan-1.pdf", marked_pdf(mark("document.plan_v1")),
                        "application/pdf")
    stored = [first_plan.file.name]
    plan = upload(case, trainee, "education_plan", "plan.pdf", marked_pdf(mark("document.plan_v2")), "application/pdf")
    photo = upload(case, trainee, "photo", "foto.png", marked_png(mark("document.photo")), "image/png")
    stored += [plan.file.name, photo.file.name]
    document_remove(case=case, kind="photo", by=trainee)

    for number in (1, 2):
        recording = recording_services.recording_create(
            case=case, by=trainee, recorded_on=today - timedelta(days=10 + number), age_band="65-79",
            visit_type="return", consent_before=True, consent_after=True, journal_note_shared=True,
            share_safe_reference=f"SS-{number}00",
        )
        template = recording_services.SelfEvaluationTemplate.current()
        answers = {
            q["key"]: (str(recording_services.question_scale(q)[0]["value"]) if q.get("kind") == "rating"
                       else mark(f"self_evaluation.{number}.{q['key']}"))
            for q in template.questions
        }
        recording_services.self_evaluation_save(recording=recording, by=trainee, answers=answers, base_version=0,
                                                complete=True)

    link, supervisor_token = supervisor_services.supervisor_link_request(case=case, by=trainee, email="hedda@example.org")
    statement = supervisor_services.statement_section(case)
    data = {p.key: answer_for(p, mark, "F") for p in SECTION_BY_CODE["F"].prompts}
    supervisor_services.supervisor_statement_save(link=link, by=None, data=data, base_version=statement.version)
    supervisor_services.supervisor_statement_submit(link=link, by=None)
    assert Section.objects.get(case=case, code="F").is_locked

    case = material_submit(case=case, by=trainee)

    version = programme_services.programme_for(case).version
    sitting = programme_services.programme_add_item(
        case=case, by=trainee, version=version, start=time(9, 0), end=time(9, 40), kind=ProgrammeItem.Kind.SITTING_IN,
        age_band="older", urgency="planned", several_chronic=True, return_visit=False, note=mark("programme.sitting"),
    )
    version = programme_services.programme_for(case).version
    programme_services.programme_add_item(
        case=case, by=ev, version=version, start=time(12, 0), end=time(13, 0), kind=ProgrammeItem.Kind.LUNCH,
        age_band="", urgency="", several_chronic=False, return_visit=False, note=mark("programme.lunch"),
    )

    with time_machine.travel(local_noon(practice_day), tick=True):
        case = case_services.case_mark_practice_day_held(case=case, by=ev)
        form = programme_item_start_minicex(case=case, by=ev, item_id=sitting.pk)
        report = report_services.report_for(case)
        answers = {key: mark(f"report.{key}") for key in report.keys}
        report = report_services.report_save(report=report, by=ev, data=answers, base_version=report.version)
        report = report_services.report_deliver(report=report, by=ev)
        with default_storage.open(report.pdf.name, "rb") as handle:
            pdf_bytes = handle.read()
        share, token = report_services.share_create(report=report, by=trainee, kind="manager", name="Maja Chef",
                                                     email="maja.chef@example.org")
        review = report_services.review_take(case=report.case, by=quality)
        review = report_services.review_save(
            review=review, by=quality, answers={key: "yes" for key in review.checklist.keys},
            comments=mark("review.comments"), send_to_evaluator=True, base_version=review.version,
        )
        report_services.review_complete(review=review, by=quality)
        case = Evaluation.objects.get(pk=case.pk)
        if close:
            case = close_with_survey(case, trainee)
    case = Evaluation.objects.get(pk=case.pk)
    return FullCase(
        case=case, markers=mark, share_token=token, pdf_bytes=pdf_bytes, pdf_name=report.pdf.name,
        minicex_id=form.pk, certificate_code=case.certificate.code, stored_names=stored,
        supervisor_token=supervisor_token,
    )
