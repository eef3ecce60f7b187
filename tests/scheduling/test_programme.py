"""The practice day's programme: the checklist, the suggested day, edits with a version check, pages, PDF."""

import threading
import time as clock
from dataclasses import replace as dc_replace
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from evaluations.models import CaseEvent, Evaluation
from evaluations.services import CaseStateError
from mittist.accounts.models import Role
from scheduling.models import Programme, ProgrammeItem
from scheduling.services.programme import (
    ProgrammeNotEmpty,
    StaleProgramme,
    programme_add_item,
    programme_checklist,
    programme_fill_suggestion,
    programme_remove_item,
    programme_update_item,
    suggested_programme,
    working_time,
)

S = Evaluation.State
Kind = ProgrammeItem.Kind
CHECK_KEYS = [
    "morning_patients", "variety", "older_chronic", "child", "return_visit", "lunch", "supervisor_talk",
    "manager_talk", "closing_talk", "working_hours",
]


def t(text: str) -> time:
    return time.fromisoformat(text)


def item(start, end, kind=Kind.SITTING_IN, **fields):
    return ProgrammeItem(start=t(start), end=t(end), kind=kind, **fields)


def suggestion_items(case) -> list[ProgrammeItem]:
    return [ProgrammeItem(**fields) for fields in suggested_programme(case)]


def ticks(items) -> dict[str, bool]:
    return {check.key: check.ok for check in programme_checklist(items)}


def unmet(items) -> set[str]:
    return {key for key, ok in ticks(items).items() if not ok}


@pytest.fixture
def case(make_case, trainee):
    return make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=date.today() + timedelta(days=40))


@pytest.fixture
def url(case):
    return reverse("scheduling:programme", args=[case.pk])


def add(case, by, version=None, **fields):
    values = {"start": t("09:00"), "end": t("09:40"), "kind": Kind.SITTING_IN, "age_band": "", "urgency": "",
              "several_chronic": False, "return_visit": False, "note": ""}
    values.update(fields)
    if version is None:
        version = Programme.objects.filter(case=case).values_list("version", flat=True).first() or 0
    return programme_add_item(case=case, by=by, version=version, **values)


def post_data(version, **fields):
    data = {"version": version, "start": "09:00", "end": "09:40", "kind": "sitting_in", "age_band": "",
            "urgency": "", "note": ""}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# --- the checklist, a pure function -----------------------------------------------------------------


def test_the_checklist_has_every_recommendation_in_order():
    assert [c.key for c in programme_checklist([])] == CHECK_KEYS


def test_an_empty_programme_meets_no_recommendation():
    assert unmet([]) == set(CHECK_KEYS)


def test_the_suggested_day_meets_every_recommendation(make_case):
    with_director = make_case(S.PRACTICE_DAY_AGREED)
    without_director = make_case(S.PRACTICE_DAY_AGREED, director_of_studies="")
    for case in (with_director, without_director):
        assert unmet(suggestion_items(case)) == set(), case.director_of_studies


def test_the_suggested_day_is_laid_out_as_sfam_suggests(make_case):
    case = make_case(S.PRACTICE_DAY_AGREED, director_of_studies="Sture Studierektor")
    items = suggestion_items(case)
    assert (items[0].start, items[0].kind) == (t("08:30"), Kind.INTRODUCTION)
    lunch = next(i for i in items if i.kind == Kind.LUNCH)
    assert lunch.start == t("12:00")
    morning = [i for i in items if i.kind == Kind.SITTING_IN and i.start < lunch.start]
    afternoon = [i for i in items if i.kind == Kind.SITTING_IN and i.start > lunch.start]
    assert len(morning) == 3 and len(afternoon) == 1
    assert any(i.age_band == "older" and i.several_chronic for i in morning)
    assert any(i.age_band == "child" for i in morning)
    assert any(i.return_visit for i in morning)
    assert {i.urgency for i in morning} == {"acute", "planned"}
    after_lunch = [i.kind for i in items if i.start > lunch.start]
    for kind in (Kind.PORTFOLIO_REVIEW, Kind.RECORDINGS_REVIEW, Kind.SUPERVISOR_TALK, Kind.MANAGER_TALK,
                 Kind.DIRECTOR_TALK):
        assert kind in after_lunch
    assert items[-1].kind == Kind.CLOSING_TALK
    # The names of those the trainee talks with are on the items; the patients have none.
    notes = {i.kind: i.note for i in items}
    assert notes[Kind.SUPERVISOR_TALK] == "Hedda Handledare"
    assert notes[Kind.DIRECTOR_TALK] == "Sture Studierektor"
    assert all(i.note == "" for i in items if i.kind == Kind.SITTING_IN)
    hours = working_time(items)
    assert timedelta(hours=5, minutes=45) <= hours <= timedelta(hours=6, minutes=45)
    # No two items at the same time, and all within the day.
    spans = sorted((i.start, i.end) for i in items)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False))


def test_the_suggestion_has_no_director_talk_when_the_case_has_no_director(make_case):
    case = make_case(S.PRACTICE_DAY_AGREED, director_of_studies="  ")
    assert Kind.DIRECTOR_TALK not in {i.kind for i in suggestion_items(case)}


def _without(items, predicate):
    return [i for i in items if not predicate(i)]


def _changed(items, predicate, **fields):
    result = []
    for i in items:
        if predicate(i):
            i = ProgrammeItem(**{**{f: getattr(i, f) for f in (
                "start", "end", "kind", "age_band", "urgency", "several_chronic", "return_visit", "note")},
                **fields})
        result.append(i)
    return result


def is_child(i):
    return i.kind == Kind.SITTING_IN and i.age_band == "child"


def is_older(i):
    return i.kind == Kind.SITTING_IN and i.age_band == "older"


# Each change to the suggested day breaks exactly one recommendation.
BREAKERS = {
    "morning_patients": lambda items: [*items, item("09:00", "09:40"), item("10:00", "10:30")],  # five, in parallel
    "variety": lambda items: _changed(items, lambda i: i.kind == Kind.SITTING_IN, urgency="planned"),
    "older_chronic": lambda items: _changed(items, is_older, several_chronic=False),
    "child": lambda items: _changed(items, is_child, age_band="adult"),
    "return_visit": lambda items: _changed(items, lambda i: i.return_visit, return_visit=False),
    "lunch": lambda items: _without(items, lambda i: i.kind == Kind.LUNCH),
    "supervisor_talk": lambda items: _without(items, lambda i: i.kind == Kind.SUPERVISOR_TALK),
    "manager_talk": lambda items: _without(items, lambda i: i.kind == Kind.MANAGER_TALK),
    "closing_talk": lambda items: _without(items, lambda i: i.kind == Kind.CLOSING_TALK),
    "working_hours": lambda items: [*items, item("17:00", "19:00", Kind.OTHER)],
}


@pytest.mark.parametrize("key", CHECK_KEYS)
def test_each_recommendation_unticks_on_its_own(make_case, key):
    items = suggestion_items(make_case(S.PRACTICE_DAY_AGREED, director_of_studies=""))
    assert unmet(BREAKERS[key](items)) == {key}


def test_three_or_four_patients_before_lunch_tick_and_two_or_five_do_not():
    lunch = item("12:00", "13:00", Kind.LUNCH)
    slots = [item(f"{h:02d}:00", f"{h:02d}:30") for h in (7, 8, 9, 10, 11)]
    assert ticks([lunch, *slots[:2]])["morning_patients"] is False
    assert ticks([lunch, *slots[:3]])["morning_patients"] is True
    assert ticks([lunch, *slots[:4]])["morning_patients"] is True
    assert ticks([lunch, *slots[:5]])["morning_patients"] is False


def test_the_morning_ends_when_lunch_starts_or_at_noon_without_lunch():
    patients = [item("09:00", "09:30"), item("10:00", "10:30"), item("11:40", "11:55")]
    assert ticks([item("11:30", "12:30", Kind.LUNCH), *patients])["morning_patients"] is False
    assert ticks(patients)["morning_patients"] is True
    assert ticks([*patients[:2], item("12:00", "12:30")])["morning_patients"] is False


def test_variety_needs_two_age_bands_and_both_acute_and_planned():
    def v(*patients):
        return ticks(patients)["variety"]

    assert v(item("09:00", "09:30", age_band="adult", urgency="acute"),
             item("10:00", "10:30", age_band="older", urgency="planned")) is True
    assert v(item("09:00", "09:30", age_band="adult", urgency="acute"),
             item("10:00", "10:30", age_band="adult", urgency="planned")) is False
    assert v(item("09:00", "09:30", age_band="adult", urgency="planned"),
             item("10:00", "10:30", age_band="child", urgency="planned")) is False
    # A lunch or a talk has no patient, whatever its fields say.
    assert v(item("09:00", "09:30", age_band="adult", urgency="acute"),
             item("12:00", "13:00", Kind.LUNCH, age_band="child", urgency="planned")) is False


def test_the_older_patient_must_have_several_chronic_diseases():
    assert ticks([item("09:00", "09:30", age_band="older")])["older_chronic"] is False
    assert ticks([item("09:00", "09:30", age_band="adult", several_chronic=True)])["older_chronic"] is False
    assert ticks([item("09:00", "09:30", age_band="older", several_chronic=True)])["older_chronic"] is True


def test_child_return_visit_and_the_talks_tick_when_present():
    items = [
        item("09:00", "09:30", age_band="child", return_visit=True),
        item("12:00", "13:00", Kind.LUNCH),
        item("13:00", "13:30", Kind.SUPERVISOR_TALK),
        item("13:30", "14:00", Kind.MANAGER_TALK),
        item("14:00", "14:30", Kind.CLOSING_TALK),
    ]
    result = ticks(items)
    for key in ("child", "return_visit", "lunch", "supervisor_talk", "manager_talk", "closing_talk"):
        assert result[key] is True, key
    assert ticks([item("09:00", "09:30", Kind.OTHER, age_band="child", return_visit=True)])["child"] is False


def test_working_hours_are_between_five_and_seven_without_lunch_and_overlaps_count_once():
    day = [item("08:00", "12:00", Kind.OTHER), item("12:00", "13:00", Kind.LUNCH)]
    assert working_time(day) == timedelta(hours=4)
    assert ticks(day)["working_hours"] is False
    assert ticks([*day, item("13:00", "14:00", Kind.OTHER)])["working_hours"] is True  # exactly 5
    assert ticks([*day, item("13:00", "16:00", Kind.OTHER)])["working_hours"] is True  # exactly 7
    assert ticks([*day, item("13:00", "16:05", Kind.OTHER)])["working_hours"] is False
    # A sitting-in during a talk adds no time.
    parallel = [*day, item("13:00", "14:00", Kind.OTHER), item("13:15", "13:45")]
    assert working_time(parallel) == timedelta(hours=5)


def test_check_items_carry_a_short_swedish_text():
    checks = programme_checklist([item("09:00", "09:30", age_band="child", urgency="acute")])
    by_key = {c.key: c for c in checks}
    assert "barn" in str(by_key["child"].label).lower()
    assert "nu 1 före lunch" in by_key["morning_patients"].detail
    assert "bara akuta" in by_key["variety"].detail
    assert dc_replace(by_key["child"], ok=False).ok is False  # frozen, but a value object


# --- services --------------------------------------------------------------------------------------


def test_adding_an_item_bumps_the_version_and_writes_one_audit_row(case, trainee):
    before = CaseEvent.objects.filter(case=case).count()
    created = add(case, trainee, age_band="child", urgency="acute", note="Akut tid")
    programme = Programme.objects.get(case=case)
    assert programme.version == 1 and programme.updated_by == trainee and programme.updated_at
    assert ProgrammeItem.objects.get(pk=created.pk).age_band == "child"
    events = CaseEvent.objects.filter(case=case).order_by("-at", "-id")
    assert events.count() == before + 1
    event = events.first()
    assert (event.action, event.actor, event.from_state, event.to_state) == (
        "programme_changed", trainee, S.PRACTICE_DAY_AGREED, S.PRACTICE_DAY_AGREED)
    assert event.note == "tillagt 09:00–09:40 Medsittning, patient"


def test_the_evaluator_edits_the_same_programme(case, trainee, evaluator):
    first = add(case, trainee)
    programme_update_item(
        case=case, by=evaluator.user, item_id=first.pk, version=1, start=t("09:10"), end=t("09:50"),
        kind=Kind.SITTING_IN, age_band="older", urgency="planned", several_chronic=True, return_visit=False, note="",
    )
    first.refresh_from_db()
    assert (first.start, first.age_band, first.several_chronic) == (t("09:10"), "older", True)
    programme = Programme.objects.get(case=case)
    assert (programme.version, programme.updated_by) == (2, evaluator.user)
    event = CaseEvent.objects.filter(case=case, action="programme_changed").order_by("-id").first()
    assert event.actor == evaluator.user
    assert event.note == "ändrat 09:00–09:40 Medsittning, patient → 09:10–09:50 Medsittning, patient"


def test_saving_an_unchanged_item_writes_nothing(case, trainee):
    first = add(case, trainee)
    programme_update_item(case=case, by=trainee, item_id=first.pk, version=1, start=t("09:00"), end=t("09:40"),
                          kind=Kind.SITTING_IN, age_band="", urgency="", several_chronic=False, return_visit=False,
                          note="")
    assert Programme.objects.get(case=case).version == 1
    assert CaseEvent.objects.filter(case=case, action="programme_changed").count() == 1


def test_removing_an_item(case, trainee):
    first = add(case, trainee)
    removed = programme_remove_item(case=case, by=trainee, item_id=first.pk, version=1)
    assert removed.kind == Kind.SITTING_IN
    assert not ProgrammeItem.objects.filter(pk=first.pk).exists()
    assert Programme.objects.get(case=case).version == 2
    notes = list(CaseEvent.objects.filter(case=case, action="programme_changed").order_by("id")
                 .values_list("note", flat=True))
    assert notes[-1] == "borttaget 09:00–09:40 Medsittning, patient"


def test_removing_an_item_that_is_already_gone_says_so(case, trainee):
    first = add(case, trainee)
    programme_remove_item(case=case, by=trainee, item_id=first.pk, version=1)
    with pytest.raises(ProgrammeItem.DoesNotExist):
        programme_remove_item(case=case, by=trainee, item_id=first.pk, version=2)
    assert Programme.objects.get(case=case).version == 2


def test_a_stale_version_is_refused_and_nothing_is_overwritten(case, trainee, evaluator):
    first = add(case, trainee, note="Trainee's")
    # The evaluator loaded the page at version 1; the trainee changes it to version 2 meanwhile.
    programme_update_item(case=case, by=trainee, item_id=first.pk, version=1, start=t("09:00"), end=t("09:40"),
                          kind=Kind.SITTING_IN, age_band="child", urgency="", several_chronic=False,
                          return_visit=False, note="Trainee's second")
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(StaleProgramme) as refused:
        programme_update_item(case=case, by=evaluator.user, item_id=first.pk, version=1, start=t("10:00"),
                              end=t("10:30"), kind=Kind.SITTING_IN, age_band="older", urgency="", several_chronic=True,
                              return_visit=False, note="Evaluator's")
    assert refused.value.programme.version == 2
    assert [i.note for i in refused.value.items] == ["Trainee's second"]
    with pytest.raises(StaleProgramme):
        add(case, evaluator.user, version=1, start=t("11:00"), end=t("11:30"))
    with pytest.raises(StaleProgramme):
        programme_remove_item(case=case, by=evaluator.user, item_id=first.pk, version=1)
    first.refresh_from_db()
    assert (first.start, first.age_band, first.note) == (t("09:00"), "child", "Trainee's second")
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 1
    assert Programme.objects.get(case=case).version == 2
    assert CaseEvent.objects.filter(case=case).count() == events


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (run with CI=true)")
def test_two_people_saving_at_once_from_the_same_version_one_wins_the_other_is_refused(
    transactional_db, make_case, trainee, evaluator, monkeypatch
):
    import scheduling.services.programme as programme_module

    case = make_case(S.PRACTICE_DAY_AGREED, trainee=trainee, practice_day=date.today() + timedelta(days=40))
    programme_module.programme_for(case)  # the row exists: only its lock can keep the two apart
    real_audit = programme_module._audit

    def slow_audit(*args, **kwargs):  # hold the row lock a while, so that the other must wait for it
        clock.sleep(0.3)
        return real_audit(*args, **kwargs)

    monkeypatch.setattr(programme_module, "_audit", slow_audit)
    barrier = threading.Barrier(2)
    results = {}

    def work(user, start):
        try:
            with translation.override("sv"):
                barrier.wait(timeout=10)
                results[user.pk] = add(case, user, version=0, start=t(start), end=t("11:00"))
        except Exception as error:  # noqa: BLE001 - reported below
            results[user.pk] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=args) for args in ((trainee, "09:00"), (evaluator.user, "10:00"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    refused = [r for r in results.values() if isinstance(r, StaleProgramme)]
    saved = [r for r in results.values() if isinstance(r, ProgrammeItem)]
    assert (len(saved), len(refused)) == (1, 1), results
    assert refused[0].programme.version == 1
    assert [i.pk for i in refused[0].items] == [saved[0].pk]  # the loser sees the winner's item
    assert Programme.objects.get(case=case).version == 1
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, action="programme_changed").count() == 1


def test_what_changed_since_a_version_is_read_from_the_audit_rows(case, trainee, evaluator):
    from scheduling.services.programme import programme_changes_since

    add(case, trainee, start=t("08:00"), end=t("08:30"))
    add(case, evaluator.user, start=t("09:00"), end=t("09:30"))
    add(case, trainee, start=t("10:00"), end=t("10:30"))
    changes = programme_changes_since(case, 1, 3)
    assert [(e.actor, e.note) for e in changes] == [
        (evaluator.user, "tillagt 09:00–09:30 Medsittning, patient"),
        (trainee, "tillagt 10:00–10:30 Medsittning, patient"),
    ]
    assert programme_changes_since(case, 3, 3) == []


@pytest.mark.parametrize(
    "start, end, field",
    [("10:00", "10:00", "end"), ("10:00", "09:30", "end"), ("05:30", "07:00", "start"), ("19:30", "20:30", "end"),
     ("20:30", "21:00", "start")],
)
def test_times_must_end_after_they_start_within_the_day(case, trainee, start, end, field):
    with pytest.raises(ValidationError) as refused:
        add(case, trainee, start=t(start), end=t(end))
    assert field in refused.value.error_dict
    assert not Programme.objects.filter(case=case, version__gt=0).exists()


def test_the_whole_day_from_six_to_eight_is_accepted(case, trainee):
    add(case, trainee, start=t("06:00"), end=t("20:00"), kind=Kind.OTHER)
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 1


def test_only_a_sitting_in_keeps_patient_attributes(case, trainee):
    lunch = add(case, trainee, kind=Kind.LUNCH, age_band="child", urgency="acute", several_chronic=True,
                return_visit=True)
    lunch.refresh_from_db()
    assert (lunch.age_band, lunch.urgency, lunch.several_chronic, lunch.return_visit) == ("", "", False, False)


def test_overlapping_items_are_allowed(case, trainee):
    add(case, trainee, start=t("09:00"), end=t("10:00"))
    add(case, trainee, start=t("09:30"), end=t("10:30"), kind=Kind.OTHER)
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 2


def test_filling_the_suggestion_only_into_an_empty_programme(case, trainee):
    items = programme_fill_suggestion(case=case, by=trainee, version=0)
    assert len(items) == len(suggested_programme(case))
    assert unmet(ProgrammeItem.objects.filter(programme__case=case)) == set()
    event = CaseEvent.objects.filter(case=case, action="programme_changed").get()
    assert event.note == f"förslag till dagsprogram ifyllt ({len(items)} moment)"
    with pytest.raises(ProgrammeNotEmpty):
        programme_fill_suggestion(case=case, by=trainee, version=1)
    assert ProgrammeItem.objects.filter(programme__case=case).count() == len(items)


def test_only_the_cases_trainee_and_evaluator_may_edit(case, coordinator, other_trainee, other_evaluator, quality):
    for user in (coordinator, other_trainee, other_evaluator.user, quality):
        with pytest.raises(PermissionDenied):
            add(case, user)
    assert not ProgrammeItem.objects.filter(programme__case=case).exists()


@pytest.mark.parametrize("state", [S.CONTACT_MADE, S.REPORT_DELIVERED])
def test_the_programme_cannot_be_edited_before_the_day_is_agreed_or_after_the_report(make_case, trainee, state):
    case = make_case(state, trainee=trainee)
    with pytest.raises(CaseStateError):
        add(case, trainee)
    assert not ProgrammeItem.objects.filter(programme__case=case).exists()


@pytest.mark.parametrize("state", [S.MATERIAL_SUBMITTED, S.PRACTICE_DAY_HELD])
def test_the_programme_can_be_edited_until_the_report_is_written(make_case, trainee, state):
    case = make_case(state, trainee=trainee)
    add(case, trainee)
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 1


# --- the pages -------------------------------------------------------------------------------------


def test_the_trainee_sees_an_empty_programme_with_the_suggestion_button_and_the_checklist(client, case, trainee,
                                                                                          url):
    client.force_login(trainee)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fyll i förslag till dagsprogram" in html
    assert "0 av 10 uppfyllda" in html
    assert "Skriv inget som kan identifiera patienten" in html
    assert not Programme.objects.filter(case=case).exists()  # reading writes nothing


def test_filling_the_suggestion_from_the_page_ticks_every_recommendation(client, case, trainee, url):
    client.force_login(trainee)
    response = client.post(reverse("scheduling:programme_fill", args=[case.pk]), {"version": 0})
    assert response.status_code == 302 and response.url == url
    html = client.get(url).content.decode()
    assert "10 av 10 uppfyllda" in html
    assert 'data-ok="false"' not in html
    assert "Fyll i förslag till dagsprogram" not in html
    assert Programme.objects.get(case=case).version == 1


def test_adding_an_item_from_the_page(client, case, trainee, url):
    client.force_login(trainee)
    response = client.post(url, post_data(0, age_band="child", urgency="acute", note="Förkyld"), follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "Tillagt: 09:00–09:40 Medsittning, patient." in response.content.decode()
    saved = ProgrammeItem.objects.get(programme__case=case)
    assert (saved.age_band, saved.urgency, saved.note) == ("child", "acute", "Förkyld")
    assert 'data-check="child" data-ok="true"' in response.content.decode()


def test_the_add_form_refuses_bad_times_at_the_field(client, case, trainee, url):
    client.force_login(trainee)
    response = client.post(url, post_data(0, start="10:00", end="09:00"))
    assert response.status_code == 400
    assert "Sluttiden måste vara efter starttiden." in response.content.decode()
    response = client.post(url, post_data(0, start="", end="nu"))
    assert response.status_code == 400
    assert "Ange när momentet börjar" in response.content.decode()
    assert not ProgrammeItem.objects.filter(programme__case=case).exists()


def test_an_overlap_is_saved_with_a_warning(client, case, trainee, url):
    add(case, trainee, start=t("09:00"), end=t("10:00"))
    client.force_login(trainee)
    response = client.post(url, post_data(1, start="09:30", end="10:30", kind="other"), follow=True)
    html = response.content.decode()
    assert "överlappar med 09:00–10:00 Medsittning, patient" in html
    assert "Överlappar" in html  # the badge in the table
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 2


def test_editing_an_item_from_its_page(client, case, trainee, url):
    first = add(case, trainee)
    client.force_login(trainee)
    edit_url = reverse("scheduling:programme_item", args=[case.pk, first.pk])
    form = client.get(edit_url)
    assert form.status_code == 200
    assert 'value="09:00"' in form.content.decode()
    response = client.post(edit_url, post_data(1, start="09:15", end="10:00", age_band="older", several_chronic="on"))
    assert response.status_code == 302 and response.url == url
    first.refresh_from_db()
    assert (first.start, first.end, first.age_band, first.several_chronic) == (t("09:15"), t("10:00"), "older", True)


def test_removing_an_item_from_the_page(client, case, trainee, url):
    first = add(case, trainee)
    client.force_login(trainee)
    response = client.post(reverse("scheduling:programme_item_remove", args=[case.pk, first.pk]), {"version": 1},
                           follow=True)
    assert "Borttaget: 09:00–09:40 Medsittning, patient." in response.content.decode()
    assert not ProgrammeItem.objects.filter(pk=first.pk).exists()


def test_a_stale_add_is_refused_with_the_current_programme_and_the_input_kept(client, case, trainee, evaluator, url):
    add(case, evaluator.user, start=t("08:30"), end=t("09:00"), kind=Kind.INTRODUCTION)  # version 1
    client.force_login(trainee)
    response = client.post(url, post_data(0, start="13:00", end="13:40", note="Min anteckning"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Programmet har ändrats sedan du öppnade sidan" in html
    assert "Vera Värderare: tillagt 08:30–09:00 Genomgång av dagen" in html  # what changed
    assert 'href="#programme-heading"' in html  # and the table below shows it as it is now
    assert 'value="Min anteckning"' in html and 'value="13:00"' in html  # the input, kept
    assert 'name="version" value="1"' in html  # saving again works from the current version
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 1
    # Saving again from the refreshed form goes through.
    assert client.post(url, post_data(1, start="13:00", end="13:40", note="Min anteckning")).status_code == 302
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 2


def test_a_stale_edit_is_refused_and_shows_both(client, case, trainee, evaluator):
    first = add(case, trainee, note="Först")
    programme_update_item(case=case, by=evaluator.user, item_id=first.pk, version=1, start=t("09:00"),
                          end=t("09:40"), kind=Kind.SITTING_IN, age_band="older", urgency="", several_chronic=False,
                          return_visit=False, note="Värderarens")
    client.force_login(trainee)
    edit_url = reverse("scheduling:programme_item", args=[case.pk, first.pk])
    response = client.post(edit_url, post_data(1, age_band="child", note="Min version"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Momentet ser nu ut så här:" in html and "Värderarens" in html
    assert "Vera Värderare: ändrat 09:00–09:40 Medsittning, patient" in html
    assert "Programmet nu:" in html  # no table on this page, so the list is in the box
    assert 'value="Min version"' in html
    first.refresh_from_db()
    assert (first.age_band, first.note) == ("older", "Värderarens")


def test_editing_an_item_the_other_party_removed_offers_it_as_a_new_one(client, case, trainee, evaluator, url):
    first = add(case, trainee)
    programme_remove_item(case=case, by=evaluator.user, item_id=first.pk, version=1)
    client.force_login(trainee)
    response = client.post(reverse("scheduling:programme_item", args=[case.pk, first.pk]),
                           post_data(1, note="Behåll mig"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Momentet du ändrade har tagits bort" in html
    assert 'value="Behåll mig"' in html and f'action="{url}"' in html


def test_a_stale_remove_removes_nothing(client, case, trainee, evaluator):
    first = add(case, trainee)
    add(case, evaluator.user, start=t("10:00"), end=t("10:30"))  # version 2
    client.force_login(trainee)
    response = client.post(reverse("scheduling:programme_item_remove", args=[case.pk, first.pk]), {"version": 1})
    assert response.status_code == 409
    assert "Ingenting togs bort." in response.content.decode()
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 2


def test_before_the_practice_day_is_agreed_the_page_says_so(client, make_case, trainee):
    case = make_case(S.CONTACT_MADE, trainee=trainee)
    client.force_login(trainee)
    response = client.get(reverse("scheduling:programme", args=[case.pk]))
    assert response.status_code == 200
    assert "Programmet görs när praktikdagen är bestämd" in response.content.decode()
    assert client.post(reverse("scheduling:programme", args=[case.pk]), post_data(0)).status_code == 403
    assert not Programme.objects.filter(case=case).exists()


def test_after_the_report_the_programme_is_read_only(client, make_case, trainee):
    case = make_case(S.PRACTICE_DAY_HELD, trainee=trainee)
    add(case, trainee)
    from evaluations.reports.services import report_deliver
    from tests.conftest import write_full_report

    report_deliver(report=write_full_report(case), by=case.evaluator.user)
    client.force_login(trainee)
    url = reverse("scheduling:programme", args=[case.pk])
    html = client.get(url).content.decode()
    assert "programmet kan inte längre ändras" in html
    assert "Lägg till ett moment" not in html
    response = client.post(url, post_data(1, start="11:00", end="11:30"), follow=True)
    assert "Programmet kan inte ändras i detta skede av ärendet." in response.content.decode()
    assert ProgrammeItem.objects.filter(programme__case=case).count() == 1


# --- who may see it ---------------------------------------------------------------------------------


def test_the_coordinator_reads_but_cannot_edit(client, case, trainee, coordinator, url):
    first = add(case, trainee)
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ST-läkaren och värderaren gör programmet tillsammans" in html
    assert "Lägg till ett moment" not in html and "Ta bort" not in html
    assert client.post(url, post_data(1)).status_code == 403
    assert client.post(reverse("scheduling:programme_fill", args=[case.pk]), {"version": 1}).status_code == 403
    item_url = reverse("scheduling:programme_item", args=[case.pk, first.pk])
    assert client.post(item_url, post_data(1, note="x")).status_code == 403
    assert client.post(reverse("scheduling:programme_item_remove", args=[case.pk, first.pk]),
                       {"version": 1}).status_code == 403
    assert client.get(reverse("scheduling:programme_print", args=[case.pk])).status_code == 200
    assert ProgrammeItem.objects.get(pk=first.pk).note == ""


def test_the_quality_group_gets_403(client, make_case, quality):
    case = make_case(S.REPORT_DELIVERED)
    client.force_login(quality)
    for name in ("programme", "programme_print", "programme_pdf"):
        assert client.get(reverse(f"scheduling:{name}", args=[case.pk])).status_code == 403, name


def test_other_trainees_and_evaluators_get_404(client, case, trainee, other_trainee, other_evaluator):
    first = add(case, trainee)
    for user in (other_trainee, other_evaluator.user):
        client.force_login(user)
        for name, args in (("programme", [case.pk]), ("programme_print", [case.pk]), ("programme_pdf", [case.pk]),
                           ("programme_item", [case.pk, first.pk])):
            assert client.get(reverse(f"scheduling:{name}", args=args)).status_code == 404, (user, name)
        assert client.post(reverse("scheduling:programme", args=[case.pk]), post_data(1)).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/konto/logga-in/" in response.url


def test_an_evaluator_without_the_case_but_with_the_same_role_cannot_edit_by_guessing(client, case, make_user):
    stranger = make_user(Role.EVALUATOR)
    client.force_login(stranger)
    assert client.get(reverse("scheduling:programme", args=[case.pk])).status_code == 404


# --- print and PDF -----------------------------------------------------------------------------------


def test_the_printable_page_has_name_date_workplace_and_items(client, case, trainee, evaluator):
    programme_fill_suggestion(case=case, by=trainee, version=0)
    client.force_login(evaluator.user)
    response = client.get(reverse("scheduling:programme_print", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert trainee.full_name in html and "Vårdcentralen Exempel" in html
    assert str(case.practice_day.year) in html
    assert "08:30–09:00" in html and "Lunch tillsammans" in html and "Avslutande samtal med återkoppling" in html
    assert "Ta bort" not in html


def test_the_pdf_is_a_pdf_with_the_programme(client, case, trainee):
    programme_fill_suggestion(case=case, by=trainee, version=0)
    client.force_login(trainee)
    response = client.get(reverse("scheduling:programme_pdf", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="program-praktikdag-testsson.pdf"'
    assert response["Cache-Control"] == "no-store"


def test_the_pdf_template_holds_name_date_workplace_and_items(case, trainee):
    from django.template.loader import render_to_string

    from scheduling.views.programme import _summary

    programme_fill_suggestion(case=case, by=trainee, version=0)
    items = list(ProgrammeItem.objects.filter(programme__case=case).order_by("start"))
    html = render_to_string("scheduling/programme/pdf.html", {"case": case, "today": date.today(), **_summary(items)})
    assert "Tova Testsson" in html and "Vårdcentralen Exempel" in html
    assert case.practice_day.strftime("%Y") in html
    assert "Medsittning, patient" in html and "12:00–13:00" in html
    assert "Patient: Barn (0–17 år) · Akut" in html
    assert "08:30–16:50 · arbetstid 6 tim 15 min utan lunch" in html
    assert "http" not in html.split("<body>")[1]  # nothing to fetch
