"""The steps of a Mitt-i-ST as the trainee sees them: done, current (with its deadline), to do."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from mittist.dates import date_formatter
from mittist.durations import durations

from .extensions import step_link
from .models import Evaluation, local_today

S = Evaluation.State


@dataclass
class Step:
    label: str
    hint: str
    status: str  # "done" | "current" | "todo" | "skipped" (passed by without being done)
    done_on: date | None = None
    due: date | None = None
    url: str = ""  # a satellite's page for the current step (extensions.register_step_link)
    action: str = ""

    @property
    def overdue(self) -> bool:
        return self.status == "current" and self.due is not None and self.due < local_today()

    @property
    def days_left(self) -> int | None:
        return (self.due - local_today()).days if self.due else None

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.overdue else 0


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


def _definitions(case: Evaluation, for_trainee: bool):
    """(label, hint, the state that completes it, when it was done, its deadline).

    The trainee reads the steps addressed to them; everyone else reads them about the trainee.
    """

    def hint(to_trainee, about_trainee):
        return to_trainee if for_trainee else about_trainee

    contact = {"within": durations["contact"]}

    return [
        (_("Anmälan"), hint(_("Din anmälan tas emot av Mitt-i-ST-kansliet."),
                             _("Anmälan tas emot och granskas av Mitt-i-ST-kansliet.")),
         S.REGISTERED, case.registered_at, None),
        (_("Värderare utses"), _("Kansliet tillfrågar en extern värderare från en annan region."),
         S.EVALUATOR_ACCEPTED, case.evaluator_notified_at, None),
        (_("Kontakta värderaren"), hint(_("Ta kontakt med värderaren via e-post inom %(within)s.") % contact,
                                        _("ST-läkaren kontaktar värderaren via e-post inom %(within)s.") % contact),
         S.CONTACT_MADE, case.contact_made_on, case.contact_due),
        (_("Bestäm praktikdag"), hint(_("Kom överens med värderaren om datum för praktikdagen."),
                                      _("ST-läkaren och värderaren kommer överens om datum.")),
         S.PRACTICE_DAY_AGREED, None, None),
        (_("Skicka in material"), _("Portfölj A–F, 2–4 inspelade konsultationer och egenvärderingar, "
                                    "senast %(before)s före praktikdagen.") % {"before": durations["material"]},
         S.MATERIAL_SUBMITTED, case.material_submitted_at, case.material_due),
        (_("Praktikdag"), hint(_("Värderaren besöker dig på din vårdcentral under praktikdagen."),
                               _("Värderaren besöker ST-läkaren på vårdcentralen under praktikdagen.")),
         S.PRACTICE_DAY_HELD, case.practice_day_held_on, case.practice_day),
        (_("Rapport"), _("Värderaren skickar en skriftlig rapport inom %(within)s efter praktikdagen.") % {
            "within": durations["report"]},
         S.REPORT_DELIVERED, case.report_delivered_at, case.report_due),
        (_("Kvalitetsgranskning"), _("En liten grupp inom SFAM läser rapporten för kvalitetsuppföljning."),
         S.QUALITY_REVIEWED, case.quality_reviewed_at, None),
        (_("Intyg"), hint(_("Du får ett intyg om att du har genomfört Mitt-i-ST."),
                          _("ST-läkaren får ett intyg om genomförd Mitt-i-ST.")),
         S.CERTIFIED, case.certified_at, None),
        (_("Utvärdering"), hint(_("Berätta hur din Mitt-i-ST fungerade."),
                                _("ST-läkaren berättar hur Mitt-i-ST fungerade.")),
         S.CLOSED, case.closed_at, case.survey_due),
    ]


def case_steps(case: Evaluation, *, for_trainee: bool = False, survey_time: bool = True) -> list[Step]:
    """The steps in order. `survey_time=False` leaves out when the survey step was done: the quality group
    reads the survey's answers, and the day a case answered would help link an answer to a trainee."""
    state = case.state_before_hold if case.state == S.ON_HOLD else case.state
    reached = Evaluation.PROCESS.index(state) if state in Evaluation.PROCESS else -1
    steps, current_found = [], False
    for label, hint, completes, done_at, due in _definitions(case, for_trainee):
        done = Evaluation.PROCESS.index(completes) <= reached
        skipped = False
        if completes == S.REGISTERED:
            done = case.registration_accepted_at is not None or reached > 0
        if completes == S.QUALITY_REVIEWED:
            # A certificate issued early passes the review by: done only when a review was recorded.
            skipped = done and case.quality_reviewed_at is None
            done = case.quality_reviewed_at is not None
            if skipped:
                hint = _("Intyget utfärdades före kvalitetsgranskningen.")
        if done:
            status = "done"
        elif skipped or case.ended_without_completion:
            status = "skipped"  # passed by (an early certificate), or not "later": the case ended before it
        elif not current_found and not case.is_ended:
            status, current_found = "current", True
        else:
            status = "todo"
        if completes == S.PRACTICE_DAY_AGREED and case.practice_day:
            hint = _("Praktikdag: %(day)s") % {"day": date_format(case.practice_day, "j F Y")}
        url, action = (step_link(completes, case, for_trainee) or ("", "")) if status == "current" else ("", "")
        done_on = _day(done_at) if done else None
        if completes == S.CLOSED and not survey_time:
            done_on, due = None, None
        elif completes == S.CLOSED and done and not case.survey_answered:
            status, done_on = "skipped", None
            hint = _("Ärendet avslutades utan utvärdering.")
        steps.append(Step(label, hint, status, done_on, due, url, action))
    return steps


# The evaluator's line for the states whose line has no deadline or duration in it.
EVALUATOR_TODO = {
    S.EVALUATOR_ASSIGNED: _("Svara på förfrågan"),
    S.EVALUATOR_ACCEPTED: _("ST-läkaren ska kontakta dig"),
    S.CONTACT_MADE: _("Kom överens om praktikdag"),
    S.MATERIAL_SUBMITTED: _("Läs materialet och förbered praktikdagen"),
    S.ON_HOLD: _("Vilande"),
}


def evaluator_todo(case: Evaluation, format_day=None) -> str:
    """One line on the evaluator's home page: what the case needs from them now (only that line translated).
    `format_day`: a mittist.dates.date_formatter("j F Y"), for a list of cases."""
    format_day = format_day or date_formatter("j F Y")
    if case.state == S.PRACTICE_DAY_AGREED:
        if case.material_due:
            return str(_("Materialet ska komma senast %(day)s") % {"day": format_day(case.material_due)})
        return str(_("Materialet ska komma senast %(before)s före praktikdagen") % {"before": durations["material"]})
    if case.state == S.PRACTICE_DAY_HELD:
        if case.report_due:
            return str(_("Skriv och skicka rapporten senast %(day)s") % {"day": format_day(case.report_due)})
        return str(_("Skriv och skicka rapporten inom %(within)s") % {"within": durations["report"]})
    return str(EVALUATOR_TODO.get(case.state, ""))
