"""Reminders: planned from each case's deadlines, sent exactly once by a scheduled sweep.

- `replan_reminders(case_id)` runs after every change to a case (evaluations.services queues it on
  commit). It works out which reminders the case wants *now* and makes the table agree: missing rows
  are created (the key is case, kind and the deadline's date), pending rows that are no longer wanted
  are cancelled: the case moved on, or an anchor moved and the deadline now has another date. Rows
  already sent are never touched.
- `send_due_reminders(now=None)` is the django-q2 schedule "mittist-reminder-sweep" (every 15 minutes,
  registered by scheduling.apps after migrate). One indexed query finds every pending row whose day
  has come (from MITTIST_REMINDER_EARLIEST_HOUR, Swedish time), whatever the number of cases. Each row is claimed with a conditional UPDATE before anything
  else happens to it, so two sweeps at once, or a worker restarted half-way, send it once. In the
  claim's transaction the case's current state is checked again, and the e-mail is queued on commit.
- `send_reminder_mail(reminder_id)` is the worker task that renders and sends one reminder.

Stale reminders are dropped, not sent late. After the sweep has been down, a reminder about an
upcoming deadline is only sent while that deadline has not passed, and of several reminders of one
series that came due meanwhile (14 and 7 days before, say) only the latest goes out; an overdue notice
is dropped once it is MITTIST_REMINDER_STALE_DAYS late. The wording of every mail counts the days
left on the day it is sent, so a reminder sent a day late still says the truth.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from evaluations.models import Evaluation
from mittist.mailer import Recipient, queue_mail, write_mail

from .. import deadlines as d
from ..deadlines import case_deadlines
from ..models import Reminder

logger = logging.getLogger(__name__)

SWEEP_NAME = "mittist-reminder-sweep"
SWEEP_FUNC = "scheduling.reminders.send_due_reminders"
MAIL_TASK = "scheduling.reminders.send_reminder_mail"


@dataclass(frozen=True)
class Kind:
    """One reminder: which deadline it is about, who gets it, and its e-mail (templates/emails/<template>/).

    Reminders of one `series` go to the same people about the same deadline; when several of them are
    due at once (the sweep was down), only the latest is sent.
    """

    name: str
    deadline: str
    series: str
    audience: tuple[str, ...]  # trainee, evaluator, supervisor, office
    template: str

    @property
    def offset(self) -> int:
        """Days from the deadline to the sending day (settings.MITTIST_REMINDER_DAYS): < 0 before it."""
        return settings.MITTIST_REMINDER_DAYS[self.name]

    @property
    def is_overdue_notice(self) -> bool:
        return self.offset > 0


KINDS = {
    kind.name: kind
    for kind in [
        Kind(
            "assignment_answer_on_day", d.ASSIGNMENT_ANSWER, "assignment_answer", ("evaluator",),
            "reminder_assignment_answer",
        ),
        Kind(
            "assignment_answer_overdue", d.ASSIGNMENT_ANSWER, "assignment_answer_overdue", ("office",),
            "reminder_assignment_answer_overdue",
        ),
        Kind("contact_before", d.CONTACT, "contact", ("trainee",), "reminder_contact"),
        Kind("contact_on_day", d.CONTACT, "contact", ("trainee",), "reminder_contact"),
        Kind("contact_overdue", d.CONTACT, "contact_overdue", ("office",), "reminder_contact_overdue"),
        Kind(
            "practice_day_not_agreed",
            d.PRACTICE_DAY_AGREED,
            "practice_day_not_agreed",
            ("trainee", "evaluator"),
            "reminder_practice_day_not_agreed",
        ),
        Kind(
            "supervisor_statement_first",
            d.SUPERVISOR_STATEMENT,
            "supervisor_statement",
            ("supervisor",),
            "reminder_supervisor_statement",
        ),
        Kind(
            "supervisor_statement_second",
            d.SUPERVISOR_STATEMENT,
            "supervisor_statement",
            ("supervisor",),
            "reminder_supervisor_statement",
        ),
        Kind("material_before", d.MATERIAL, "material", ("trainee",), "reminder_material"),
        Kind("material_on_day", d.MATERIAL, "material", ("trainee",), "reminder_material"),
        Kind(
            "material_overdue", d.MATERIAL, "material_overdue", ("evaluator", "office"), "reminder_material_overdue"
        ),
        Kind("report_before", d.REPORT, "report", ("evaluator",), "reminder_report"),
        Kind("report_on_day", d.REPORT, "report", ("evaluator",), "reminder_report"),
        Kind("report_overdue", d.REPORT, "report_overdue", ("office",), "reminder_report_overdue"),
        Kind("survey", d.SURVEY, "survey", ("trainee",), "reminder_survey"),
    ]
}


def _kinds_about(deadline_kind: str) -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.deadline == deadline_kind]


# --- planning ---------------------------------------------------------------------------------------


def _is_stale(kind: Kind, due_on: date, send_on: date, today: date) -> bool:
    if kind.is_overdue_notice:
        return today > send_on + timedelta(days=settings.MITTIST_REMINDER_STALE_DAYS)
    return today > due_on  # "in three days" / "today" about a deadline already past says nothing useful


def _is_superseded(kind: Kind, due_on: date, send_on: date, today: date) -> bool:
    """A later reminder of the same series is due too: only that one goes out."""
    for other in KINDS.values():
        if other.series == kind.series and other is not kind:
            other_send_on = due_on + timedelta(days=other.offset)
            if send_on < other_send_on <= today:
                return True
    return False


def planned_reminders(case: Evaluation, today: date | None = None) -> dict[tuple[str, date], date]:
    """The reminders the case wants as it stands now: {(kind, deadline's date): sending day}.

    Only open deadlines are reminded of; a reminder that would already be stale today is not wanted.
    """
    today = today or timezone.localdate()
    wanted: dict[tuple[str, date], date] = {}
    for deadline in case_deadlines(case, today):
        if not deadline.open:
            continue
        if deadline.kind == d.SUPERVISOR_STATEMENT and not d.statement_requested(case):
            continue  # the supervisor's reminders start when the request is sent
        for kind in _kinds_about(deadline.kind):
            send_on = deadline.due_on + timedelta(days=kind.offset)
            if _is_stale(kind, deadline.due_on, send_on, today) or _is_superseded(
                kind, deadline.due_on, send_on, today
            ):
                continue
            wanted[(kind.name, deadline.due_on)] = send_on
    return wanted


def replan_reminders(case_id: str) -> None:
    """Make the case's pending reminders match what its current state wants (a task; idempotent)."""
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        # The case's row lock makes two re-plans of one case take turns. NO KEY: a sweep's claim
        # that drops a reminder checks the row's foreign key at commit (FOR KEY SHARE on the case)
        # while this waits for that claim; a plain FOR UPDATE here would deadlock with it.
        case = Evaluation.objects.select_for_update(no_key=True).filter(pk=case_id).first()
        if case is None:
            return
        wanted = planned_reminders(case, today)
        rows = {(row.kind, row.due_on): row for row in Reminder.objects.filter(case=case)}

        unwanted = [
            row.pk
            for key, row in rows.items()
            if row.sent_at is None and row.cancelled_at is None and key not in wanted
        ]
        if unwanted:
            # Conditional: a row a running sweep has just claimed is left to that sweep.
            Reminder.objects.filter(pk__in=unwanted, sent_at__isnull=True, cancelled_at__isnull=True).update(
                cancelled_at=now
            )

        for (kind, due_on), send_on in wanted.items():
            row = rows.get((kind, due_on))
            if row is None:
                Reminder.objects.get_or_create(case=case, kind=kind, due_on=due_on, defaults={"send_on": send_on})
            elif row.sent_at is None and (row.cancelled_at is not None or row.send_on != send_on):
                # Wanted again (the case resumed, the day moved back) or the configured day changed.
                Reminder.objects.filter(pk=row.pk, sent_at__isnull=True).update(cancelled_at=None, send_on=send_on)


# --- the sweep ----------------------------------------------------------------------------------------


def send_due_reminders(now=None) -> int:
    """Claim and queue every reminder that is due; returns how many were queued for sending."""
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    today = local_now.date()
    # A day's reminders go out from MITTIST_REMINDER_EARLIEST_HOUR (Swedish time), not at midnight.
    sending_day = today if local_now.hour >= settings.MITTIST_REMINDER_EARLIEST_HOUR else today - timedelta(days=1)
    # The one query: the partial index on send_on holds only pending rows, so its cost follows the
    # number due, not the number of cases.
    due = list(Reminder.objects.due(sending_day).only("pk", "case_id", "kind", "due_on"))
    queued = dropped = 0
    for reminder in due:
        try:
            outcome = _claim(reminder, now, today)
        except Exception:  # one broken case must not stop everyone else's reminders
            logger.exception("Reminder %s could not be handled; it stays pending", reminder.pk)
            continue
        queued += outcome == "queued"
        dropped += outcome == "dropped"
    if due:
        logger.info("Reminder sweep: %s due, %s queued, %s dropped as stale or moot", len(due), queued, dropped)
    return queued


def _claim(reminder: Reminder, now, today: date) -> str:
    with transaction.atomic():
        claimed = Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True, cancelled_at__isnull=True).update(
            sent_at=now
        )
        if claimed != 1:
            return "taken"  # another sweep claimed it first, or a re-plan cancelled it meanwhile
        case = Evaluation.objects.get(pk=reminder.case_id)
        if (reminder.kind, reminder.due_on) not in planned_reminders(case, today):
            # The case moved on, or the moment passed while the sweep was down: never sent.
            Reminder.objects.filter(pk=reminder.pk).update(sent_at=None, cancelled_at=now)
            return "dropped"
        write_mail(MAIL_TASK, reminder.pk)
        return "queued"


# --- the e-mail ---------------------------------------------------------------------------------------


def _url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _trainee_action_url(kind: Kind, case: Evaluation) -> str:
    if kind.deadline == d.MATERIAL:
        try:
            return _url("portfolio:submit", case.pk)
        except NoReverseMatch:  # no portfolio app: the case page has the submit action
            pass
    if kind.deadline == d.SURVEY:
        try:
            return _url("survey:answer", case.pk)
        except NoReverseMatch:  # no survey app: the case page says what is left
            pass
    return _url("evaluations:case_detail", case.pk)


def _evaluator_action_url(kind: Kind, case: Evaluation) -> str:
    # The report reminders lead straight to the report form (the core's reports app, always there).
    if kind.deadline == d.REPORT:
        return _url("reports:write", case.pk)
    return _url("evaluations:case_detail", case.pk)


def _supervisor(case: Evaluation) -> tuple[Recipient, dict]:
    """The supervisor: the address the newest statement link went to, else the one in the registration.

    The link itself cannot be sent again from here (only its hash is kept); the mail says the trainee
    can send a new one, and offers the log-in route when the current link still works.
    """
    email, name, extra = case.supervisor_email, case.supervisor_name, {"account_url": "", "link_sent_at": None}
    if apps.is_installed("portfolio"):
        from portfolio.models import SupervisorLink  # another app: imported only when it is there

        link = SupervisorLink.objects.filter(case=case).order_by("-created_at").first()
        if link is not None:
            if link.email.lower() != case.supervisor_email.lower():
                name = ""
            email = link.email
            extra["link_sent_at"] = link.created_at
            if link.is_usable:
                extra["account_url"] = _url("portfolio:supervisor_statement", link.pk)
    account = get_user_model().objects.filter(email__iexact=email).only("language").first()
    language = (account.language if account else "") or "sv"
    return Recipient(email=email, name=name, language=language), extra


AUDIENCE = ("trainee", "evaluator", "supervisor", "office")


def _addressed_to(role: str) -> dict:
    """{"to_trainee": …, "to_office": …}: which text a reminder's templates show (they compare no role)."""
    return {f"to_{each}": each == role for each in AUDIENCE}


def reminder_recipients(reminder: Reminder) -> list[tuple[str, Recipient, dict]]:
    """(role, recipient, context of their own) for each person a reminder goes to."""
    kind = KINDS[reminder.kind]
    case = reminder.case
    case_url = _url("evaluations:case_detail", case.pk)
    out = []
    for role in kind.audience:
        if role == "trainee":
            out.append((role, Recipient.of(case.trainee), {"action_url": _trainee_action_url(kind, case)}))
        elif role == "evaluator" and case.evaluator is not None:
            out.append((role, Recipient.of(case.evaluator.user), {"action_url": _evaluator_action_url(kind, case)}))
        elif role == "office":
            # The office reads Swedish.
            out.append((role, Recipient(email=settings.MITTIST_OFFICE_EMAIL, name="Mitt-i-ST"), {"action_url": case_url}))
        elif role == "supervisor":
            recipient, extra = _supervisor(case)
            out.append((role, recipient, {"action_url": extra["account_url"], **extra}))
    return [(role, recipient, {**_addressed_to(role), **extra}) for role, recipient, extra in out]


def reminder_context(reminder: Reminder, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    case = reminder.case
    return {
        "case": case,
        "reminder": reminder,
        "kind": reminder.kind,
        "due": reminder.due_on,
        "days_left": (reminder.due_on - today).days,
        "days_overdue": max(0, (today - reminder.due_on).days),
        "held_on": case.practice_day_held_on or case.practice_day,
        "case_url": _url("evaluations:case_detail", case.pk),
    }


def send_reminder_mail(reminder_id: int) -> int:
    """The worker task queued by the sweep: e-mail one claimed reminder to its people."""
    reminder = Reminder.objects.select_related("case__trainee", "case__evaluator__user").get(pk=reminder_id)
    if reminder.sent_at is None or reminder.cancelled_at is not None:
        return 0  # not claimed by a sweep: nothing may go out
    template = KINDS[reminder.kind].template
    context = reminder_context(reminder)
    recipients = reminder_recipients(reminder)
    for _role, recipient, extra in recipients:
        queue_mail(template, recipient, {**context, **extra})
    return len(recipients)
