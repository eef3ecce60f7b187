"""Who read the trainee's sensitive material: the read log (issue 11, point 8).

Every view or download of a portfolio page, the material (page or PDF), a document, a self-evaluation, the
report (page, PDF, preview), a shared report (by its link) or the certificate, by anyone but the case's own
trainee, is one `ReadEvent`: who (or whose share link), what, when. The coordinator sees the log on the case
page; the trainee sees it as "Vem har läst".

The core does not know the satellites' pages: each registers the labels of what it logs
(`register_read_kind(key, label)`) in its AppConfig.ready(), and calls `record_view(request, case, key)` from
its views (or `record_read(...)` from a service). Reads of the same thing by the same reader within
MITTIST_READLOG_COALESCE_MINUTES are one row with a count, so a reload, a HEAD or an htmx refresh adds nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .models import Evaluation, ReadEvent
from .rules import is_case_evaluator, is_case_trainee

PANEL_ROWS = 5
PAGE_SIZE = 50
SHARE_LINK = _("Delningslänk")

_kinds: dict[str, object] = {}


def register_read_kind(key: str, label) -> None:
    """What a satellite logs, with the label the log shows for it (lazy, translated)."""
    _kinds[key] = label


def read_kind_label(key: str):
    return _kinds.get(key, key)


def record_read(*, case: Evaluation, by=None, what: str, detail: str = "", share_name: str = "") -> None:
    """One read of the case's material. `by` is the signed-in reader; a share link's reader has no account
    and is named by `share_name` (the name the trainee gave). The trainee reading their own is not logged."""
    if what not in _kinds:
        raise ValueError(f"unregistered read kind {what!r}")  # a typo would otherwise log nothing useful
    reader = by if by is not None and by.is_authenticated else None
    if reader is not None and is_case_trainee(reader, case):
        return
    label = f"{SHARE_LINK}: {share_name}" if reader is None and share_name else ("" if reader else str(SHARE_LINK))
    now = timezone.now()
    since = now - timedelta(minutes=settings.MITTIST_READLOG_COALESCE_MINUTES)
    label, detail = label[:200], detail[:100]
    # Every page view of the material lands here, so a repeated read is one statement: the UPDATE raises
    # the newest matching row (the database locks it), and only a first read inserts. Written as SQL
    # because the ORM spent more time composing this UPDATE with its subquery than the database spent
    # running it. Two first reads at the same instant may each add a row, as they always could.
    table = ReadEvent._meta.db_table
    reader_test = "reader_id IS NULL" if reader is None else "reader_id = %s"
    field = ReadEvent._meta.get_field

    def db(name, value):  # as the ORM would bind it (a UUID is text on SQLite, a datetime is adapted)
        return field(name).get_db_prep_value(value, connection)

    params = [db("last_at", now), db("case", case.pk), *([] if reader is None else [db("reader", reader.pk)]),
              label, what, detail, db("last_at", since)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET count = count + 1, last_at = %s WHERE id = ("  # noqa: S608 (no user input)
            f"SELECT id FROM {table} WHERE case_id = %s AND {reader_test} AND reader_label = %s AND what = %s"
            f" AND detail = %s AND last_at >= %s ORDER BY last_at DESC, id DESC LIMIT 1)",
            params,
        )
        raised = cursor.rowcount
    if not raised:
        ReadEvent.objects.create(case=case, reader=reader, reader_label=label, what=what, detail=detail, at=now,
                                 last_at=now)


def record_view(request, case: Evaluation, what: str, detail: str = "") -> None:
    """From a view that shows or sends the material: a HEAD, or an htmx fragment of a page already logged,
    is not a read."""
    if request.method == "HEAD" or getattr(request, "htmx", False):
        return
    record_read(case=case, by=request.user, what=what, detail=str(detail))


# --- reading the log -------------------------------------------------------------------------------


def reads_of(case: Evaluation):
    return ReadEvent.objects.filter(case=case).select_related("reader")


def reader_name(event: ReadEvent) -> str:
    if event.reader_id:
        return event.reader.full_name
    return event.reader_label or str(SHARE_LINK)


def reader_role(event: ReadEvent, case: Evaluation) -> str:
    """The reader's part in the case, so the trainee knows who "Vera Värderare" is."""
    if not event.reader_id:
        return ""
    if is_case_evaluator(event.reader, case):
        return str(_("värderare"))
    return event.reader.get_role_display().lower()


def rows(events, case: Evaluation) -> list[dict]:
    return [
        {
            "name": reader_name(e),
            "role": reader_role(e, case),
            "what": read_kind_label(e.what),
            "detail": e.detail,
            "at": e.at,
            "last_at": e.last_at,
            "count": e.count,
        }
        for e in events
    ]


def case_panel_context(request, case) -> dict | None:
    if not request.user.has_perm("evaluations.view_read_log", case):
        return None
    events = list(reads_of(case)[: PANEL_ROWS + 1])
    return {
        "case": case,
        "reads": rows(events[:PANEL_ROWS], case),
        "more": len(events) > PANEL_ROWS,
        "is_trainee": request.user.has_perm("evaluations.act_as_trainee", case),
        "coalesce_minutes": settings.MITTIST_READLOG_COALESCE_MINUTES,
    }


@login_required
@require_http_methods(["GET"])
def read_log_page(request, case_id):
    from .views import visible_case

    case = visible_case(request, case_id)
    if not request.user.has_perm("evaluations.view_read_log", case):
        raise PermissionDenied
    page = Paginator(reads_of(case), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "case": case,
        "page_obj": page,
        "reads": rows(page.object_list, case),
        "is_trainee": request.user.has_perm("evaluations.act_as_trainee", case),
        "coalesce_minutes": settings.MITTIST_READLOG_COALESCE_MINUTES,
    }
    response = render(request, "evaluations/readlog/page.html", context)
    response["Cache-Control"] = "no-store, private"
    return response
