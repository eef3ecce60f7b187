"""Reads: what the pages list and count. No writes here."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Evaluation, Evaluator, local_today

# States in which a case takes an evaluator's time: the load shown when assigning.
LOAD_STATES = Evaluation.PROCESS[1:7]


@dataclass(frozen=True)
class Conflict:
    code: str
    label: str
    blocks: bool


def _same_clinic(a: str, b: str) -> bool:
    return bool(a and b) and " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def assignment_conflicts(case: Evaluation, evaluator: Evaluator, load: int | None = None) -> list[Conflict]:
    conflicts = []
    if evaluator.region == case.region:
        conflicts.append(Conflict("same_region", _("Samma region som ST-läkaren"), True))
    if _same_clinic(evaluator.home_clinic, case.workplace):
        conflicts.append(Conflict("same_clinic", _("Samma vårdcentral som ST-läkaren"), True))
    if load is None:
        load = evaluator.evaluations.filter(state__in=LOAD_STATES).count()
    if load >= evaluator.max_active_cases:
        conflicts.append(Conflict("at_capacity", _("Har redan fullt antal ärenden"), False))
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
    candidates = [Candidate(e, e.load, assignment_conflicts(case, e, load=e.load)) for e in evaluators]
    candidates.sort(key=lambda c: (c.blocked, bool(c.warnings), c.load, c.evaluator.user.full_name))
    return candidates


def state_counts() -> dict[str, int]:
    rows = Evaluation.objects.values("state").annotate(n=Count("id")).order_by()
    counts = {row["state"]: row["n"] for row in rows}
    return {state: counts.get(state, 0) for state in Evaluation.State.values}


def registration_queue() -> QuerySet:
    return Evaluation.objects.with_related().filter(
        state=Evaluation.State.REGISTERED, registration_accepted_at__isnull=True
    ).order_by("registered_at")


def assignment_queue() -> QuerySet:
    return Evaluation.objects.with_related().filter(
        state=Evaluation.State.REGISTERED, registration_accepted_at__isnull=False
    ).order_by("registration_accepted_at")


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
        for word in q.split()[:5]:
            cases = cases.filter(
                Q(trainee__full_name__icontains=word) | Q(trainee__email__icontains=word) | Q(workplace__icontains=word)
            )
    if overdue:
        cases = cases.filter(next_due_on__lt=local_today())
    return cases.order_by(F("next_due_on").asc(nulls_last=True), "-registered_at")


def mail_needing_attention(limit: int = 50) -> list:
    """Failed and stuck e-mail for the dashboard, newest first, with the case each is about."""
    from mittist.outbox.models import Message

    messages = list(Message.objects.needing_attention().select_related("recipient_user")[:limit])
    cases = Evaluation.objects.select_related("trainee").in_bulk([m.case_id for m in messages if m.case_id])
    for message in messages:
        message.case = cases.get(message.case_id)
    return messages
