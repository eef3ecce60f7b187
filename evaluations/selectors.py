"""Reads: what the pages list and count. No writes here."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from mittist.accounts.models import User
from mittist.accounts.personnummer import parse_personnummer
from mittist.crypto import lookup_hash
from mittist.search import fold

from .models import DeclinedAssignment, Evaluation, Evaluator, StateCount, local_today

# States in which a case takes an evaluator's time: the load shown when assigning.
LOAD_STATES = Evaluation.PROCESS[1:7]


@dataclass(frozen=True)
class Conflict:
    """Something to weigh before choosing an evaluator. Each one asks the coordinator for a reason;
    `blocks` marks the rule-breaking ones (region, clinic), shown as conflicts rather than warnings."""

    code: str
    label: str
    blocks: bool


def _same_clinic(a: str, b: str) -> bool:
    return bool(a and b) and " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def declined_by(case: Evaluation) -> dict:
    """{user id: when (the last time)} of the evaluators who declined this case."""
    rows = DeclinedAssignment.objects.filter(case=case).order_by("declined_at", "id")
    return dict(rows.values_list("user_id", "declined_at"))


def assignment_conflicts(
    case: Evaluation, evaluator: Evaluator, load: int | None = None, declined: dict | None = None
) -> list[Conflict]:
    conflicts = []
    if evaluator.region == case.region:
        conflicts.append(Conflict("same_region", _("Samma region som ST-läkaren"), True))
    if _same_clinic(evaluator.home_clinic, case.workplace):
        conflicts.append(Conflict("same_clinic", _("Samma vårdcentral som ST-läkaren"), True))
    if load is None:
        load = evaluator.evaluations.filter(state__in=LOAD_STATES).count()
    if load >= evaluator.max_active_cases:
        conflicts.append(Conflict("at_capacity", _("Har redan fullt antal ärenden"), False))
    if declined is None:
        declined = declined_by(case)
    if evaluator.user_id in declined:
        day = date_format(timezone.localtime(declined[evaluator.user_id]), "DATE_FORMAT")
        conflicts.append(
            Conflict("declined", _("Tackade nej till det här ärendet %(day)s") % {"day": day}, False)
        )
    return conflicts


@dataclass
class Candidate:
    evaluator: Evaluator
    load: int
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(c.blocks for c in self.conflicts)

    @property
    def warnings(self) -> list[Conflict]:
        return [c for c in self.conflicts if not c.blocks]


def evaluators_with_load() -> QuerySet:
    return Evaluator.objects.select_related("user").annotate(
        load=Count("evaluations", filter=Q(evaluations__state__in=LOAD_STATES))
    )


def assignment_candidates(case: Evaluation) -> list[Candidate]:
    """Active evaluators who can take the case first, least loaded first; blocked and full ones last."""
    evaluators = evaluators_with_load().filter(active=True).exclude(pk=case.evaluator_id)
    declined = declined_by(case)
    candidates = [
        Candidate(e, e.load, assignment_conflicts(case, e, load=e.load, declined=declined)) for e in evaluators
    ]
    candidates.sort(key=lambda c: (c.blocked, bool(c.warnings), c.load, c.evaluator.user.full_name))
    return candidates


def state_counts() -> dict[str, int]:
    """{state: cases in it} for every state: the few rows the database keeps counted (`StateCount`),
    not a count of every case."""
    counts = dict(StateCount.objects.values_list("state", "cases"))
    return {state: counts.get(state, 0) for state in Evaluation.State.values}


# The queues show the trainee, never an evaluator (they are the cases still without one).
def registration_queue() -> QuerySet:
    return Evaluation.objects.select_related("trainee").filter(
        state=Evaluation.State.REGISTERED, registration_accepted_at__isnull=True
    ).order_by("registered_at")


def assignment_queue() -> QuerySet:
    return Evaluation.objects.select_related("trainee").filter(
        state=Evaluation.State.REGISTERED, registration_accepted_at__isnull=False
    ).order_by("registration_accepted_at")


def _containing(model, word: str, *columns: str) -> QuerySet:
    """The ids of `model`'s rows with `word` (folded) in any of `columns`: the database's stored folded copies
    (`Fold(column)`), each read off its trigram index on PostgreSQL (migration 0010_b13search_search_index)."""
    match = Q()
    for column in columns:
        match |= Q(**{f"{column}__contains": word})
    return model.objects.filter(match).values("pk")


def _personnummer_hash(q: str) -> str | None:
    """The keyed hash of `q` if it is a personnummer in any accepted form (with or without century,
    dash, plus or spaces); None otherwise."""
    try:
        pnr = parse_personnummer(q.replace(" ", ""), today=local_today())
    except ValidationError:
        return None
    return lookup_hash(pnr.digits)


def _search(cases: QuerySet, q: str) -> QuerySet:
    """Every word must be in the trainee's name or e-mail, the clinic or the evaluator's name, case- and
    accent-folded; or the whole of `q` is the trainee's personnummer (found by its hash only)."""
    pnr_hash = _personnummer_hash(q)
    if pnr_hash:
        return cases.filter(personnummer_hash=pnr_hash)
    for word in q.split()[:5]:
        folded = fold(word)
        # One subquery per table rather than one condition across the joins, so that each can use its index.
        people = _containing(User, folded, "full_name_folded", "email_folded")
        named = _containing(User, folded, "full_name_folded")
        cases = cases.filter(
            Q(pk__in=_containing(Evaluation, folded, "workplace_folded"))
            | Q(trainee__in=people)
            | Q(evaluator__in=Evaluator.objects.filter(user__in=named).values("pk"))
        )
    return cases


def case_list(*, state: str = "", region: str = "", evaluator: str = "", q: str = "", overdue: bool = False) -> QuerySet:
    cases = Evaluation.objects.with_related()
    if state:
        cases = cases.filter(state=state)
    if region:
        cases = cases.filter(region=region)
    if evaluator == "none":
        cases = cases.filter(evaluator__isnull=True)
    elif evaluator:
        cases = cases.filter(evaluator_id=evaluator)
    if q:
        cases = _search(cases, q)
    if overdue:
        cases = cases.late()
    return cases.order_by(F("next_due_on").asc(nulls_last=True), "-registered_at")


def mail_needing_attention(limit: int = 50) -> list:
    """Failed and stuck e-mail for the dashboard, newest first, with the case each is about."""
    from mittist.outbox.models import Message

    messages = list(Message.objects.needing_attention().select_related("recipient_user")[:limit])
    cases = Evaluation.objects.select_related("trainee").in_bulk([m.case_id for m in messages if m.case_id])
    for message in messages:
        message.case = cases.get(message.case_id)
    return messages
