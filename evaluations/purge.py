"""The purge: nothing about a case's content stays at SFAM (domain.md, point 7).

Two things leave, each on its own day, each announced to the trainee first:

- the **report** (its text, PDF, share links and the quality review's comments): `purge_due()` on the
  report, that is MITTIST_REPORT_KEEP_DAYS_AFTER_REVIEW days after the review and at the latest
  MITTIST_REPORT_KEEP_DAYS_MAX days after delivery, reviewed or not (evaluations/reports/purge.py);
- the **material** (portfolio, documents, recordings and self-evaluations, supervisor links, the
  programme's and the proposals' notes, an unsent draft of the report):
  MITTIST_MATERIAL_KEEP_DAYS_AFTER_END days after the case was closed, withdrawn or rejected. The core
  does not know the satellites: each registers a purger (and a `holds` check) in evaluations.extensions.

The rule for the notice: it goes out MITTIST_PURGE_NOTICE_DAYS days before the purge day, with the date
and a link to the case's purge page (downloads until the purge, "deleted on …" after). **Nothing is ever
purged without a notice, nor sooner than MITTIST_PURGE_NOTICE_DAYS days after it was sent**: if the
worker was down and the notice went out late, the purge waits; the date in the e-mail is that later day.
A case whose satellites hold nothing the trainee could lose (a registration rejected before anything was
written) is purged on its day without a notice, since there is nothing to announce.

The sweep (`run_sweep`, a django-q2 schedule every MITTIST_PURGE_SWEEP_MINUTES) claims each step with a
conditional UPDATE before it acts, so two sweeps never send a notice twice or purge twice. Database
content is cleared in the claim's transaction; the files go afterwards, every stored version, and each
file's name is kept (PendingFileDeletion) until it is really gone, so a failed delete is retried by the
next sweep. A case whose step fails is logged and left, whole, for the next sweep; the others go on. A
second sweep changes nothing. Mail tasks carry ids only: no text of the report or the portfolio ever
passes through the task queue's tables.
"""

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mittist.mailer import Recipient, queue_mail, write_mail
from mittist.storage import delete_all_versions

from .extensions import registry
from .models import CaseEvent, Evaluation, PendingFileDeletion

logger = logging.getLogger(__name__)

SWEEP_NAME = "Radering hos SFAM (rapporter och material)"
SWEEP_FUNC = "evaluations.purge.run_sweep"
NOTICE_TASK = "evaluations.purge.deliver_notice"
ENDED = Evaluation.ENDED_STATES


# --- the dates --------------------------------------------------------------------------------------


def local_start(day: date) -> datetime:
    """The first moment of a local (Stockholm) day, as an aware datetime for comparing in SQL."""
    return timezone.make_aware(datetime.combine(day, time.min))


def notice_days() -> timedelta:
    return timedelta(days=settings.MITTIST_PURGE_NOTICE_DAYS)


def purge_day(due: date | None, notice_sent_at: datetime | None, today: date | None = None) -> date | None:
    """The day something is really purged: its due day, but never sooner than the notice period after the
    notice (sent, or if not sent yet, sent today)."""
    if due is None:
        return None
    today = today or timezone.localdate()
    noticed_on = timezone.localdate(notice_sent_at) if notice_sent_at else today
    return max(due, noticed_on + notice_days())


def material_purge_due(case: Evaluation) -> date | None:
    if case.state not in ENDED or case.closed_at is None:
        return None
    return timezone.localdate(case.closed_at) + timedelta(days=settings.MITTIST_MATERIAL_KEEP_DAYS_AFTER_END)


def material_purge_day(case: Evaluation, today: date | None = None) -> date | None:
    if case.material_purged_at is not None:
        return timezone.localdate(case.material_purged_at)
    return purge_day(material_purge_due(case), case.material_purge_notice_sent_at, today)


def material_held(case: Evaluation) -> bool:
    """Whether any satellite still keeps material of the case that the trainee would lose."""
    return any(holds(case) for holds in registry.material_holders)


# --- files ------------------------------------------------------------------------------------------


def queue_files(case: Evaluation, names) -> None:
    """Keep the names of files to delete (inside the purge's transaction): the file goes after the commit."""
    for name in dict.fromkeys(n for n in names if n):
        PendingFileDeletion.objects.get_or_create(name=name, defaults={"case": case})


def delete_pending_files(now: datetime | None = None) -> tuple[int, int]:
    """Delete every file waiting for it, every version; (deleted, failed). A failure stays for the next sweep."""
    now = now or timezone.now()
    deleted = failed = 0
    for pending in PendingFileDeletion.objects.all():
        try:
            delete_all_versions(pending.name)
        except Exception as error:  # S3 down, permissions, a version that would not go: try again next time
            failed += 1
            logger.warning("Purge: could not delete %s: %r", pending.name, error)
            PendingFileDeletion.objects.filter(pk=pending.pk).update(
                attempts=pending.attempts + 1, last_tried_at=now, last_error=type(error).__name__[:200]
            )
            continue
        pending.delete()
        deleted += 1
    return deleted, failed


def each(items, step, what: str) -> int:
    """`step(item)` for every item, counting the true results. One that fails is logged and left for the next
    sweep (its transaction rolled back); the others go on."""
    done = 0
    for item in items:
        try:
            done += bool(step(item))
        except Exception:
            logger.exception("Purge sweep: %s failed for %s", what, getattr(item, "pk", item))
    return done


# --- the notice -------------------------------------------------------------------------------------


def claim_notice(unclaimed, field: str, case: Evaluation, what: str, now: datetime) -> bool:
    """Claim one notice: set `field` on the row of `unclaimed` (the row as long as it has no notice), audit
    it and queue the mail for after the commit, all or nothing. False when another sweep claimed it first."""
    with transaction.atomic():
        if not unclaimed.update(**{field: now}):
            return False
        CaseEvent.record(case, None, f"{what}_purge_notice")
        write_mail(NOTICE_TASK, what, str(case.pk))
    return True


# --- the material -----------------------------------------------------------------------------------


def _ended_before(day: date):
    """Ended cases whose end (closed_at) falls on or before `day`, local time, material not yet purged."""
    return Evaluation.objects.filter(
        state__in=ENDED, closed_at__lt=local_start(day + timedelta(days=1)), material_purged_at__isnull=True
    )


def send_material_notices(now: datetime) -> int:
    today = timezone.localdate(now)
    keep = timedelta(days=settings.MITTIST_MATERIAL_KEEP_DAYS_AFTER_END)

    def notice(case) -> bool:
        if not material_held(case):
            return False  # nothing to lose, nothing to announce: purged on its day without a notice
        unclaimed = Evaluation.objects.filter(
            pk=case.pk, material_purge_notice_sent_at__isnull=True, material_purged_at__isnull=True
        )
        return claim_notice(unclaimed, "material_purge_notice_sent_at", case, "material", now)

    # Notice day = purge due day − notice days, i.e. the end lies at least (keep − notice) days back.
    candidates = _ended_before(today - keep + notice_days()).filter(material_purge_notice_sent_at__isnull=True)
    return each(candidates, notice, "material notice")


def purge_material(case: Evaluation, now: datetime) -> bool:
    """Claim the case's material purge and clear it from the database; the files follow after the commit."""
    from evaluations.reports.purge import purge_unsent_report

    with transaction.atomic():
        claimed = Evaluation.objects.filter(pk=case.pk, material_purged_at__isnull=True).update(material_purged_at=now)
        if not claimed:
            return False
        case = Evaluation.objects.select_for_update().get(pk=case.pk)
        names = []
        for purger in registry.material_purgers:
            names += list(purger(case) or [])
        names += purge_unsent_report(case, now)
        queue_files(case, names)
        CaseEvent.record(case, None, "material_purged")
    return True


def purge_due_material(now: datetime) -> int:
    today = timezone.localdate(now)
    keep = timedelta(days=settings.MITTIST_MATERIAL_KEEP_DAYS_AFTER_END)

    def purge(case) -> bool:
        if case.material_purge_notice_sent_at is None:
            if material_held(case):
                return False  # the notice goes first; the purge waits its full notice period after it
        elif timezone.localdate(case.material_purge_notice_sent_at) + notice_days() > today:
            return False
        return purge_material(case, now)

    return each(_ended_before(today - keep), purge, "material purge")


# --- the sweep --------------------------------------------------------------------------------------


def run_sweep(now: datetime | None = None) -> dict:
    """One pass: notices that are due, then purges that are due, then the files still waiting.

    Every step is claimed, so sweeps running at once (or a second run) do nothing twice."""
    from evaluations.reports import purge as report_purge

    now = now or timezone.now()
    done = {
        "report_notices": report_purge.send_report_notices(now),
        "material_notices": send_material_notices(now),
        "reports_purged": report_purge.purge_due_reports(now),
        "material_purged": purge_due_material(now),
    }
    done["files_deleted"], done["files_failed"] = delete_pending_files(now)
    return done


# --- the notice e-mail ------------------------------------------------------------------------------


def purge_page_url(case: Evaluation) -> str:
    return settings.SITE_URL + reverse("evaluations:purge", args=[case.pk])


def deliver_notice(what: str, case_id: str) -> int:
    """The trainee's notice (run by the worker): the date as it stands when the mail is written."""
    from evaluations.reports.purge import report_purge_day
    from evaluations.reports.rules import report_of

    case = Evaluation.objects.with_related().filter(pk=case_id).first()
    if case is None:
        return 0
    if what == "report":
        report = report_of(case)
        if report is None or report.purged_at is not None:
            return 0
        day = report_purge_day(report)
    elif what == "material":
        if case.material_purged_at is not None:
            return 0
        day = material_purge_day(case)
    else:
        raise ValueError(f"unknown purge notice {what!r}")
    context = {
        "case": case,
        "purge_day": day,
        "purge_url": purge_page_url(case),
        "notice_days": settings.MITTIST_PURGE_NOTICE_DAYS,
    }
    queue_mail(f"{what}_purge_notice", Recipient.of(case.trainee), context)
    return 1


def register_purge_sweep(sender=None, using="default", **kwargs):
    """The sweep as one django-q2 schedule (see Django Q in the admin), registered after every migrate.

    Keyed by name, so a later migrate updates the one schedule rather than adding another; the first run
    is set only when it is created. Missed runs are not caught up (catch_up=False): the next run does all
    that is due."""
    from django_q.models import Schedule

    minutes = settings.MITTIST_PURGE_SWEEP_MINUTES
    fields = {"func": SWEEP_FUNC, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1}
    Schedule.objects.using(using).update_or_create(
        name=SWEEP_NAME, defaults=fields, create_defaults={**fields, "next_run": timezone.now()}
    )
