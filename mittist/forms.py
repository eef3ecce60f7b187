from django import forms
from django.core.exceptions import ValidationError

from mittist.text import validate_one_line


def add_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: at its field where it names one, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def is_one_line(field: forms.Field) -> bool:
    return isinstance(field, forms.CharField) and not isinstance(field.widget, (forms.Textarea, forms.PasswordInput))


class SafeTextMixin:
    """Every form of the project mixes this in (tests/test_safe_text.py checks): each single-line text field
    refuses line breaks, control and bidi-override characters with a clear message at the field.

    Added at validation time, so fields a form builds in its own __init__ are covered too."""

    def full_clean(self):
        for field in self.fields.values():
            if is_one_line(field) and validate_one_line not in field.validators:
                field.validators.append(validate_one_line)
        super().full_clean()

