"""Every write to a report, its share links and its quality review.

Each service: one transaction, the case row locked first (then the report's), the rights asked through
the rules, one audit row on the case, e-mails queued on commit.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import notifications
from evaluations.extensions import trainee_questions
from evaluations.models import CaseEvent, Evaluation
from evaluations.readlog import record_read
from evaluations.services import CaseStateError, check_step, locked_case, take_step
from mittist import crypto
from mittist.autosave import AutosaveRefused, VersionConflict
from mittist.definitions import localized
from mittist.mailer import write_mail
from mittist.outbox.services import withdraw
from mittist.text import clean_text

from . import reads
from .models import (
    QualityChecklist,
    QualityReview,
    Report,
    ReportShare,
    ReportTemplate,
    hash_token,
    new_token,
)
from .rules import holds_review

MAX_ANSWER_LENGTH = 20_000
MAX_COMMENTS_LENGTH = 10_000


class ReportConflict(VersionConflict):
    """The report was saved from another window since this one loaded it."""


class ReportIncomplete(Exception):
    def __init__(self, missing: list["Missing"]):
        super().__init__("the report is not complete")
        self.missing = missing


@dataclass(frozen=True)
class Missing:
    key: str  # the field to go to
    label: str


# --- writing --------------------------------------------------------------------------------------


def report_for(case: Evaluation) -> Report:
    """The case's report, started on the current template the first time the evaluator opens it."""
    existing = Report.objects.filter(case=case).select_related("template").first()
    if existing is not None:
        return existing
    template = ReportTemplate.current()
    if template is None:
        raise CaseStateError(_("Det finns ingen rapportmall. Kontakta Mitt-i-ST-kansliet."))
    try:
        with transaction.atomic():
            return Report.objects.create(case=case, template=template)
    except IntegrityError:  # opened in two tabs at once: the first one made it
        return Report.objects.select_related("template").get(case=case)


def clean_answers(report: Report, data: dict) -> dict:
    answers = {}
    for key in report.keys:
        if key in data:
            value = clean_text(data[key], multiline=True)
            if len(value) > MAX_ANSWER_LENGTH:
                raise AutosaveRefused(
                    _("Texten är för lång (högst %(max)s tecken per fält).") % {"max": MAX_ANSWER_LENGTH}
                )
            answers[key] = value
    return answers


def report_save(*, report: Report, by, data: dict, base_version: int) -> Report:
    """Save answers written from `base_version`; an older base is a conflict (both texts go back)."""
    with transaction.atomic():
        case = locked_case(report.case)
        locked = Report.objects.select_for_update().select_related("template").get(pk=report.pk)
        if not by.has_perm("reports.write", case) or locked.is_locked:
            raise PermissionDenied  # the page answers "cannot be changed any more"; text stays in the browser
        if base_version != locked.version:
            locked.case = case
            raise ReportConflict(locked)
        answers = clean_answers(locked, data)
        changed = {k: v for k, v in answers.items() if locked.answers.get(k, "") != v}
        if not changed:
            return locked
        locked.answers = {**locked.answers, **changed}
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.updated_by = by
        locked.save(update_fields=["answers", "version", "updated_at", "updated_by"])
        _record_coalesced(case, by, "report_saved")
    return locked


def _record_coalesced(case: Evaluation, by, action: str) -> CaseEvent:
    # Autosave writes often: one row on the timeline for a stretch of writing, not one per keystroke.
    last = case.events.order_by("-at", "-id").first()
    window = timezone.now() - timedelta(minutes=settings.MITTIST_AUTOSAVE_EVENT_MINUTES)
    if last is not None and last.action == action and last.actor_id == by.pk and last.at > window:
        return last
    return CaseEvent.record(case, by, action)


def report_missing(report: Report, questions: list[str]) -> list[Missing]:
    """What must be written before the report can be sent, in the form's order."""
    missing = []
    for item in report.template.items:
        if not item.get("required", True):
            continue
        if item.get("kind") == "questions":
            count = int(item.get("count", 3))
            asked = questions[:count] if questions else []
            for number, question in enumerate(asked or [""] * count, start=1):
                key = f"{item['key']}_{number}"
                if not report.answer(key).strip():
                    label = _("Svar på fråga %(n)s") % {"n": number}
                    missing.append(Missing(key, f"{label}: {question}" if question else label))
        elif not report.answer(item["key"]).strip():
            missing.append(Missing(item["key"], localized(item, "label")))
    return missing


def _pdf_name(case: Evaluation) -> str:
    return f"reports/{case.pk}/rapport-{uuid.uuid4().hex[:12]}.pdf"


def report_deliver(*, report: Report, by) -> Report:
    """Send the report: complete → locked, rendered to PDF (hashed), the trainee told, the quality group's queue."""
    from .pdf import render_report_pdf  # WeasyPrint is heavy: only when a report is sent

    with transaction.atomic():
        case = locked_case(report.case)
        report = Report.objects.select_for_update().select_related("template").get(pk=report.pk)
        report.case = case
        refused = _("Rapporten är redan skickad.") if report.is_delivered else _(
            "Rapporten kan skickas när praktikdagen är genomförd."
        )
        # Rights, then state, then content: someone without rights learns nothing about the case.
        check_step(case, by, "deliver_report", refused)
        questions = trainee_questions(case)
        missing = report_missing(report, questions)
        if missing:
            raise ReportIncomplete(missing)
        report.questions = questions
        report.delivered_at = timezone.now()
        report.delivered_by = by
        report.delivered_by_name = by.full_name
        # The slow part (WeasyPrint, the upload) before the step: the step takes the count rows of both
        # states (evaluations/state_counts.py) until commit, and other cases' steps wait on them.
        content = render_report_pdf(report)
        name = default_storage.save(_pdf_name(case), ContentFile(content))
        try:
            before = take_step(case, by, "deliver_report", refused, report.delivered_at)
            report.delivered_late = case.report_delivered_late
            report.pdf = name
            report.pdf_sha256 = hashlib.sha256(content).hexdigest()
            report.save()
            CaseEvent.record(
                case, by, "report_delivered", from_state=before,
                note=_("Efter tidsgränsen") if report.delivered_late else "",
            )
            notifications.queue("report_delivered", case)
            notifications.queue("report_awaits_review", case)
        except Exception:
            default_storage.delete(name)  # no file without its row
            raise
    return report


# --- sharing --------------------------------------------------------------------------------------


def share_expiry(report: Report, now: datetime | None = None) -> datetime:
    """The default lifetime, but never past the day the report is purged."""
    now = now or timezone.now()
    wanted = now + timedelta(days=settings.MITTIST_REPORT_SHARE_DAYS)
    purge_day = report.purge_due()
    if purge_day is None:
        return wanted
    purge_start = timezone.make_aware(datetime.combine(purge_day, time.min))
    return min(wanted, purge_start)


def share_create(*, report: Report, by, kind: str, name: str, email: str) -> tuple[ReportShare, str]:
    """A read-only link for one named reader, mailed to them. Returns the share and its token."""
    name = clean_text(name)
    if kind not in ReportShare.Kind.values:
        raise ValidationError({"kind": _("Välj vem du delar med.")})
    with transaction.atomic():
        case = locked_case(report.case)
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.case = case
        if not by.has_perm("reports.share", case):
            raise PermissionDenied
        token = new_token()
        expires_at = share_expiry(report)
        if expires_at <= timezone.now():
            raise CaseStateError(_("Rapporten raderas hos SFAM i dag och kan inte delas längre."))
        share = ReportShare.objects.create(
            report=report, kind=kind, name=name, email=email.strip().lower(), token_hash=hash_token(token),
            created_by=by, expires_at=expires_at,
        )
        CaseEvent.record(case, by, "report_shared", note=f"{name} ({share.get_kind_display()})")
        # The token reaches the mail worker sealed: the task queue keeps its arguments.
        write_mail("evaluations.reports.notifications.deliver_share", str(share.pk), crypto.encrypt(token))
    return share, token


def share_revoke(*, share: ReportShare, by) -> ReportShare:
    with transaction.atomic():
        case = locked_case(share.report.case)
        share = ReportShare.objects.select_for_update().get(pk=share.pk)
        # Taking a link back is always allowed to the trainee, also when sharing anew no longer is.
        if not by.has_perm("evaluations.act_as_trainee", case):
            raise PermissionDenied
        if share.revoked_at is None:
            share.revoked_at = timezone.now()
            share.save(update_fields=["revoked_at"])
            withdraw(f"report_share:{share.pk}")  # a share mail still waiting must not carry the revoked link
            CaseEvent.record(case, by, "report_share_revoked", note=share.name)
    return share


def share_for_token(token: str) -> ReportShare | None:
    if not token or len(token) > 200:
        return None
    return (
        ReportShare.objects.select_related("report__case__trainee", "report__template")
        .filter(token_hash=hash_token(token))
        .first()
    )


def share_viewed(*, share: ReportShare, what: str = "report") -> ReportShare:
    """One reading of a shared report (the page or its PDF): counted, and on the case's audit trail."""
    with transaction.atomic():
        share = ReportShare.objects.select_for_update().select_related("report__case").get(pk=share.pk)
        if not share.is_usable:
            raise PermissionDenied
        share.view_count += 1
        share.last_viewed_at = timezone.now()
        share.save(update_fields=["view_count", "last_viewed_at"])
        note = share.name if what == "report" else f"{share.name} (PDF)"
        CaseEvent.record(share.report.case, None, "report_share_opened", note=note)
        record_read(case=share.report.case, what=reads.SHARED if what == "report" else reads.SHARED_PDF,
                    share_name=share.name)
    return share


# --- the quality review -----------------------------------------------------------------------------


def review_take(*, case: Evaluation, by) -> QualityReview:
    """A quality group member takes a delivered report, so two do not review the same one."""
    with transaction.atomic():
        case = locked_case(case)
        if not by.has_perm("reports.read_for_review", case):
            raise PermissionDenied
        if case.quality_reviewed_at is not None:
            raise CaseStateError(_("Rapporten är redan granskad."))
        report = Report.objects.select_for_update().get(case=case)
        review = QualityReview.objects.select_for_update().filter(report=report).first()
        if review is not None and review.reviewer_id and not holds_review(by, review):
            raise CaseStateError(
                _("%(name)s granskar redan den här rapporten.") % {"name": review.reviewer_name or "–"}
            )
        if review is None:
            checklist = QualityChecklist.current()
            if checklist is None:
                raise CaseStateError(_("Det finns ingen checklista för kvalitetsgranskning."))
            review = QualityReview(report=report, checklist=checklist)
        review.reviewer, review.reviewer_name, review.taken_at = by, by.full_name, timezone.now()
        review.save()
        CaseEvent.record(case, by, "quality_review_taken")
    return review


def review_release(*, review: QualityReview, by) -> QualityReview:
    with transaction.atomic():
        case = locked_case(review.report.case)
        review = QualityReview.objects.select_for_update().get(pk=review.pk)
        if not holds_review(by, review) or review.is_completed:
            raise PermissionDenied
        review.reviewer, review.reviewer_name, review.taken_at = None, "", None
        review.save(update_fields=["reviewer", "reviewer_name", "taken_at"])
        CaseEvent.record(case, by, "quality_review_released")
    return review


def review_save(
    *, review: QualityReview, by, answers: dict, comments: str, send_to_evaluator: bool, base_version: int
) -> QualityReview:
    with transaction.atomic():
        case = locked_case(review.report.case)
        review = QualityReview.objects.select_for_update().select_related("checklist").get(pk=review.pk)
        if not holds_review(by, review) or not by.has_perm("reports.review", case) or review.is_completed:
            raise PermissionDenied
        if base_version != review.version:
            raise CaseStateError(
                _("Granskningen har sparats från ett annat fönster. Ladda om sidan; det du skrev står kvar nedan.")
            )
        comments = clean_text(comments, multiline=True)
        if len(comments) > MAX_COMMENTS_LENGTH:
            raise ValidationError({"comments": _("Högst %(max)s tecken.") % {"max": MAX_COMMENTS_LENGTH}})
        allowed = set(QualityReview.Answer.values)
        review.answers = {key: answers[key] for key in review.checklist.keys if answers.get(key) in allowed}
        review.comments = comments
        review.send_to_evaluator = bool(send_to_evaluator and comments.strip())
        review.version += 1
        review.updated_at = timezone.now()
        review.save()
    return review


def review_missing(review: QualityReview) -> list[str]:
    return [localized(item, "label") for item in review.checklist.items if item["key"] not in review.answers]


def review_complete(*, review: QualityReview, by) -> QualityReview:
    """Record the review: the case moves on, the certificate is issued, the evaluator may get the comments."""
    from evaluations.certificates.services import certificate_issue_on_review

    with transaction.atomic():
        case = locked_case(review.report.case)
        review = QualityReview.objects.select_for_update().select_related("checklist").get(pk=review.pk)
        if not holds_review(by, review):
            raise PermissionDenied
        missing = review_missing(review)
        if missing:
            raise ValidationError(_("Svara på alla punkter i checklistan: %(items)s.") % {"items": ", ".join(missing)})
        before = take_step(case, by, "record_quality_review", _("Rapporten är redan granskad."))
        review.completed_at = case.quality_reviewed_at
        review.save(update_fields=["completed_at"])
        CaseEvent.record(case, by, "quality_reviewed", from_state=before)
        if review.send_to_evaluator:
            notifications.queue("review_feedback", case)
        if case.state == Evaluation.State.QUALITY_REVIEWED:
            certificate_issue_on_review(case=case, by=by)
    return review
