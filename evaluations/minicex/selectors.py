"""Reads for mini-CEX: the yearly counts, the forms a progress chart is drawn from. No writes here."""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Min

from evaluations.models import Evaluation, local_today

from .models import MiniCex, TrainingProfile

FULL_TIME = 100
# The forms that carry ratings: the assessor has submitted, whether or not the action plan is written.
RATED_STATES = (MiniCex.State.ASSESSED, MiniCex.State.COMPLETED)


def yearly_minimum(part_time_percent: int) -> int:
    """Two a year at full time, pro rata for part-time, rounded up, and never fewer than one (seed 004)."""
    return max(1, math.ceil(2 * part_time_percent / 100))


def add_years(start: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March, as MiniCex.training_year counts it."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


@dataclass
class YearCount:
    """One training year: [start, end) and how many completed mini-CEX fell in it."""

    number: int
    start: date
    end: date  # exclusive
    completed: int
    minimum: int
    part_time_percent: int
    is_current: bool
    # "profile": the training profile; "case": the Mitt-i-ST case's ST start; "calendar": neither known.
    basis: str = "profile"

    @property
    def met(self) -> bool:
        return self.completed >= self.minimum

    @property
    def missing(self) -> int:
        return max(0, self.minimum - self.completed)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def training_year(self) -> int:
        return self.number

    def __getitem__(self, key):
        # Rows are read as row.completed in templates and as row["completed"] in code; both work.
        return getattr(self, key)


@dataclass
class _Basis:
    start: date
    part_time_percent: int
    kind: str
    minimum: int = field(init=False)

    def __post_init__(self):
        self.minimum = yearly_minimum(self.part_time_percent)


def _basis(profile, case_start, first_form_on, today) -> _Basis:
    if profile is not None:
        return _Basis(profile.training_start, profile.part_time_percent, "profile")
    if case_start is not None:
        return _Basis(case_start, FULL_TIME, "case")
    first_year = first_form_on.year if first_form_on else today.year
    return _Basis(date(min(first_year, today.year), 1, 1), FULL_TIME, "calendar")


def _year_of(basis: _Basis, day: date) -> int:
    """1 for the first year of training; 0 or less before it started."""
    years = day.year - basis.start.year
    if add_years(basis.start, years) > day:
        years -= 1
    return years + 1


def _row(basis: _Basis, number: int, completed_dates, today: date) -> YearCount:
    start = add_years(basis.start, number - 1)
    end = add_years(basis.start, number)
    return YearCount(
        number=number,
        start=start,
        end=end,
        completed=sum(1 for day in completed_dates if start <= day < end),
        minimum=basis.minimum,
        part_time_percent=basis.part_time_percent,
        is_current=start <= today < end,
        basis=basis.kind,
    )


def _newest_case_start(user_ids) -> dict:
    starts = {}
    rows = Evaluation.objects.filter(trainee_id__in=user_ids).order_by("trainee_id", "-registered_at")
    for trainee_id, st_start in rows.values_list("trainee_id", "st_start"):
        starts.setdefault(trainee_id, st_start)
    return starts


def yearly_counts(user, today: date | None = None) -> list[YearCount]:
    """Completed mini-CEX per training year, oldest year first, up to the current one.

    The rule (seed 004): at least two mini-CEX per training year, pro rata for part-time
    (`yearly_minimum`: ceil(2 × part-time % / 100), at least one). A training year runs from the
    training start date to the same date a year later; a form counts in the year of its date
    (`performed_on`) and only once it is completed (action plan written). Drafts, forms still with
    the assessor, assessed forms without an action plan and cancelled forms do not count.

    The start date is the TrainingProfile's; without one, the ST start of the trainee's newest
    Mitt-i-ST case (full time); without that, calendar years from the year of their first form.
    """
    today = today or local_today()
    profile = TrainingProfile.objects.filter(user=user).first()
    case_start = None if profile else _newest_case_start([user.pk]).get(user.pk)
    forms = MiniCex.objects.filter(trainee=user)
    first_form_on = None
    if profile is None and case_start is None:
        first_form_on = forms.aggregate(first=Min("performed_on"))["first"]
    basis = _basis(profile, case_start, first_form_on, today)
    completed_dates = list(forms.counted().filter(performed_on__gte=basis.start).values_list("performed_on", flat=True))
    last_day = max([today, *completed_dates])
    last_year = max(1, _year_of(basis, last_day))
    return [_row(basis, number, completed_dates, today) for number in range(1, last_year + 1)]


def current_year_count(user, today: date | None = None) -> YearCount:
    today = today or local_today()
    rows = yearly_counts(user, today)
    return next((row for row in rows if row.is_current), rows[-1])


def counts_overview(users, today: date | None = None) -> dict:
    """{user id: YearCount of the current training year} for many trainees in four queries.

    `users` is any iterable of users or user ids. The current year always starts within the last
    366 days, so only completed forms from then on are read.
    """
    today = today or local_today()
    ids = [getattr(u, "pk", u) for u in users]
    if not ids:
        return {}
    profiles = {p.user_id: p for p in TrainingProfile.objects.filter(user_id__in=ids)}
    case_starts = _newest_case_start([i for i in ids if i not in profiles])
    first_forms = dict(
        MiniCex.objects.filter(trainee_id__in=ids)
        .values("trainee_id")
        .annotate(first=Min("performed_on"))
        .values_list("trainee_id", "first")
        .order_by()
    )
    recent = {}
    rows = MiniCex.objects.counted().filter(trainee_id__in=ids, performed_on__gte=today - timedelta(days=366))
    for trainee_id, performed_on in rows.values_list("trainee_id", "performed_on").order_by():
        recent.setdefault(trainee_id, []).append(performed_on)
    overview = {}
    for user_id in ids:
        basis = _basis(profiles.get(user_id), case_starts.get(user_id), first_forms.get(user_id), today)
        number = max(1, _year_of(basis, today))
        overview[user_id] = _row(basis, number, recent.get(user_id, ()), today)
    return overview


# --- progress --------------------------------------------------------------------------------------


def rated_forms(user, *, kind: str, date_from: date | None = None, date_to: date | None = None):
    """A trainee's assessed and completed forms of one programme (ST or BT), oldest first."""
    forms = MiniCex.objects.filter(trainee=user, state__in=RATED_STATES, definition__kind=kind)
    if date_from:
        forms = forms.filter(performed_on__gte=date_from)
    if date_to:
        forms = forms.filter(performed_on__lte=date_to)
    return forms.select_related("definition").order_by("performed_on", "created_at")


def default_kind(user) -> str:
    """The programme a trainee's progress page opens on: their profile's, else the one of their newest form."""
    profile = TrainingProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile.programme
    newest = MiniCex.objects.filter(trainee=user).select_related("definition").first()
    return newest.definition.kind if newest else "st"


def chart_series(forms) -> list[dict]:
    """Per rated item, its ratings over time: [{key, label, top, levels, points: [{date, value, form_id, label}]}].

    Only assessed and completed forms, in date order. `value` is None where the assessor ticked
    "Inte observerat" or left the item out, so the chart shows a gap there rather than a zero.
    All forms must be of one programme: ST (five levels) and BT (four) are never drawn on one scale.
    """
    forms = sorted(
        (f for f in forms if f.state in RATED_STATES), key=lambda f: (f.performed_on, f.created_at)
    )
    if not forms:
        return []
    kinds = {f.definition.kind for f in forms}
    if len(kinds) > 1:
        raise ValueError("ST and BT forms cannot share a chart")
    definition = forms[-1].definition
    series = []
    for item in definition.rated_items:
        points = []
        for form in forms:
            raw = form.ratings.get(item["key"])
            value = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            points.append(
                {
                    "date": form.performed_on,
                    "value": value,
                    "form_id": form.pk,
                    "label": form.definition.level_label(raw) if raw is not None else "",
                    "not_observed": raw is not None and value is None,
                }
            )
        series.append(
            {
                "key": item["key"],
                "label": item["label"],
                "top": definition.top_level,
                "levels": definition.scale,
                "points": points,
            }
        )
    return series
