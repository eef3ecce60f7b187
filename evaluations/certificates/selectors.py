"""Reading certificates for the public verification page."""

from .models import Certificate


def certificate_for_code(code: str) -> Certificate | None:
    """The certificate a normalized verification code names; only what the public page may show is loaded."""
    if not code:
        return None
    return Certificate.objects.filter(code=code).only(
        "code", "trainee_name", "practice_day", "issued_at", "revoked_at"
    ).first()
