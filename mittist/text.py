"""Text as people type it, made safe to store and show."""

import unicodedata


def without_nul(value) -> str:
    """The value as text without NUL bytes (PostgreSQL refuses them); nothing else changed."""
    return str(value or "").replace("\x00", "")


def clean_text(value, *, multiline: bool = False) -> str:
    """NUL bytes removed (PostgreSQL refuses them), line breaks as "\\n"; one-line text stripped of them."""
    text = without_nul(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split("\n")).strip()
    return text


# Characters that reorder or hide neighbouring text (U+202E turns "gpj.exe" into "exe.jpg") or are invisible
# controls: refused in names and other one-line fields.
def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t" for ch in text or "")


# What a one-line field (a name, a title, an address) never needs and what makes it dangerous: line breaks
# (a name with CR/LF breaks every mail header it goes into), NUL and other control characters, and the
# characters that reorder or isolate neighbouring text (U+202E shows "Anna‮gpj.exe" as "Annaexe.jpg").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_SEPARATORS = frozenset("\u2028\u2029")


def unsafe_in_one_line(text: str) -> bool:
    return any(
        ch in BIDI_CONTROLS or ch in LINE_SEPARATORS or unicodedata.category(ch) == "Cc" for ch in text or ""
    )


def validate_one_line(value) -> None:
    """The validator of every single-line text field (mittist.forms.SafeTextMixin adds it to each form)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext_lazy as _

    if isinstance(value, str) and unsafe_in_one_line(value):
        raise ValidationError(
            _("Texten innehåller en radbrytning eller ett osynligt styrtecken (till exempel ett som vänder "
              "textens riktning). Skriv den på en rad utan sådana tecken."),
            code="unsafe_characters",
        )
