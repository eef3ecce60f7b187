"""The survey's distributions as coordinates: the page draws them as inline SVG (no JavaScript), in the
house style of the mini-CEX charts (evaluations/minicex/charts.py).

One chart per scale question: a column for each value 1–5, as high as the number of answers with that
value (the tallest column fills the plot), the count above it, the scale's end labels under 1 and 5, and
a dashed line at the mean. The same numbers are in the table under the charts.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .models import SCALE
from .selectors import ScaleResult

WIDTH = 360
LEFT = 12
RIGHT = 12
MEAN_Y = 12  # the mean's label, above the plot
PLOT_TOP = 34  # room for the mean's label and the tallest column's count
PLOT_HEIGHT = 112
COLUMN_GAP = 0.36  # of a column's width, left empty between two columns
VALUE_GAP = 16  # from the axis down to the numbers 1–5
END_GAP = 32  # from the axis down to the end labels
BOTTOM = 8
END_LABEL_MAX = 28  # characters; the full label is in the caption's description and the table


def _short(text: str) -> str:
    return text if len(text) <= END_LABEL_MAX else text[: END_LABEL_MAX - 1].rstrip() + "…"


def build_chart(scale: ScaleResult) -> dict:
    axis_y = PLOT_TOP + PLOT_HEIGHT
    slot = (WIDTH - LEFT - RIGHT) / len(SCALE)
    bar_width = round(slot * (1 - COLUMN_GAP), 1)
    tallest = max((bar.count for bar in scale.bars), default=0) or 1

    def centre(value: float) -> float:
        return round(LEFT + (value - SCALE[0] + 0.5) * slot, 1)

    bars = []
    for bar in scale.bars:
        height = round(PLOT_HEIGHT * bar.count / tallest, 1)
        x = centre(bar.value)
        bars.append({
            "value": bar.value,
            "count": bar.count,
            "percent": bar.percent,
            "x": round(x - bar_width / 2, 1),
            "centre": x,
            "y": round(axis_y - height, 1),
            "height": height,
            "count_y": round(axis_y - height - 5, 1),
            "title": _("%(value)s: %(count)s svar (%(percent)s %%)") % {
                "value": bar.value, "count": bar.count, "percent": bar.percent},
        })

    mean = None
    if scale.mean is not None:
        x = centre(scale.mean)
        label = _("medel %(mean)s") % {"mean": number_format(scale.mean, 1)}
        # Kept inside the picture: a mean near 1 or 5 would put half the label outside.
        label_x = min(max(x, LEFT + 30), WIDTH - RIGHT - 30)
        mean = {"x": x, "label": label, "label_x": label_x, "top": MEAN_Y + 4}

    return {
        "key": scale.key,
        "label": scale.label,
        "width": WIDTH,
        "height": axis_y + END_GAP + BOTTOM,
        "plot_left": LEFT,
        "plot_right": WIDTH - RIGHT,
        "axis_y": axis_y,
        "value_y": axis_y + VALUE_GAP,
        "end_y": axis_y + END_GAP,
        "mean_y": MEAN_Y,
        "bar_width": bar_width,
        "bars": bars,
        "mean": mean,
        "low": _short(scale.low),
        "high": _short(scale.high),
        "low_x": LEFT,
        "high_x": WIDTH - RIGHT,
        "count": scale.count,
        "description": "; ".join(
            f"{b.value}{' (' + b.end_label + ')' if b.end_label else ''}: {b.count}" for b in scale.bars
        ),
    }
