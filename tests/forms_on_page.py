"""The forms a page really renders, read from its HTML, so a test can post what a browser would post.

`forms_on(html)` returns every <form> with its method, action and fields: name, kind (text, textarea,
email, date, number, hidden, file, select, radio, checkbox, ...), the value a browser would send as the page
stands, and the choices of selects and radios. `PageForm.data()` is that browser's POST body.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str
    value: str = ""
    choices: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class PageForm:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value) of named submit buttons

    def field_names(self, *kinds: str) -> list[str]:
        seen = []
        for f in self.fields:
            if f.kind in kinds and f.name not in seen and f.name != "csrfmiddlewaretoken":
                seen.append(f.name)
        return seen

    def data(self, button: tuple[str, str] | None = None) -> dict[str, object]:
        """What a browser sends once the form is filled in: text as it stands, the checked boxes, each radio group's
        checked (else first) button, each select's chosen (else first real) option."""
        out: dict[str, list[str]] = {}
        radios: dict[str, str] = {}
        for f in self.fields:
            if f.kind == "file" or not f.name:
                continue
            if f.kind == "checkbox":
                if f.checked:
                    out.setdefault(f.name, []).append(f.value or "on")
            elif f.kind == "radio":
                # The checked one, else the first: a filled-in baseline gets past "required" to the field checked.
                if f.checked:
                    radios[f.name] = f.value
                else:
                    radios.setdefault(f.name, f.value)
            else:
                out.setdefault(f.name, []).append(f.value)
        for name, value in radios.items():
            out[name] = [value]
        chosen = button or (self.buttons[0] if self.buttons else None)
        if chosen:
            out.setdefault(chosen[0], []).append(chosen[1])
        return {k: v if len(v) > 1 else v[0] for k, v in out.items()}


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: tuple[str, bool] | None = None
        self._option_text = ""

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = PageForm(method=a.get("method", "get").lower(), action=a.get("action", ""))
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                if a.get("name"):
                    self._form.buttons.append((a["name"], a.get("value", "")))
                return
            if kind in ("button", "reset"):
                return
            self._form.fields.append(Field(a.get("name", ""), kind, a.get("value", ""), checked="checked" in a))
        elif tag == "button":
            if a.get("type", "submit").lower() == "submit" and a.get("name"):
                self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = Field(a.get("name", ""), "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(a.get("name", ""), "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a)
            self._option_text = ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._select is not None and self._option is not None:
            value, selected = self._option
            value = self._option_text.strip() if value is None else value
            self._select.choices.append(value)
            if selected:
                self._select.value, self._select.checked = value, True
            self._option = None
        elif tag == "select":
            if not self._select.checked:  # nothing selected: the first real option, as a filled-in baseline
                self._select.value = next((c for c in self._select.choices if c), "")
            self._select = None


def forms_on(html: str) -> list[PageForm]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms
