"""Every audit action the code records has a label for the case timeline.

Without one the timeline shows the raw action code (e.g. "report_saved") to every reader, in both
languages. The actions are read from the source: a literal third argument of CaseEvent.record and of
the helpers that wrap it.
"""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from evaluations.models import ACTION_LABELS

RECORD_CALL = re.compile(
    r"\b(?:CaseEvent\.record|_record_coalesced|record)\(\s*[\w.]+\s*,\s*[\w.]+\s*,\s*\"([a-z_]+)\"", re.S
)
APPS = ("evaluations", "portfolio", "scheduling", "survey", "mittist")


def recorded_actions() -> dict[str, str]:
    found = {}
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for action in RECORD_CALL.findall(path.read_text(encoding="utf-8")):
                found.setdefault(action, str(path.relative_to(settings.BASE_DIR)))
    return found


def test_the_scan_finds_the_actions_of_core_and_satellites():
    found = recorded_actions()
    # One from the core, the reports, the portfolio's wrapper and the scheduling app: the regex still reads them.
    assert {"registration_accepted", "report_saved", "section_saved", "practice_day_proposed"} <= set(found)


def test_every_recorded_action_has_a_timeline_label():
    missing = {action: where for action, where in recorded_actions().items() if action not in ACTION_LABELS}
    assert not missing, f"actions without a label in ACTION_LABELS: {missing}"


def test_the_labels_are_translated():
    """Swedish letters left in an English label mean its msgid is missing from the catalogue."""
    with translation.override("en"):
        swedish = [str(label) for label in ACTION_LABELS.values() if re.search("[åäöÅÄÖ]", str(label))]
    assert not swedish, swedish
