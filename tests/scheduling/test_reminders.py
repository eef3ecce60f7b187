"""Reminders: planned from the deadlines, re-planned when the case changes, sent by the sweep on the
right days, once, only while still relevant, and never as a burst of stale mail after a down day.
Also the sweep's schedule (registered once after migrate, no catch-up) and every reminder e-mail."""

from datetime import date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.scheduler import scheduler

from evaluations import services
from evaluations.models import Evaluation
from mittist.mailer import render_message
from portfolio.models import Section
from portfolio.services.supervisor import supervisor_link_request
from scheduling.apps import register_reminder_sweep
from scheduling.models import Reminder
from scheduling.services.reminders import (
    KINDS,
    SWEEP_NAME,
    reminder_context,
    reminder_recipients,
    replan_reminders,
    send_due_reminders,
)
from tests.test_email_templates import assert_rendered_cleanly

S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")
SITE = "https://mittist.example.org"
OFFICE = "kansli@example.org"
SUPERVISOR = "handledare@example.org"  # tests.conftest.case_fields
MONDAY = date(2026, 3, 2)
PRACTICE_DAY = date(2026, 5, 4)  # material and supervisor statement due Monday 6 April


def at(day: date, hour: int = 7):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, 0, tzinfo=STHLM), tick=False)


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.MITTIST_OFFICE_EMAIL = OFFICE
    settings.SITE_URL = SITE
    with at(MONDAY, 10):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block and then what it queued on commit (re-plans, e-mails), as the worker would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def case_in(make_case, committed, mailoutbox):
    """A case driven to a state with its reminders planned on the way; the mails so far forgotten.

    A case with an agreed day has asked the supervisor for the statement (the registration's address)
    unless `supervisor_asked=False`: only then is the supervisor reminded."""

    def make(state, *, supervisor_asked=True, **kwargs):
        with committed():
            case = make_case(state, **kwargs)
        if supervisor_asked and state == S.PRACTICE_DAY_AGREED:
            with committed():
                supervisor_link_request(case=case, by=case.trainee, email=SUPERVISOR)
        mailoutbox.clear()
        return case

    return make


@pytest.fixture
def sweep(committed):
    def run(day: date, hour: int = 7) -> int:
        with at(day, hour), committed():
            return send_due_reminders()

    return run


def mails(outbox) -> list[tuple[str, str]]:
    return sorted((parseaddr(m.to[0])[1], m.subject) for m in outbox)


def rows(case) -> dict:
    return {(r.kind, r.due_on): r for r in Reminder.objects.filter(case=case)}


def pending(case) -> dict:
    return {k: r.send_on for k, r in rows(case).items() if r.sent_at is None and r.cancelled_at is None}


def days(first: date, last: date):
    while first <= last:
        yield first
        first += timedelta(days=1)


# --- planning -------------------------------------------------------------------------------------


def test_accepting_the_assignment_plans_the_contact_reminders(case_in):
    case = case_in(S.EVALUATOR_ACCEPTED)
    due = date(2026, 3, 16)
    assert pending(case) == {
        ("contact_before", due): date(2026, 3, 13),
        ("contact_on_day", due): due,
        ("contact_overdue", due): date(2026, 3, 17),
    }


def test_contact_made_cancels_the_contact_reminders_and_plans_the_practice_day_nudge(case_in, committed):
    case = case_in(S.EVALUATOR_ACCEPTED)
    with at(date(2026, 3, 5)), committed():
        services.case_mark_contact_made(case=case, by=case.trainee, on=date(2026, 3, 5))

    assert pending(case) == {("practice_day_not_agreed", date(2026, 4, 2)): date(2026, 4, 3)}
    cancelled = {k for k, r in rows(case).items() if r.cancelled_at}
    assert cancelled == {(kind, date(2026, 3, 16)) for kind in ("contact_before", "contact_on_day", "contact_overdue")}


def test_agreeing_the_practice_day_plans_supervisor_and_material_reminders(case_in):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    due = date(2026, 4, 6)
    assert pending(case) == {
        ("supervisor_statement_first", due): date(2026, 3, 23),
        ("supervisor_statement_second", due): date(2026, 3, 30),
        ("material_before", due): date(2026, 3, 30),
        ("material_on_day", due): due,
        ("material_overdue", due): date(2026, 4, 7),
    }


def test_no_supervisor_reminders_until_the_statement_is_requested(case_in, committed, sweep, mailoutbox):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY, supervisor_asked=False)
    due = date(2026, 4, 6)
    assert not any(kind.startswith("supervisor") for kind, _due in pending(case))
    sweep(date(2026, 3, 23))
    assert mailoutbox == []

    with at(date(2026, 3, 24)), committed():
        link, _token = supervisor_link_request(case=case, by=case.trainee, email=SUPERVISOR)
    # Asked on the 24th: the first reminder's day has gone by, the second is still ahead.
    assert pending(case)[("supervisor_statement_second", due)] == date(2026, 3, 30)
    mailoutbox.clear()
    sweep(date(2026, 3, 30))
    assert (SUPERVISOR, f"Påminnelse: ditt handledarutlåtande för {case.trainee.full_name}") in mails(mailoutbox)


def test_revoking_the_request_stops_the_supervisor_reminders(case_in, committed, sweep, mailoutbox):
    from portfolio.models import SupervisorLink
    from portfolio.services.supervisor import supervisor_link_revoke

    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    assert ("supervisor_statement_first", date(2026, 4, 6)) in pending(case)
    with committed():
        supervisor_link_revoke(link=SupervisorLink.objects.get(case=case), by=case.trainee)
    assert not any(kind.startswith("supervisor") for kind, _due in pending(case))
    sweep(date(2026, 3, 23))
    assert mailoutbox == []


def test_rescheduling_cancels_the_old_dates_and_plans_the_new_ones(case_in, committed):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    with at(date(2026, 3, 10)), committed():
        services.case_reschedule_practice_day(case=case, by=case.trainee, on=date(2026, 6, 1), reason="Sjuk")

    old, new = date(2026, 4, 6), date(2026, 5, 4)
    assert {due for (_, due) in pending(case)} == {new}
    assert pending(case)[("material_before", new)] == date(2026, 4, 27)
    assert all(r.cancelled_at for (kind, due), r in rows(case).items() if due == old)


def test_replanning_again_changes_nothing(case_in):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    before = {k: (r.pk, r.send_on, r.sent_at, r.cancelled_at) for k, r in rows(case).items()}
    replan_reminders(str(case.pk))
    replan_reminders(str(case.pk))
    assert {k: (r.pk, r.send_on, r.sent_at, r.cancelled_at) for k, r in rows(case).items()} == before


def test_on_hold_cancels_and_resuming_brings_the_same_reminders_back(case_in, committed, coordinator):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    wanted = pending(case)
    with committed():
        services.case_put_on_hold(case=case, by=coordinator, reason="Sjukskriven")
    assert pending(case) == {}
    with committed():
        services.case_resume(case=case, by=coordinator)
    assert pending(case) == wanted
    assert Reminder.objects.filter(case=case).count() == len(wanted)  # the same rows, none added


def test_a_reminder_already_stale_when_planned_is_not_planned(case_in):
    # Agreed only 30 days ahead: the material is due in two days. The "7 days before" reminder is late
    # but still useful; of the supervisor's two, only the later one is worth sending.
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=MONDAY + timedelta(days=30))
    due = date(2026, 3, 4)
    assert pending(case) == {
        ("supervisor_statement_second", due): date(2026, 2, 25),
        ("material_before", due): date(2026, 2, 25),
        ("material_on_day", due): due,
        ("material_overdue", due): date(2026, 3, 5),
    }


def test_a_sent_reminder_is_never_touched_by_a_replan(case_in, sweep, committed):
    case = case_in(S.EVALUATOR_ACCEPTED)
    sweep(date(2026, 3, 13))
    sent = rows(case)[("contact_before", date(2026, 3, 16))]
    assert sent.sent_at is not None
    with at(date(2026, 3, 14)), committed():
        services.case_mark_contact_made(case=case, by=case.trainee, on=date(2026, 3, 14))
    sent.refresh_from_db()
    assert sent.sent_at is not None and sent.cancelled_at is None


# --- the sweep --------------------------------------------------------------------------------------


def test_contact_reminders_go_out_on_their_days_and_only_then(case_in, sweep, mailoutbox):
    case = case_in(S.EVALUATOR_ACCEPTED)
    trainee, name = case.trainee.email, case.trainee.full_name
    by_day = {}
    for day in days(MONDAY, date(2026, 3, 25)):
        sweep(day)
        by_day[day] = mails(mailoutbox)
        mailoutbox.clear()

    assert {day: sent for day, sent in by_day.items() if sent} == {
        date(2026, 3, 13): [(trainee, "Påminnelse: kontakta din värderare senast 16 mars 2026")],
        date(2026, 3, 16): [(trainee, "I dag är sista dagen att kontakta din värderare")],
        date(2026, 3, 17): [(OFFICE, f"Ingen kontakt med värderaren registrerad: {name}")],
    }


def test_material_and_supervisor_reminders_go_out_on_their_days(case_in, sweep, mailoutbox, evaluator):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    trainee, name = case.trainee.email, case.trainee.full_name
    by_day = {}
    for day in days(MONDAY, date(2026, 4, 10)):
        sweep(day)
        by_day[day] = mails(mailoutbox)
        mailoutbox.clear()

    supervisor = (SUPERVISOR, f"Påminnelse: ditt handledarutlåtande för {name}")
    assert {day: sent for day, sent in by_day.items() if sent} == {
        date(2026, 3, 23): [supervisor],
        date(2026, 3, 30): sorted([supervisor, (trainee, "Påminnelse: skicka in ditt material senast 6 april 2026")]),
        date(2026, 4, 6): [(trainee, "I dag är sista dagen att skicka in ditt material")],
        date(2026, 4, 7): sorted(
            [(evaluator.email, f"Materialet från {name} har inte kommit in"),
             (OFFICE, f"Materialet från {name} har inte kommit in")]
        ),
    }


def test_report_reminders_go_to_the_evaluator_and_the_overdue_notice_to_the_office(case_in, sweep, mailoutbox):
    case = case_in(S.PRACTICE_DAY_HELD)  # held yesterday, 1 March: the report is due 22 March
    evaluator, name = case.evaluator.email, case.trainee.full_name
    sent = {}
    for day in days(MONDAY, date(2026, 3, 31)):
        sweep(day)
        if mailoutbox:
            sent[day] = mails(mailoutbox)
            mailoutbox.clear()
    assert sent == {
        date(2026, 3, 15): [(evaluator, f"Påminnelse: rapporten till {name} senast 22 mars 2026")],
        date(2026, 3, 22): [(evaluator, f"I dag är sista dagen för rapporten till {name}")],
        date(2026, 3, 23): [(OFFICE, f"Rapporten för {name} är försenad")],
    }


def test_no_agreed_practice_day_four_weeks_after_contact_nudges_trainee_and_evaluator(case_in, sweep, mailoutbox):
    case = case_in(S.CONTACT_MADE)
    assert sweep(date(2026, 3, 30)) == 0
    assert sweep(date(2026, 3, 31)) == 1
    assert mails(mailoutbox) == sorted([
        (case.trainee.email, "Din praktikdag är inte bestämd ännu"),
        (case.evaluator.email, f"Praktikdagen med {case.trainee.full_name} är inte bestämd ännu"),
    ])


def test_the_survey_reminder_goes_a_week_after_the_certificate(case_in, sweep, mailoutbox):
    case = case_in(S.CERTIFIED)
    assert sweep(date(2026, 3, 8)) == 0
    assert sweep(date(2026, 3, 9)) == 1
    assert mails(mailoutbox) == [(case.trainee.email, "Påminnelse: berätta hur din Mitt-i-ST fungerade")]


def test_a_second_sweep_the_same_day_sends_nothing_again(case_in, sweep, mailoutbox):
    case = case_in(S.EVALUATOR_ACCEPTED)
    assert sweep(date(2026, 3, 13), hour=7) == 1
    assert sweep(date(2026, 3, 13), hour=7) == 0
    assert sweep(date(2026, 3, 13), hour=8) == 0
    assert len(mailoutbox) == 1
    assert rows(case)[("contact_before", date(2026, 3, 16))].sent_at is not None


def test_a_days_reminders_wait_for_the_morning(case_in, sweep, mailoutbox, settings):
    settings.MITTIST_REMINDER_EARLIEST_HOUR = 7
    case_in(S.EVALUATOR_ACCEPTED)
    assert sweep(date(2026, 3, 13), hour=0) == 0
    assert sweep(date(2026, 3, 13), hour=6) == 0
    assert sweep(date(2026, 3, 13), hour=7) == 1
    assert len(mailoutbox) == 1


def test_contact_made_before_the_reminder_day_means_no_contact_reminders(case_in, sweep, committed, mailoutbox):
    case = case_in(S.EVALUATOR_ACCEPTED)
    with at(date(2026, 3, 12)), committed():
        services.case_mark_contact_made(case=case, by=case.trainee, on=date(2026, 3, 12))
    mailoutbox.clear()
    for day in days(date(2026, 3, 12), date(2026, 3, 20)):
        sweep(day)
    assert mailoutbox == []


def test_the_sweep_checks_the_case_again_even_when_no_replan_ran(case_in, sweep, mailoutbox):
    case = case_in(S.EVALUATOR_ACCEPTED)
    # The contact is registered but its on-commit re-plan never runs (a worker lost the task).
    with at(date(2026, 3, 12)):
        services.case_mark_contact_made(case=case, by=case.trainee, on=date(2026, 3, 12))
    assert ("contact_before", date(2026, 3, 16)) in pending(case)

    assert sweep(date(2026, 3, 13)) == 0
    assert mailoutbox == []
    dropped = rows(case)[("contact_before", date(2026, 3, 16))]
    assert dropped.cancelled_at is not None and dropped.sent_at is None


def test_after_a_down_week_only_what_is_still_relevant_is_sent(case_in, sweep, mailoutbox, evaluator):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    due = date(2026, 4, 6)
    # No sweep from 23 March until the 31st: the supervisor's first reminder was overtaken by the
    # second; the material's "7 days before" still tells the truth (six days left).
    assert sweep(date(2026, 3, 31)) == 2
    assert mails(mailoutbox) == sorted([
        (SUPERVISOR, f"Påminnelse: ditt handledarutlåtande för {case.trainee.full_name}"),
        (case.trainee.email, "Påminnelse: skicka in ditt material senast 6 april 2026"),
    ])
    trainee_mail = next(m for m in mailoutbox if parseaddr(m.to[0])[1] == case.trainee.email)
    assert "Du har 6 dagar kvar" in trainee_mail.body
    mailoutbox.clear()

    # Down again over the deadline: "today is the last day" is stale by the 8th; the overdue notice is not.
    assert sweep(date(2026, 4, 8)) == 1
    assert {parseaddr(m.to[0])[1] for m in mailoutbox} == {evaluator.email, OFFICE}
    state = {
        kind: (r.sent_at is not None, r.cancelled_at is not None) for (kind, on), r in rows(case).items() if on == due
    }
    assert state == {
        "supervisor_statement_first": (False, True),
        "supervisor_statement_second": (True, False),
        "material_before": (True, False),
        "material_on_day": (False, True),
        "material_overdue": (True, False),
    }


def test_an_overdue_notice_a_long_time_late_is_dropped(case_in, sweep, mailoutbox, settings):
    case = case_in(S.EVALUATOR_ACCEPTED)
    settings.MITTIST_REMINDER_STALE_DAYS = 7
    assert sweep(date(2026, 3, 25)) == 0  # the notice was for 17 March
    assert mailoutbox == []
    assert pending(case) == {}


def test_the_sweep_reads_only_what_is_due_however_many_cases_wait(case_in, sweep, make_case):
    case_in(S.EVALUATOR_ACCEPTED)
    with at(date(2026, 3, 13)), CaptureQueriesContext(connection) as few:
        send_due_reminders()
    Reminder.objects.update(sent_at=None)
    with at(MONDAY):
        for _ in range(5):  # five more cases whose reminders are all later
            replan_reminders(str(make_case(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY).pk))
    assert Reminder.objects.count() > 15
    with at(date(2026, 3, 13)), CaptureQueriesContext(connection) as many:
        send_due_reminders()
    assert len(many) == len(few)


# --- what the e-mails say ---------------------------------------------------------------------------


def test_reminder_mails_link_to_the_action(case_in, sweep, mailoutbox):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    sweep(date(2026, 3, 30))
    trainee_mail = next(m for m in mailoutbox if parseaddr(m.to[0])[1] == case.trainee.email)
    submit = f"{SITE}/arenden/{case.pk}/skicka-in/"
    assert submit in trainee_mail.body
    assert f'href="{submit}"' in trainee_mail.alternatives[0][0]


def test_report_reminders_link_the_evaluator_to_the_report_form(case_in, sweep, mailoutbox, client):
    case = case_in(S.PRACTICE_DAY_HELD)  # the report is due 22 March
    sweep(date(2026, 3, 15))
    (message,) = mailoutbox
    write = f"{SITE}/arenden/{case.pk}/rapport/skriv/"
    assert write in message.body and f'href="{write}"' in message.alternatives[0][0]
    assert "Skriv rapporten" in message.body
    assert "markerar du det i ärendet" not in message.body  # the report is sent from the form, not marked
    # The promise holds: the link opens the form for the evaluator.
    client.force_login(case.evaluator.user)
    assert client.get(write.removeprefix(SITE)).status_code == 200


def test_reminder_mails_are_in_the_recipients_language(case_in, sweep, mailoutbox):
    case = case_in(S.PRACTICE_DAY_HELD)
    case.evaluator.user.language = "en"
    case.evaluator.user.save(update_fields=["language"])
    sweep(date(2026, 3, 15))
    (message,) = mailoutbox
    html = message.alternatives[0][0]
    assert '<html lang="en">' in html
    assert message.subject.startswith("Reminder: ") and "22 March 2026" in message.subject
    assert "Påminnelse" not in message.subject and "dagar kvar" not in message.body
    assert f"Hello {case.evaluator.name}," in message.body
    assert "This message was sent automatically" in message.body
    assert f"{SITE}/arenden/{case.pk}/" in message.body


def test_the_supervisor_reminder_goes_to_the_link_address_and_carries_no_token(case_in, sweep, mailoutbox, committed):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY, supervisor_asked=False)
    with committed():
        link, token = supervisor_link_request(case=case, by=case.trainee, email="ny.handledare@example.org")
    mailoutbox.clear()

    sweep(date(2026, 3, 23))
    (message,) = mailoutbox
    html = message.alternatives[0][0]
    assert parseaddr(message.to[0])[1] == "ny.handledare@example.org"
    assert token not in message.body and token not in html and token not in message.subject
    assert f"kan du be {case.trainee.full_name} skicka en ny" in message.body
    assert "senast 6 april 2026" in message.body
    assert f"{SITE}/handledare/utlatande/{link.pk}/" in message.body  # the log-in route, no secret in it


def test_no_supervisor_reminder_once_section_f_is_submitted(case_in, sweep, mailoutbox):
    case = case_in(S.PRACTICE_DAY_AGREED, practice_day=PRACTICE_DAY)
    Section.objects.create(case=case, code="F", locked_at=timezone.now())
    sweep(date(2026, 3, 23))
    assert mailoutbox == []
    assert rows(case)[("supervisor_statement_first", date(2026, 4, 6))].cancelled_at is not None


STATE_FOR = {
    "contact": S.EVALUATOR_ACCEPTED,
    "practice_day_agreed": S.CONTACT_MADE,
    "supervisor_statement": S.PRACTICE_DAY_AGREED,
    "assignment_answer": S.EVALUATOR_ASSIGNED,
    "material": S.PRACTICE_DAY_AGREED,
    "report": S.PRACTICE_DAY_HELD,
    "survey": S.CERTIFIED,
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_reminder_renders_for_every_recipient_in_both_languages(kind, make_case, settings):
    spec = KINDS[kind]
    state = STATE_FOR[spec.deadline]
    before_held = Evaluation.PROCESS.index(state) < Evaluation.PROCESS.index(S.PRACTICE_DAY_HELD)
    case = make_case(state, practice_day=PRACTICE_DAY if before_held else None)
    case.trainee.full_name = "Testa O'Testsson"  # an apostrophe: HTML escapes it, text does not
    reminder = Reminder(case=case, kind=kind, due_on=date(2026, 4, 6), send_on=date(2026, 4, 6))
    recipients = reminder_recipients(reminder)
    assert {role for role, _, _ in recipients} == set(spec.audience)
    for role, recipient, extra in recipients:
        for language in ("sv", "en"):
            context = {**reminder_context(reminder, today=date(2026, 3, 30)), "recipient": recipient, **extra}
            subject, text, html = render_message(spec.template, context, language)
            assert_rendered_cleanly(subject, text, html, language)
            assert "Testa O'Testsson" in text + subject, (kind, role)
            assert "Testa O&#x27;Testsson" in html, (kind, role)
            if extra["action_url"]:
                assert extra["action_url"] in text and f'href="{extra["action_url"]}"' in html
            if role == "office":
                assert recipient.email == OFFICE and recipient.language == "sv"
                assert text.startswith("Hej!" if language == "sv" else "Hello,")


# --- the schedule -----------------------------------------------------------------------------------


def test_the_sweep_is_scheduled_once_however_often_migrate_runs(db):
    Schedule.objects.filter(name=SWEEP_NAME).delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # what every migrate sends
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert Schedule.objects.filter(name=SWEEP_NAME).count() == 1
    register_reminder_sweep()
    (schedule,) = Schedule.objects.filter(name=SWEEP_NAME)
    assert schedule.func == "scheduling.reminders.send_due_reminders"
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 15, -1)

    # An edit in the admin is put right by the next migrate; the next run it had is kept.
    kept = timezone.now() + timedelta(minutes=7)
    Schedule.objects.filter(pk=schedule.pk).update(minutes=60, next_run=kept)
    register_reminder_sweep()
    schedule.refresh_from_db()
    assert schedule.minutes == 15 and schedule.next_run == kept


def test_missed_sweeps_are_not_caught_up_in_a_burst(db, settings):
    assert settings.Q_CLUSTER["catch_up"] is False and Conf.CATCH_UP is False
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]
    # The worker was down for two days: one run now, and the next one in the future, not 192 behind.
    Schedule.objects.filter(name=SWEEP_NAME).update(next_run=timezone.now() - timedelta(days=2))
    scheduler(broker=get_broker())
    schedule = Schedule.objects.get(name=SWEEP_NAME)
    assert timezone.now() < schedule.next_run <= timezone.now() + timedelta(minutes=15)
    assert schedule.task  # it did run once


# --- the admin ----------------------------------------------------------------------------------------


def test_the_admin_lists_reminders_and_lets_nobody_edit_them(case_in, client):
    case = case_in(S.EVALUATOR_ACCEPTED)
    admin = get_user_model().objects.create_superuser(email="drift@example.org", password="x-secret-123456")
    client.force_login(admin)
    reminder = Reminder.objects.filter(case=case).first()

    listing = client.get("/admin/scheduling/reminder/?status=pending")
    assert listing.status_code == 200
    assert listing.content.decode().count("contact_") >= 3
    detail = client.get(f"/admin/scheduling/reminder/{reminder.pk}/change/")
    assert detail.status_code == 200 and b'name="send_on"' not in detail.content  # read-only
    assert client.get("/admin/scheduling/reminder/add/").status_code == 403
    assert client.post(f"/admin/scheduling/reminder/{reminder.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Reminder.objects.filter(pk=reminder.pk).exists()
    assert client.get("/admin/django_q/schedule/").status_code == 200  # where the sweep itself is shown
