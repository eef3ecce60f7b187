"""The rows of the long case lists (the coordinator's dashboard, the evaluator's home), written in Python.

The same markup as a template loop, but Django's template engine resolved some twenty variables, filters and
translations for each row: half of each page's time. Every value goes through format_html (escaped); names
are isolated in <bdi> as everywhere else. Each row needs its `url` (and a queue row its `assign_url`), set by
the view (views.urls_by_id).
"""

import html

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mittist.dates import date_formatter

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


def _escaped(value) -> str:
    """As conditional_escape: safe text as it is, anything else escaped (without its check for lazy text
    on every call, a third of a row's time)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def format_html(format_string: str, *values) -> SafeString:
    """As django.utils.html.format_html: the values escaped, the format not."""
    return SafeString(format_string.format(*map(_escaped, values)))


def _rows(rows) -> str:
    return mark_safe("\n".join(rows))


def _blocktranslated(translated: str, **values) -> str:
    """As {% blocktranslate with name=… %}: the values escaped, the translated text as it is."""
    return mark_safe(translated % {key: _escaped(value) for key, value in values.items()})


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
        if case.next_due_on:
            due = format_html('<span class="muted">{}</span><br> <span class="nowrap">{}</span> {}',
                              texts.label(case.next_due_label), texts.date(case.next_due_on),
                              overdue if case.is_overdue else "")
        else:
            due = DASH
        rows.append(format_html(
            '<tr{}>\n<td><a href="{}"><bdi>{}</bdi></a><br><span class="muted">{}<br><bdi>{}</bdi></span></td>\n'
            '<td data-label="{}"><span class="badge badge-{}">{}</span></td>\n'
            '<td data-label="{}">{}</td>\n<td data-label="{}">{}</td>\n<td data-label="{}">{} {}</td>\n</tr>',
            mark_safe(' class="is-overdue"') if case.is_late else "",
            case.url, case.trainee.full_name, case.trainee.email, case.workplace,
            status_label, case.status_css, texts.label(case.status_label),
            evaluator_label, format_html("<bdi>{}</bdi>", case.evaluator.name) if case.evaluator else DASH,
            region_label, texts.label(case.get_region_display()),
            due_label, due, late if case.material_late else "",
        ))
    return _rows(rows)


QUEUE_ITEM = ('<li>\n<span class="queue-main"><a href="{}"><bdi>{}</bdi></a>\n'
              '<span class="queue-meta">{} · <bdi>{}</bdi>, {}{}</span></span>\n'
              '<a class="btn btn-small {}" href="{}" aria-label="{}">{}</a>\n</li>')


@register.simple_tag
def registration_queue_items(cases):
    """The dashboard's registrations to review: a <li> each."""
    texts = Texts()
    registered, review, review_from = _("anmäld"), _("Granska"), _("Granska anmälan från %(name)s")
    return _rows(
        format_html(
            QUEUE_ITEM, case.url, case.trainee.full_name, case.trainee.email, case.workplace,
            texts.label(case.get_region_display()),
            format_html(' · <span class="nowrap">{} {}</span>', registered, texts.date(case.registered_at)),
            "btn-secondary", case.url, _blocktranslated(review_from, name=case.trainee.full_name), review,
        )
        for case in cases
    )


@register.simple_tag
def assignment_queue_items(cases):
    """The dashboard's accepted registrations without an evaluator: a <li> each."""
    texts = Texts()
    assign, assign_to = _("Tilldela"), _("Tilldela värderare till %(name)s")
    return _rows(
        format_html(
            QUEUE_ITEM, case.url, case.trainee.full_name, case.trainee.email, case.workplace,
            texts.label(case.get_region_display()), "",
            "btn-primary", case.assign_url, _blocktranslated(assign_to, name=case.trainee.full_name), assign,
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
        todo = ""
        if with_todo:
            write = format_html(
                '\n<br><a class="btn btn-small btn-primary" href="{}">{}<span class="visually-hidden"> – {}</span></a>\n',
                case.write_url, write_text, case.trainee.full_name,
            ) if case.write_url else "\n"
            todo = format_html('\n<td data-label="{}">{}{}{}{}</td>', todo_label, case.evaluator_todo,
                               overdue if case.is_overdue else "", late if case.material_late else "", write)
        rows.append(format_html(
            row, mark_safe(' class="is-overdue"') if with_todo and case.is_late else "",
            case.url, case.trainee.full_name, case.workplace,
            status_label, case.state, texts.label(case.get_state_display()),
            day_label, texts.date(case.practice_day) or "–", todo,
        ))
    return _rows(rows)
