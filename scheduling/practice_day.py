"""The dotted paths the practice day's tasks are queued by (the core's after-change registry, the proposal
services). The work is scheduling/services/practice_day_tasks.py."""

from .services.practice_day_tasks import practice_day_changed, send_proposal_mail

__all__ = ["practice_day_changed", "send_proposal_mail"]
