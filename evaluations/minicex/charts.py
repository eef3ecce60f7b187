"""The progress charts as coordinates: the page draws them as inline SVG, so they need no JavaScript.

One chart per rated item. Forms are spaced evenly by their order, not by their date: what a trainee
compares is one exercise with the next, and exercises a day apart would otherwise sit on top of each
other. The x axis still says the date of each. A rating of "Inte observerat" is a hollow marker on
its own line below the scale, and the line through the ratings breaks there.
"""

from django.utils.formats import date_format

WIDTH = 360
LEFT = 34  # room for the level numbers
RIGHT = 14
TOP = 14
STEP = 28  # between two levels
NOT_OBSERVED_GAP = 24  # from level 1 down to the hollow markers' line
AXIS_LABELS = 34  # two lines of date under the plot
MAX_TICKS = 6


def _x_positions(count: int) -> list[float]:
    inner_left, inner_right = LEFT + 14, WIDTH - RIGHT - 10
    if count == 1:
        return [(inner_left + inner_right) / 2]
    step = (inner_right - inner_left) / (count - 1)
    return [round(inner_left + i * step, 1) for i in range(count)]


def _shown_ticks(count: int) -> set[int]:
    """Which dates get a label: all if they fit, else every n-th and always the last."""
    if count <= MAX_TICKS:
        return set(range(count))
    every = -(-count // MAX_TICKS)
    shown = list(range(0, count, every))
    if shown[-1] != count - 1:
        if count - 1 - shown[-1] < every / 2:  # too close to the last one to have room for both labels
            shown.pop()
        shown.append(count - 1)
    return set(shown)


def _segments(points: list[dict]) -> list[str]:
    """SVG path data for each run of consecutive rated points; a gap wherever a rating is missing."""
    runs, run = [], []
    for point in points:
        if point["value"] is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(point)
    if run:
        runs.append(run)
    return [
        " ".join(("M" if i == 0 else "L") + f"{p['x']} {p['y']}" for i, p in enumerate(r)) for r in runs if len(r) > 1
    ]


def build_chart(series: dict) -> dict:
    """Coordinates for one item's chart from an entry of selectors.chart_series."""
    top = series["top"]
    level_y = {value: TOP + (top - value) * STEP for value in range(1, top + 1)}
    not_observed_y = level_y[1] + NOT_OBSERVED_GAP
    axis_y = not_observed_y + 12
    height = axis_y + AXIS_LABELS
    xs = _x_positions(len(series["points"]))
    ticks = _shown_ticks(len(series["points"]))
    points, previous_year = [], None
    for i, (x, point) in enumerate(zip(xs, series["points"], strict=True)):
        day = point["date"]
        show_year = i in ticks and day.year != previous_year
        if i in ticks:
            previous_year = day.year
        points.append(
            {
                **point,
                "x": x,
                "y": level_y[point["value"]] if point["value"] is not None else not_observed_y,
                "date_label": date_format(day, "DATE_FORMAT"),
                "tick": date_format(day, "j b") if i in ticks else "",
                "tick_year": str(day.year) if show_year else "",
            }
        )
    return {
        "key": series["key"],
        "label": series["label"],
        "top": top,
        "width": WIDTH,
        "height": height,
        "plot_left": LEFT,
        "plot_right": WIDTH - RIGHT,
        "axis_y": axis_y,
        "tick_y": axis_y + 14,
        "year_y": axis_y + 28,
        "number_x": LEFT - 10,
        "not_observed_y": not_observed_y,
        "levels": [
            {"value": lvl["value"], "label": lvl["label"], "y": level_y[lvl["value"]]} for lvl in reversed(series["levels"])
        ],
        "segments": _segments(points),
        "points": points,
        "has_not_observed": any(p["not_observed"] for p in points),
    }
