"""The form definitions in the database equal the printed forms (seeds 000 and 001), word for word.

The seeds are the text of the printed forms (copied into tests/minicex/seeds/ under their original
names). Their layout is flattened: table cells become paragraphs and long labels break across lines,
sometimes inside a hyphenated word ("BT-\\nläkaren"). So every comparison is made after `norm`: a
line break after a hyphen is joined, and any run of whitespace becomes one space.

The one allowed difference: the BT form says "AT-läkare" / "AT-läkaren" / "AT-läkarens" where a BT
doctor is meant (left over from the AT form it was made from; domain.md). `bt_seed` replaces
"AT-läkare" with "BT-läkare" in the seed text before comparing, and that is the only change made.
"""

import re
from pathlib import Path

import pytest

from evaluations.minicex.definitions import DEFINITIONS, JSON_FIELDS
from evaluations.minicex.models import FormDefinition

SEEDS = Path(__file__).parent / "seeds"
ST_SEED = SEEDS / "000_4a995250bb89f78a.txt"
BT_SEED = SEEDS / "001_7fc5937324b084e5.txt"
LEVEL_START = r"(?=\b[SB]T-läkaren (?:observerar|utför))"


def norm(text: str) -> str:
    text = re.sub(r"-[ \t]*\n\s*", "-", text)  # "BT-\nläkaren" -> "BT-läkaren"
    return " ".join(text.split())


def st_seed() -> str:
    return ST_SEED.read_text(encoding="utf-8")


def bt_seed() -> str:
    # The one deliberate substitution (see the module docstring).
    return BT_SEED.read_text(encoding="utf-8").replace("AT-läkare", "BT-läkare")


def paragraphs(text: str) -> list[str]:
    return [norm(p) for p in re.split(r"\n\s*\n", text) if p.strip()]


def between(text: str, start: str, end: str) -> str:
    """The normalised text after the first `start` and before the next `end`."""
    flat = norm(text)
    i = flat.index(start) + len(start)
    return flat[i : flat.index(end, i)]


def seed_goals(text: str) -> list[tuple[str, str]]:
    return [(m[1], m[2].strip()) for m in re.finditer(r"^☐ (\S+) – (.+?)\s*$", text, re.M)]


def seed_free_goals(text: str) -> list[str]:
    return re.findall(r"^☐ (\S+)\s*$", text, re.M)


def boxes(text: str, label: str) -> list[str]:
    """The options of a "Label ☐ A ☐ B" line, in order."""
    line = next(line for line in text.splitlines() if line.strip().startswith(label + " "))
    head, *options = line.split("☐")
    assert head.strip() == label
    return [o.strip() for o in options]


def underscore_label(text: str, pattern: str) -> str:
    return re.search(pattern, text, re.M)[1]


@pytest.fixture(params=["st-v1", "bt-v1"])
def pair(request, db):
    """(the FormDefinition row the data migration loaded, the seed text it must equal)."""
    definition = FormDefinition.objects.get(key=request.param)
    return definition, st_seed() if definition.kind == "st" else bt_seed()


# --- the rows are the printed form ----------------------------------------------------------------


def test_title_and_subtitle(pair):
    definition, seed = pair
    lines = [norm(line) for line in seed.splitlines() if line.strip()]
    if definition.subtitle:
        assert lines[:2] == [definition.subtitle, definition.title]
    else:
        assert lines[0] == definition.title
    assert definition.subtitle == ("AVSER BASTJÄNSTGÖRING (BT)" if definition.kind == "bt" else "")


def test_people_and_context_labels(pair):
    definition, seed = pair
    assert underscore_label(seed, r"^\s*([^\s_]+)_{5,}\s*$") == definition.trainee_label
    assert underscore_label(seed, r"^\s*([^\s_]+)_{5,} [^\s_]+_{5,}") == definition.assessor_label
    assert underscore_label(seed, r"_{5,} ([^\s_]+)_{5,}\s*$") == definition.date_label
    assert underscore_label(seed, r"^[ \t]*(\S[^_\n]*?) _{5,}\s*$") == definition.context_label


def test_difficulty_and_focus(pair):
    definition, seed = pair
    assert boxes(seed, definition.difficulty_label) == [d["label"] for d in definition.difficulties]
    assert boxes(seed, definition.focus_label) == [f["label"] for f in definition.focus_options]


def test_difficulty_labels_as_printed(db):
    st, bt = FormDefinition.objects.get(key="st-v1"), FormDefinition.objects.get(key="bt-v1")
    assert [d["label"] for d in st.difficulties] == ["Enkelt", "Medelsvårt", "Svårt"]
    assert [d["label"] for d in bt.difficulties] == ["Enkel", "Medelsvår", "Svår"]
    assert [f["label"] for f in st.focus_options] == ["Anamnes", "Status", "Diagnos", "Behandling", "Rådgivning"]


def test_every_goal_code_and_label(pair):
    definition, seed = pair
    printed = seed_goals(seed)
    loaded = [(g["code"], g["label"]) for c in definition.curricula for g in c["goals"]]
    # The ST form prints its two curricula in two interleaved columns: compare each in its own order.
    for curriculum in definition.curricula:
        codes = {g["code"] for g in curriculum["goals"]}
        assert [p for p in printed if p[0] in codes] == [(g["code"], g["label"]) for g in curriculum["goals"]]
    assert sorted(printed) == sorted(loaded)


def test_goal_codes_per_curriculum(db):
    st, bt = FormDefinition.objects.get(key="st-v1"), FormDefinition.objects.get(key="bt-v1")
    assert [g["code"] for g in st.curriculum("2021")["goals"]] == ["STa4", "STa5", "STa6", "STa7", "STb1", "STb2", "STb5"]
    assert [g["code"] for g in st.curriculum("2015")["goals"]] == ["a1", "a2", "a3", "b1", "b2", "b5"]
    assert [g["code"] for g in bt.curriculum("bt2021")["goals"]] == [
        "bt1", "bt2", "bt5", "bt9", "bt10", "bt11", "bt13", "bt14"
    ]


def test_curriculum_labels(pair):
    definition, seed = pair
    for curriculum in definition.curricula:
        assert curriculum["label"] in norm(seed)


def test_free_goal_slots(pair):
    definition, seed = pair
    printed = seed_free_goals(seed)
    expected = [c["free_goal_code"] for c in definition.curricula for _ in range(c["free_goal_slots"])]
    assert sorted(printed) == sorted(expected)
    if definition.kind == "st":
        assert printed.count("STc") == 3 and printed.count("c") == 3
    else:
        assert printed == []


def test_number_of_levels(pair):
    definition, seed = pair
    printed = [p for p in paragraphs(seed) if p.startswith("Aktivitet är ett kliniskt moment")]
    assert len(definition.scale) == len(printed) == {"st": 5, "bt": 4}[definition.kind]
    assert [lvl["value"] for lvl in definition.scale] == list(range(1, len(printed) + 1))
    assert definition.top_level == len(printed)


def test_level_definitions_word_for_word(pair):
    definition, seed = pair
    printed = [p for p in paragraphs(seed) if p.startswith("Aktivitet är ett kliniskt moment")]
    assert [lvl["definition"] for lvl in definition.scale] == printed


def test_level_labels_in_the_definitions_table(pair):
    definition, seed = pair
    section = between(seed, definition.definitions_label, "Aktivitet är ett kliniskt moment")
    printed = [p.strip() for p in re.split(LEVEL_START, section) if p.strip()]
    assert [lvl["label"] for lvl in definition.scale] == printed


def test_level_labels_over_the_rating_grid(pair):
    definition, seed = pair
    last_definition = definition.scale[-1]["definition"]
    section = between(seed, last_definition, definition.not_observed_label)
    printed = [p.strip() for p in re.split(LEVEL_START, section) if p.strip()]
    assert [lvl["label"] for lvl in definition.scale] == printed


def test_rated_items_and_not_observed(pair):
    definition, seed = pair
    assert definition.not_observed_label == "Inte observerat"
    grid = seed[seed.index("observerat") + len("observerat") : seed.index("Sammanfattande")]
    printed = paragraphs(grid)
    assert printed == [item["label"] for item in definition.rated_items]
    assert printed == ["Anamnes", "Status", "Bemötande", "Rådgivning", "Arbetar organisatoriskt och effektivt"]


def test_free_text_labels(pair):
    definition, seed = pair
    flat = norm(seed)
    for label in (definition.suggestions_label, definition.definitions_label, definition.summary_label,
                  definition.action_plan_label):
        assert label in flat
    assert any(p.startswith(definition.summary_label) for p in paragraphs(seed))
    assert re.search(r"^\s*" + re.escape(definition.action_plan_label) + r"\s*$", seed, re.M)
    assert re.search(r"^\s*" + re.escape(definition.suggestions_label) + r"\s*$", seed, re.M)


def test_bt_substitution_is_the_only_change():
    """Without the AT→BT substitution the BT seed differs exactly where it names the AT doctor."""
    raw = BT_SEED.read_text(encoding="utf-8")
    assert re.findall(r"AT-läkare[a-zåäö]*", raw) == ["AT-läkare", "AT-läkarens", "AT-läkaren"]


def test_rows_equal_the_constants_they_were_loaded_from(db):
    for entry in DEFINITIONS:
        row = FormDefinition.objects.get(key=entry["key"])
        for field, value in entry.items():
            assert getattr(row, field) == value, field
        assert set(JSON_FIELDS) <= set(entry)
