"""Text as people type it, made safe to store and show."""

import unicodedata


def clean_text(value, *, multiline: bool = False) -> str:
    """NUL bytes removed (PostgreSQL refuses them), line breaks as "\\n"; one-line text stripped of them."""
    text = str(value or "").replace("\x00", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split("\n")).strip()
    return text


# Characters that reorder or hide neighbouring text (U+202E turns "gpj.exe" into "exe.jpg") or are invisible
# controls: refused in names and other one-line fields.
def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t" for ch in text or "")
