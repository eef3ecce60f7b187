"""The answers cannot be traced to a person: the schema itself has nowhere to keep a link or a fine time."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from survey.definitions import SURVEY_V1
from survey.models import SurveyDefinition, SurveyResponse

TOPICS_IN_THE_INSTRUCTIONS = {
    "Förberedelser och instruktioner",
    "Kontakten med värderaren",
    "Portfölj och inspelningar",
    "Praktikdagen",
    "Rapporten",
    "Helheten",
    "Med egna ord",
}


def test_a_response_links_to_nothing_but_the_questions_it_answered():
    relations = [f for f in SurveyResponse._meta.get_fields() if f.is_relation]
    assert [(f.name, f.related_model) for f in relations] == [("definition", SurveyDefinition)]
    assert not any(isinstance(f, (models.ManyToManyField, models.OneToOneField)) for f in relations)


def test_a_response_keeps_no_time_finer_than_the_month():
    fields = SurveyResponse._meta.get_fields()
    assert not [f.name for f in fields if isinstance(f, (models.DateTimeField, models.DateField, models.TimeField))]
    assert {f.name for f in fields} == {"id", "definition", "year", "month", "region", "answers"}


def test_the_key_is_a_random_uuid(definition):
    pk = SurveyResponse._meta.pk
    assert isinstance(pk, models.UUIDField) and pk.default is uuid.uuid4
    first = SurveyResponse.objects.create(definition=definition, year=2026, month=3, answers={})
    second = SurveyResponse.objects.create(definition=definition, year=2026, month=3, answers={})
    assert first.pk.version == 4 and second.pk.version == 4
    assert abs(first.pk.int - second.pk.int) > 1


def test_responses_are_never_listed_in_the_order_they_came():
    assert SurveyResponse._meta.ordering == ["year", "month", "id"]


def test_the_first_version_is_loaded_with_the_topics_of_the_instructions(definition):
    assert definition.version == 1 and definition.active
    assert {item["topic"] for item in definition.items} == TOPICS_IN_THE_INSTRUCTIONS
    assert definition.items == SURVEY_V1["items"]
    for item in definition.items:
        assert item["label_en"] and item["topic_en"], item["key"]
        if item["kind"] == "scale":
            assert item["low"] and item["high"] and item["low_en"] and item["high_en"], item["key"]
    assert {item["kind"] for item in definition.items} == {"scale", "text"}


def test_a_definition_without_topics_or_with_an_unknown_kind_is_refused(definition):
    broken = SurveyDefinition(version=2, title="Ny", items=[
        {"key": "a", "label": "Fråga", "kind": "scale"},
        {"key": "b", "label": "Fråga", "kind": "stars", "topic": "Helheten"},
    ])
    with pytest.raises(ValidationError) as error:
        broken.full_clean()
    text = " ".join(error.value.message_dict["items"])
    assert "Fråga 1 saknar ämne" in text
    assert "Fråga 2 har en okänd sort" in text


def test_a_version_in_use_reports_it(definition):
    assert not definition.in_use()
    SurveyResponse.objects.create(definition=definition, year=2026, month=1, answers={})
    assert definition.in_use()
