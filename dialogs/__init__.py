"""Conversation flow on the Bot Framework: the recruiter's request dialog (``schedule.py``) and the
card actions — stateless handlers of card submits (``actions.py``, ``changes.py``,
``feedback.py``) that resolve who is acting from our records and call ``Services``. No SQL and no
HTTP here."""
