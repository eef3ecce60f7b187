"""Every write of the scheduling app, one module per area:

- practice_day: proposing, answering, confirming and moving the practice day (and its date rules);
- programme: the practice day's programme, item by item (and the reads that page needs);
- minicex: starting a mini-CEX from a sitting-in item of the programme;
- practice_day_tasks: background work after the day changes: the calendar invite, the proposal mails;
- reminders: planning the reminders from the deadlines and the scheduled sweep that sends them.

Tasks are queued by dotted path; scheduling/reminders.py and scheduling/practice_day.py keep the paths
already stored in schedules and queues.
"""
