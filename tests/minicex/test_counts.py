"""Yearly counts: completed mini-CEX per training year against two a year, pro rata for part-time."""

from datetime import date

import pytest

from evaluations.minicex.models import MiniCex, TrainingProfile
from evaluations.minicex.selectors import counts_overview, current_year_count, yearly_counts, yearly_minimum
from mittist.accounts.models import Role

S = MiniCex.State
START = date(2024, 9, 1)
TODAY = date(2025, 11, 15)  # in the second training year


def completed_on(make_form, day, state=S.COMPLETED):
    form, _ = make_form(state)
    MiniCex.objects.filter(pk=form.pk).update(performed_on=day)
    return form


@pytest.fixture
def profile(trainee):
    return TrainingProfile.objects.create(user=trainee, programme="st", training_start=START)


@pytest.mark.parametrize(("percent", "minimum"), [(100, 2), (75, 2), (50, 1), (30, 1), (10, 1)])
def test_minimum_is_two_pro_rata_rounded_up(trainee, percent, minimum):
    profile = TrainingProfile.objects.create(user=trainee, training_start=START, part_time_percent=percent)
    assert profile.yearly_minimum == minimum == yearly_minimum(percent)
    rows = yearly_counts(trainee, today=TODAY)
    assert {row.minimum for row in rows} == {minimum}
    assert {row.part_time_percent for row in rows} == {percent}


def test_years_run_from_the_training_start(make_form, trainee, profile):
    completed_on(make_form, date(2024, 8, 31))  # before the start: in no year
    completed_on(make_form, date(2024, 9, 1))  # the first day of year 1
    completed_on(make_form, date(2025, 8, 31))  # the last day of year 1
    completed_on(make_form, date(2025, 9, 1))  # the first day of year 2
    rows = yearly_counts(trainee, today=TODAY)
    assert [(r.number, r.start, r.end, r.completed) for r in rows] == [
        (1, date(2024, 9, 1), date(2025, 9, 1), 2),
        (2, date(2025, 9, 1), date(2026, 9, 1), 1),
    ]
    assert rows[0].last_day == date(2025, 8, 31)


def test_only_completed_forms_count(make_form, trainee, profile):
    day = date(2025, 10, 1)
    completed_on(make_form, day)
    for state in (S.DRAFT, S.AWAITING_ASSESSOR, S.ASSESSED, S.CANCELLED):
        completed_on(make_form, day, state=state)
    current = current_year_count(trainee, today=TODAY)
    assert current.completed == 1
    assert not current.met and current.missing == 1


def test_current_year_is_flagged_and_met_when_the_minimum_is_reached(make_form, trainee, profile):
    completed_on(make_form, date(2025, 9, 20))
    completed_on(make_form, date(2025, 10, 20))
    rows = yearly_counts(trainee, today=TODAY)
    assert [r.is_current for r in rows] == [False, True]
    assert rows[1].met and rows[1].missing == 0
    assert not rows[0].met  # the first year had none


def test_part_time_year_is_met_with_one(make_form, trainee):
    TrainingProfile.objects.create(user=trainee, training_start=START, part_time_percent=50)
    completed_on(make_form, date(2025, 10, 1))
    assert current_year_count(trainee, today=TODAY).met


def test_another_trainees_forms_do_not_count(make_form, trainee, other_trainee, profile):
    completed_on(make_form, date(2025, 10, 1))
    TrainingProfile.objects.create(user=other_trainee, training_start=START)
    assert current_year_count(other_trainee, today=TODAY).completed == 0


def test_without_profile_the_mitt_i_st_case_gives_the_start(make_form, make_case, trainee):
    make_case(trainee=trainee, st_start=date(2023, 3, 1))
    completed_on(make_form, date(2025, 4, 1))
    rows = yearly_counts(trainee, today=TODAY)
    assert rows[0].start == date(2023, 3, 1) and rows[0].basis == "case"
    assert rows[-1].number == 3 and rows[-1].is_current and rows[-1].completed == 1
    assert rows[-1].minimum == 2


def test_without_profile_or_case_calendar_years(make_form, trainee):
    completed_on(make_form, date(2024, 5, 1))
    rows = yearly_counts(trainee, today=TODAY)
    assert [(r.start, r.completed, r.basis) for r in rows] == [
        (date(2024, 1, 1), 1, "calendar"),
        (date(2025, 1, 1), 0, "calendar"),
    ]


def test_a_trainee_with_nothing_has_one_empty_year(trainee):
    rows = yearly_counts(trainee, today=TODAY)
    assert len(rows) == 1 and rows[0].completed == 0 and rows[0].is_current


def test_overview_matches_the_current_year(make_form, trainee, other_trainee, profile):
    completed_on(make_form, date(2025, 10, 1))
    completed_on(make_form, date(2025, 1, 1))  # last year
    overview = counts_overview([trainee, other_trainee], today=TODAY)
    mine = overview[trainee.pk]
    assert (mine["training_year"], mine["completed"], mine["minimum"], mine["met"]) == (2, 1, 2, False)
    assert mine == current_year_count(trainee, today=TODAY)
    assert overview[other_trainee.pk].completed == 0


def test_overview_uses_a_constant_number_of_queries(make_user, make_form, django_assert_num_queries):
    def trainees(n):
        users = []
        for i in range(n):
            user = make_user(Role.TRAINEE, full_name=f"Test Läkare {i}")
            if i % 2:
                TrainingProfile.objects.create(user=user, training_start=START, part_time_percent=50)
            users.append(user)
        return users

    few, many = trainees(2), trainees(12)
    with django_assert_num_queries(4):
        counts_overview(few, today=TODAY)
    with django_assert_num_queries(4):
        overview = counts_overview(many, today=TODAY)
    assert len(overview) == 12
    assert counts_overview([], today=TODAY) == {}
