"""The arrows run one way: satellites (portfolio, scheduling, survey) → core (evaluations, mittist).

The core reaches a satellite only through what the satellite registered in evaluations/extensions.py.
"""

import ast
from pathlib import Path

from django.conf import settings

from evaluations import extensions

ROOT = Path(settings.BASE_DIR)
SATELLITES = ("portfolio", "scheduling", "survey")
CORE = ("evaluations",)
# Project-level wiring (URLs, settings) names every app by design.
WIRING = {ROOT / "mittist" / "urls.py", ROOT / "mittist" / "settings.py"}


def core_python_files():
    for package in CORE + ("mittist",):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts and path not in WIRING:
                yield path


def satellite_references(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # A task queued by its dotted path is an import in disguise.
            names = [node.value] if node.value.count(".") >= 1 and " " not in node.value else []
        is_string = isinstance(node, ast.Constant)
        found += [f"{path.relative_to(root)}:{node.lineno} {name}" for name in names
                  if name.split(".")[0] in SATELLITES and ("." in name or not is_string)]
    return found


def test_no_core_module_names_a_satellite():
    offenders = [ref for path in core_python_files() for ref in satellite_references(path)]
    assert offenders == []


def test_the_check_would_see_an_import_and_a_queued_task(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('from scheduling.reminders import x\nimport portfolio\nq("survey.tasks.run", 1)\nq("survey")\n')
    refs = [ref.split(" ")[1] for ref in satellite_references(probe, tmp_path)]
    assert refs == ["scheduling.reminders", "portfolio", "survey.tasks.run"]


def test_the_satellites_plug_in_what_the_core_queues_after_a_change():
    assert extensions.tasks_after("state_changed") == ["scheduling.reminders.replan_reminders"]
    assert extensions.tasks_after("practice_day_changed") == ["scheduling.practice_day.practice_day_changed"]
