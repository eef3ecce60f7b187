from datetime import date

import pytest
from django.core.exceptions import ValidationError

from mittist.accounts.personnummer import Personnummer, luhn_check_digit, parse_personnummer

TODAY = date(2025, 6, 15)


def pnr(yymmdd: str, serial: str = "123", *, century: str = "", sep: str = "-") -> str:
    """Build a fictional, Luhn-valid number from a date part and a three-digit serial."""
    nine = yymmdd + serial
    return f"{century}{yymmdd}{sep}{serial}{luhn_check_digit(nine)}"


def bad_check(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def error_code(value: str, today: date = TODAY) -> str:
    with pytest.raises(ValidationError) as excinfo:
        parse_personnummer(value, today=today)
    return excinfo.value.code


def test_luhn_check_digit_worked_example():
    # 8 0 0 1 0 1 1 2 3 weighted 2,1,2,...: 16->1+6, 0, 0, 1, 0, 1, 2, 2, 6 = 19 -> 10 - 9 = 1
    assert luhn_check_digit("800101123") == 1
    assert luhn_check_digit("000000000") == 0


@pytest.mark.parametrize("bad", ["", "12345678", "1234567890", "12345678a", "١٢٣٤٥٦٧٨٩"])
def test_luhn_check_digit_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        luhn_check_digit(bad)


@pytest.mark.parametrize(
    "value",
    [
        pnr("800101", century="19"),
        pnr("800101", century="19", sep=""),
        pnr("800101"),
        pnr("800101", sep=""),
        f"  {pnr('800101')}\n",
    ],
)
def test_valid_forms_normalise_to_twelve_digits(value):
    result = parse_personnummer(value, today=TODAY)
    check = luhn_check_digit("800101123")
    assert result == Personnummer(digits=f"19800101123{check}", is_coordination=False)
    assert result.birth_date == date(1980, 1, 1)
    assert result.formatted == f"19800101-123{check}"
    assert result.masked == "19800101-****"


def test_ten_digits_picks_century_within_99_years():
    assert parse_personnummer(pnr("250615"), today=TODAY).birth_date == date(2025, 6, 15)
    assert parse_personnummer(pnr("250616"), today=TODAY).birth_date == date(1925, 6, 16)
    assert parse_personnummer(pnr("000229"), today=TODAY).birth_date == date(2000, 2, 29)


def test_plus_separator_means_100_or_older():
    assert parse_personnummer(pnr("250615", sep="+"), today=TODAY).birth_date == date(1925, 6, 15)
    result = parse_personnummer(pnr("250616", sep="+"), today=TODAY)
    assert result.birth_date == date(1825, 6, 16)
    assert result.digits.startswith("18250616")


def test_plus_with_twelve_digits_is_refused():
    assert error_code(pnr("250615", century="19", sep="+")) == "plus_with_century"


def test_samordningsnummer():
    value = pnr("800161", century="19")  # 1 January 1980, day + 60
    result = parse_personnummer(value, today=TODAY)
    assert result.is_coordination is True
    assert result.birth_date == date(1980, 1, 1)
    assert result.masked == "19800161-****"
    assert result.formatted == value
    assert parse_personnummer(pnr("800161"), today=TODAY) == result


def test_samordningsnummer_with_impossible_day():
    assert error_code(pnr("800192")) == "invalid_date"  # day 32
    assert error_code(pnr("800160")) == "invalid_date"  # day 0


@pytest.mark.parametrize("yymmdd", ["800230", "801301", "800001", "800100", "810229", "800132"])
def test_impossible_dates(yymmdd):
    assert error_code(pnr(yymmdd, century="19")) == "invalid_date"
    assert error_code(pnr(yymmdd)) == "invalid_date"


def test_future_date_with_explicit_century():
    assert error_code(pnr("250616", century="20")) == "future_date"
    assert parse_personnummer(pnr("250615", century="20"), today=TODAY).birth_date == TODAY


def test_bad_check_digit():
    assert error_code(bad_check(pnr("800101", century="19"))) == "invalid_checksum"
    assert error_code(bad_check(pnr("800101", sep=""))) == "invalid_checksum"
    assert error_code(bad_check(pnr("800161"))) == "invalid_checksum"


def test_error_messages_are_swedish():
    with pytest.raises(ValidationError) as excinfo:
        parse_personnummer(bad_check(pnr("800101")), today=TODAY)
    assert excinfo.value.messages == ["Kontrollsiffran stämmer inte. Kontrollera personnumret."]


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty(value):
    assert error_code(value) == "required"


@pytest.mark.parametrize(
    "value",
    [
        "19800101-12a4",
        "ÅÅMMDD-NNNN",
        "19800101 1234",
        "1980-01-01-1234",
        "800101--1234",
        "800101-+1234",
        "19800101/1234",
        "١٩٨٠٠١٠١١٢٣٤",  # Arabic-Indic digits: str.isdigit() is True for these
        "１９８００１０１１２３４",  # fullwidth digits
        "19800101\u200b1234",  # zero-width space
        "²⁸⁰⁰¹⁰¹¹²³⁴",  # superscripts
    ],
)
def test_refuses_anything_but_ascii_digits_and_one_separator(value):
    assert error_code(value) == "invalid_characters"


@pytest.mark.parametrize(
    "value", ["800101123", "80010112345", "1980010112345", "8001-1234", "1" * 14, "1" * 40, "1" * 100_000]
)
def test_wrong_length(value):
    assert error_code(value) == "invalid_length"


def test_hostile_long_input_is_refused_by_length():
    assert error_code("a" * 1_000_000) == "invalid_length"
    assert error_code("١" * 1_000_000) == "invalid_length"


@pytest.mark.parametrize(
    "value", ["1980-01011234", "198001011-234", "-198001011234", "198001011234-", "80010-11234"]
)
def test_separator_must_precede_last_four(value):
    assert error_code(value) == "invalid_separator"


def test_str_and_repr_do_not_reveal_full_number():
    result = parse_personnummer(pnr("800101", century="19"), today=TODAY)
    assert str(result) == "19800101-****"
    assert result.digits[8:] not in repr(result)


def test_is_frozen():
    result = parse_personnummer(pnr("800101"), today=TODAY)
    with pytest.raises(AttributeError):
        result.digits = "0"
