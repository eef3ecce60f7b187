"""Fictional portfolio content for the demo cases (run after seed_demo). Safe to run again.

Cases whose material is submitted get a complete package, so the evaluator's reading view and PDF
show something; the demo trainee's own case gets a portfolio in progress.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from evaluations.models import Evaluation
from mittist.demo import DemoCommand
from portfolio.models import Document, Recording, SelfEvaluation, SelfEvaluationTemplate
from portfolio.sections import SECTIONS
from portfolio.services.common import ensure_sections
from portfolio.services.documents import storage_name

# The smallest well-formed PDF: enough for the type check and for a download to open.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
SAMPLE = (
    "Det här är fiktiv exempeltext för demonstrationen. Under randningen på medicinkliniken lärde jag mig "
    "mycket om att prioritera, och på vårdcentralen har jag fått ta ansvar för en egen patientlista."
)
QUESTIONS = {
    "question_1": "Hur hittar jag balansen mellan kontinuitet och tillgänglighet?",
    "question_2": "Hur kan jag bli bättre på att avsluta konsultationer i tid?",
    "question_3": "Vilka kurser bör jag prioritera under resten av ST?",
}


class Command(DemoCommand):
    help = "Fills fictional portfolio content into the demo cases (idempotent)."

    def handle(self, *args, **options):
        submitted = Evaluation.objects.filter(material_submitted_at__isnull=False)
        filled = 0
        with transaction.atomic():
            for case in submitted:
                if not Recording.objects.filter(case=case).exists():
                    self.fill(case, complete=True)
                    filled += 1
            own = Evaluation.objects.filter(trainee__email="st-lakare@example.org").first()
            if own and not any(s.data.get("background") for s in ensure_sections(own).values()):
                self.fill(own, complete=False)
                filled += 1
        self.stdout.write(f"Demo portfolios filled: {filled}")

    def fill(self, case: Evaluation, *, complete: bool) -> None:
        sections = ensure_sections(case)
        for definition in SECTIONS:
            if not complete and definition.code not in {"A", "B"}:
                continue
            section = sections[definition.code]
            answers = dict(section.data)
            for prompt in definition.prompts:
                if answers.get(prompt.key):
                    continue
                answers[prompt.key] = QUESTIONS.get(prompt.key) or self.answer(prompt)
                if not complete and prompt.key == "question_2":
                    break
            section.data = answers
            section.version += 1
            section.updated_at = timezone.now()
            if definition.code == "F" and complete:
                section.locked_at = timezone.now()
            section.save()
        if not complete:
            return
        name = storage_name(case, Document.Kind.EDUCATION_PLAN, "pdf")
        stored = Document.file.field.storage.save(name, ContentFile(DEMO_PDF))
        Document.objects.create(
            case=case, kind=Document.Kind.EDUCATION_PLAN, file=stored, original_name="utbildningsplan.pdf",
            content_type="application/pdf", size=len(DEMO_PDF),
        )
        template = SelfEvaluationTemplate.current()
        day = (case.practice_day or timezone.localdate()) - timedelta(days=40)
        for n, (age, visit) in enumerate([("65-79", "planned"), ("0-17", "acute")], start=1):
            recording = Recording.objects.create(
                case=case, recorded_on=day + timedelta(days=n), age_band=age, visit_type=visit,
                consent_before=True, consent_after=True, journal_note_shared=True, share_safe_reference=f"DEMO-{n}",
            )
            if template:
                answers = {
                    q["key"]: (3 if q.get("kind") == "rating" else "Fiktivt exempelsvar.") for q in template.questions
                }
                SelfEvaluation.objects.create(
                    recording=recording, template=template, answers=answers, completed_at=timezone.now()
                )

    @staticmethod
    def answer(prompt) -> str:
        if prompt.kind == "year":
            return "2019"
        if prompt.kind == "date":
            return "2019-06-14"
        if prompt.kind == "choice":
            return prompt.choices[-1][0]
        if prompt.kind == "line":
            return "Exempelvägen 1, 000 00 Exempelstad"
        return SAMPLE
