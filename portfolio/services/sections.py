"""Saving a portfolio section: never overwrite text saved from somewhere else."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mittist.autosave import VersionConflict
from mittist.text import without_nul

from ..models import Section
from .common import PortfolioError, record


class SectionConflict(VersionConflict):
    """The section changed since the user loaded it: both versions go back to the user to merge."""

    @property
    def section(self) -> Section:
        return self.obj


MAX_ANSWER_LENGTH = 20_000


def clean_answers(section: Section, data: dict) -> dict:
    """Only the section's own prompts, as stripped-of-NUL text of bounded length."""
    answers = {}
    for key in section.definition.keys:
        if key in data:
            value = without_nul(data[key])
            if len(value) > MAX_ANSWER_LENGTH:
                raise PortfolioError(
                    _("Texten är för lång (högst %(max)s tecken per fråga).") % {"max": MAX_ANSWER_LENGTH}
                )
            answers[key] = value
    return answers


def section_save(*, section: Section, by, data: dict, base_version: int, can_edit) -> Section:
    """Save some or all answers of a section written from `base_version`.

    `can_edit(case)` is the caller's rights check on the locked case (trainee for A–E, supervisor
    link for F). A save from an older version raises SectionConflict, even for other fields: the
    user sees both texts and decides.
    """
    with transaction.atomic():
        locked = Section.objects.select_for_update().select_related("case").get(pk=section.pk)
        if not can_edit(locked.case) or locked.is_locked:
            raise PermissionDenied
        if base_version != locked.version:
            raise SectionConflict(locked)
        answers = clean_answers(locked, data)
        changed = {k: v for k, v in answers.items() if locked.data.get(k, "") != v}
        if not changed:
            return locked
        locked.data = {**locked.data, **changed}
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.updated_by = by if by is not None and by.is_authenticated else None
        locked.save(update_fields=["data", "version", "updated_at", "updated_by"])
        record(locked.case, by, "section_saved", note=locked.code, coalesce=True)
    return locked
