"""The English catalogue is complete, compiled, and actually used.

Swedish is the source language: every msgid is Swedish and locale/en holds the English.
The .po is parsed here by hand, so the tests need neither polib nor GNU gettext.
"""

import gettext
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from mittist.accounts.personnummer import parse_personnummer

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")  # gettext and format_lazy placeholders
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def __str__(self):
        return f"django.po:{self.line} {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """(header, entries) of a .po file; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    flags: set[str] = set()

    def finish():
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            finish()
            flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            finish()
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"stray string at django.po:{number}"
            name, index = target
            if index is None:
                setattr(current, name, getattr(current, name) + _unquote(line))
            else:
                current.msgstr_plural[index] += _unquote(line)
            continue
        keyword, _, rest = line.partition(" ")
        # An entry starts at its msgctxt, or at its msgid when it has no context.
        if keyword == "msgctxt" or (keyword == "msgid" and not (target and target[0] == "msgctxt")):
            finish()
            current = Entry(line=number, flags=flags)
            flags = set()
        assert current is not None, f"unexpected {keyword} at django.po:{number}"
        plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if plural:
            target = ("msgstr_plural", int(plural.group(1)))
            current.msgstr_plural[target[1]] = _unquote(rest)
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            target = (keyword, None)
            setattr(current, keyword, _unquote(rest))
        else:
            raise AssertionError(f"unknown keyword {keyword!r} at django.po:{number}")
    finish()

    header, *rest = entries
    assert header.msgid == "" and header.msgctxt is None, "the .po should start with its header"
    return header, rest


@pytest.fixture(scope="module")
def catalogue():
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def entries(catalogue):
    return catalogue[1]


@pytest.fixture(scope="module")
def compiled():
    with MO_PATH.open("rb") as mo:
        return gettext.GNUTranslations(mo)


def test_parser_reads_the_whole_catalogue(entries):
    assert len(entries) > 100
    assert len({(e.msgctxt, e.msgid) for e in entries}) == len(entries), "duplicate msgids"
    assert any(e.msgid_plural for e in entries)


def test_header_is_english_utf8_and_not_fuzzy(catalogue):
    header, _ = catalogue
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr
    assert "charset=UTF-8" in header.msgstr
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    untranslated = [
        str(e)
        for e in entries
        if (not e.msgid_plural and not e.msgstr.strip())
        or (
            e.msgid_plural
            and (sorted(e.msgstr_plural) != [0, 1] or not all(s.strip() for s in e.msgstr_plural.values()))
        )
    ]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_placeholders_survive_translation(entries):
    def names(text):
        return sorted(PLACEHOLDER.findall(text))

    wrong = []
    for e in entries:
        if e.msgid_plural:
            pairs = [(e.msgid, e.msgstr_plural.get(0, "")), (e.msgid_plural, e.msgstr_plural.get(1, ""))]
        else:
            pairs = [(e.msgid, e.msgstr)]
        wrong += [
            f"{e}: {translated!r}" for source, translated in pairs if names(source) != names(translated)
        ]
    assert not wrong, "placeholders changed:\n" + "\n".join(wrong)


def test_compiled_catalogue_matches_the_po(entries, compiled):
    """Fails when the .po was edited without running compilemessages."""
    stale = []
    for e in entries:
        if e.msgid_plural:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            want = [e.msgstr_plural[0], e.msgstr_plural[1]]
        elif e.msgctxt is not None:
            got, want = compiled.pgettext(e.msgctxt, e.msgid), e.msgstr
        else:
            got, want = compiled.gettext(e.msgid), e.msgstr
        if got != want:
            stale.append(f"{e}: .mo has {got!r}, .po has {want!r}")
    assert not stale, "run `manage.py compilemessages -l en`:\n" + "\n".join(stale[:20])


def test_django_uses_the_english_catalogue():
    with translation.override("en"):
        assert translation.gettext("Anmälan till Mitt-i-ST") == "Registration for Mitt-i-ST"
        assert translation.ngettext("%(n)s ärende", "%(n)s ärenden", 2) % {"n": 2} == "2 cases"
    with translation.override("sv"):
        assert translation.gettext("Anmälan till Mitt-i-ST") == "Anmälan till Mitt-i-ST"


def test_personnummer_messages_follow_the_active_language():
    for language, expected in [("sv", "Ange personnumret."), ("en", "Enter your personal identity number.")]:
        with translation.override(language):
            with pytest.raises(ValidationError) as excinfo:
                parse_personnummer("", today=date(2025, 6, 15))
            # The message is lazy: it is rendered in the language active when it is read.
            assert excinfo.value.messages == [expected]


@pytest.mark.django_db
def test_login_page_is_swedish_by_default(client):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sv">' in html
    assert "Logga in" in html


@pytest.mark.django_db
def test_login_page_in_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Logga in" not in html
