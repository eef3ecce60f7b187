"""The one view decorator that lets in only some roles. What a role may do with a case is the rules
predicates' (`user.has_perm`); this only keeps whole pages (a role's home, the office's lists) to their role."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Role


def role_required(*roles: Role, superusers: bool = True):
    """Signed-in users of other roles get 403; anonymous users are sent to log in. A superuser passes
    unless `superusers=False` (pages that are a person's own, e.g. a trainee's mini-CEX forms)."""
    allowed = {Role(role) for role in roles}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if request.user.role not in allowed and not (superusers and request.user.is_superuser):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
