"""Durations as people read them ("fyra veckor", "14 dagar"), rendered from the settings that compute them.

Texts never type a duration: a template says {{ durations.material }} and an e-mail the same (the mailer
and the context processor both provide `durations`), so changing MITTIST_MATERIAL_DAYS_BEFORE changes
the deadline and every sentence about it together.
"""

from django.conf import settings
from django.utils.translation import get_language, ngettext

# Small numbers are written as words in running text (Swedish and English style guides alike).
_WORDS = {
    "sv": ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"),
}


def _number(n: int) -> str:
    words = _WORDS.get((get_language() or settings.LANGUAGE_CODE)[:2], _WORDS["sv"])
    return words[n] if 0 <= n < len(words) else str(n)


def days_text(days: int) -> str:
    """28 → "fyra veckor", 14 → "två veckor", 3 → "tre dagar", 30 → "30 dagar"."""
    if days and days % 7 == 0 and days // 7 < len(_WORDS["sv"]):
        weeks = days // 7
        return ngettext("%(n)s vecka", "%(n)s veckor", weeks) % {"n": _number(weeks)}
    return ngettext("%(n)s dag", "%(n)s dagar", days) % {"n": _number(days)}


def months_text(months: int) -> str:
    return ngettext("%(n)s månad", "%(n)s månader", months) % {"n": _number(months)}


def hours_text(hours: int) -> str:
    return ngettext("%(n)s timme", "%(n)s timmar", hours) % {"n": _number(hours)}


def minutes_text(minutes: int) -> str:
    return ngettext("%(n)s minut", "%(n)s minuter", minutes) % {"n": _number(minutes)}


# name → (setting, how to read it). Days unless said otherwise.
_SOURCES = {
    "contact": ("MITTIST_CONTACT_DAYS", days_text),
    "material": ("MITTIST_MATERIAL_DAYS_BEFORE", days_text),
    "report": ("MITTIST_REPORT_DAYS_AFTER", days_text),
    "practice_day_agree": ("MITTIST_PRACTICE_DAY_AGREE_DAYS", days_text),
    "survey": ("MITTIST_SURVEY_DAYS_AFTER", days_text),
    "assignment_answer": ("MITTIST_ASSIGNMENT_ANSWER_DAYS", days_text),
    "supervisor_link": ("SUPERVISOR_LINK_DAYS", days_text),
    "report_share": ("MITTIST_REPORT_SHARE_DAYS", days_text),
    "minicex_link": ("MINICEX_LINK_DAYS", days_text),
    "minicex_link_extend_window": ("MINICEX_LINK_EXTEND_WINDOW_DAYS", days_text),
    "minicex_code": ("MINICEX_CODE_MINUTES", minutes_text),
    "minicex_code_resend": ("MINICEX_CODE_RESEND_MINUTES", minutes_text),
    "minicex_device_confirmation": ("MINICEX_DEVICE_CONFIRMATION_HOURS", hours_text),
    "min_months_left": ("MITTIST_MIN_MONTHS_LEFT_AT_REGISTRATION", months_text),
}


def _password_link_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24))


class Durations:
    """`durations.material` → "fyra veckor" (in the active language, read from settings at render time)."""

    def __getitem__(self, name: str) -> str:
        if name == "password_link":
            return days_text(_password_link_days())
        try:
            setting, reader = _SOURCES[name]
        except KeyError:
            raise KeyError(name) from None
        return reader(getattr(settings, setting))

    def get(self, name: str, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def text(self, name: str) -> str:
        return self[name]


durations = Durations()
