"""The dotted paths the reminder tasks run by: the django-q2 schedule row ("scheduling.reminders.send_due_reminders",
stored in the database), the core's after-change registry and queued mails. The work is
scheduling/services/reminders.py."""

from .services.reminders import replan_reminders, send_due_reminders, send_reminder_mail

__all__ = ["replan_reminders", "send_due_reminders", "send_reminder_mail"]
