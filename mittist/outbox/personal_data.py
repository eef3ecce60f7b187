"""The outbox's part of an erasure (evaluations/personal_data.py): the person's address and name, and
the rows about their cases (whose recipients, such as the supervisor or manager they named, and whose
sealed text are their data too), go with the rest of it."""

from django.db.models import Q

from .models import Message


def erase(person, cases) -> list[str]:
    """Runs before the core's eraser, while the account still has the person's address.

    Every row to the person or about one of their cases goes, whatever its state. A message still waiting
    about an erased case would point at what no longer exists (a report, a shared link); the person is
    told of the erasure by the confirmation, which is written after the erasers and deleted once it is out.
    """
    rows = Q(recipient_user=person) | Q(case_id__in=[case.pk for case in cases])
    if person.email:
        rows |= Q(recipient_email__iexact=person.email)
    Message.objects.filter(rows).delete()
    return []
