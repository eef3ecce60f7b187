"""What the quality group reads: the survey's answers of one year, taken together.

A fixed number of queries whatever the number of answers (the years, the year's answers, the definitions
they answered); the counting is done here. Nothing is shown per answer except the free text, which is
sorted by its own words: neither the month nor the region is shown beside it, and the order says nothing
about when a case closed. A region is named only where at least MITTIST_SURVEY_MIN_GROUP answers that year
come from it.
"""

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from evaluations.models import Region
from mittist.definitions import localized

from .models import SCALE, SurveyDefinition, SurveyResponse


@dataclass
class Bar:
    value: int
    count: int
    percent: int
    end_label: str = ""


@dataclass
class ScaleResult:
    key: str
    topic: str
    label: str
    low: str
    high: str
    count: int
    mean: float | None
    bars: list[Bar]

    @property
    def mean_label(self) -> str:
        return number_format(self.mean, 1) if self.mean is not None else "–"


@dataclass
class TextResult:
    key: str
    topic: str
    label: str
    answers: list[str]


@dataclass
class RegionResult:
    code: str
    name: str
    count: int
    means: list[str]  # one per scale question, in the order of YearResults.scales


@dataclass
class YearResults:
    year: int
    total: int
    min_group: int
    scales: list[ScaleResult] = field(default_factory=list)
    texts: list[TextResult] = field(default_factory=list)
    regions: list[RegionResult] = field(default_factory=list)
    # Answers from regions with fewer than min_group answers: counted in the totals, never named.
    unnamed_region_answers: int = 0

    @property
    def region_rows(self) -> list[tuple[ScaleResult, list[str]]]:
        """Per scale question, its mean in each named region (the columns of RegionResult)."""
        return [(scale, [region.means[i] for region in self.regions]) for i, scale in enumerate(self.scales)]


def answer_years() -> list[int]:
    """The years that have answers, newest first."""
    return list(SurveyResponse.objects.order_by("-year").values_list("year", flat=True).distinct())


def _questions(definitions: list[SurveyDefinition]) -> list[dict]:
    """Each question key once, worded as the newest version used has it, in that version's order.

    Keys are never renamed (mittist.definitions): a key in an older version only comes after.
    """
    seen, questions = set(), []
    for definition in sorted(definitions, key=lambda d: -d.version):
        for item in definition.items:
            if item["key"] not in seen:
                seen.add(item["key"])
                questions.append(item)
    return questions


def _definitions_for(rows) -> list[SurveyDefinition]:
    ids = {definition_id for definition_id, _region, _answers in rows}
    return list(SurveyDefinition.objects.filter(pk__in=ids)) if ids else []


# Å, Ä and Ö come after Z in Swedish, in that order (by code point they would be Ä, Å, then Ö).
SWEDISH_ORDER = str.maketrans({"å": "~1", "ä": "~2", "ö": "~3", "æ": "~2", "ø": "~3"})


def swedish_key(text: str) -> str:
    return text.casefold().translate(SWEDISH_ORDER)


def named_regions(counts: dict[str, int]) -> set[str]:
    return {code for code, n in counts.items() if code and n >= settings.MITTIST_SURVEY_MIN_GROUP}


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def year_results(year: int) -> YearResults:
    rows = list(SurveyResponse.objects.filter(year=year).values_list("definition_id", "region", "answers"))
    questions = _questions(_definitions_for(rows))
    result = YearResults(year=year, total=len(rows), min_group=settings.MITTIST_SURVEY_MIN_GROUP)
    region_counts = Counter(region for _id, region, _answers in rows)
    shown = named_regions(region_counts)
    by_region: dict[str, list[dict]] = defaultdict(list)
    for _id, region, answers in rows:
        if region in shown:
            by_region[region].append(answers)

    for item in questions:
        key, kind = item["key"], item.get("kind", "scale")
        if kind == "scale":
            values = [a[key] for _id, _region, a in rows if isinstance(a.get(key), int) and a[key] in SCALE]
            counts = Counter(values)
            low, high = localized(item, "low"), localized(item, "high")
            bars = [
                Bar(value, counts[value], round(100 * counts[value] / len(values)) if values else 0,
                    low if value == SCALE[0] else high if value == SCALE[-1] else "")
                for value in SCALE
            ]
            result.scales.append(ScaleResult(key, localized(item, "topic"), localized(item, "label"), low, high,
                                             len(values), _mean(values), bars))
        else:
            texts = [a[key] for _id, _region, a in rows if isinstance(a.get(key), str) and a[key].strip()]
            result.texts.append(TextResult(key, localized(item, "topic"), localized(item, "label"),
                                           sorted(texts, key=swedish_key)))

    names = dict(Region.choices)
    for code in sorted(shown, key=lambda c: names.get(c, c)):
        answers = by_region[code]
        means = []
        for scale in result.scales:
            mean = _mean([a[scale.key] for a in answers if isinstance(a.get(scale.key), int)])
            means.append(number_format(mean, 1) if mean is not None else "–")
        result.regions.append(RegionResult(code, names.get(code, code), len(answers), means))
    result.unnamed_region_answers = result.total - sum(r.count for r in result.regions)
    return result


def csv_rows(year: int) -> Iterator[list]:
    """The year's answers for a spreadsheet, one row each: the year, the region where it may be named,
    the version of the questions, and every answer. In key order (random), never in the order they came."""
    counts = SurveyResponse.objects.filter(year=year).values("region").annotate(n=Count("id"))
    shown = named_regions({row["region"]: row["n"] for row in counts})
    definitions = list(SurveyDefinition.objects.filter(responses__year=year).distinct())
    versions = {d.pk: d.version for d in definitions}
    questions = _questions(definitions)
    names = dict(Region.choices)
    yield [_("År"), _("Region"), _("Enkätversion"), *[localized(item, "label") for item in questions]]
    rows = SurveyResponse.objects.filter(year=year).order_by("id").values_list("definition_id", "region", "answers")
    for definition_id, region, answers in rows.iterator(chunk_size=500):
        yield [
            year,
            names.get(region, region) if region in shown else "",
            versions.get(definition_id, ""),
            *[answers.get(item["key"], "") for item in questions],
        ]
