"""The first versions of the report's sections and of the quality checklist (loaded by data migrations).

From SFAM's instructions (seed 003): the report sums up what the day meant and what it leads to for the
rest of the ST; it answers the trainee's three questions. The office edits later versions in the admin.
"""

REPORT_TEMPLATE = {
    "version": 1,
    "title": "Rapport från Mitt-i-ST",
    "items": [
        {
            "key": "summary",
            "label": "Sammanfattning av praktikdagen",
            "label_en": "Summary of the practice day",
            "help": "Hur dagen var upplagd och vad den visade. Skriv så att ST-läkaren, handledaren och chefen kan läsa det.",
            "help_en": "How the day was organised and what it showed. Write so that the trainee, the supervisor and the manager can read it.",
            "kind": "text",
            "required": True,
        },
        {
            "key": "observations",
            "label": "Medsittningar",
            "label_en": "Sitting-in",
            "help": "Vad du såg vid medsittningarna. Dagens mini-CEX och programmets patienter står bredvid. Inga uppgifter som identifierar patienter.",
            "help_en": "What you saw when sitting in. The day's mini-CEX forms and the programme's patients are listed beside. Nothing that identifies a patient.",
            "kind": "text",
            "required": True,
        },
        {
            "key": "material",
            "label": "Reflektioner kring portfölj och inspelningar",
            "label_en": "Reflections on the portfolio and recordings",
            "help": "Portföljens avsnitt A–F, de inspelade konsultationerna och ST-läkarens egenvärderingar.",
            "help_en": "The portfolio's sections A–F, the recorded consultations and the trainee's self-evaluations.",
            "kind": "text",
            "required": True,
        },
        {
            "key": "strengths",
            "label": "Styrkor",
            "label_en": "Strengths",
            "help": "Det som fungerar väl och som ST-läkaren kan bygga vidare på.",
            "help_en": "What works well and what the trainee can build on.",
            "kind": "text",
            "required": True,
        },
        {
            "key": "development",
            "label": "Utvecklingsområden",
            "label_en": "Areas for development",
            "help": "Det som behöver utvecklas under resten av ST, så konkret som möjligt.",
            "help_en": "What needs to develop during the rest of the ST, as concretely as possible.",
            "kind": "text",
            "required": True,
        },
        {
            "key": "recommendations",
            "label": "Rekommendationer för resten av ST och utbildningsplanen",
            "label_en": "Recommendations for the rest of the ST and the education plan",
            "help": "Randningar, kurser, handledning och annat som utbildningsplanen bör ta upp.",
            "help_en": "Rotations, courses, supervision and anything else the education plan should take up.",
            "kind": "text",
            "required": True,
        },
        {
            "key": "questions",
            "label": "Svar på ST-läkarens frågor",
            "label_en": "Answers to the trainee's questions",
            "help": "ST-läkarens tre frågor från portföljens avsnitt B, var och en med ditt svar.",
            "help_en": "The trainee's three questions from section B of the portfolio, each with your answer.",
            "kind": "questions",
            "count": 3,
            "required": True,
        },
        {
            "key": "other",
            "label": "Övrigt",
            "label_en": "Other",
            "help": "Annat du vill förmedla.",
            "help_en": "Anything else you want to say.",
            "kind": "text",
            "required": False,
        },
    ],
}

QUALITY_CHECKLIST = {
    "version": 1,
    "title": "Kvalitetsgranskning av Mitt-i-ST-rapport",
    "items": [
        {
            "key": "structure",
            "label": "Rapporten följer strukturen",
            "label_en": "The report follows the structure",
            "help": "Alla avsnitt är ifyllda med innehåll som hör till dem.",
            "help_en": "Every section is filled in with what belongs there.",
            "kind": "check",
        },
        {
            "key": "feedback",
            "label": "Återkopplingen är konkret och konstruktiv",
            "label_en": "The feedback is concrete and constructive",
            "help": "Styrkor och utvecklingsområden beskrivs med exempel från dagen.",
            "help_en": "Strengths and areas for development are described with examples from the day.",
            "kind": "check",
        },
        {
            "key": "questions",
            "label": "ST-läkarens tre frågor är besvarade",
            "label_en": "The trainee's three questions are answered",
            "kind": "check",
        },
        {
            "key": "recommendations",
            "label": "Rekommendationerna går att omsätta i utbildningsplanen",
            "label_en": "The recommendations can be put into the education plan",
            "kind": "check",
        },
        {
            "key": "privacy",
            "label": "Inga uppgifter som identifierar patienter",
            "label_en": "Nothing that identifies a patient",
            "kind": "check",
        },
        {
            "key": "on_time",
            "label": "Rapporten kom i tid",
            "label_en": "The report came on time",
            "help": "Tidsgränsen och om rapporten kom efter den står överst på sidan.",
            "help_en": "The deadline, and whether the report came after it, is shown at the top of the page.",
            "kind": "check",
        },
    ],
}
