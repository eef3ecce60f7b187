"""The database side of `deploy/scaleout.py`: run with the same environment as the app, prints JSON.

    python deploy/scaleout_django.py seed RUN CASES     staff, evaluators and their authenticators
    python deploy/scaleout_django.py portfolio CASE_ID  sections A–E, two recordings, the supervisor's statement
    python deploy/scaleout_django.py reminders RUN N    N cases whose evaluator's answer is due today
    python deploy/scaleout_django.py schedule-now       the reminder sweep's schedule due now
    python deploy/scaleout_django.py sweep              one reminder sweep (several run at once in the drill)
    python deploy/scaleout_django.py facts              what the checks at the end compare

Everything here goes through the services the pages use (the same ones the tests use), except the one
thing a real run cannot wait for: the reminder cases' request is dated back (`evaluator_assigned_at`), so
that a reminder is due now. Nothing here runs with DEBUG: these are production-mode processes.
"""

import json
import os
import secrets
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mittist.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from evaluations import services  # noqa: E402
from evaluations.models import CaseEvent, Evaluation, Evaluator  # noqa: E402
from mittist.accounts.models import Role, User  # noqa: E402
from mittist.accounts.personnummer import luhn_check_digit, parse_personnummer  # noqa: E402

PASSWORD = "Skalbar-drift-i-december-42"


def fictional_pnr(n: int, year: int = 1984) -> str:
    nine = f"{year % 100:02d}{(n % 12) + 1:02d}{(n % 27) + 1:02d}97{n % 10}"
    return f"{year // 100}{nine[:6]}-{nine[6:]}{luhn_check_digit(nine)}"


def _staff(role, email, name):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.create_user(email=email, full_name=name, role=role, password=PASSWORD)
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="Scaleout", key=key, confirmed=True)
    return user, key


def seed(run: str, cases: int) -> dict:
    people = []
    user, key = _staff(Role.COORDINATOR, f"kora.{run}@example.org", "Kora Koordinator")
    people.append({"role": "coordinator", "email": user.email, "key": key})
    user, key = _staff(Role.QUALITY, f"kai.{run}@example.org", "Kai Kvalitet")
    people.append({"role": "quality", "email": user.email, "key": key})
    for n in range(cases):
        user, key = _staff(Role.EVALUATOR, f"vera{n}.{run}@example.org", f"Vera Värderare {n}")
        evaluator = Evaluator.objects.create(user=user, region="uppsala", home_clinic=f"Vårdcentralen Norrby {n}",
                                             max_active_cases=5, last_training_year=date.today().year - 1)
        people.append({"role": "evaluator", "email": user.email, "key": key, "id": str(evaluator.pk)})
    return {"password": PASSWORD, "people": people}


def portfolio(case_id: str) -> dict:
    """What a trainee types into sections A–E and the recordings, and the supervisor into F."""
    from portfolio.sections import SECTION_BY_CODE, TRAINEE_SECTIONS
    from portfolio.services import recordings as recording_services
    from portfolio.services import supervisor as supervisor_services
    from portfolio.services.common import ensure_sections
    from portfolio.services.sections import section_save

    case = Evaluation.objects.get(pk=case_id)
    trainee = case.trainee
    today = timezone.localdate()

    def answer(prompt, code):
        return {"date": "2016-06-01", "year": "2016", "choice": "2021"}.get(
            prompt.kind, f"Svar på {code}.{prompt.key} (skalbarhetsprov).")

    sections = ensure_sections(case)
    for definition in TRAINEE_SECTIONS:
        section = sections[definition.code]
        data = {p.key: answer(p, definition.code) for p in definition.prompts}
        section_save(section=section, by=trainee, data=data, base_version=section.version, can_edit=lambda c: True)
    template = recording_services.SelfEvaluationTemplate.current()

    def self_evaluation(number: int) -> dict:
        """The top of every rating scale, a sentence in every text box."""
        return {q["key"]: str(recording_services.question_scale(q)[0]["value"]) if q.get("kind") == "rating"
                else f"Självvärdering {number} {q['key']}." for q in template.questions}

    facts = {"age_band": "65-79", "visit_type": "return", "consent_before": True, "consent_after": True,
             "journal_note_shared": True}
    for number in (1, 2):
        recording = recording_services.recording_create(
            case=case, by=trainee, recorded_on=today - timedelta(days=10 + number),
            share_safe_reference=f"SS-{number}00", **facts)
        recording_services.self_evaluation_save(recording=recording, by=trainee, answers=self_evaluation(number),
                                                base_version=0, complete=True)
    link, _token = supervisor_services.supervisor_link_request(case=case, by=trainee, email=case.supervisor_email)
    statement = supervisor_services.statement_section(case)
    data = {p.key: answer(p, "F") for p in SECTION_BY_CODE["F"].prompts}
    supervisor_services.supervisor_statement_save(link=link, by=None, data=data, base_version=statement.version)
    supervisor_services.supervisor_statement_submit(link=link, by=None)
    return {"case": case_id}


def reminders(run: str, count: int) -> dict:
    """Cases whose evaluator was asked MITTIST_ASSIGNMENT_ANSWER_DAYS ago: their last-day reminder is due."""
    from scheduling.reminders import replan_reminders

    coordinator = User.objects.get(email=f"kora.{run}@example.org")
    ids = []
    for n in range(count):
        trainee = User.objects.create_user(email=f"rut{n}.{run}@example.org", full_name=f"Rut Påminnelse {n}",
                                           role=Role.TRAINEE, password=PASSWORD)
        user, _key = _staff(Role.EVALUATOR, f"ulf{n}.{run}@example.org", f"Ulf Upptagen {n}")
        evaluator = Evaluator.objects.create(user=user, region="uppsala", home_clinic="Vårdcentralen Söder",
                                             max_active_cases=5, last_training_year=date.today().year - 1)
        today = date.today()
        case = Evaluation(
            trainee=trainee, workplace="Vårdcentralen Kustbyn", workplace_address="Hamngatan 4, 452 30 Strömstad",
            region="halland", curriculum="2021", st_start=today - timedelta(days=900),
            st_planned_end=today + timedelta(days=800), supervisor_name="Hugo Handledarsson",
            supervisor_email=f"hugo{n}.{run}@example.org", director_of_studies="Stina Studierektor",
            manager_name="Maria Chefsdotter", manager_profession="Distriktsläkare",
            invoicing_address="Region Halland, Box 0, 300 00 Exempelstad",
        )
        case.set_personnummer(parse_personnummer(fictional_pnr(500 + n), today=today))
        case.save()
        case = services.case_accept_registration(case=case, by=coordinator)
        case = services.case_assign_evaluator(case=case, by=coordinator, evaluator=evaluator, override_reason="")
        asked = timezone.now() - timedelta(days=settings.MITTIST_ASSIGNMENT_ANSWER_DAYS)
        Evaluation.objects.filter(pk=case.pk).update(evaluator_assigned_at=asked)
        replan_reminders(str(case.pk))
        ids.append(str(case.pk))
    return {"cases": ids}


def sweep() -> dict:
    from scheduling.reminders import send_due_reminders

    return {"queued": send_due_reminders()}


def schedule_now() -> dict:
    """The reminder sweep's schedule due now: both workers' schedulers see it at their next look."""
    from django_q.models import Schedule

    from scheduling.services.reminders import SWEEP_FUNC

    return {"schedules": Schedule.objects.filter(func=SWEEP_FUNC).update(next_run=timezone.now())}


def facts(case_ids: list[str], reminder_case_ids: list[str]) -> dict:
    from django_q.models import Schedule, Success

    from evaluations.certificates.models import Certificate
    from evaluations.reports.models import Report
    from mittist.outbox.models import Message
    from portfolio.models import Document
    from scheduling.models import Reminder
    from scheduling.services.reminders import SWEEP_FUNC

    messages = list(Message.objects.values("id", "template", "recipient_email", "state", "case_id", "topic",
                                           "message_id", "attempts"))
    cases = {str(c.pk): c.state for c in Evaluation.objects.filter(pk__in=case_ids)}
    reminder_rows = list(Reminder.objects.filter(case_id__in=reminder_case_ids).values(
        "id", "case_id", "kind", "sent_at", "cancelled_at", "send_on"))
    today = timezone.localdate()
    return {
        "cases": cases,
        "events": CaseEvent.objects.count(),
        "messages": [{**m, "id": str(m["id"]), "case_id": str(m["case_id"]) if m["case_id"] else None}
                     for m in messages],
        "documents": [{"id": str(d.pk), "case": str(d.case_id), "name": d.file.name, "kind": d.kind}
                      for d in Document.objects.filter(case_id__in=case_ids)],
        "reports": [{"case": str(r.case_id), "pdf": r.pdf.name} for r in Report.objects.filter(case_id__in=case_ids)],
        "certificates": [{"case": str(c.case_id), "code": c.code}
                         for c in Certificate.objects.filter(case_id__in=case_ids)],
        "reminders": [{"id": r["id"], "kind": r["kind"], "case_id": str(r["case_id"]), "due": r["send_on"] <= today,
                       "sent": r["sent_at"] is not None, "cancelled": r["cancelled_at"] is not None}
                      for r in reminder_rows],
        "reminder_mails": list(
            Message.objects.filter(case_id__in=reminder_case_ids).values("case_id", "template", "recipient_email")
            .annotate(n=Count("id")).filter(n__gt=1).values_list("template", "recipient_email", "n")
        ),
        "sweep_runs": Success.objects.filter(func=SWEEP_FUNC).count(),
        "sweep_scheduled": Schedule.objects.filter(func=SWEEP_FUNC).count(),
    }


def main(argv: list[str]) -> None:
    command, args = argv[0], argv[1:]
    if command == "seed":
        result = seed(args[0], int(args[1]))
    elif command == "portfolio":
        result = portfolio(args[0])
    elif command == "reminders":
        result = reminders(args[0], int(args[1]))
    elif command == "schedule-now":
        result = schedule_now()
    elif command == "sweep":
        result = sweep()
    elif command == "facts":
        payload = json.loads(sys.stdin.read())
        result = facts(payload["cases"], payload["reminder_cases"])
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
