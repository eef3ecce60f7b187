"""Two purge sweeps at the same moment on separate connections: each notice is sent once, each purge done once.

Needs PostgreSQL (DATABASE_URL or CI=true): SQLite serialises whole-database writes and would prove nothing.
The audit row of each claim is slowed down, so the other sweep meets rows locked mid-claim.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from evaluations.models import CaseEvent
from evaluations.purge import run_sweep
from portfolio.services.common import ensure_sections
from portfolio.services.sections import section_save
from tests.conftest import S
from tests.scheduling.test_reminders_concurrency import run_together  # one thread per sweep, a barrier

from .conftest import KEEP, NOTICE, at

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (run with CI=true)"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_rows_back"),
]
CASES = 3


def test_two_sweeps_at_once_send_each_notice_once_and_purge_once(make_case, mailoutbox, definitions):
    cases = []
    for _ in range(CASES):
        case = make_case(S.CLOSED)
        section = ensure_sections(case)["B"]
        section_save(section=section, by=case.trainee, data={"background": "Min bakgrund."}, base_version=0,
                     can_edit=lambda c: True)
        cases.append(case)
    due = timezone.localdate() + timedelta(days=KEEP)  # reviewed and closed today: both fall due together

    real = CaseEvent.record

    def slow_record(*args, **kwargs):
        time.sleep(0.2)  # the claim's transaction stays open a while: the other sweep meets it locked
        return real(*args, **kwargs)

    for moment in (due - timedelta(days=NOTICE), due):
        with at(moment):  # each thread commits for real, so its notices go out from that thread
            slow = pytest.MonkeyPatch()
            slow.setattr(CaseEvent, "record", staticmethod(slow_record))
            try:
                results = run_together(run_sweep, run_sweep)
            finally:
                slow.undo()
        assert [r[0] for r in results] == ["ok", "ok"], results

    events = Counter(CaseEvent.objects.filter(case__in=cases).values_list("case_id", "action"))
    for case in cases:
        for action in ("report_purge_notice", "material_purge_notice", "report_purged", "material_purged"):
            assert events[(case.pk, action)] == 1, (action, events)
    subjects = Counter(m.subject.split(" raderas")[0] for m in mailoutbox if "raderas hos SFAM" in m.subject)
    assert subjects == {"Rapporten från din Mitt-i-ST": CASES, "Ditt material i Mitt-i-ST": CASES}
