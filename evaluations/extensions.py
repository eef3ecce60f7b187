"""Where the satellites (portfolio, scheduling, survey) plug into the case without the core importing them.

The arrows run one way: a satellite imports the core and, in its AppConfig.ready(), registers what the
core should show or do for it. The core only ever calls what is registered here.

- `register_case_panel(template, order, context=None, place="case")`: a card on a case's page. `context(request,
  case)` returns the template's context, or None to show nothing (no rights, nothing to show). `place`: "case_top"
  (the case page, under the steps' buttons), "case_middle" (under the facts, full width), "case" (under the
  report and the certificate) or "trainee_home" (the trainee's start page, in the side column).
- `register_case_link(place, links, order)`: buttons on a case's pages. `links(case, user, page_actions) ->
  list[Link]`, where `page_actions` are the steps with a page of their own that `user` may take now; it
  decides who sees each. `place`: "case_header" (beside "Tilldela värderare"), "next_step" (the trainee's
  "Nästa steg" card), "evaluator_card" (the trainee's "Din värderare" card).
- `register_nav_item(url_name, label, order, shows, current=())`: a page in the main menu for those
  `shows(user)` is true of (a predicate on the user's role, never has_perm: a superuser's menu is their
  role's); marked as the current page on `url_name` and the view names in `current`.
- `register_minicex_back_link(link)`: `link(form) -> Link | None`, where the assessor of a mini-CEX form
  returns to (the day's programme for a form started from it); the case page otherwise.
- `register_trainee_questions(provider)`: `provider(case) -> list[str]`, the trainee's questions to the
  evaluator (portfolio section B), which the report answers one by one.
- `register_report_panel(template, order, context)`: beside the report form, e.g. the day's programme.
- `register_material_purger(purger)`: `purger(case) -> list[str]`, deletes the app's material of an ended
  case from the database and returns the storage names of its files (a name ending in "/" is a folder of
  them). It runs inside the purge's transaction; the core deletes the files, every version, once that has
  committed, and keeps each name until its file is gone. Must be safe to run twice.
- `register_material_holder(holds)`: `holds(case) -> bool`, whether the app still keeps anything of the
  case's material that the trainee would lose: the trainee is told before a purge only when something is.
- `register_material_download(label, url_name, order)`: what the trainee can download before the purge
  (url_name takes the case's pk).
- `register_step_link(state, link)`: `link(case, for_trainee) -> (url, label) | None`; the timeline's
  current step that `state` completes points at the satellite's page for it (the survey's form on
  "Utvärdering"), and the trainee's "Nästa steg" card gets a button with `label`.
- `register_data_exporter(key, label, export, order)`: the app's part of the trainee's own data (GDPR art. 15
  and 20; evaluations/personal_data.py). `export(person, cases) -> ExportPart | None`: JSON-able data under
  `key` in data.json, and files for the ZIP as (name in the archive, `() -> bytes`), made only while the ZIP
  is streamed. Only the person's own data: never another trainee's.
- `register_data_eraser(erase, order)`: `erase(person, cases) -> list[str]`, deletes or blanks everything of
  the person the app holds (the cases are all ended and locked), inside the erasure's transaction; returns
  storage names to delete after it (as a purger does). The core's own eraser runs last and anonymises the
  case (a tombstone: state, dates, region) and the account. Must be safe to run twice.
- `register_personal_data(key, label, module, order)`: both of the above at one order, for an app whose module
  (its personal_data.py) has `export` and `erase`.
- `register_after_change(event, task)`: the dotted path of a background task that takes the case's id
  (and the event's arguments) and runs after every committed `event`: "state_changed" (any transition)
  or "practice_day_changed" (agreed, moved, or the case ended with a day planned).
- `register_action_labels(labels)`: Swedish labels for the audit actions an app records on the case.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

CASE_PANEL_PLACES = {"case", "case_top", "case_middle", "trainee_home"}
CASE_LINK_PLACES = {"case_header", "next_step", "evaluator_card"}


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    context: Callable | None = None
    place: str = "case"


@dataclass(frozen=True)
class Link:
    url: str
    label: object
    style: str = "secondary"  # primary | secondary | "" (a plain link)


@dataclass(frozen=True)
class CaseLinks:
    place: str
    links: Callable
    order: int


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: object
    order: int
    shows: Callable
    current: tuple[str, ...] = ()


@dataclass(frozen=True)
class Download:
    label: object
    url_name: str
    order: int


@dataclass(frozen=True)
class StepLink:
    state: str
    link: Callable


@dataclass
class ExportPart:
    data: object
    files: list[tuple[str, Callable[[], bytes]]] = field(default_factory=list)


@dataclass(frozen=True)
class DataExporter:
    key: str
    label: object
    export: Callable
    order: int


@dataclass(frozen=True)
class DataEraser:
    erase: Callable
    order: int


@dataclass
class _Registry:
    case_panels: list[Panel] = field(default_factory=list)
    report_panels: list[Panel] = field(default_factory=list)
    question_providers: list[Callable] = field(default_factory=list)
    material_purgers: list[Callable] = field(default_factory=list)
    material_holders: list[Callable] = field(default_factory=list)
    material_downloads: list[Download] = field(default_factory=list)
    step_links: list[StepLink] = field(default_factory=list)
    data_exporters: list[DataExporter] = field(default_factory=list)
    data_erasers: list[DataEraser] = field(default_factory=list)
    after_change: dict[str, list[str]] = field(default_factory=dict)
    case_links: list[CaseLinks] = field(default_factory=list)
    nav_items: list[NavItem] = field(default_factory=list)
    minicex_back_links: list[Callable] = field(default_factory=list)


registry = _Registry()
AFTER_CHANGE_EVENTS = {"state_changed", "practice_day_changed"}
# Handlers of these write e-mail: they run inside the change's transaction, so the message is in the
# outbox exactly when the change is committed. The others run as background tasks after the commit.
WRITES_MAIL = {"practice_day_changed"}


def _add_once(items: list, item) -> None:
    # ready() can run twice (tests, autoreload): registering twice must not show a panel twice.
    if item not in items:
        items.append(item)


def _known(place: str, places: set[str]) -> str:
    if place not in places:
        raise ValueError(f"unknown place {place!r}; known: {sorted(places)}")
    return place


def register_case_panel(template: str, order: int, context: Callable | None = None, place: str = "case") -> None:
    _add_once(registry.case_panels, Panel(template, order, context, _known(place, CASE_PANEL_PLACES)))
    registry.case_panels.sort(key=lambda p: p.order)


def register_case_link(place: str, links: Callable, order: int) -> None:
    _add_once(registry.case_links, CaseLinks(_known(place, CASE_LINK_PLACES), links, order))
    registry.case_links.sort(key=lambda c: c.order)


def register_nav_item(url_name: str, label, order: int, shows: Callable, current: tuple[str, ...] = ()) -> None:
    _add_once(registry.nav_items, NavItem(url_name, label, order, shows, tuple(current)))
    registry.nav_items.sort(key=lambda n: n.order)


def register_minicex_back_link(link: Callable) -> None:
    _add_once(registry.minicex_back_links, link)


def register_report_panel(template: str, order: int, context: Callable) -> None:
    _add_once(registry.report_panels, Panel(template, order, context))
    registry.report_panels.sort(key=lambda p: p.order)


def register_trainee_questions(provider: Callable) -> None:
    _add_once(registry.question_providers, provider)


def register_material_purger(purger: Callable) -> None:
    _add_once(registry.material_purgers, purger)


def register_material_holder(holds: Callable) -> None:
    _add_once(registry.material_holders, holds)


def register_material_download(label, url_name: str, order: int) -> None:
    _add_once(registry.material_downloads, Download(label, url_name, order))
    registry.material_downloads.sort(key=lambda d: d.order)


def register_step_link(state: str, link: Callable) -> None:
    _add_once(registry.step_links, StepLink(state, link))


def register_data_exporter(key: str, label, export: Callable, order: int = 50) -> None:
    _add_once(registry.data_exporters, DataExporter(key, label, export, order))
    registry.data_exporters.sort(key=lambda e: e.order)


def register_data_eraser(erase: Callable, order: int = 50) -> None:
    _add_once(registry.data_erasers, DataEraser(erase, order))
    registry.data_erasers.sort(key=lambda e: e.order)


def register_personal_data(key: str, label, module, order: int = 50) -> None:
    """An app's part of the trainee's own data, `module.export` and `module.erase`, both at `order`."""
    register_data_exporter(key, label, module.export, order)
    register_data_eraser(module.erase, order)


def register_after_change(event: str, task: str) -> None:
    if event not in AFTER_CHANGE_EVENTS:
        raise ValueError(f"unknown case event {event!r}; known: {sorted(AFTER_CHANGE_EVENTS)}")
    _add_once(registry.after_change.setdefault(event, []), task)


def tasks_after(event: str) -> list[str]:
    return list(registry.after_change.get(event, []))


def register_action_labels(labels: dict) -> None:
    from .models import ACTION_LABELS

    for action, label in labels.items():
        ACTION_LABELS.setdefault(action, label)


def step_link(state: str, case, for_trainee: bool) -> tuple[str, str] | None:
    for entry in registry.step_links:
        if entry.state == state:
            found = entry.link(case, for_trainee)
            if found:
                return found
    return None


def panels_for(panels: list[Panel], request, case, place: str = "case") -> list[tuple[str, dict]]:
    shown = []
    for panel in panels:
        if panel.place != place:
            continue
        context = panel.context(request, case) if panel.context else {}
        if context is not None:
            shown.append((panel.template, context))
    return shown


def case_links(case, user, page_actions) -> dict[str, list[Link]]:
    """{place: the links shown there}, for every place (empty where nothing is shown)."""
    shown: dict[str, list[Link]] = {place: [] for place in CASE_LINK_PLACES}
    if case is None:
        return shown
    for entry in registry.case_links:
        shown[entry.place] += entry.links(case, user, page_actions)
    return shown


def minicex_back_link(form) -> Link | None:
    for link in registry.minicex_back_links:
        found = link(form)
        if found:
            return found
    return None


def trainee_questions(case) -> list[str]:
    for provider in registry.question_providers:
        questions = provider(case)
        if questions:
            return list(questions)
    return []
