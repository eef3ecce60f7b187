"""Fictional demo data: one user per role and a case in every state. Safe to run again.

Cases meant to go past the practice day stop at "practice day held" here: the report, its review and the
certificate need the portfolio (seed_demo_portfolio) and are written by seed_demo_reports; the survey
closes the last one (seed_demo_survey). `make run` runs them in that order."""

from datetime import date, timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from evaluations import extensions, notifications, services
from evaluations.models import Evaluation, Evaluator
from evaluations.selectors import assignment_conflicts
from mittist.accounts.demo import demo_code, demo_secret, enrol_demo_staff
from mittist.accounts.models import Role
from mittist.accounts.personnummer import luhn_check_digit, parse_personnummer
from mittist.demo import DemoCommand
from mittist.mailer import queue_task_on_commit

User = get_user_model()
PASSWORD = "mittist-demo"
S = Evaluation.State

DEMO_USERS = [
    ("koordinator@example.org", "Kora Kansli", Role.COORDINATOR),
    ("st-lakare@example.org", "Tove Testsson", Role.TRAINEE),
    ("bt-lakare@example.org", "Bruno Basström", Role.TRAINEE),  # BT doctor; mini-CEX only (seed_demo_minicex)
    ("vardare@example.org", "Vilma Värderare", Role.EVALUATOR),
    ("kvalitet@example.org", "Kai Kvalitet", Role.QUALITY),
    ("admin@example.org", "Ada Admin", Role.ADMIN),
]
EVALUATORS = [
    ("vardare@example.org", "uppsala", "Vårdcentralen Exempelby"),
    ("vardare2@example.org", "skane", "Vårdcentralen Provstad"),
    ("vardare3@example.org", "norrbotten", "Hälsocentralen Demoträsk"),
    ("vardare4@example.org", "stockholm", "Vårdcentralen Testtorp"),
]
# Where each demo case stops, in the order of the process (plus the side states).
PATH = [S.EVALUATOR_ASSIGNED, S.EVALUATOR_ACCEPTED, S.CONTACT_MADE, S.PRACTICE_DAY_AGREED,
        S.MATERIAL_SUBMITTED, S.PRACTICE_DAY_HELD, S.REPORT_DELIVERED, S.QUALITY_REVIEWED, S.CERTIFIED, S.CLOSED]
FIRST_NAMES = ["Alva", "Bo", "Cleo", "Dag", "Elin", "Frej", "Greta", "Hugo", "Idun", "Juni", "Kim", "Liv", "Mio", "Nils"]


def fictional_personnummer(n: int) -> str:
    # Serial numbers 98x are not handed out to real people in the demo's birth years.
    nine = f"{85 + n % 10:02d}{(n % 12) + 1:02d}{(n % 27) + 1:02d}98{n % 10}"
    return f"19{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


class Command(DemoCommand):
    help = "Loads fictional demo users and cases (idempotent)."

    def handle(self, *args, **options):
        if User.objects.filter(email="koordinator@example.org").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            # Demo people are fictional: their e-mails and invites would only flood the console.
            with (
                transaction.atomic(),
                mock.patch.object(notifications, "queue"),
                mock.patch.object(services, "queue_task_on_commit"),
                mock.patch.object(services, "write_mail"),
            ):
                self.load()
            # Reminders are planned by the worker, as after any real change.
            for case_id in Evaluation.objects.values_list("pk", flat=True):
                for task in extensions.tasks_after("state_changed"):
                    queue_task_on_commit(task, str(case_id))
        # Staff sign in with a second factor; in the demo it is one public key (`make otp` prints the code).
        enrol_demo_staff(User.objects.filter(email__in=[email for email, _name, _role in DEMO_USERS]))
        self.print_logins()

    def load(self):
        users = {}
        for email, name, role in DEMO_USERS:
            extra = {"is_staff": True, "is_superuser": True} if role == Role.ADMIN else {}
            users[email] = User.objects.create_user(email=email, password=PASSWORD, full_name=name, role=role, **extra)
        for i, (email, region, clinic) in enumerate(EVALUATORS):
            user = users.get(email) or User.objects.create_user(
                email=email, password=PASSWORD, full_name=f"{FIRST_NAMES[i]} Bedömare", role=Role.EVALUATOR
            )
            Evaluator.objects.create(user=user, region=region, home_clinic=clinic, max_active_cases=4,
                                     last_training_year=2024)
        coordinator = users["koordinator@example.org"]
        evaluator = Evaluator.objects.get(user__email="vardare@example.org")

        # The demo trainee's own case waits for them to report contact with the evaluator.
        self.case(users["st-lakare@example.org"], 0, S.EVALUATOR_ACCEPTED, coordinator, evaluator)
        self.case(self.trainee(1), 1, None, coordinator, evaluator)  # a new registration
        self.case(self.trainee(2), 2, S.REGISTERED, coordinator, evaluator)  # accepted, needs evaluator
        for n, target in enumerate(PATH, start=3):
            self.case(self.trainee(n), n, target, coordinator, evaluator)
        on_hold = self.case(self.trainee(20), 20, S.CONTACT_MADE, coordinator, evaluator)
        services.case_put_on_hold(case=on_hold, by=coordinator, reason="Föräldraledig till våren.")
        withdrawn = self.case(self.trainee(21), 21, S.REGISTERED, coordinator, evaluator)
        services.case_withdraw(case=withdrawn, by=coordinator, reason="Byter specialitet.")
        rejected = self.case(self.trainee(22), 22, None, coordinator, evaluator)
        services.case_reject_registration(case=rejected, by=coordinator, reason="ST-tiden är nästan slut.")

    @staticmethod
    def demo_case(target) -> Evaluation | None:
        """The demo case meant to end in `target` (its trainee is numbered by the state's place in PATH)."""
        return Evaluation.objects.filter(trainee__email=f"st{PATH.index(target) + 3}@example.org").first()

    def trainee(self, n: int):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        return User.objects.create_user(
            email=f"st{n}@example.org", password=PASSWORD, full_name=f"{first} Exempelsson {n}", role=Role.TRAINEE
        )

    @staticmethod
    def override_reason(case, evaluator) -> str:
        # One demo evaluator has every case, past their limit: the office states why, as it must.
        conflicts = assignment_conflicts(case, evaluator)
        return "Demo: samma värderare i alla ärenden." if conflicts else ""

    def case(self, trainee, n, target, coordinator, evaluator) -> Evaluation:
        today = timezone.localdate()
        pnr = parse_personnummer(fictional_personnummer(n), today=today)
        case = Evaluation(
            trainee=trainee, workplace=f"Vårdcentralen Demo {n}", workplace_address=f"Demogatan {n}, 000 00 Exempelstad",
            region="vastra_gotaland" if n % 2 else "halland",
            curriculum="2021" if n % 3 else "2015", st_start=date(today.year - 3, 9, 1),
            st_planned_end=date(today.year + 2, 8, 31), supervisor_name="Hedda Handledare",
            supervisor_email=f"handledare{n}@example.org", director_of_studies="Sture Studierektor",
            manager_name="Maja Chef", manager_profession="Distriktsläkare",
            invoicing_address="Region Demo\nFakturaservice\nBox 1\n000 00 Exempelstad",
        )
        case.set_personnummer(pnr)
        case.save()
        services.CaseEvent.record(case, trainee, "registered")
        if target is None:
            return case
        # Cases far along had their practice day in the past; earlier ones have it ahead.
        past = target in PATH[5:]
        practice_day = today - timedelta(days=10) if past else today + timedelta(days=45)
        by_state = {
            S.EVALUATOR_ASSIGNED: lambda c: services.case_assign_evaluator(
                case=c, by=coordinator, evaluator=evaluator, override_reason=self.override_reason(c, evaluator)
            ),
            S.EVALUATOR_ACCEPTED: lambda c: services.case_accept_assignment(case=c, by=evaluator.user),
            S.CONTACT_MADE: lambda c: services.case_mark_contact_made(case=c, by=trainee, on=today),
            S.PRACTICE_DAY_AGREED: lambda c: services.case_agree_practice_day(case=c, by=trainee, on=practice_day),
            S.MATERIAL_SUBMITTED: lambda c: services.case_submit_material(case=c, by=trainee),
            S.PRACTICE_DAY_HELD: lambda c: services.case_mark_practice_day_held(case=c, by=evaluator.user),
        }
        case = services.case_accept_registration(case=case, by=coordinator)
        if target == S.REGISTERED:
            return case
        for state in PATH[: min(PATH.index(target), PATH.index(S.PRACTICE_DAY_HELD)) + 1]:
            case = by_state[state](case)
        return case

    def print_logins(self):
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {PASSWORD})"))
        for email, name, role in DEMO_USERS:
            label = "BT-läkare" if email.startswith("bt-") else Role(role).label
            self.stdout.write(f"  {label:<16} {email:<28} {name}")
        code, _seconds = demo_code()
        self.stdout.write(
            f"Koordinator, kvalitetsgrupp och admin loggar in med en tvåstegskod: `make otp` skriver ut den "
            f"(nu {code}), eller lägg in nyckeln {demo_secret()} i en autentiseringsapp."
        )
