"""The submitted material as one package: read on screen by the evaluator and rendered to one PDF.

`build_package` gathers everything the evaluator reads (sections A–F, documents, recordings with their
self-evaluations) in the order they read it; the reading view and the PDF template both show it.
The PDF is rendered by WeasyPrint from a self-contained HTML page: its stylesheet is inline, fonts
are the system's, and the URL fetcher refuses every resource except data: URIs, so nothing the
trainee wrote can make the renderer fetch a file or a URL.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string

from evaluations.models import Evaluation
from mittist import pdf as shared_pdf

from .models import Document, Recording, Section
from .sections import SECTION_BY_CODE, SECTIONS, Prompt, SectionDef
from .services.common import ensure_sections
from .services.recordings import question_scale

QUESTION_KEYS = ("question_1", "question_2", "question_3")
SHORT_KINDS = {"line", "date", "year", "choice"}


@dataclass
class Answer:
    prompt: Prompt
    text: str

    @property
    def label(self):
        return self.prompt.label

    @property
    def group(self):
        return self.prompt.group

    @property
    def short(self) -> bool:
        return self.prompt.kind in SHORT_KINDS

    @property
    def as_date(self) -> date | None:
        if self.prompt.kind != "date" or not self.text:
            return None
        try:
            return date.fromisoformat(self.text)
        except ValueError:
            return None


@dataclass
class SectionView:
    definition: SectionDef
    section: Section
    answers: list[Answer]
    documents: list[Document] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def title(self):
        return self.definition.title

    @property
    def all_short(self) -> bool:
        return all(a.short for a in self.answers)


@dataclass
class EvaluationAnswer:
    label: str
    kind: str
    text: str


@dataclass
class RecordingView:
    number: int
    recording: Recording
    self_evaluation: object | None
    answers: list[EvaluationAnswer]

    @property
    def evaluation_done(self) -> bool:
        return self.self_evaluation is not None and self.self_evaluation.completed_at is not None


@dataclass
class Package:
    case: Evaluation
    questions: list[Answer]
    sections: list[SectionView]
    statement: SectionView | None  # F, once the supervisor has submitted it
    recordings: list[RecordingView]
    documents: list[Document]

    @property
    def trainee_name(self) -> str:
        return self.case.trainee.full_name


def _answers(definition: SectionDef, section: Section) -> list[Answer]:
    return [Answer(p, section.answer(p.key).strip()) for p in definition.prompts]


def _scale_label(question: dict, value) -> str:
    for step in question_scale(question):
        if isinstance(step, dict) and str(step.get("value")) == str(value):
            return str(step.get("label", value))
    return str(value)


def _evaluation_answers(self_evaluation) -> list[EvaluationAnswer]:
    """The questions of the version the trainee answered, not of today's version."""
    if self_evaluation is None:
        return []
    result = []
    for question in self_evaluation.template.questions:
        value = self_evaluation.answers.get(question.get("key"), "")
        kind = question.get("kind", "text")
        text = "" if value in ("", None) else (_scale_label(question, value) if kind == "rating" else str(value))
        result.append(EvaluationAnswer(str(question.get("label", question.get("key", ""))), kind, text.strip()))
    return result


def build_package(case: Evaluation) -> Package:
    sections = ensure_sections(case)
    documents = list(Document.objects.filter(case=case).order_by("kind"))
    by_kind = {d.kind: d for d in documents}
    views = []
    statement = None
    for definition in SECTIONS:
        section = sections[definition.code]
        view = SectionView(
            definition, section, _answers(definition, section),
            [by_kind[kind] for kind, _required in definition.documents if kind in by_kind],
        )
        if definition.written_by == "supervisor":
            # The supervisor's drafts are theirs until they submit the statement.
            statement = view if section.is_locked else None
        else:
            views.append(view)
    b = sections["B"]
    questions = [Answer(SECTION_BY_CODE["B"].prompt(key), b.answer(key).strip()) for key in QUESTION_KEYS]
    recordings = []
    for number, recording in enumerate(
        Recording.objects.filter(case=case).select_related("self_evaluation__template"), start=1
    ):
        self_evaluation = getattr(recording, "self_evaluation", None)
        recordings.append(RecordingView(number, recording, self_evaluation, _evaluation_answers(self_evaluation)))
    return Package(case, questions, views, statement, recordings, documents)


def pdf_filename(case: Evaluation) -> str:
    return shared_pdf.pdf_filename("mitt-i-st", case.trainee.full_name, "material")


def render_html(package: Package, *, today: date) -> str:
    """The page the PDF is rendered from, in the active language (its SHA-256 names the PDF's version)."""
    context = {"package": package, "case": package.case, "link_base": settings.SITE_URL, "today": today}
    return render_to_string("portfolio/pdf/material.html", context)


def render_pdf(package: Package, *, today: date) -> bytes:
    return shared_pdf.render_html_pdf(render_html(package, today=today))
