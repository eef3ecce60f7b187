"""The case's deadlines (scheduling/_deadlines.html) written in Python: the template resolved some twenty
variables, filters and translations a row. Every value escaped by mittist.html.format_html."""

from django import template
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mittist.dates import date_formatter
from mittist.html import format_html, lines

register = template.Library()


def _status(deadline, format_day) -> str:
    status = deadline.status
    if status == "done":
        return format_html('{} <span class="nowrap">{}</span>', _("Klart"), format_day(deadline.done_on))
    if status == "overdue":
        days = deadline.days_overdue
        if deadline.advisory:
            return format_html('<span class="badge badge-warning">{}</span>', ngettext(
                "%(days)s dag sedan", "%(days)s dagar sedan", days) % {"days": localize(days)})
        return format_html('<span class="badge badge-overdue">{}</span>', ngettext(
            "%(days)s dag försenad", "%(days)s dagar försenad", days) % {"days": localize(days)})
    if status == "open":
        days = deadline.days_left
        if days == 0:
            return format_html('<span class="badge badge-warning">{}</span>', _("I dag"))
        return format_html('<span class="badge">{}</span>', ngettext(
            "%(days)s dag kvar", "%(days)s dagar kvar", days) % {"days": localize(days)})
    if status == "upcoming":
        return format_html('<span class="muted">{}</span>', _("Senare"))
    return mark_safe('<span class="muted">–</span>')


@register.simple_tag
def deadline_rows(deadlines):
    """The <tr>s of scheduling/_deadlines.html (deadlines: scheduling.deadlines.case_deadlines)."""
    format_day, format_iso = date_formatter("j F Y"), date_formatter("Y-m-d")
    who_label, date_label, status_label = _("Vem"), _("Datum"), _("Status")
    advisory = format_html(' <span class="muted">({})</span>', _("rekommendation"))
    return lines(
        format_html(
            '<tr class="deadline-{}{}">\n<td><strong>{}</strong>{}</td>\n<td data-label="{}">{}</td>\n'
            '<td data-label="{}"><time class="nowrap" datetime="{}">{}</time></td>\n<td data-label="{}">\n{}\n</td>\n</tr>',
            deadline.status, " is-overdue" if deadline.overdue and not deadline.advisory else "",
            deadline.label, advisory if deadline.advisory else "",
            who_label, deadline.who_label,
            date_label, format_iso(deadline.due_on), format_day(deadline.due_on),
            status_label, _status(deadline, format_day),
        )
        for deadline in deadlines
    )
