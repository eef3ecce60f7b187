"""Adding a doctor for mini-CEX is a service write with one AccountEvent."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from evaluations.minicex.training import trainee_add
from mittist.accounts.models import AccountEvent, Role

A = AccountEvent.Action


def test_a_doctor_added_for_mini_cex_is_one_created_row(coordinator, printed_forms):
    user = trainee_add(by=coordinator, values={
        "full_name": "Berit Bastjänst", "email": "berit.b@example.org", "programme": "bt", "curriculum": "bt2021",
        "training_start": date(2025, 9, 1), "part_time_percent": 80})
    (event,) = AccountEvent.objects.filter(user=user)
    assert (event.action, event.actor, event.note) == (A.CREATED, coordinator, Role.TRAINEE)


def test_a_refused_doctor_leaves_no_row(coordinator, trainee, printed_forms):
    with pytest.raises(ValidationError):
        trainee_add(by=coordinator, values={"full_name": "Dubblett", "email": trainee.email})
    assert not AccountEvent.objects.exists()
