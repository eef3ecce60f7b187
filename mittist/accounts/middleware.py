from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Use the signed-in user's saved language unless they picked one in this browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.language != request.LANGUAGE_CODE
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


# Set at sign-in: whether this account has a second factor, so that optional users who turned it on are
# asked for it too without a query on every request.
SECOND_FACTOR_SESSION_KEY = "mittist_has_second_factor"
# What a signed-in but not yet verified user may reach: the second step itself, and the way out.
UNVERIFIED_ALLOWED = {
    "accounts:second_factor_verify", "accounts:second_factor_enrol", "accounts:logout", "set_language",
}


def remember_second_factor(sender, request, user, **kwargs):
    """user_logged_in receiver (every sign-in: the form, the admin's, a test's force_login)."""
    from .services import has_second_factor

    if request is not None and hasattr(request, "session"):
        request.session[SECOND_FACTOR_SESSION_KEY] = has_second_factor(user)


def second_factor_pending(request) -> bool:
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    # The predicate itself, not has_perm: Django's model backend would add two queries to every request.
    from .rules import second_factor_required

    return bool(request.session.get(SECOND_FACTOR_SESSION_KEY)) or second_factor_required(user)


class SecondFactorMiddleware:
    """After the password, the second factor: nothing else is reachable until it is given.

    Staff (rules: second_factor_required) without one are sent to enrol; everyone with one to give a code.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name in UNVERIFIED_ALLOWED or not second_factor_pending(request):
            return None
        from django.shortcuts import redirect
        from django.utils.http import urlencode

        from .services import has_second_factor

        target = "accounts:second_factor_verify" if has_second_factor(request.user) else "accounts:second_factor_enrol"
        url = redirect(target).url
        if request.method == "GET" and match.view_name != "accounts:login":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
