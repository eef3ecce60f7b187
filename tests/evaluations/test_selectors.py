"""The reads behind the coordinator's pages: candidates for assignment, counts, the case list."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from evaluations import services
from evaluations.models import Evaluation
from evaluations.selectors import assignment_candidates, case_list, state_counts

S = Evaluation.State
STHLM = ZoneInfo("Europe/Stockholm")




def names(candidates) -> list[str]:
    return [c.evaluator.name for c in candidates]


def by_name(candidates, name):
    (found,) = [c for c in candidates if c.evaluator.name == name]
    return found


# --- assignment candidates ----------------------------------------------------------------------------


def test_candidates_come_least_loaded_first(make_case, make_evaluator):
    # Names in the opposite order of load, so that a sort by name would fail.
    anna = make_evaluator(region="skane", home_clinic="VC A", full_name="Anna Upptagen")
    bo = make_evaluator(region="skane", home_clinic="VC B", full_name="Bo Mellan")
    make_evaluator(region="skane", home_clinic="VC C", full_name="Cia Ledig")
    make_case(S.EVALUATOR_ASSIGNED, evaluator_=anna)
    make_case(S.PRACTICE_DAY_AGREED, evaluator_=anna)
    make_case(S.CONTACT_MADE, evaluator_=bo)
    case = make_case(S.REGISTERED, region="halland")

    candidates = assignment_candidates(case)

    # Vera Värderare (the make_case fixture's evaluator) has nothing running either.
    assert names(candidates) == ["Cia Ledig", "Vera Värderare", "Bo Mellan", "Anna Upptagen"]
    assert [c.load for c in candidates] == [0, 0, 1, 2]


def test_load_counts_only_cases_that_take_the_evaluators_time(make_case, make_evaluator, coordinator):
    dora = make_evaluator(region="skane", full_name="Dora Klar")
    make_case(S.REPORT_DELIVERED, evaluator_=dora)
    make_case(S.CLOSED, evaluator_=dora)
    gone = make_case(S.CONTACT_MADE, evaluator_=dora)
    services.case_withdraw(case=gone, by=coordinator, reason="Avbröt")
    make_case(S.MATERIAL_SUBMITTED, evaluator_=dora)
    case = make_case(S.REGISTERED, region="halland")

    assert by_name(assignment_candidates(case), "Dora Klar").load == 1


def test_candidates_leave_out_inactive_evaluators_and_the_current_one(make_case, make_evaluator, evaluator):
    retired = make_evaluator(region="skane", full_name="Rolf Pensionär")
    retired.active = False
    retired.save()
    make_evaluator(region="skane", full_name="Siv Tillgänglig")
    case = make_case(S.EVALUATOR_ACCEPTED, region="halland")  # its evaluator is Vera Värderare
    assert case.evaluator == evaluator

    assert names(assignment_candidates(case)) == ["Siv Tillgänglig"]


def test_candidates_are_marked_with_their_conflicts(make_case, make_evaluator):
    case = make_case(S.REGISTERED, region="halland", workplace="Vårdcentralen Exempel")
    make_evaluator(region="halland", home_clinic="Vårdcentralen Annan", full_name="Greta Granne")
    make_evaluator(region="skane", home_clinic="  vårdcentralen  EXEMPEL", full_name="Kalle Kollega")
    full = make_evaluator(region="skane", home_clinic="VC F", max_active_cases=1, full_name="Fia Full")
    make_case(S.CONTACT_MADE, evaluator_=full)

    candidates = assignment_candidates(case)
    greta, kalle, fia, vera = (by_name(candidates, n) for n in
                               ["Greta Granne", "Kalle Kollega", "Fia Full", "Vera Värderare"])

    assert [(c.code, c.blocks) for c in greta.conflicts] == [("same_region", True)]
    assert greta.blocked
    assert [(c.code, c.blocks) for c in kalle.conflicts] == [("same_clinic", True)]
    assert kalle.blocked
    assert [(c.code, c.blocks) for c in fia.conflicts] == [("at_capacity", False)]
    assert not fia.blocked
    assert [c.code for c in fia.warnings] == ["at_capacity"]
    assert vera.conflicts == [] and not vera.blocked


def test_blocked_candidates_sink_below_free_ones_of_equal_load(make_case, make_evaluator):
    case = make_case(S.REGISTERED, region="halland")
    make_evaluator(region="halland", full_name="Aron Samregion")
    make_evaluator(region="skane", full_name="Östen Fri")

    assert names(assignment_candidates(case)) == ["Vera Värderare", "Östen Fri", "Aron Samregion"]


# --- state counts -------------------------------------------------------------------------------------


def test_state_counts_counts_every_state(make_case, coordinator):
    for state in Evaluation.PROCESS:
        make_case(state)
    make_case(S.CONTACT_MADE)
    services.case_withdraw(case=make_case(S.CONTACT_MADE), by=coordinator, reason="Avbröt")
    services.case_put_on_hold(case=make_case(S.PRACTICE_DAY_AGREED), by=coordinator, reason="Sjuk")
    services.case_reject_registration(case=make_case(S.REGISTERED, accepted=False), by=coordinator, reason="Nej")

    counts = state_counts()

    assert set(counts) == set(Evaluation.State.values)
    expected = {state: 1 for state in Evaluation.State.values}
    expected[S.CONTACT_MADE] = 2
    # A reviewed case passes straight on to certified (the review issues the certificate).
    expected[S.QUALITY_REVIEWED], expected[S.CERTIFIED] = 0, 2
    assert counts == expected
    assert sum(counts.values()) == Evaluation.objects.count()


def test_state_counts_are_zero_without_cases(db):
    assert state_counts() == {state: 0 for state in Evaluation.State.values}


# --- the case list ------------------------------------------------------------------------------------


def test_case_list_filters_by_state(make_case):
    a = make_case(S.CONTACT_MADE)
    make_case(S.EVALUATOR_ASSIGNED)
    b = make_case(S.CONTACT_MADE)
    assert set(case_list(state=S.CONTACT_MADE)) == {a, b}


def test_case_list_filters_by_region(make_case):
    north = make_case(S.REGISTERED, region="norrbotten")
    make_case(S.REGISTERED, region="skane")
    assert list(case_list(region="norrbotten")) == [north]


def test_case_list_filters_by_evaluator_or_none(make_case, make_evaluator, evaluator):
    ove = make_evaluator(region="skane", full_name="Ove Annan")
    veras = make_case(S.CONTACT_MADE)
    oves = make_case(S.EVALUATOR_ASSIGNED, evaluator_=ove)
    unassigned = make_case(S.REGISTERED)
    pending = make_case(S.REGISTERED, accepted=False)

    assert list(case_list(evaluator=str(ove.pk))) == [oves]
    assert list(case_list(evaluator=str(evaluator.pk))) == [veras]
    assert set(case_list(evaluator="none")) == {unassigned, pending}


def test_case_list_search_matches_every_word_in_name_email_or_workplace(make_case, make_user):
    tova = make_case(S.REGISTERED, trainee=make_user(full_name="Tova Testsson", email="tova@example.org"),
                     workplace="Vårdcentralen Gränden")
    olle = make_case(S.REGISTERED, trainee=make_user(full_name="Olle Annansson", email="olle@klinik.se"),
                     workplace="Hälsocentralen Norr")

    assert list(case_list(q="TESTSSON")) == [tova]  # name, any case
    assert list(case_list(q="klinik.se")) == [olle]  # e-mail
    assert list(case_list(q="gränden")) == [tova]  # workplace
    assert list(case_list(q="olle norr")) == [olle]  # every word must match somewhere
    assert list(case_list(q="olle gränden")) == []
    assert set(case_list(q="  ")) == {tova, olle}


def test_case_list_overdue_shows_only_cases_past_their_next_deadline(make_case, evaluator):
    with time_machine.travel(datetime(2030, 3, 4, 10, 0, tzinfo=STHLM), tick=False):
        late = make_case(S.EVALUATOR_ACCEPTED)  # contact due 18 March
        make_case(S.CONTACT_MADE)  # no deadline
        make_case(S.PRACTICE_DAY_AGREED, practice_day=date(2030, 6, 2))  # material due 5 May

    with time_machine.travel(datetime(2030, 3, 18, 23, 0, tzinfo=STHLM), tick=False):
        assert list(case_list(overdue=True)) == []
    with time_machine.travel(datetime(2030, 3, 19, 0, 30, tzinfo=STHLM), tick=False):
        assert list(case_list(overdue=True)) == [late]
    with time_machine.travel(datetime(2030, 5, 6, 9, 0, tzinfo=STHLM), tick=False):
        assert len(case_list(overdue=True)) == 2


def test_case_list_puts_the_nearest_deadline_first_and_cases_without_one_last(make_case):
    with time_machine.travel(datetime(2030, 3, 4, 10, 0, tzinfo=STHLM), tick=False):
        later = make_case(S.PRACTICE_DAY_AGREED, practice_day=date(2030, 6, 2))  # 5 May
        none = make_case(S.CONTACT_MADE)
        sooner = make_case(S.EVALUATOR_ACCEPTED)  # 18 March
    assert list(case_list()) == [sooner, later, none]
