"""Fictional mini-CEX forms for the demo (run after seed_demo). Safe to run again.

The demo ST doctor gets a training profile and forms across their last two training years, rated a
little better each time, so the progress charts and the yearly counts have something to show; one
form waits for an assessor's e-mail link, one is a draft. A BT doctor at 50 % gets two BT forms.
Everything goes through the services, as a real form would; no e-mail is sent while loading.
"""

from datetime import date, datetime, time, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from evaluations.minicex import services
from evaluations.minicex.models import NOT_OBSERVED, MiniCex, MiniCexEvent, TrainingProfile, new_token
from evaluations.minicex.selectors import add_years
from mittist.accounts.models import Role
from mittist.demo import DemoCommand

User = get_user_model()
PASSWORD = "mittist-demo"  # as seed_demo
ST_EMAIL = "st-lakare@example.org"
BT_EMAIL = "bt-lakare@example.org"
BT_NAME = "Bruno Basström"
NA = NOT_OBSERVED

ASSESSORS = [
    ("Greta Granskare", "greta.granskare@example.org"),
    ("Bengt Bedömarsson", "bengt.bedomarsson@example.org"),
    ("Hedda Handledare", "hedda.handledare@example.org"),
]
# (days after the start of the training year, year offset: -1 = last year, 0 = this year, ratings)
ST_FORMS = [
    (40, -1, {"anamnes": 2, "status": 2, "bemotande": 3, "radgivning": 1, "organisation": 2}),
    (150, -1, {"anamnes": 3, "status": 2, "bemotande": 3, "radgivning": 2, "organisation": NA}),
    (290, -1, {"anamnes": 3, "status": 3, "bemotande": 4, "radgivning": 2, "organisation": 3}),
    (30, 0, {"anamnes": 4, "status": 3, "bemotande": 4, "radgivning": 3, "organisation": 3}),
    (100, 0, {"anamnes": 4, "status": 4, "bemotande": 5, "radgivning": NA, "organisation": 4}),
]
CONTEXTS = [
    ("Vårdcentral, akut tid: kvinna 34 år med halsont och feber", "easy", ["anamnes", "status"], ["STb1"]),
    ("Vårdcentral, uppföljning av diabetes typ 2 hos man 67 år", "medium", ["anamnes", "behandling"], ["STb2"]),
    ("Hembesök: kvinna 88 år i palliativt skede", "hard", ["radgivning", "behandling"], ["STb5", "STa4"]),
    ("Telefonrådgivning följd av besök: barn 3 år med hosta", "medium", ["anamnes", "radgivning"], ["STb1"]),
    ("Vårdcentral: man 52 år med bröstsmärta vid ansträngning", "hard", ["anamnes", "status", "diagnos"], ["STa6"]),
]
BT_FORMS = [
    (60, {"anamnes": 2, "status": 2, "bemotande": 3, "radgivning": NA, "organisation": 2}),
    (150, {"anamnes": 3, "status": 3, "bemotande": 3, "radgivning": 2, "organisation": 3}),
]


class Command(DemoCommand):
    help = "Adds fictional mini-CEX forms to the demo users (idempotent; run after seed_demo)."

    def handle(self, *args, **options):
        trainee = User.objects.filter(email=ST_EMAIL).first()
        if trainee is None:
            self.stdout.write("Run seed_demo first: the demo ST doctor is missing.")
            return
        today = timezone.localdate()
        # Demo people are fictional: their assessment links and receipts would only flood the console.
        with transaction.atomic(), mock.patch.object(services, "write_mail"):
            made = 0
            if not MiniCex.objects.filter(trainee=trainee).exists():
                made += self.st_forms(trainee, today)
            bt = self.bt_doctor(today)
            if not MiniCex.objects.filter(trainee=bt).exists():
                made += self.bt_forms(bt, today)
        self.stdout.write(f"Demo mini-CEX forms added: {made}")

    # --- the ST doctor ------------------------------------------------------------------------------

    def st_forms(self, trainee, today: date) -> int:
        # The current training year began about five months ago, so last year is complete.
        start = add_years(today - timedelta(days=150), -1)
        TrainingProfile.objects.update_or_create(
            user=trainee, defaults={"programme": "st", "curriculum": "2021", "training_start": start,
                                    "part_time_percent": 100}
        )
        definition = services.current_definition("st")
        this_year = add_years(start, 1)
        for i, ((offset, year, ratings), (context, difficulty, focus, goals)) in enumerate(
            zip(ST_FORMS, CONTEXTS, strict=True)
        ):
            day = (this_year if year == 0 else start) + timedelta(days=offset)
            form = self.create(trainee, definition, day, i, context=context, focus=focus, goals=goals)
            self.assess(form, ratings, difficulty, i)
            self.complete(form, i)
        latest = self.create(trainee, definition, today - timedelta(days=6), 3, context="Vårdcentral: ångest hos student")
        self.assess(latest, {"anamnes": 4, "status": NA, "bemotande": 4, "radgivning": 4, "organisation": 4}, "medium", 3)
        waiting = self.create(trainee, definition, today - timedelta(days=2), 4, context="Vårdcentral: yrsel hos man 74 år")
        services.minicex_send_link(form=waiting, by=trainee)
        self.create(trainee, definition, today, 5, context="Vårdcentral: ryggvärk, förstabesök")
        return 8

    # --- the BT doctor ------------------------------------------------------------------------------

    def bt_doctor(self, today: date):
        user = User.objects.filter(email=BT_EMAIL).first() or User.objects.create_user(
            email=BT_EMAIL, password=PASSWORD, full_name=BT_NAME, role=Role.TRAINEE
        )
        TrainingProfile.objects.get_or_create(
            user=user, defaults={"programme": "bt", "curriculum": "bt2021",
                                 "training_start": today - timedelta(days=200), "part_time_percent": 50}
        )
        return user

    def bt_forms(self, user, today: date) -> int:
        definition = services.current_definition("bt")
        start = user.training.training_start
        for i, (offset, ratings) in enumerate(BT_FORMS):
            form = self.create(user, definition, start + timedelta(days=offset), i, curriculum="bt2021",
                               goals=["bt1", "bt9"], context="Akutmottagning: buksmärta hos kvinna 45 år")
            self.assess(form, ratings, "medium", i)
            self.complete(form, i)
        return len(BT_FORMS)

    # --- through the services -----------------------------------------------------------------------

    def create(self, trainee, definition, day: date, n: int, *, context: str, focus=("anamnes",), goals=("STb1",),
               curriculum="2021") -> MiniCex:
        name, email = ASSESSORS[n % len(ASSESSORS)]
        form = services.minicex_create(trainee=trainee, by=trainee, definition=definition, values={
            "performed_on": day, "clinical_context": context, "curriculum": curriculum, "goals": list(goals),
            "focus": list(focus), "assessor_name": name, "assessor_email": email,
            "case_description": "Fiktivt fall för demonstrationen. " + context + ".",
            "reflection": "Jag tog en strukturerad anamnes men kunde ha sammanfattat tydligare för patienten.",
        })
        self.backdate(form, day, {"created": 0})
        return form

    def assess(self, form: MiniCex, ratings: dict, difficulty: str, n: int) -> MiniCex:
        token = new_token()
        with mock.patch.object(services, "new_token", return_value=token):
            form = services.minicex_send_link(form=form, by=form.trainee)
        form = services.minicex_assessor_save(form=form, by=AnonymousUser(), via_link=True, token=token, submit=True, values={
            "difficulty": difficulty, "ratings": ratings,
            "summary": "Trygg och strukturerad; lyssnar in patientens oro." if n % 2 else
                       "Systematisk anamnes, fortfarande lite osäker i statusundersökningen.",
            "suggestions": "Bra: öppna frågor i början. Vidare: sammanfatta och stäm av planen med patienten.",
        })
        self.backdate(form, form.performed_on, {"link_sent": 0, "assessor_confirmed": 1, "assessed": 1})
        return form

    def complete(self, form: MiniCex, n: int) -> MiniCex:
        form = services.minicex_save_action_plan(form=form, by=form.trainee, complete=True, values={
            "action_plan": "Öva på att sammanfatta för patienten och att avsluta konsultationen i tid.",
        })
        self.backdate(form, form.performed_on, {"completed": 3})
        return form

    def backdate(self, form: MiniCex, day: date, days_after: dict) -> None:
        """Move the timestamps to when the exercise happened, so the audit trail reads as it would."""
        def at(after: int) -> datetime:
            return timezone.make_aware(datetime.combine(day + timedelta(days=after), time(14, 0)))

        fields = {"created": "created_at", "link_sent": "link_sent_at", "assessed": "assessed_at",
                  "completed": "completed_at"}
        updates = {fields[a]: at(d) for a, d in days_after.items() if a in fields}
        if "link_sent_at" in updates and form.link_expires_at:
            updates["link_expires_at"] = updates["link_sent_at"] + timedelta(days=14)
        if form.state == MiniCex.S.AWAITING_ASSESSOR:
            updates.pop("link_expires_at", None)
        MiniCex.objects.filter(pk=form.pk).update(updated_at=at(max(days_after.values())), **updates)
        for action, after in days_after.items():
            MiniCexEvent.objects.filter(minicex=form, action=action).update(at=at(after))
