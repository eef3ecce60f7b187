"""What a portfolio has and lacks: the overview, the submission check and the coordinator's view."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from evaluations.models import Evaluation
from mittist.durations import durations

from .models import Document, Recording, Section, SupervisorLink
from .sections import SECTIONS, SectionDef
from .services.common import ensure_sections

MIN_RECORDINGS, MAX_RECORDINGS = 2, 4


@dataclass
class SectionStatus:
    definition: SectionDef
    section: Section
    missing: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def answered(self) -> int:
        return sum(1 for p in self.definition.prompts if self.section.answer(p.key).strip())


@dataclass
class RecordingStatus:
    recording: Recording
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems


@dataclass
class Missing:
    text: str
    url: str


@dataclass
class PortfolioStatus:
    case: Evaluation
    sections: list[SectionStatus]
    documents: dict[str, Document | None]
    recordings: list[RecordingStatus]
    supervisor_link: SupervisorLink | None
    missing: list[Missing]

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def statement_submitted(self) -> bool:
        return self.section("F").section.is_locked

    def section(self, code: str) -> SectionStatus:
        return next(s for s in self.sections if s.definition.code == code)

    @property
    def trainee_sections_complete(self) -> int:
        return sum(1 for s in self.sections if s.definition.written_by == "trainee" and s.complete)


def _recording_problems(recording: Recording, practice_day) -> list[str]:
    problems = []
    if not recording.consent_before:
        problems.append(_("samtycke före besöket saknas"))
    if not recording.consent_after:
        problems.append(_("samtycke efter besöket (och till delning med värderaren) saknas"))
    if not recording.journal_note_shared:
        # The instructions: the journal note is filmed and shared with the evaluator like the visit.
        problems.append(_("journalanteckningen är inte filmad och delad via Share Safe"))
    evaluation = getattr(recording, "self_evaluation", None)
    if evaluation is None or evaluation.completed_at is None:
        problems.append(_("video-egenvärderingen är inte klar"))
    if practice_day and recording.recorded_on > practice_day - timedelta(days=settings.MITTIST_MATERIAL_DAYS_BEFORE):
        problems.append(_("inspelad senare än %(before)s före praktikdagen") % {"before": durations["material"]})
    return problems


def portfolio_status(case: Evaluation) -> PortfolioStatus:
    sections = ensure_sections(case)
    documents = {kind: None for kind in Document.Kind.values}
    for document in Document.objects.filter(case=case):
        documents[document.kind] = document
    recordings = [
        RecordingStatus(r, _recording_problems(r, case.practice_day))
        for r in Recording.objects.filter(case=case).select_related("self_evaluation__template")
    ]
    link = SupervisorLink.objects.filter(case=case, revoked_at__isnull=True).first()
    statuses = [SectionStatus(d, sections[d.code], sections[d.code].missing_prompts()) for d in SECTIONS]

    def url(name, *args):
        return reverse(f"portfolio:{name}", args=[case.pk, *args])

    missing = []
    for status in statuses:
        if status.definition.written_by == "trainee" and status.missing:
            missing.append(Missing(
                ngettext("%(code)s %(title)s: %(n)s fråga obesvarad", "%(code)s %(title)s: %(n)s frågor obesvarade",
                         len(status.missing))
                % {"code": status.definition.code, "title": status.definition.title, "n": len(status.missing)},
                url("section", status.definition.code),
            ))
    if documents[Document.Kind.EDUCATION_PLAN] is None:
        missing.append(Missing(_("C: utbildningsplanen är inte uppladdad"), url("section", "C")))
    if not MIN_RECORDINGS <= len(recordings) <= MAX_RECORDINGS:
        missing.append(Missing(
            ngettext(
                "Inspelningar: %(n)s registrerad, %(low)s–%(high)s behövs",
                "Inspelningar: %(n)s registrerade, %(low)s–%(high)s behövs",
                len(recordings),
            ) % {"n": len(recordings), "low": MIN_RECORDINGS, "high": MAX_RECORDINGS},
            url("recordings"),
        ))
    for number, status in enumerate(recordings, start=1):
        if status.problems:
            missing.append(Missing(
                _("Inspelning %(n)s: %(problems)s") % {"n": number, "problems": ", ".join(status.problems)},
                url("recording_edit", status.recording.pk),
            ))
    return PortfolioStatus(case, statuses, documents, recordings, link, missing)


def trainee_questions(case: Evaluation) -> list[str]:
    """The trainee's three questions to the evaluator (section B), in order; the report answers each."""
    section = Section.objects.filter(case=case, code="B").first()
    if section is None:
        return []
    return [q for q in (section.answer(f"question_{n}").strip() for n in (1, 2, 3)) if q]
