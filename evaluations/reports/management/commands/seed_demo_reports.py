"""Fictional reports for the demo cases past the practice day: written, sent, reviewed, certified, shared.

Run after seed_demo and seed_demo_portfolio (the report answers the trainee's questions from section B).
Goes through the real services, PDF included; e-mails to the fictional people are not sent. Idempotent:
a case that already has its report delivered is left alone."""

from unittest import mock

from django.contrib.auth import get_user_model
from django.db import transaction

from evaluations import notifications
from evaluations.management.commands.seed_demo import Command as SeedDemo
from evaluations.models import Evaluation
from evaluations.reports import services
from evaluations.reports.models import QualityReview, ReportShare
from mittist.demo import DemoCommand

S = Evaluation.State

TEXTS = {
    "summary": (
        "Praktikdagen var väl förberedd. Förmiddagen ägnades åt fem bokade besök och två akuta, eftermiddagen "
        "åt telefonrådgivning, ett hembesök och samtal om portföljen. ST-läkaren arbetar lugnt och strukturerat "
        "och har god kontakt med patienterna."
    ),
    "observations": (
        "Vid medsittningarna tog ST-läkaren en fokuserad anamnes och förklarade sina bedömningar begripligt. "
        "Vid ett besök med bröstsmärta hade en tydligare sammanfattning för patienten hjälpt. Dagens två "
        "mini-CEX visar samma bild."
    ),
    "material": (
        "Portföljen är genomarbetad. Reflektionerna i avsnitt C och D är ärliga och konkreta. De inspelade "
        "konsultationerna visar god patientcentrering; egenvärderingarna stämmer väl med det jag såg."
    ),
    "strengths": "Patientcentrerat förhållningssätt, strukturerad journalföring och gott samarbete med teamet.",
    "development": (
        "Att avsluta konsultationer med en tydlig plan och säkerhetsnät, och att oftare använda "
        "beslutsstöd vid multisjuklighet."
    ),
    "recommendations": (
        "Planera in en randning på geriatrisk mottagning under nästa år och en kurs i konsultationsmetodik. "
        "Ta upp säkerhetsnät i handledningen varannan vecka och för in det i utbildningsplanen."
    ),
    "questions_1": "Ja, det är rimligt i den här fasen. Välj ett område i taget och följ upp det i handledningen.",
    "questions_2": "Boka en gemensam genomgång med handledaren av tre journalanteckningar per månad.",
    "questions_3": "Ta kontakt med studierektorn om kursen i höst; det finns platser kvar.",
    "other": "Tack för en lärorik dag!",
}
COMMENTS = "Tydlig och konkret rapport. Svaret på fråga 2 kunde gärna ha kopplats till utbildningsplanen."


class Command(DemoCommand):
    help = "Writes, sends and reviews fictional reports for the demo cases past the practice day (idempotent)."

    def handle(self, *args, **options):
        done = 0
        # Fictional people: their e-mails would only flood the console.
        with mock.patch.object(notifications, "queue"), mock.patch.object(services, "write_mail"):
            for target in (S.REPORT_DELIVERED, S.QUALITY_REVIEWED, S.CERTIFIED, S.CLOSED):
                case = SeedDemo.demo_case(target)
                if case is None or case.state != S.PRACTICE_DAY_HELD:
                    continue
                with transaction.atomic():
                    self.advance(case, target)
                done += 1
        self.stdout.write(f"Demo reports written: {done}")

    def advance(self, case: Evaluation, target) -> None:
        evaluator = case.evaluator.user
        quality = get_user_model().objects.get(email="kvalitet@example.org")
        report = services.report_for(case)
        answers = {key: TEXTS.get(key, "") for key in report.keys}
        report = services.report_save(report=report, by=evaluator, data=answers, base_version=report.version)
        services.report_deliver(report=report, by=evaluator)
        if target == S.REPORT_DELIVERED:
            return
        review = services.review_take(case=case, by=quality)
        checklist = list(review.checklist.keys)
        if target == S.QUALITY_REVIEWED:
            # Taken and half answered: what the quality group's queue shows as "påbörjad".
            services.review_save(
                review=review, by=quality, answers={key: QualityReview.Answer.YES for key in checklist[:2]},
                comments=COMMENTS, send_to_evaluator=False, base_version=review.version,
            )
            return
        review = services.review_save(
            review=review, by=quality, answers={key: QualityReview.Answer.YES for key in checklist},
            comments=COMMENTS, send_to_evaluator=True, base_version=review.version,
        )
        services.review_complete(review=review, by=quality)
        report.refresh_from_db()
        services.share_create(
            report=report, by=case.trainee, kind=ReportShare.Kind.SUPERVISOR, name=case.supervisor_name,
            email=case.supervisor_email,
        )
