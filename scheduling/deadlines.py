"""What is due for a case, and when: every deadline derived from the event it hangs on.

Nothing here is stored. Each date is computed from its anchor (the evaluator made known, the contact,
the practice day, the certificate), so when an anchor moves (the practice day is rescheduled, the
evaluator replaced) every deadline that depends on it moves with it, and the reminders follow on the
next re-plan.

    assignment_answer     evaluator asked + MITTIST_ASSIGNMENT_ANSWER_DAYS                evaluator
    contact               evaluator made known (local date) + MITTIST_CONTACT_DAYS       trainee
    practice_day_agreed   contact made + MITTIST_PRACTICE_DAY_AGREE_DAYS (advice)        trainee, evaluator
    supervisor_statement  the material's deadline (section F belongs to the material)    supervisor
    material              practice day − MITTIST_MATERIAL_DAYS_BEFORE                    trainee
    practice_day          the practice day itself                                        trainee, evaluator
    report                day held (or agreed) + MITTIST_REPORT_DAYS_AFTER               evaluator
    survey                certificate (local date) + MITTIST_SURVEY_DAYS_AFTER           trainee

A deadline is *open* when it is the case's business now: its step has not been taken and the case is
at the stage where someone can take it. Only open deadlines can be overdue, and only they are reminded of.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import Evaluation

S = Evaluation.State

ASSIGNMENT_ANSWER = "assignment_answer"
CONTACT = "contact"
PRACTICE_DAY_AGREED = "practice_day_agreed"
SUPERVISOR_STATEMENT = "supervisor_statement"
MATERIAL = "material"
PRACTICE_DAY = "practice_day"
REPORT = "report"
SURVEY = "survey"

LABELS = {
    ASSIGNMENT_ANSWER: _("Värderarens svar på förfrågan"),
    CONTACT: _("Kontakt med värderaren"),
    PRACTICE_DAY_AGREED: _("Praktikdag överenskommen"),
    SUPERVISOR_STATEMENT: _("Handledarens utlåtande"),
    MATERIAL: _("Portfölj och inspelningar till värderaren"),
    PRACTICE_DAY: _("Praktikdag"),
    REPORT: _("Rapport"),
    SURVEY: _("Enkät om Mitt-i-ST"),
}

ROLE_LABELS = {
    "trainee": _("ST-läkare"),
    "evaluator": _("Värderare"),
    "supervisor": _("Handledare"),
    "coordinator": _("Koordinator"),
}


@dataclass(frozen=True)
class Deadline:
    kind: str
    due_on: date
    who: tuple[str, ...]  # the roles that act: trainee, evaluator, supervisor, coordinator
    open: bool
    done_on: date | None = None
    advisory: bool = False  # a recommendation: passing it is worth a nudge, not a fault
    upcoming: bool = False  # not yet the case's business: its stage comes later
    today: date = field(default_factory=timezone.localdate, compare=False)

    @property
    def label(self):
        return LABELS[self.kind]

    @property
    def who_label(self) -> str:
        return ", ".join(str(ROLE_LABELS[role]) for role in self.who)

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def days_left(self) -> int:
        """Days from today to the deadline: 0 on the day, negative once it has passed."""
        return (self.due_on - self.today).days

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def overdue(self) -> bool:
        return self.open and self.done_on is None and self.today > self.due_on

    @property
    def status(self) -> str:
        """done, overdue, open, upcoming, or inactive (the case is paused or ended, or went past it)."""
        if self.done_on is not None:
            return "done"
        if self.open:
            return "overdue" if self.overdue else "open"
        return "upcoming" if self.upcoming else "inactive"


def _local(moment) -> date | None:
    return timezone.localdate(moment) if moment else None


def _statement_locked_on(case: Evaluation) -> tuple[bool, date | None]:
    """(whether the portfolio app is there at all, the day section F was locked or None)."""
    if not apps.is_installed("portfolio"):
        return False, None
    from portfolio.models import Section  # another app: imported only when it is there

    locked_at = (
        Section.objects.filter(case_id=case.pk, code="F").values_list("locked_at", flat=True).first()
    )
    return True, _local(locked_at)


def statement_requested(case: Evaluation) -> bool:
    """Whether the supervisor has been asked for the statement: a link sent and not revoked.

    Until then there is nobody to remind (the portfolio shows "Inte begärt"); the trainee is reminded
    of the material, which includes asking for it."""
    if not apps.is_installed("portfolio"):
        return False
    from portfolio.models import SupervisorLink  # another app: imported only when it is there

    return SupervisorLink.objects.filter(case_id=case.pk, revoked_at__isnull=True).exists()


def case_deadlines(case: Evaluation, today: date | None = None) -> list[Deadline]:
    """Every deadline of the case whose anchor is known, in process order, with which are open now."""
    today = today or timezone.localdate()
    state = case.state
    deadlines: list[Deadline] = []

    def add(kind, due_on, who, *, open_in, done_on=None, advisory=False):
        if due_on is None:
            return
        is_open = state in open_in and done_on is None
        upcoming = (
            not is_open
            and done_on is None
            and state in Evaluation.PROCESS
            and Evaluation.PROCESS.index(state) < min(Evaluation.PROCESS.index(s) for s in open_in)
        )
        deadlines.append(
            Deadline(kind, due_on, who, is_open, done_on=done_on, advisory=advisory, upcoming=upcoming, today=today)
        )

    add(ASSIGNMENT_ANSWER, case.assignment_answer_due, ("evaluator",), open_in={S.EVALUATOR_ASSIGNED})
    add(CONTACT, case.contact_due, ("trainee",), open_in={S.EVALUATOR_ACCEPTED}, done_on=case.contact_made_on)

    if case.contact_made_on:
        add(
            PRACTICE_DAY_AGREED,
            case.contact_made_on + timedelta(days=settings.MITTIST_PRACTICE_DAY_AGREE_DAYS),
            ("trainee", "evaluator"),
            open_in={S.CONTACT_MADE},
            done_on=_local(case.practice_day_agreed_at) if case.practice_day else None,
            advisory=True,
        )

    material_due = case.material_due
    if material_due is not None:
        has_portfolio, locked_on = _statement_locked_on(case)
        if has_portfolio:
            add(SUPERVISOR_STATEMENT, material_due, ("supervisor",), open_in={S.PRACTICE_DAY_AGREED}, done_on=locked_on)
    add(
        MATERIAL,
        material_due,
        ("trainee",),
        open_in={S.PRACTICE_DAY_AGREED},
        done_on=_local(case.material_submitted_at),
    )
    add(
        PRACTICE_DAY,
        case.practice_day,
        ("trainee", "evaluator"),
        open_in={S.PRACTICE_DAY_AGREED, S.MATERIAL_SUBMITTED},
        done_on=case.practice_day_held_on,
    )
    add(
        REPORT,
        case.report_due,
        ("evaluator",),
        open_in={S.PRACTICE_DAY_HELD},
        done_on=_local(case.report_delivered_at),
    )
    certified_on = _local(case.certified_at)
    if certified_on:
        # Answered in the survey app, which closes the case: open while certified, done on the day it closed.
        add(
            SURVEY,
            certified_on + timedelta(days=settings.MITTIST_SURVEY_DAYS_AFTER),
            ("trainee",),
            open_in={S.CERTIFIED},
            done_on=_local(case.closed_at) if case.survey_answered else None,
        )
    return deadlines


def open_deadlines(case: Evaluation, today: date | None = None) -> list[Deadline]:
    return [d for d in case_deadlines(case, today) if d.open]
