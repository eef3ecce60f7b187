"""Reads: what the pages list and count. No writes here."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
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


def _words(q: str) -> list[str]:
    return [fold(word) for word in q.split()[:5]]


def _containing_word(folded: str) -> Q:
    """The cases with `folded` in the trainee's name or e-mail, the clinic or the evaluator's name: one
    subquery per table rather than one condition across the joins, so that each can use its index."""
    people = _containing(User, folded, "full_name_folded", "email_folded")
    named = _containing(User, folded, "full_name_folded")
    return (
        Q(pk__in=_containing(Evaluation, folded, "workplace_folded"))
        | Q(trainee__in=people)
        | Q(evaluator__in=Evaluator.objects.filter(user__in=named).values("pk"))
    )


def _search(cases: QuerySet, q: str) -> QuerySet:
    """Every word must be in the trainee's name or e-mail, the clinic or the evaluator's name, case- and
    accent-folded; or the whole of `q` is the trainee's personnummer (found by its hash only)."""
    pnr_hash = _personnummer_hash(q)
    if pnr_hash:
        return cases.filter(personnummer_hash=pnr_hash)
    for folded in _words(q):
        cases = cases.filter(_containing_word(folded))
    return cases


def _filtered(cases: QuerySet, *, state: str = "", region: str = "", evaluator: str = "", overdue: bool = False):
    if state:
        cases = cases.filter(state=state)
    if region:
        cases = cases.filter(region=region)
    if evaluator == "none":
        cases = cases.filter(evaluator__isnull=True)
    elif evaluator:
        cases = cases.filter(evaluator_id=evaluator)
    if overdue:
        cases = cases.late()
    return cases


LIST_ORDER = (F("next_due_on").asc(nulls_last=True), "-registered_at")


def case_list(*, q: str = "", **filters) -> QuerySet:
    cases = _filtered(Evaluation.objects.with_related(), **filters)
    if q:
        cases = _search(cases, q)
    return cases.order_by(*LIST_ORDER)


class CaseSearch:
    """The dashboard's search, for a paginator: `count_up_to(n)` and a slice. Same matches as `case_list(q=…)`
    (the export's), read so that a page costs about the same however many cases there are.

    As one condition (`case_list`), PostgreSQL first collects every person whose name holds the word (a fifth
    of all people for a common word) and every count reads every match; for a rare word it walked every case in
    the list's order looking for 25 that match. Here the matches of one word (the longest, likely the rarest)
    are three disjoint parts by where the word is: the trainee's name or e-mail, else the clinic, else the
    evaluator's name. Each part is ordered and limited on its own, and UNION ALL merges them, so each can stop
    early or start from its index. The people who match are looked up first, at most PROBE of them: a few
    (a name) are then looked for by their ids; more (a common word) by walking the list in order, where
    they come soon. The evaluators are few (staff, not cases) and are named the same way. The other words
    filter every part as in `case_list`. SQLite cannot limit the parts of a UNION: there (the small, embedded
    database) the search is `case_list`'s."""

    ORDER_COLUMNS = ("pk", "next_due_on", "registered_at")
    PROBE = 500
    LISTED = 50  # up to this many people are looked for by their ids, written in the query

    def __init__(self, *, q: str, columns: tuple[str, ...], **filters):
        from django.db import connection

        self.rows = Evaluation.objects.with_related().only(*columns)
        words = _words(q)
        self.parts = None
        if connection.vendor != "postgresql" or not words or _personnummer_hash(q):
            self.single = _search(_filtered(self.rows, **filters), q).order_by(*LIST_ORDER)
            return
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        base = _filtered(Evaluation.objects.all(), **filters)
        for other in words[:longest] + words[longest + 1:]:
            base = base.filter(_containing_word(other))
        people = _containing(User, word, "full_name_folded", "email_folded")
        found = list(people.values_list("pk", flat=True)[: self.PROBE + 1])
        if len(found) > self.PROBE:
            person = Q(trainee__full_name_folded__contains=word) | Q(trainee__email_folded__contains=word)
        elif len(found) <= self.LISTED:
            person = Q(trainee_id__in=found)
        else:
            # As a subquery: hundreds of ids written into the SQL (client-side binding), in every part of both
            # the count and the page, were kilobytes of text to compose and to parse.
            person = Q(trainee_id__in=people)
        place = Q(workplace_folded__contains=word)
        self.parts = [base.filter(person), base.filter(place).exclude(person)]
        evaluators = list(Evaluator.objects.filter(user__full_name_folded__contains=word).values_list("pk", flat=True))
        if evaluators:
            self.parts.append(base.filter(evaluator_id__in=evaluators).exclude(person).exclude(place))

    def count_up_to(self, n: int) -> int:
        if self.parts is None:
            return self.single.order_by().values("pk")[:n].count()
        first, *rest = [part.order_by().values("pk")[:n] for part in self.parts]
        return min(first.union(*rest, all=True).count(), n)

    def __getitem__(self, window: slice) -> list:
        if self.parts is None:
            return list(self.single[window])
        if window.stop <= window.start:
            return []  # Django makes a query sliced to nothing an empty one, which a UNION leaves out
        first, *rest = [part.order_by(*LIST_ORDER).values_list(*self.ORDER_COLUMNS)[: window.stop]
                        for part in self.parts]
        page_sql, params = first.union(*rest, all=True).order_by(*LIST_ORDER)[window].query.sql_with_params()
        page = RawSQL(f"SELECT page.pk FROM ({page_sql}) page", params)  # its ids, read with the rows
        return list(self.rows.filter(pk__in=page).order_by(*LIST_ORDER))


def mail_needing_attention(limit: int = 50) -> list:
    """Failed and stuck e-mail for the dashboard, newest first, with the case each is about."""
    from mittist.outbox.models import Message

    messages = list(Message.objects.needing_attention().select_related("recipient_user")[:limit])
    cases = Evaluation.objects.select_related("trainee").in_bulk([m.case_id for m in messages if m.case_id])
    for message in messages:
        message.case = cases.get(message.case_id)
    return messages
