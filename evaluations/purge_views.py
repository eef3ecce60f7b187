"""The case's purge page and its card on the case page: what leaves SFAM when, and the trainee's downloads.

The purge notices link here. Until the purge the trainee downloads the report's PDF and the material (the
downloads the satellites register); afterwards the page says what was deleted and since when. The office
sees the same dates, without the downloads. Nothing here shows any of the content itself.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .extensions import registry
from .models import Evaluation
from .purge import material_held, material_purge_day
from .reports.purge import report_purge_day
from .reports.rules import report_of
from .views import visible_case


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass
class PurgeFacts:
    """Dates and flags only: the office reads this too."""

    report_delivered_at: datetime | None = None
    report_reviewed_at: datetime | None = None
    report_purge_day: date | None = None
    report_purged_at: datetime | None = None
    report_notice_sent_at: datetime | None = None
    report_sha256: str = ""
    case_ended: bool = False
    material_purge_day: date | None = None
    material_purged_at: datetime | None = None
    material_notice_sent_at: datetime | None = None
    material_held: bool = False
    report_download: Link | None = None
    material_downloads: list[Link] = field(default_factory=list)

    @property
    def report_delivered(self) -> bool:
        return self.report_delivered_at is not None

    @property
    def anything_to_say(self) -> bool:
        return self.report_delivered or self.case_ended


def purge_facts(case: Evaluation, user) -> PurgeFacts:
    report = report_of(case)
    facts = PurgeFacts(case_ended=case.is_ended)
    if report is not None and report.delivered_at is not None:
        facts.report_delivered_at = report.delivered_at
        facts.report_reviewed_at = case.quality_reviewed_at
        facts.report_purged_at = report.purged_at
        facts.report_notice_sent_at = report.purge_notice_sent_at
        facts.report_purge_day = report_purge_day(report)
        facts.report_sha256 = report.pdf_sha256
        if report.purged_at is None and report.pdf and user.has_perm("reports.read", case):
            facts.report_download = Link(_("Hämta rapporten som PDF"), reverse("reports:pdf", args=[case.pk]))
    facts.material_purged_at = case.material_purged_at
    facts.material_notice_sent_at = case.material_purge_notice_sent_at
    if case.material_purged_at is None:
        facts.material_held = material_held(case)
        facts.material_purge_day = material_purge_day(case) if case.is_ended else None
        if facts.material_held and user.has_perm("evaluations.act_as_trainee", case):
            facts.material_downloads = [
                Link(str(d.label), reverse(d.url_name, args=[case.pk])) for d in registry.material_downloads
            ]
    return facts


def _context(case, user) -> dict:
    return {
        "case": case,
        "facts": purge_facts(case, user),
        "keep_after_review": settings.MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW,
        "keep_max": settings.MITTIST_REPORT_KEEP_DAYS_MAX,
        "keep_after_end": settings.MITTIST_MATERIAL_KEEP_DAYS_AFTER_END,
        "notice_days": settings.MITTIST_PURGE_NOTICE_DAYS,
        "today": timezone.localdate(),
        "is_trainee": user.has_perm("evaluations.act_as_trainee", case),
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def purge_page(request, case_id):
    case = visible_case(request, case_id)
    if not request.user.has_perm("evaluations.view_purge", case):
        raise PermissionDenied
    response = render(request, "evaluations/purge/page.html", _context(case, request.user))
    response["Cache-Control"] = "no-store, private"
    return response


def case_panel_context(request, case) -> dict | None:
    """The card on the case page, once there is something to say (a delivered report, or an ended case)."""
    if not request.user.has_perm("evaluations.view_purge", case):
        return None
    context = _context(case, request.user)
    return context if context["facts"].anything_to_say else None
