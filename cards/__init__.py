"""What people read: Adaptive Card builders (pure functions from domain objects to Adaptive Card 1.5
dicts), the chat lines that go with them (``cards.messages``) and the e-mails' wording
(``cards.mails``, templates in ``cards/mail_templates``).

Every card posts back with Action.Submit only (Web Chat has no Action.Execute) and every submit's
``data`` carries ``action`` (the verb the dialogs dispatch on) and, for an interview, its
``interview_id``.

A TextBlock and a chat message's ``text`` are markdown: every value people typed (a name, a role
title, an organisation) is put into one through ``md``, and ``md_plain`` reads such a text back
as plain text for e-mail. TextRuns (``plain``, ``facts``) never render markdown and take values
as they are.

Cards stay dicts: wrapping one as a Bot Framework attachment is ``dialogs.common.attachment``'s job,
and nothing here imports the SDK (an import contract in ``make lint`` holds that).
"""

from cards._base import CARD_VERSION, COMMON_ZONES, SCHEMA_URL, TEAMS_MAX_CARD_BYTES, md, md_plain
from cards.availability_cards import SAVE_AVAILABILITY_BUTTON, availability_card
from cards.feedback_cards import (
    DECISIONS,
    candidate_feedback_card,
    client_feedback_card,
    feedback_prompt_card,
    feedback_summary_card,
    no_show_card,
)
from cards.interview_cards import (
    BOOK_BUTTON,
    RECRUITER_NOTES,
    booking_confirmation_card,
    cancellation_card,
    offer_slots_card,
    pick_slot_card,
    recruiter_update_card,
    reminder_card,
)
from cards.pipeline import COMMANDS, PipelineRow, help_card, notice_card, pipeline_card, welcome_card
from cards.request import REQUEST_FIELDS, schedule_request_card

__all__ = [
    "BOOK_BUTTON",
    "CARD_VERSION",
    "COMMANDS",
    "COMMON_ZONES",
    "DECISIONS",
    "RECRUITER_NOTES",
    "REQUEST_FIELDS",
    "SAVE_AVAILABILITY_BUTTON",
    "SCHEMA_URL",
    "TEAMS_MAX_CARD_BYTES",
    "PipelineRow",
    "availability_card",
    "booking_confirmation_card",
    "cancellation_card",
    "candidate_feedback_card",
    "client_feedback_card",
    "feedback_prompt_card",
    "feedback_summary_card",
    "help_card",
    "md",
    "md_plain",
    "no_show_card",
    "notice_card",
    "offer_slots_card",
    "pick_slot_card",
    "pipeline_card",
    "recruiter_update_card",
    "reminder_card",
    "schedule_request_card",
    "welcome_card",
]
