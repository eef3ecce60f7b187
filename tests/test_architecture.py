"""The arrows run one way: satellites (portfolio, scheduling, survey) → core (evaluations, mittist).

The core reaches a satellite only through what the satellite registered in evaluations/extensions.py.
"""

import ast
import re
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


# --- templates ------------------------------------------------------------------------------------

TAG = re.compile(r"{%-?\s*(.*?)\s*-?%}", re.S)
STRING = r"""(?:"[^"]*"|'[^']*')"""
# `role` (user.role, a `role` variable, request.user.role …) compared with a string, either way round.
ROLE_COMPARED = re.compile(
    rf"(?:(?<![\w.])[\w.]*\brole\s*(?:==|!=|\bnot\s+in\b|\bin\b)\s*{STRING})"
    rf"|(?:{STRING}\s*(?:==|!=|\bnot\s+in\b|\bin\b)\s*[\w.]*\brole\b)"
)


def template_files(*roots: Path):
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".html", ".txt"} and "templates" in path.relative_to(ROOT).parts[:-1]:
                yield path


def all_template_files():
    """Every template of the project: templates/ (pages and e-mails) and each app's templates/."""
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine["DIRS"]]
    dirs += [p for p in ROOT.rglob("templates") if p.is_dir() and ".venv" not in p.parts and p not in dirs]
    return sorted(set(template_files(*dirs)))


def role_comparisons(path: Path, root: Path = ROOT) -> list[str]:
    text = path.read_text()
    found = []
    for tag in TAG.finditer(text):
        for match in ROLE_COMPARED.finditer(tag.group(1)):
            line = text.count("\n", 0, tag.start()) + 1
            found.append(f"{path.relative_to(root)}:{line} {match.group(0)}")
    return found


def test_no_template_compares_a_role_with_a_string():
    """Who sees what is a rules predicate ({% has_perm %}, {% test_rule %}) or a flag the code passes
    (a reminder's `to_office`), never a role string in a template."""
    files = all_template_files()
    assert any(p.parts[-3:] == ("emails", "reminder_material_overdue", "body.html") for p in files)
    assert any(p.name == "case_detail.html" for p in files)
    offenders = [found for path in files for found in role_comparisons(path)]
    assert offenders == []


def test_the_role_check_would_see_a_comparison(tmp_path):
    probe = tmp_path / "templates" / "probe.html"
    probe.parent.mkdir()
    probe.write_text(
        '<div role="alert">{% if user.role == "coordinator" %}a{% elif "trainee" != request.user.role %}b'
        "{% endif %}{% if role == 'office' %}c{% endif %}\n{% if user.role in 'quality evaluator' %}d{% endif %}"
        '{% if user.role %}e{% endif %}{% if roles == "x" %}f{% endif %}</div>'
    )
    found = [ref.split(" ", 1)[1] for ref in role_comparisons(probe, tmp_path)]
    assert found == [
        'user.role == "coordinator"', '"trainee" != request.user.role', "role == 'office'",
        "user.role in 'quality evaluator'",
    ]


SATELLITE_TAG_LIBRARIES = sorted(
    path.stem for app in SATELLITES for path in (ROOT / app / "templatetags").glob("*.py") if path.stem != "__init__"
)


def satellite_names_in_template(path: Path, root: Path = ROOT, libraries=None) -> list[str]:
    """{% url 'portfolio:…' %}, {% include "scheduling/…" %} (or extends), {% load <a satellite's tags> %}."""
    libraries = SATELLITE_TAG_LIBRARIES if libraries is None else libraries
    names = "|".join(SATELLITES)
    text = path.read_text()
    found = []
    for tag in TAG.finditer(text):
        body = tag.group(1)
        hits = re.findall(rf"""^url\s+["']((?:{names}):[\w-]+)["']""", body)
        hits += re.findall(rf"""^(?:include|extends)\s+["']((?:{names})/[^"']+)["']""", body)
        if body.startswith("load "):
            hits += [lib for lib in body.split()[1:] if lib in libraries]
        line = text.count("\n", 0, tag.start()) + 1
        found += [f"{path.relative_to(root)}:{line} {hit}" for hit in hits]
    return found


def core_template_files():
    """The core's pages: evaluations/ (with minicex, reports, certificates) and the project's templates/,
    e-mails aside (each is the template of one kind, sent by the app that owns it)."""
    project = [p for p in template_files(ROOT / "templates") if "emails" not in p.relative_to(ROOT).parts]
    return list(template_files(ROOT / "evaluations")) + project


def test_no_core_template_names_a_satellite():
    """The core's pages show what the satellites registered (panels, links, menu items), never their URLs
    or templates."""
    files = core_template_files()
    assert ROOT / "templates" / "base.html" in files
    assert ROOT / "evaluations" / "minicex" / "templates" / "minicex" / "assess_done.html" in files
    offenders = [found for path in files for found in satellite_names_in_template(path)]
    assert offenders == []


def test_the_template_check_would_see_a_url_an_include_and_a_tag_library(tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(
        "{% load i18n scheduling_deadlines %}\n<a href=\"{% url 'scheduling:practice_day' case.pk %}\">"
        '{% url "portfolio:overview" case.pk as u %}{% include "scheduling/_deadlines.html" with d=d %}'
        "{% extends 'survey/base.html' %}{% url 'evaluations:case_detail' case.pk %}"
        '{% include "evaluations/_steps.html" %}</a>'
    )
    found = [ref.split(" ", 1)[1] for ref in satellite_names_in_template(probe, tmp_path, ["scheduling_deadlines"])]
    assert found == [
        "scheduling_deadlines", "scheduling:practice_day", "portfolio:overview", "scheduling/_deadlines.html",
        "survey/base.html",
    ]


def test_the_satellites_fill_the_core_pages_registries():
    """What the core's pages used to name is now registered by its owner."""
    panels = {(p.place, p.template) for p in extensions.registry.case_panels}
    assert ("case_top", "portfolio/_case_card.html") in panels
    assert ("trainee_home", "portfolio/_trainee_home_card.html") in panels
    assert ("case_middle", "scheduling/_case_deadlines_panel.html") in panels
    assert {c.place for c in extensions.registry.case_links} == {"case_header", "next_step", "evaluator_card"}
    assert [n.url_name for n in extensions.registry.nav_items] == ["survey:results"]
    assert len(extensions.registry.minicex_back_links) == 1
