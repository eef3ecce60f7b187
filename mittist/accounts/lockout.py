"""Login lock-out: django-axes, counting each failure three ways, each against its own limit.

AXES_LOCKOUT_PARAMETERS lists (account, address), account and address; axes sums the recent failures
for each and compares the largest with one limit. Here each count is first scaled to its own limit
(AXES_FAILURE_LIMIT, MITTIST_LOCKOUT_ACCOUNT_LIMIT, MITTIST_LOCKOUT_ADDRESS_LIMIT), so the client is
locked out exactly when one of the three reaches its limit: guessing one account from many addresses
locks the account, spraying many accounts from one address locks the address.
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone


def limits() -> list[int]:
    return [settings.AXES_FAILURE_LIMIT, settings.MITTIST_LOCKOUT_ACCOUNT_LIMIT, settings.MITTIST_LOCKOUT_ADDRESS_LIMIT]


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        base = settings.AXES_FAILURE_LIMIT
        scaled = 0
        for attempts, limit in zip(self.get_user_attempts(request, credentials), limits(), strict=True):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            scaled = max(scaled, count * base // limit)
        return scaled


def cool_off_start():
    return timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)


def locked_accounts() -> list[dict]:
    """E-mail addresses locked out from everywhere (account limit reached) or from one address.

    Each: username, failures, last attempt, and the time the lock ends on its own.
    """
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=cool_off_start())
        .exclude(username=None).exclude(username="")
        .values("username")
        .annotate(failures=Sum("failures_since_start"), worst=Max("failures_since_start"), last=Max("attempt_time"))
        .order_by("-last")
    )
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    return [
        {**row, "until": row["last"] + cool_off}
        for row in rows
        if row["failures"] >= settings.MITTIST_LOCKOUT_ACCOUNT_LIMIT or row["worst"] >= settings.AXES_FAILURE_LIMIT
    ]
