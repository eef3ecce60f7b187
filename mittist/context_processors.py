"""What every page may need: the durations texts are rendered from, and how to reach the office."""

from dataclasses import dataclass

from django.conf import settings

from .durations import durations


@dataclass(frozen=True)
class OfficeContact:
    email: str
    phone: str
    hours: str

    @property
    def phone_link(self) -> str:
        return "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


def office_contact() -> OfficeContact:
    return OfficeContact(
        email=settings.MITTIST_OFFICE_EMAIL, phone=settings.MITTIST_OFFICE_PHONE or "", hours=settings.MITTIST_OFFICE_HOURS or ""
    )


def shared_context() -> dict:
    """The same for pages (below) and e-mails (mittist.mailer)."""
    return {"durations": durations, "office": office_contact()}


def site_facts(request) -> dict:
    return shared_context()
