"""The autosave reply shared by the trainee's sections (A–E) and the supervisor's statement (F).

The JSON contract static/js/autosave.js reads: 200 {version, saved_at}; 409 {conflict, version,
answers, saved_at} with the saved text to merge; 400 {errors}; 401/403 {error: message to show}.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.utils import timezone

from ..models import Section
from ..services.common import PortfolioError
from ..services.sections import SectionConflict


def clock(moment) -> str:
    """"14:32" in Swedish time (TIME_ZONE), for the "Sparat 14:32" status."""
    return timezone.localtime(moment or timezone.now()).strftime("%H:%M")


def base_version(post) -> int:
    """The version the page was built from; a missing or garbled one counts as stale (-1)."""
    try:
        return int(post.get("version", ""))
    except (TypeError, ValueError):
        return -1


def differences(section: Section, answers: dict) -> dict[str, str]:
    """The saved text of every prompt where what the user sent differs from it."""
    return {key: section.answer(key) for key, value in answers.items() if section.answer(key) != value}


def form_errors_reply(form) -> JsonResponse:
    return JsonResponse({"errors": {key: [str(e) for e in errors] for key, errors in form.errors.items()}}, status=400)


def autosave_reply(save: Callable[[], Section], answers: dict, *, forbidden: Callable[[], JsonResponse]) -> JsonResponse:
    """Run `save` and answer the browser; a stale save of identical text is no conflict."""
    try:
        saved = save()
    except SectionConflict as conflict:
        current = conflict.section
        if not differences(current, answers):
            return JsonResponse({"version": current.version, "saved_at": clock(current.updated_at)})
        return JsonResponse({
            "conflict": True,
            "version": current.version,
            "answers": {key: current.answer(key) for key in current.definition.keys},
            "saved_at": clock(current.updated_at),
        }, status=409)
    except PermissionDenied:
        return forbidden()
    except PortfolioError as error:
        return JsonResponse({"errors": {"__all__": [str(error)]}}, status=400)
    return JsonResponse({"version": saved.version, "saved_at": clock(saved.updated_at)})
