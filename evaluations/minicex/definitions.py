"""The printed mini-CEX forms as data: SFAM's ST form (seed 000) and the BT form (seed 001).

These constants are what the first data migration loads into `FormDefinition` rows; after that the
rows are the truth (editable in the admin until a form has used them). A new printing of a form is a
new entry here with a new key and a new migration, never an edit of an old one: a submitted form
keeps the version it was filled in on.

The texts are copied from the printed forms, spelling included ("tillfredställande", "ett helt ny").
The one deliberate difference: the BT form says "AT-läkare"/"AT-läkaren" in its header and in one
level definition, left over from the AT form it was made from; a BT doctor is meant (domain.md), so
the BT definition says "BT-läkare". tests/minicex/test_definitions.py proves the rest equal to the seeds.
"""

RATED_ITEMS = [
    {"key": "anamnes", "label": "Anamnes"},
    {"key": "status", "label": "Status"},
    {"key": "bemotande", "label": "Bemötande"},
    {"key": "radgivning", "label": "Rådgivning"},
    {"key": "organisation", "label": "Arbetar organisatoriskt och effektivt"},
]

FOCUS_OPTIONS = [
    {"key": "anamnes", "label": "Anamnes"},
    {"key": "status", "label": "Status"},
    {"key": "diagnos", "label": "Diagnos"},
    {"key": "behandling", "label": "Behandling"},
    {"key": "radgivning", "label": "Rådgivning"},
]

NOT_OBSERVED = "Inte observerat"


def _scale(doctor: str, *, can_supervise: bool, ready_word: str) -> list[dict]:
    """The levels of the scale with their definitions, as printed (doctor = "ST-läkaren" / "BT-läkaren")."""
    moment = f"Aktivitet är ett kliniskt moment som {doctor} utför i relation till en patient."
    levels = [
        {
            "value": 1,
            "label": f"{doctor} observerar annan läkare som utför aktiviteten",
            "definition": (
                "Aktivitet är ett kliniskt moment som läkaren utför i relation till en patient. Den kan vara "
                f"ett helt ny eller så borde {doctor} känna till den, men kan ändå inte utföra någon del, "
                "inte ens med stöd."
            ),
        },
        {
            "value": 2,
            "label": f"{doctor} utför aktiviteten med proaktiv handledning",
            "definition": (
                f"{moment} Proaktiv handledning betyder att bedömaren aktivt måste ingripa eller till och med "
                "avbryta eftersom läkaren uppvisar för stora kunskapsluckor."
            ),
        },
        {
            "value": 3,
            "label": f"{doctor} utför aktiviteten med reaktiv handledning",
            "definition": (
                f"{moment} Reaktiv handledning är när bedömaren uppfattar att den genomförs tillfredställande "
                "men vill ändå lägga till förslag för förbättring."
            ),
        },
        {
            "value": 4,
            "label": f"{doctor} utför aktiviteten självständigt",
            "definition": (
                f"{moment} Självständigt betyder att läkaren genomför aktiviteten utan att något behöver "
                f"tilläggas. Bedömningen är att {ready_word} är redo att genomföra den helt utan stöd."
            ),
        },
    ]
    if can_supervise:
        levels.append(
            {
                "value": 5,
                "label": f"{doctor} utför aktiviteten självständigt och har uppvisat kompetens att själv handleda i den",
                "definition": (
                    f"{moment} Handleda betyder att läkaren både kan utföra den föredömligt och handleda andra "
                    "i liknande situationer."
                ),
            }
        )
    return levels


ST_V1 = {
    "key": "st-v1",
    "kind": "st",
    "name": "Mini-CEX ST (SFAM)",
    "title": "Mini-CEX (mini Clinical Evaluation Exercise)",
    "subtitle": "",
    "trainee_label": "ST-läkare",
    "assessor_label": "Bedömare",
    "date_label": "Datum",
    "difficulty_label": "Svårighetsgrad",
    "difficulties": [
        {"key": "easy", "label": "Enkelt"},
        {"key": "medium", "label": "Medelsvårt"},
        {"key": "hard", "label": "Svårt"},
    ],
    "focus_label": "Fokus för bedömningen",
    "focus_options": FOCUS_OPTIONS,
    "context_label": "Kliniskt sammanhang",
    "curricula": [
        {
            "key": "2021",
            "label": "Delmål i ST 2021",
            "goals": [
                {"code": "STa4", "label": "Etik i det dagliga arbetet"},
                {"code": "STa5", "label": "Ledarskap"},
                {"code": "STa6", "label": "Lärande"},
                {"code": "STa7", "label": "Vårdhygien och smittskydd"},
                {"code": "STb1", "label": "Kommunikation med patienter och närstående"},
                {"code": "STb2", "label": "Sjukdomsförebyggande och hälsofrämjande arbete"},
                {"code": "STb5", "label": "Palliativ vård"},
            ],
            "free_goal_code": "STc",
            "free_goal_slots": 3,
        },
        {
            "key": "2015",
            "label": "Delmål i ST 2015",
            "goals": [
                {"code": "a1", "label": "Ledarskap och pedagogik"},
                {"code": "a2", "label": "Etik, mångfald och jämlikhet"},
                {"code": "a3", "label": "Vårdhygien och smittskydd"},
                {"code": "b1", "label": "Kommunikation med patienter och närstående"},
                {"code": "b2", "label": "Sjukdomsförebyggande arbete"},
                {"code": "b5", "label": "Palliativ vård i livets slutskede"},
            ],
            "free_goal_code": "c",
            "free_goal_slots": 3,
        },
    ],
    "suggestions_label": (
        "Bedömarens förslag på hur ST-läkaren kan gå vidare (inkludera även det som gick speciellt bra):"
    ),
    "definitions_label": "Definitioner att använda för bedömning av ST-läkarens kompetens",
    "scale": _scale("ST-läkaren", can_supervise=True, ready_word="ST-läkaren"),
    "not_observed_label": NOT_OBSERVED,
    "rated_items": RATED_ITEMS,
    "summary_label": (
        "Sammanfattande klinisk förmåga och professionellt förhållningssätt (skriv kortfattat i fritext)"
    ),
    "action_plan_label": "ST-läkarens egen handlingsplan:",
}

BT_V1 = {
    "key": "bt-v1",
    "kind": "bt",
    "name": "Mini-CEX BT",
    "title": "Mini-CEX (Mini clinical evaluation exercise)",
    "subtitle": "AVSER BASTJÄNSTGÖRING (BT)",
    "trainee_label": "BT-läkare",
    "assessor_label": "Bedömare",
    "date_label": "Datum",
    "difficulty_label": "Svårighetsgrad",
    "difficulties": [
        {"key": "easy", "label": "Enkel"},
        {"key": "medium", "label": "Medelsvår"},
        {"key": "hard", "label": "Svår"},
    ],
    "focus_label": "Fokus för bedömningen",
    "focus_options": FOCUS_OPTIONS,
    "context_label": "Kliniskt sammanhang",
    "curricula": [
        {
            "key": "bt2021",
            "label": "Delmål i BT 2021",
            "goals": [
                {"code": "bt1", "label": "Akuta och icke akuta sjukdomstillstånd"},
                {"code": "bt2", "label": "Psykiatriska sjukdomstillstånd och övrig psykisk hälsa"},
                {"code": "bt5", "label": "Etik i det dagliga arbetet"},
                {"code": "bt9", "label": "Bemötande"},
                {"code": "bt10", "label": "Samarbeta och leda arbetet kring patienten"},
                {"code": "bt11", "label": "Presentera, förklara och instruera"},
                {"code": "bt13", "label": "Vårdhygien och smittskydd i det dagliga arbetet"},
                {"code": "bt14", "label": "Hälsofrämjande insatser"},
            ],
            "free_goal_code": "",
            "free_goal_slots": 0,
        },
    ],
    "suggestions_label": (
        "Bedömarens förslag på hur BT-läkaren kan gå vidare (inkludera även det som gick speciellt bra):"
    ),
    "definitions_label": "Definitioner att använda för bedömning av BT-läkarens kompetens",
    "scale": _scale("BT-läkaren", can_supervise=False, ready_word="BT-läkaren"),
    "not_observed_label": NOT_OBSERVED,
    "rated_items": RATED_ITEMS,
    "summary_label": (
        "Sammanfattande klinisk förmåga och professionellt förhållningssätt (skriv kortfattat i fritext)"
    ),
    "action_plan_label": "BT-läkarens egen handlingsplan:",
}

DEFINITIONS = [ST_V1, BT_V1]
# The JSON fields of FormDefinition; the rest of each entry are plain columns.
JSON_FIELDS = ("difficulties", "focus_options", "curricula", "scale", "rated_items")
