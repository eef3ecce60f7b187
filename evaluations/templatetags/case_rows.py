"""The rows of the long case lists (the coordinator's dashboard, the evaluator's home) and of the case page's
lists (its steps and events), written in Python.

The same markup as a template loop, but Django's template engine resolved some twenty variables, filters and
translations for each row: half of each page's time. Every value goes through mittist.html.format_html
(escaped); names are isolated in <bdi> as everywhere else. Each case row needs its `url` (and a queue row
its `assign_url`), set by the view (views.urls_by_id).
"""

from django import template
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mittist.dates import date_formatter
from mittist.html import blocktranslated, format_html, lines

from .mittist_format import dates_in_text

register = template.Library()

DASH = mark_safe('<span class="muted">–</span>')


class Texts:
    """What a list repeats on every row, worked out once a list: translated labels (a lazy text is translated
    each time it is read) and dates (as `|date:"SHORT_DATE_FORMAT"`)."""

    def __init__(self):
        self._labels = {}
        self._date = date_formatter("SHORT_DATE_FORMAT")

    def label(self, lazy_label) -> str:
        if isinstance(lazy_label, str):
            return lazy_label
        # By identity (a choice's label is one object): hashing a lazy text translates it. The label is kept
        # with its text, so that its id cannot pass to another object while this list is written.
        if id(lazy_label) not in self._labels:
            self._labels[id(lazy_label)] = (lazy_label, str(lazy_label))
        return self._labels[id(lazy_label)][1]

    def date(self, value) -> str:
        """A datetime in local time, as the filter shows it; nothing for None."""
        if value is None:
            return ""
        if getattr(value, "tzinfo", None) is not None:
            value = timezone.localtime(value)
        return self._date(value)


@register.simple_tag
def case_table_rows(cases):
    """The <tr>s of evaluations/_case_table.html."""
    texts = Texts()
    status_label, evaluator_label = _("Status"), _("Värderare")
    region_label, due_label = _("Region"), _("Nästa tidsgräns")
    overdue = format_html('<span class="badge badge-overdue">{}</span>', _("Försenad"))
    late = format_html('<span class="badge badge-warning">{}</span>', _("Material inskickat sent"))
    rows = []
    for case in cases:
        overdue_case, late_material = case.is_overdue, case.material_late
        if case.next_due_on:
            due = format_html('<span class="muted">{}</span><br> <span class="nowrap">{}</span> {}',
                              texts.label(case.next_due_label), texts.date(case.next_due_on),
                              overdue if overdue_case else "")
        else:
            due = DASH
        rows.append(format_html(
            '<tr{}>\n<td><a href="{}"><bdi>{}</bdi></a><br><span class="muted">{}<br><bdi>{}</bdi></span></td>\n'
            '<td data-label="{}"><span class="badge badge-{}">{}</span></td>\n'
            '<td data-label="{}">{}</td>\n<td data-label="{}">{}</td>\n<td data-label="{}">{} {}</td>\n</tr>',
            # Evaluation.is_late, without asking the day again
            mark_safe(' class="is-overdue"') if overdue_case or late_material else "",
            case.url, case.trainee.full_name, case.trainee.email, case.workplace,
            status_label, case.status_css, texts.label(case.status_label),
            evaluator_label, format_html("<bdi>{}</bdi>", case.evaluator.name) if case.evaluator else DASH,
            region_label, texts.label(case.get_region_display()),
            due_label, due, late if late_material else "",
        ))
    return lines(rows)


QUEUE_ITEM = ('<li>\n<span class="queue-main"><a href="{}"><bdi>{}</bdi></a>\n'
              '<span class="queue-meta">{} · <bdi>{}</bdi>, {}{}</span></span>\n'
              '<a class="btn btn-small {}" href="{}" aria-label="{}">{}</a>\n</li>')


@register.simple_tag
def registration_queue_items(cases):
    """The dashboard's registrations to review: a <li> each."""
    texts = Texts()
    registered, review, review_from = _("anmäld"), _("Granska"), _("Granska anmälan från %(name)s")
    return lines(
        format_html(
            QUEUE_ITEM, case.url, case.trainee.full_name, case.trainee.email, case.workplace,
            texts.label(case.get_region_display()),
            format_html(' · <span class="nowrap">{} {}</span>', registered, texts.date(case.registered_at)),
            "btn-secondary", case.url, blocktranslated(review_from, name=case.trainee.full_name), review,
        )
        for case in cases
    )


@register.simple_tag
def assignment_queue_items(cases):
    """The dashboard's accepted registrations without an evaluator: a <li> each."""
    texts = Texts()
    assign, assign_to = _("Tilldela"), _("Tilldela värderare till %(name)s")
    return lines(
        format_html(
            QUEUE_ITEM, case.url, case.trainee.full_name, case.trainee.email, case.workplace,
            texts.label(case.get_region_display()), "",
            "btn-primary", case.assign_url, blocktranslated(assign_to, name=case.trainee.full_name), assign,
        )
        for case in cases
    )


@register.simple_tag
def evaluator_case_rows(cases, with_todo=False):
    """The <tr>s of the evaluator's ongoing cases (with_todo: what to do, the report's button; a late case
    marked) and of the finished ones."""
    texts = Texts()
    status_label, day_label = _("Status"), _("Praktikdag")
    row = ('<tr{}>\n<td><a href="{}"><bdi>{}</bdi></a><br><span class="muted"><bdi>{}</bdi></span></td>\n'
           '<td data-label="{}"><span class="badge badge-{}">{}</span></td>\n'
           '<td data-label="{}" class="nowrap">{}</td>{}\n</tr>')
    if with_todo:
        todo_label = _("Att göra")
        overdue = format_html(' <span class="badge badge-overdue">{}</span>', _("Försenad"))
        late = format_html(' <span class="badge badge-warning">{}</span>', _("Material inskickat sent"))
        write_text = _("Skriv rapporten")
    rows = []
    for case in cases:
        todo, late_case = "", False
        if with_todo:
            overdue_case = case.is_overdue
            late_case = overdue_case or case.material_late  # Evaluation.is_late, without asking the day again
            write = format_html(
                '\n<br><a class="btn btn-small btn-primary" href="{}">{}<span class="visually-hidden"> – {}</span></a>\n',
                case.write_url, write_text, case.trainee.full_name,
            ) if case.write_url else "\n"
            todo = format_html('\n<td data-label="{}">{}{}{}{}</td>', todo_label, case.evaluator_todo,
                               overdue if overdue_case else "", late if case.material_late else "", write)
        rows.append(format_html(
            row, mark_safe(' class="is-overdue"') if late_case else "",
            case.url, case.trainee.full_name, case.workplace,
            status_label, case.state, texts.label(case.get_state_display()),
            day_label, texts.date(case.practice_day) or "–", todo,
        ))
    return lines(rows)


@register.simple_tag
def case_step_items(steps):
    """The <li>s of evaluations/_steps.html: each step of the case, done, current (with its deadline) or to do."""
    format_day = date_formatter("j F Y")
    done_text, due_text = _("Klart"), _("Senast")
    status_texts = {"done": _("Klart:"), "current": _("Nu:"), "skipped": _("Inte aktuellt:")}
    later_text = _("Senare:")
    items = []
    for step in steps:
        overdue = step.overdue
        title = format_html('<a href="{}">{}</a>', step.url, step.label) if step.url else step.label
        if step.done_on:
            when = format_html('\n<p class="step-due">{} {}</p>', done_text, format_day(step.done_on))
        elif step.due:
            badge = ""
            if step.status == "current" and overdue:
                days = step.days_overdue
                badge = format_html('\n<span class="badge badge-overdue">{}</span>\n', ngettext(
                    "%(days)s dag försenad", "%(days)s dagar försenad", days) % {"days": localize(days)})
            elif step.status == "current":
                days = step.days_left
                badge = format_html('\n<span class="badge">{}</span>\n', ngettext(
                    "%(days)s dag kvar", "%(days)s dagar kvar", days) % {"days": localize(days)})
            when = format_html('\n<p class="step-due{}">{} {}{}\n</p>', " is-overdue" if overdue else "", due_text,
                               format_day(step.due), badge)
        else:
            when = ""
        items.append(format_html(
            '<li class="step step-{}{}"{}>\n<span class="visually-hidden">{}</span>\n'
            '<strong class="step-title">{}</strong>\n<p class="step-hint">{}</p>{}\n</li>',
            step.status, " step-overdue" if overdue else "",
            mark_safe(' aria-current="step"') if step.status == "current" else "",
            status_texts.get(step.status, later_text), title, step.hint, when,
        ))
    return lines(items)


@register.simple_tag
def case_event_items(events, show_notes=False):
    """The <li>s of evaluations/_events.html: the case's audit trail (a note only where `show_notes`)."""
    format_time = date_formatter("SHORT_DATETIME_FORMAT")
    system = _("Systemet")
    items = []
    for event in events:
        at = timezone.localtime(event.at)
        states = format_html(' <span class="muted">({} → {})</span>', event.from_state_label(),
                             event.to_state_label()) if event.from_state != event.to_state else ""
        actor = format_html("<bdi>{}</bdi>", event.actor.full_name) if event.actor else system
        note = format_html('\n<p class="timeline-note">{}</p>', dates_in_text(event.note)) if (
            event.note and show_notes) else ""
        items.append(format_html(
            '<li class="timeline-item">\n<time class="timeline-time" datetime="{}">{}</time>\n'
            '<p class="timeline-title">{}{}</p>\n<p class="timeline-actor">{}</p>{}\n</li>',
            at.isoformat(), format_time(at), event.label, states, actor, note,
        ))
    return lines(items)


@register.simple_tag
def state_count_items(state_counts, current=None):
    """The dashboard's count per state (`state_counts`: (Evaluation.State, n)), each a link to its filter;
    `current`: the state filtered on now."""
    return lines(
        format_html(
            '<li><a class="stat{}" href="?state={}"{}><span class="stat-value">{}</span> '
            '<span class="stat-label">{}</span></a></li>',
            "" if n else " stat-zero", state.value, mark_safe(' aria-current="true"') if current == state.value else "",
            localize(n), state.label,
        )
        for state, n in state_counts
    )
