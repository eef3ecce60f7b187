"""Swedish personal identity numbers (personnummer and samordningsnummer).

Pure Python apart from Django's ValidationError and gettext_lazy, so forms and models can use
the same parser and show the same Swedish messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Samordningsnummer are issued to people who are not (yet) registered in
# Sweden; the Tax Agency marks them by adding 60 to the day of birth.
COORDINATION_OFFSET = 60

# Far more than 12 digits and a separator, so a typo such as 1980-01-01-1234
# still gets the helpful message, while megabyte-sized input is turned away
# before we look at it character by character.
_MAX_LENGTH = 32

MESSAGES = {
    "required": _("Ange personnumret."),
    "invalid_characters": _("Personnumret får bara innehålla siffror och ett bindestreck (eller plustecken för den som fyllt 100)."),
    "invalid_length": _("Ange personnumret med 10 eller 12 siffror, t.ex. ÅÅÅÅMMDD-NNNN."),
    "invalid_separator": _("Bindestrecket ska stå före de fyra sista siffrorna, t.ex. ÅÅÅÅMMDD-NNNN."),
    "plus_with_century": _("Plustecken används bara med 10 siffror. Skriv personnumret med 12 siffror och bindestreck."),
    "invalid_date": _("Datumet i personnumret finns inte."),
    "future_date": _("Födelsedatumet i personnumret ligger i framtiden."),
    "invalid_checksum": _("Kontrollsiffran stämmer inte. Kontrollera personnumret."),
}


def _error(code: str) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code)


@dataclass(frozen=True, repr=False)
class Personnummer:
    digits: str  # YYYYMMDDNNNC; for a samordningsnummer DD is the day + 60, as issued.
    is_coordination: bool = False

    @property
    def birth_date(self) -> date:
        day = int(self.digits[6:8])
        if self.is_coordination:
            day -= COORDINATION_OFFSET
        return date(int(self.digits[:4]), int(self.digits[4:6]), day)

    @property
    def masked(self) -> str:
        return f"{self.digits[:8]}-****"

    @property
    def formatted(self) -> str:
        return f"{self.digits[:8]}-{self.digits[8:]}"

    # Never show the full number by accident (logs, tracebacks, templates).
    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Personnummer({self.masked!r})"


def luhn_check_digit(nine_digits: str) -> int:
    """Check digit for YYMMDDNNN (the 10-digit form without its last digit)."""
    if len(nine_digits) != 9 or not (nine_digits.isascii() and nine_digits.isdigit()):
        raise ValueError("luhn_check_digit expects exactly nine ASCII digits")
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def parse_personnummer(value: str, *, today: date) -> Personnummer:
    """Parse and validate a personnummer or samordningsnummer.

    `today` is explicit because the century of a 10-digit number depends on it.
    Raises ValidationError with one of the codes in MESSAGES.
    """
    value = (value or "").strip()
    if not value:
        raise _error("required")
    if len(value) > _MAX_LENGTH:
        raise _error("invalid_length")
    # isdigit() alone accepts e.g. Arabic-Indic or superscript digits.
    if not value.isascii() or any(not (char.isdigit() or char in "-+") for char in value):
        raise _error("invalid_characters")

    separator = ""
    digits = value
    separators = [char for char in value if char in "-+"]
    if len(separators) > 1:
        raise _error("invalid_characters")
    if separators:
        separator = separators[0]
        digits = value.replace(separator, "")
    if len(digits) not in (10, 12):
        raise _error("invalid_length")
    if separator and value.index(separator) != len(value) - 5:
        raise _error("invalid_separator")
    if separator == "+" and len(digits) == 12:
        raise _error("plus_with_century")

    month = int(digits[-8:-6])
    entered_day = int(digits[-6:-4])
    is_coordination = entered_day > COORDINATION_OFFSET
    day = entered_day - COORDINATION_OFFSET if is_coordination else entered_day

    if len(digits) == 12:
        year = int(digits[:4])
    else:
        # Pick the latest century that does not put the birthday in the future,
        # i.e. the person is 0-99 years old; "+" means 100 years older still.
        year = today.year // 100 * 100 + int(digits[:2])
        if (year, month, day) > (today.year, today.month, today.day):
            year -= 100
        if separator == "+":
            year -= 100

    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise _error("invalid_date") from None
    if birth_date > today:
        raise _error("future_date")

    short = digits[-10:]
    if luhn_check_digit(short[:9]) != int(short[9]):
        raise _error("invalid_checksum")

    return Personnummer(digits=f"{year:04d}{short[2:]}", is_coordination=is_coordination)
