"""The autosave reply shared by everything long that people type: portfolio sections, the supervisor's
statement, the evaluator's report.

The saved object has `version` (raised by every save), `updated_at`, `answer(key) -> str` and `keys`.
The JSON contract static/js/autosave.js reads: 200 {version, saved_at}; 409 {conflict, version,
answers, saved_at} with the saved text to merge; 400 {errors}; 401/403 {error: message to show}.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _


class VersionConflict(Exception):
    """The object changed since the user loaded it: both versions go back to the user to merge."""

    def __init__(self, obj):
        super().__init__("changed since it was loaded")
        self.obj = obj


class AutosaveRefused(Exception):
    """A save that cannot be taken as it is (too long, say); the message is shown as it is."""


def clock(moment) -> str:
    """"14:32" in Swedish time (TIME_ZONE), for the "Sparat 14:32" status."""
    return timezone.localtime(moment or timezone.now()).strftime("%H:%M")


def base_version(post) -> int:
    """The version the page was built from; a missing or garbled one counts as stale (-1)."""
    try:
        return int(post.get("version", ""))
    except (TypeError, ValueError):
        return -1


def differences(obj, answers: dict) -> dict[str, str]:
    """The saved text of every field where what the user sent differs from it."""
    return {key: obj.answer(key) for key, value in answers.items() if obj.answer(key) != value}


def form_errors_reply(form) -> JsonResponse:
    return JsonResponse({"errors": {key: [str(e) for e in errors] for key, errors in form.errors.items()}}, status=400)


def signed_out_reply() -> JsonResponse:
    """401: the session ended while the page was open; the text stays in the browser until the user signs in."""
    return JsonResponse({
        "error": _("Du är utloggad – texten finns kvar i webbläsaren. Logga in i en ny flik och tryck Spara."),
        "login_url": reverse("accounts:login"),
    }, status=401)


def autosave_reply(
    save: Callable, answers: dict, *, forbidden: Callable[[], JsonResponse], refused=(AutosaveRefused,)
) -> JsonResponse:
    """Run `save` and answer the browser; a stale save of identical text is no conflict."""
    try:
        saved = save()
    except VersionConflict as conflict:
        current = conflict.obj
        if not differences(current, answers):
            return JsonResponse({"version": current.version, "saved_at": clock(current.updated_at)})
        return JsonResponse({
            "conflict": True,
            "version": current.version,
            "answers": {key: current.answer(key) for key in current.keys},
            "saved_at": clock(current.updated_at),
        }, status=409)
    except PermissionDenied:
        return forbidden()
    except refused as error:
        return JsonResponse({"errors": {"__all__": [str(error)]}}, status=400)
    return JsonResponse({"version": saved.version, "saved_at": clock(saved.updated_at)})
