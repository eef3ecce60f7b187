"""The autosave reply shared by the trainee's sections (A–E) and the supervisor's statement (F).

The machinery is mittist.autosave (the report uses it too); a portfolio error is a refused save.
"""

from mittist.autosave import autosave_reply as _autosave_reply
from mittist.autosave import base_version, clock, differences, form_errors_reply, signed_out_reply

from ..services.common import PortfolioError

__all__ = ["autosave_reply", "base_version", "clock", "differences", "form_errors_reply", "signed_out_reply"]


def autosave_reply(save, answers, *, forbidden):
    return _autosave_reply(save, answers, forbidden=forbidden, refused=(PortfolioError,))
