"""Version 1 of the video self-evaluation (video-egenvärdering) as data.

SFAM's own "Video-egenvärdering" form was not in hand when this was written, so these questions are
Mitt-i-ST's starting point, built from the instructions (seed 003): the reason for the visit, the
patient's ideas, concerns and expectations, what went well, what to do differently, and a rating per
consultation phase. The office changes them in the admin by adding a new version; a self-evaluation
keeps the version it was started with. The labels are Swedish data, not translated strings.
"""

from django.db import migrations

SCALE = [
    {"value": 1, "label": "1 – behöver utvecklas mycket"},
    {"value": 2, "label": "2 – behöver utvecklas"},
    {"value": 3, "label": "3 – godtagbart"},
    {"value": 4, "label": "4 – väl genomfört"},
    {"value": 5, "label": "5 – mycket väl genomfört"},
]
RATING_HELP = "Hur väl genomförde du den här delen av konsultationen?"


def _text(key, label, help_text, required=True):
    return {"key": key, "label": label, "kind": "text", "help": help_text, "required": required}


def _rating(key, label):
    return {"key": key, "label": label, "kind": "rating", "help": RATING_HELP, "required": True, "scale": SCALE}


TITLE = "Video-egenvärdering, version 1 (Mitt-i-ST:s utkast – SFAM:s eget formulär finns inte inlagt ännu)"

QUESTIONS = [
    _text(
        "reason_for_visit",
        "Kontaktorsak – varför kom patienten?",
        "Beskriv kort med egna ord. Skriv inget som kan identifiera patienten.",
    ),
    _text(
        "ideas_concerns_expectations",
        "Patientens tankar, oro och förväntningar – hur tog du reda på dem?",
        "Vad trodde patienten själv, vad oroade hen och vad hoppades hen på? Hur kom det fram i samtalet?",
    ),
    _text("went_well", "Vad gick bra?", "Titta på inspelningen: vad fungerade i samtalet och undersökningen?"),
    _text(
        "do_differently",
        "Vad skulle du göra annorlunda?",
        "Vad skulle du ändra om du fick göra om konsultationen, och varför?",
    ),
    _rating("phase_opening", "Inledning och kontaktskapande"),
    _rating("phase_history", "Anamnes och patientens perspektiv"),
    _rating("phase_examination", "Undersökning"),
    _rating("phase_explanation", "Förklaring och gemensamt beslut"),
    _rating("phase_closing", "Avslutning och uppföljning"),
    _text(
        "discuss_with_evaluator",
        "Vad vill du diskutera med värderaren om den här konsultationen?",
        "Frivilligt. Till exempel ett moment du var osäker på.",
        required=False,
    ),
]


def create_version_1(apps, schema_editor):
    Template = apps.get_model("portfolio", "SelfEvaluationTemplate")
    Template.objects.get_or_create(version=1, defaults={"title": TITLE, "questions": QUESTIONS, "active": True})


def remove_version_1(apps, schema_editor):
    # Only while nothing uses it: a started self-evaluation keeps its version (on_delete=PROTECT).
    Template = apps.get_model("portfolio", "SelfEvaluationTemplate")
    SelfEvaluation = apps.get_model("portfolio", "SelfEvaluation")
    if not SelfEvaluation.objects.filter(template__version=1).exists():
        Template.objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0001_initial")]

    operations = [migrations.RunPython(create_version_1, remove_version_1)]
