"""Fictional survey answers for two years (last year and this), so that the quality group's aggregates,
charts, regions and free text have something to show. Safe to run again: each year is filled up to its
planned number, never past it.

Some regions get at least MITTIST_SURVEY_MIN_GROUP answers (named in the aggregates), some fewer (counted
only in the totals), so the demo shows both.
"""

import random

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from evaluations.management.commands.seed_demo import Command as SeedDemo
from evaluations.models import Evaluation
from mittist.demo import DemoCommand
from survey.models import SCALE, SurveyDefinition, SurveyResponse
from survey.services import survey_submit

# (region, answers) per year, counted back from this year: 0 = this year, 1 = last year.
PLAN = {
    1: [("stockholm", 6), ("vastra_gotaland", 5), ("skane", 3), ("halland", 2)],
    0: [("stockholm", 5), ("uppsala", 2), ("orebro", 2)],
}
TEXTS = {
    "best": [
        "Att få återkoppling från en erfaren kollega utifrån, på min egen vårdcentral.",
        "Samtalet i slutet av dagen, där vi gick igenom min utbildningsplan tillsammans.",
        "Inspelningarna: jag såg saker i mina konsultationer som jag aldrig hade lagt märke till.",
        "Portföljen tvingade mig att tänka igenom vad jag har lärt mig hittills.",
        "Värderaren var påläst och tog mina frågor på allvar.",
        "Att handledaren och chefen var med på eftermiddagen.",
        "Medsittningen med den äldre patienten med flera kroniska sjukdomar gav mycket att prata om.",
        "Konkreta tips om hur jag kan avsluta konsultationer i tid.",
        "Bekräftelse på att jag är på rätt väg, och tydliga saker att jobba vidare med.",
        "Att hela vårdcentralen var förberedd och bokade glesare den dagen.",
        "Rapporten blev ett bra underlag för samtalet med min studierektor.",
        "Att få se min egen vardag med någon annans ögon.",
    ],
    "improve": [
        "Det var svårt att hinna med inspelningarna fyra veckor före praktikdagen.",
        "Instruktionerna för portföljen kunde vara kortare.",
        "Rapporten kom lite sent, men den var bra när den kom.",
        "Mer tid för medsittningarna och mindre för genomgången av portföljen.",
        "Tydligare besked om vad som händer med materialet efteråt.",
        "Ett exempel på en ifylld portfölj hade hjälpt.",
        "Svårt att få patienter att tacka ja till inspelning; fler tips om hur man frågar.",
        "Praktikdagen blev flyttad två gånger, det borde gå snabbare att hitta en ny dag.",
        "Självvärderingen överlappar delvis med portföljens avsnitt D.",
        "Kortare rapport med tydligare rekommendationer.",
    ],
    "other": [
        "Tack för en lärorik dag!",
        "Jag rekommenderar alla ST-kollegor att göra Mitt-i-ST i god tid.",
        "Bra att allt gick att göra på webben.",
        "Lagom tidpunkt i ST, ungefär halvvägs.",
        "Skönt att slippa skicka Word-filer fram och tillbaka.",
        "Värderarens resa gjorde att dagen blev kort; planera för det.",
    ],
}
# Mostly good experiences, some less so: a spread that makes the charts worth reading.
WEIGHTS = (1, 2, 5, 12, 10)


def planned(definition: SurveyDefinition, year: int, months: int) -> list[SurveyResponse]:
    """The year's demo answers, the same every run (seeded by the year)."""
    rng = random.Random(f"mittist-demo-survey-{year}")
    back = timezone.localdate().year - year
    # Each text once before any comes again: demo answers that repeat each other look made up.
    pools = {key: rng.sample(texts, len(texts)) for key, texts in TEXTS.items()}
    responses = []
    for region, count in PLAN[back]:
        for _n in range(count):
            answers = {}
            for item in definition.items:
                if item.get("kind", "scale") == "scale":
                    answers[item["key"]] = rng.choices(SCALE, weights=WEIGHTS)[0]
                elif rng.random() < 0.6 and pools.get(item["key"]):
                    answers[item["key"]] = pools[item["key"]].pop()
            responses.append(SurveyResponse(definition=definition, year=year, month=rng.randint(1, months),
                                            region=region, answers=answers))
    return responses


class Command(DemoCommand):
    help = "Adds fictional survey answers for last year and this year (idempotent)."

    def handle(self, *args, **options):
        definition = SurveyDefinition.current()
        if definition is None:
            raise CommandError("No survey definition: run migrate first.")
        today = timezone.localdate()
        added = 0
        with transaction.atomic():
            for year, months in ((today.year - 1, 12), (today.year, today.month)):
                wanted = planned(definition, year, months)
                have = SurveyResponse.objects.filter(year=year).count()
                missing = wanted[have:]
                SurveyResponse.objects.bulk_create(missing)
                added += len(missing)
            closed = self.close_the_demo_case(definition)
        self.stdout.write(f"Demo survey answers added: {added}" + (" (and the certified demo case closed)" if closed else ""))

    @staticmethod
    def close_the_demo_case(definition: SurveyDefinition) -> bool:
        """The demo case meant to end closed does so the way a real one does: its trainee answers."""
        case = SeedDemo.demo_case(Evaluation.State.CLOSED)
        if case is None or case.state != Evaluation.State.CERTIFIED:
            return False
        answers = {item["key"]: "4" if item.get("kind", "scale") == "scale" else "" for item in definition.items}
        survey_submit(case=case, by=case.trainee, answers=answers, definition=definition)
        return True
