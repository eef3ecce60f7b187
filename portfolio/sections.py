"""Portfolio sections A–F as data: every prompt of SFAM's instructions (seed 003, section 3) is a field.

The labels and help texts are the instructions' own wording. Changing a prompt here changes the form;
stored answers are keyed by `key`, so renaming a key orphans its answers (add, don't rename).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Prompt:
    key: str
    label: str
    help: str = ""
    required: bool = True
    kind: str = "text"  # text (long), line (one line), date, year, choice
    choices: tuple = ()
    group: str = ""


@dataclass(frozen=True)
class SectionDef:
    code: str
    title: str
    intro: str
    prompts: list[Prompt] = field(default_factory=list)
    written_by: str = "trainee"  # or "supervisor"
    documents: tuple = ()  # document kinds uploaded in this section: (kind, required)

    def prompt(self, key: str) -> Prompt:
        return next(p for p in self.prompts if p.key == key)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.prompts]


DISEASE = _("Värdera din sjukdomskompetens")
RELATION = _("Värdera din relationskompetens")
REFLECT = _("Reflektera kring")
EVALUATE = _("Värdera")
DESCRIBE = _("Redogör för")


def _self_evaluation_label():
    # The seed says "punkt E"; the self-evaluation is section D. Configurable in case SFAM's form differs.
    letter = getattr(settings, "PORTFOLIO_SELF_EVALUATION_SECTION_LABEL", "D")
    return format_lazy(_("Kommentarer till ST-läkarens självvärdering (punkt {letter} i portföljen)"), letter=letter)


SECTIONS = [
    SectionDef(
        "A",
        _("Personuppgifter"),
        _("Uppgifterna från din anmälan är ifyllda. Kontrollera och komplettera dem."),
        [
            Prompt("full_name", _("Namn"), kind="line"),
            Prompt("work_address", _("Adress till arbetet"), kind="line"),
            Prompt("home_address", _("Bostadsadress"), kind="line"),
            Prompt("phone", _("Telefonnummer"), kind="line"),
            Prompt("email", _("E-postadress"), kind="line"),
            Prompt("licence_year", _("Legitimationsår"), kind="year"),
            Prompt("licence_date", _("Legitimationsdatum"), kind="date"),
            Prompt("curriculum", _("Målbeskrivning du följer"), kind="choice", choices=(("2015", "2015"), ("2021", "2021"))),
            Prompt("st_planned_end", _("Planerat slutdatum för din ST-tjänst"), kind="date"),
            Prompt("supervisor", _("Handledare i allmänmedicin"), kind="line"),
            Prompt("director_of_studies", _("Studierektor"), kind="line", required=False),
            Prompt("manager", _("Chef"), kind="line"),
            Prompt("manager_profession", _("Chefens profession"), kind="line"),
        ],
        documents=(("photo", False),),
    ),
    SectionDef(
        "B",
        _("Bakgrund"),
        _("Berätta om dig själv och vad du vill med din Mitt-i-ST."),
        [
            Prompt("background", _("Kort presentation av din bakgrund och utbildning")),
            Prompt("why_gp", _("Varför vill du bli specialist i allmänmedicin?")),
            Prompt("role_model", _("Beskrivning av en läkare som varit din förebild, med motivering varför")),
            Prompt("reasons", _("Skäl att genomgå Mitt-i-ST")),
            Prompt("expectations", _("Vad vill du ha ut av Mitt-i-ST-dagen?")),
            Prompt("question_1", _("Fråga 1 om din ST som du särskilt vill diskutera med värderaren"), kind="line",
                   group=_("Tre frågor till värderaren")),
            Prompt("question_2", _("Fråga 2"), kind="line", group=_("Tre frågor till värderaren")),
            Prompt("question_3", _("Fråga 3"), kind="line", group=_("Tre frågor till värderaren")),
        ],
    ),
    SectionDef(
        "C",
        _("Utbildningsplanering"),
        _("Ladda upp en kopia av din aktuella utbildningsplan med tidigare genomförda och framtida planerade "
          "vårdcentralsperioder, randningar och kurser. Värdera och redogör sedan nedan."),
        [
            Prompt("focus", _("Vad har du fokuserat på under de olika perioderna?"), group=EVALUATE),
            Prompt("development", _("Hur har du utvecklats?"), group=EVALUATE),
            Prompt("lessons", _("Vad är de viktigaste lärdomarna?"), group=EVALUATE),
            Prompt("return_days", _("Tillämpas hemvändardagar?"), group=EVALUATE,
                   help=_("Dagar på den egna vårdcentralen under randningar.")),
            Prompt("other_activities", _("Utbildningsaktiviteter som du deltagit i förutom tjänstgöringar och kurser"),
                   group=EVALUATE),
            Prompt("leadership", _("Dina erfarenheter av att vara ledare"), group=DESCRIBE),
            Prompt("supervising", _("Dina erfarenheter av att handleda"), group=DESCRIBE),
            Prompt("science_quality", _("Dina erfarenheter och kompetens avseende medicinsk vetenskap och kvalitetsarbete"),
                   group=DESCRIBE),
            Prompt("special_interests", _("Dina specialintressen och specialuppdrag"), group=DESCRIBE),
        ],
        documents=(("education_plan", True),),
    ),
    SectionDef(
        "D",
        _("Självvärdering"),
        _("Självvärderingen ska belysa olika områden av din allmänmedicinska kompetens och ditt allmänmedicinska "
          "arbetssätt. Den allmänmedicinska kompetensen utgörs av sjukdomskompetens och relationskompetens."),
        [
            Prompt("biomedicine", _("Din förmåga att i patientmötet använda biomedicinen"), group=DISEASE),
            Prompt("patient_knowledge", _("Betydelsen av din patientkännedom och kännedom om patientens sociala situation "
                                          "för att tolka patientens symtompresentation"), group=DISEASE),
            Prompt("examination", _("Din kliniska undersökningsmetodik och tolkning av statusfynd"), group=DISEASE),
            Prompt("procedures", _("Din förmåga att hantera medicinsk teknisk utrustning, ge injektioner och utföra "
                                   "mindre operationer"), group=DISEASE),
            Prompt("uncertainty", _("Din förmåga att hantera medicinsk osäkerhet"), group=DISEASE),
            Prompt("patient_centred", _("Din erfarenhet av patientcentrerad konsultation"), group=RELATION),
            Prompt("communication", _("Din kommunikativa och pedagogiska förmåga"), group=RELATION),
            Prompt("continuity", _("Kontinuitetens betydelse och möjlighet till egen listning"), group=RELATION),
            Prompt("responsibility", _("Ditt ansvarstagande och din självkännedom"), group=RELATION),
            Prompt("sustainable_work", _("Hållbart arbetsliv"), group=REFLECT),
            Prompt("medicalisation", _("Medikalisering och överdiagnostik"), group=REFLECT),
            Prompt("best_sides", _("Dina bästa sidor"), group=REFLECT),
            Prompt("to_develop", _("Det du behöver utveckla"), group=REFLECT),
            Prompt("influence", _("I vilken grad du har kunnat påverka din arbetssituation, utbildning och "
                                  "patientkontinuitet"), group=REFLECT),
        ],
    ),
    SectionDef(
        "E",
        _("Beskrivning av handledningen"),
        _("Beskriv hur handledningen har fungerat. Formulera dig fritt men beakta särskilt följande aspekter."),
        [
            Prompt("extent", _("Omfattning och innehåll i din handledning")),
            Prompt("gp_development", _("Hur har utvecklingen till allmänläkare stimulerats?")),
            Prompt("consultation_training", _("Vilken roll har din handledare haft i din konsultationsträning? "
                                              "Hur har den utformats?")),
            Prompt("project_supervision", _("Vem har varit handledare för ditt projektarbete? Hur har den handledningen "
                                            "utformats?")),
            Prompt("instruments", _("Har de rekommenderade eller föreskrivna bedömningsinstrumenten använts av din "
                                    "handledare?")),
        ],
    ),
    SectionDef(
        "F",
        _("Handledares utlåtande"),
        _("Skrivs av handledaren och skickas till ST-läkaren och värderaren."),
        [
            Prompt("duration", _("Hur länge och när har du varit handledare för ST-läkaren?")),
            Prompt("strengths", _("Vad ser du som ST-läkarens starka sidor?")),
            Prompt("development_needs", _("Vad ser du som ST-läkarens utvecklingsbehov?")),
            Prompt("how_to_meet", _("Hur ska utvecklingsbehoven fyllas?")),
            Prompt("organisation", _("Hur har handledningen varit utformad?")),
            Prompt("instruments", _("I vilken omfattning har du använt rekommenderade eller föreskrivna "
                                    "bedömningsinstrument?")),
            Prompt("plan", _("Hur planeras handledningen för återstående del av ST?")),
            Prompt("other", _("Övrigt du vill förmedla"), required=False),
            Prompt("self_evaluation_comments", _self_evaluation_label()),
        ],
        written_by="supervisor",
    ),
]
SECTION_BY_CODE = {s.code: s for s in SECTIONS}
TRAINEE_SECTIONS = [s for s in SECTIONS if s.written_by == "trainee"]
