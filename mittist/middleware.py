"""Sessions fit for a shared clinic computer, and responses no browser or proxy keeps.

SessionLimitMiddleware signs a user out after MITTIST_SESSION_IDLE_MINUTES without a request and, however
active, MITTIST_SESSION_MAX_HOURS after signing in (the cookie itself ends when the browser closes). Once
signed out the request goes on as an anonymous one: pages send to the login, autosave answers 401 and the
browser keeps the text (static/js/autosave.js).

NoStoreMiddleware: every dynamic response carries `Cache-Control: no-store` (pages of signed-in users,
capability links, downloads, CSV), so the back button on a shared computer shows nothing after a logout.
It sits after WhiteNoise, which answers static files itself with their own long caching.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

STARTED = "mittist_session_started"
SEEN = "mittist_session_seen"
# Writing the session on every request costs a database write; a minute's precision is enough for an idle limit.
SEEN_PRECISION_SECONDS = 60

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture", "midi", "magnetometer",
                    "gyroscope", "accelerometer")
)


def start_session_clock(sender, request, user, **kwargs):
    """On every sign-in (connected to user_logged_in in the accounts app): both limits count from now."""
    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = request.session[SEEN] = int(time.time())


class SessionLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        now = int(time.time())
        session = request.session
        started, seen = session.get(STARTED), session.get(SEEN)
        idle = settings.MITTIST_SESSION_IDLE_MINUTES * 60
        longest = settings.MITTIST_SESSION_MAX_HOURS * 3600
        if started is None or seen is None:  # a session from before the limits existed
            session[STARTED] = session[SEEN] = now
            return
        if now - seen > idle:
            message = _("Du har loggats ut efter %(minutes)s minuter utan aktivitet. Logga in igen för att fortsätta.") % {
                "minutes": settings.MITTIST_SESSION_IDLE_MINUTES
            }
        elif now - started > longest:
            message = _("Du har loggats ut eftersom inloggningen varat i %(hours)s timmar. Logga in igen för att fortsätta.") % {
                "hours": settings.MITTIST_SESSION_MAX_HOURS
            }
        else:
            if now - seen >= SEEN_PRECISION_SECONDS:
                session[SEEN] = now
            return
        logout(request)
        messages.info(request, message)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store, private"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
