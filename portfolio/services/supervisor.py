"""Section F through the supervisor's capability link.

The trainee (or the coordinator) asks for the statement: a link with a random token goes to the
supervisor by e-mail; only the token's hash is kept. Whoever holds the token can open that one
statement of that one case until the link expires or is revoked. Every use of the link is audited
with the supervisor's e-mail in the note, since the supervisor usually has no account.

The token must reach the mail worker without being stored in clear text anywhere (the task queue
keeps its arguments in the database), so it travels sealed with the field-encryption key.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.models import CaseEvent, Evaluation
from mittist import crypto
from mittist.mailer import Recipient, queue_mail, queue_task_on_commit, write_mail
from mittist.outbox.services import withdraw

from ..models import Section, SupervisorLink, hash_token
from .common import PortfolioError, autosave_window, ensure_sections, record
from .sections import clean_answers, section_save

REQUEST_MAIL = "supervisor_statement_request"
# The scheduling app's task, named not imported (the portfolio does not depend on it).
REPLAN_REMINDERS = "scheduling.reminders.replan_reminders"
SUBMITTED_MAIL = "supervisor_statement_submitted"


class StatementIncomplete(PortfolioError):
    """Required prompts of F are unanswered: `missing` lists them (Prompt objects)."""

    def __init__(self, missing: list):
        super().__init__(_("Några frågor är obesvarade."))
        self.missing = missing


# --- reading ------------------------------------------------------------------------------------


def link_for_token(token: str) -> SupervisorLink | None:
    """The link a token belongs to, usable or not; None for a token nobody issued."""
    if not token or len(token) > 200:
        return None
    return SupervisorLink.objects.select_related("case__trainee").filter(token_hash=hash_token(token)).first()


def current_link(case: Evaluation) -> SupervisorLink | None:
    """The newest link of the case (revoked or expired ones included: the page says which)."""
    return SupervisorLink.objects.filter(case=case).first()


def statement_section(case: Evaluation) -> Section:
    return ensure_sections(case)["F"]


# --- the trainee's (or coordinator's) side -----------------------------------------------------


def _locked_case(case: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().get(pk=case.pk)


def supervisor_link_request(*, case: Evaluation, by, email: str) -> tuple[SupervisorLink, str]:
    """Issue a new link to `email` and mail it; any earlier usable link of the case stops working.

    Returns the link and its token (the token exists only in this return value and the e-mail).
    """
    email = email.strip()
    with transaction.atomic():
        case = _locked_case(case)
        if case.is_ended:
            raise PortfolioError(_("Ärendet är avslutat. Det går inte att be om ett utlåtande."))
        section = Section.objects.filter(case=case, code="F").first()
        if section is not None and section.is_locked:
            raise PortfolioError(_("Handledaren har redan skickat in sitt utlåtande."))
        now = timezone.now()
        SupervisorLink.objects.filter(case=case, revoked_at__isnull=True, expires_at__gt=now).update(revoked_at=now)
        link, token = SupervisorLink.issue(case=case, email=email, by=by)
        record(case, by, "supervisor_link_issued", note=email)
        write_mail(deliver_statement_request, str(link.pk), crypto.encrypt(token))
        # The supervisor's reminders start (or move to the new address) with the request.
        queue_task_on_commit(REPLAN_REMINDERS, str(case.pk))
    return link, token


def supervisor_link_revoke(*, link: SupervisorLink, by) -> SupervisorLink:
    """Stop a link at once; revoking a link that no longer works changes nothing."""
    with transaction.atomic():
        link = SupervisorLink.objects.select_for_update().select_related("case").get(pk=link.pk)
        if link.revoked_at is not None:
            return link
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        withdraw(link_topic(link.case))  # a request mail still waiting must not carry the revoked link
        record(link.case, by, "supervisor_link_revoked", note=link.email)
        # No request left: nobody to remind.
        queue_task_on_commit(REPLAN_REMINDERS, str(link.case_id))
    return link


# --- the supervisor's side --------------------------------------------------------------------------


def _usable_link(link: SupervisorLink) -> SupervisorLink:
    link = SupervisorLink.objects.select_for_update().select_related("case").get(pk=link.pk)
    if not link.is_usable or link.case.is_ended:
        raise PermissionDenied
    return link


def supervisor_link_open(*, link: SupervisorLink, by, coalesce: bool = False) -> SupervisorLink:
    """The supervisor opened the statement (the button behind the link, or their account).

    Audit notes of the link's uses carry the link's address: the supervisor usually has no account
    (the actor column shows the account when there is one)."""
    with transaction.atomic():
        link = _usable_link(link)
        link.last_used_at = timezone.now()
        link.save(update_fields=["last_used_at"])
        record(link.case, by, "supervisor_link_opened", note=link.email, coalesce=coalesce)
    return link


def _record_statement_saved(case: Evaluation, by, note: str) -> None:
    # Coalesced like autosave: a run of saves within the window is one row. The section's own
    # "section_saved" row follows each save, so look back over the window, not only at the last row.
    actor_id = by.pk if by is not None and by.is_authenticated else None
    recent = case.events.filter(
        action="supervisor_statement_saved", note=note, actor_id=actor_id, at__gt=timezone.now() - autosave_window()
    )
    if not recent.exists():
        CaseEvent.record(case, by, "supervisor_statement_saved", note=note)


def supervisor_statement_save(*, link: SupervisorLink, by, data: dict, base_version: int) -> Section:
    """Save F through the link. Raises SectionConflict on a stale version and PermissionDenied when
    the link no longer works or F is submitted."""
    with transaction.atomic():
        link = _usable_link(link)
        section = Section.objects.select_for_update().get(pk=statement_section(link.case).pk)
        changes = section.version == base_version and not section.is_locked and any(
            section.data.get(key, "") != value for key, value in clean_answers(section, data).items()
        )
        if changes:
            _record_statement_saved(link.case, by, link.email)
            link.last_used_at = timezone.now()
            link.save(update_fields=["last_used_at"])
        # The link row is locked above, so a revocation either happened before this or waits for it.
        return section_save(section=section, by=by, data=data, base_version=base_version,
                            can_edit=lambda case: link.is_usable and not case.is_ended)


def supervisor_statement_submit(*, link: SupervisorLink, by) -> Section:
    """Lock F once every required prompt is answered, and tell the trainee and the evaluator."""
    with transaction.atomic():
        link = _usable_link(link)
        section = Section.objects.select_for_update().get(pk=statement_section(link.case).pk)
        if section.is_locked:
            raise PermissionDenied
        missing = section.missing_prompts()
        if missing:
            raise StatementIncomplete(missing)
        now = timezone.now()
        section.locked_at = now
        section.save(update_fields=["locked_at"])
        link.last_used_at = now
        link.save(update_fields=["last_used_at"])
        record(link.case, by, "supervisor_statement_submitted", note=link.email)
        write_mail(deliver_statement_submitted, str(link.pk))
    return section


# --- e-mail tasks (run by the worker, after the commit) ---------------------------------------------


def link_topic(case) -> str:
    return f"supervisor_link:{case.pk}"


def landing_url(token: str) -> str:
    return settings.SITE_URL + reverse("portfolio:supervisor_landing", args=[token])


def deliver_statement_request(link_id: str, sealed_token: str) -> int:
    link = SupervisorLink.objects.select_related("case__trainee").get(pk=link_id)
    if not link.is_usable:
        return 0  # revoked or replaced before the worker got to it: the old link must not go out
    case = link.case
    name = case.supervisor_name if link.email.lower() == case.supervisor_email.lower() else ""
    context = {
        "case": case,
        "link": link,
        "link_url": landing_url(crypto.decrypt(sealed_token)),
        "account_url": settings.SITE_URL + reverse("portfolio:supervisor_statement", args=[link.pk]),
    }
    queue_mail(REQUEST_MAIL, Recipient(email=link.email, name=name), context, topic=link_topic(case))
    return 1


def deliver_statement_submitted(link_id: str) -> int:
    link = SupervisorLink.objects.select_related("case__trainee", "case__evaluator__user").get(pk=link_id)
    case = link.case
    recipients = [(Recipient.of(case.trainee), settings.SITE_URL + reverse("portfolio:supervisor", args=[case.pk]))]
    if case.evaluator is not None:
        recipients.append((Recipient.of(case.evaluator.user), settings.SITE_URL + case.get_absolute_url()))
    for recipient, url in recipients:
        context = {
            "case": case,
            "link": link,
            "case_url": url,
            "for_trainee": recipient.email == case.trainee.email,
        }
        queue_mail(SUBMITTED_MAIL, recipient, context)
    return len(recipients)
