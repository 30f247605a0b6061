"""A prompt that waits for an Adaptive Card submit.

`TextPrompt` rejects an Action.Submit that carries only a `value` (``docs/architecture.md``, SDK
trap 7), and Web Chat
sends every submit that way, so card input is prompted for with this instead.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs.prompts import Prompt, PromptOptions, PromptRecognizerResult


class CardSubmitPrompt(Prompt):  # type: ignore[misc]
    """Succeeds on a submit whose `action` is one of `actions`, or on the text `cancel`."""

    def __init__(self, dialog_id: str, actions: frozenset[str]) -> None:
        super().__init__(dialog_id)
        self._actions = actions

    async def on_prompt(
        self,
        turn_context: TurnContext,
        state: dict[str, Any],
        options: PromptOptions,
        is_retry: bool,
    ) -> None:
        if is_retry and options.retry_prompt is not None:
            await turn_context.send_activity(options.retry_prompt)
        elif options.prompt is not None:
            await turn_context.send_activity(options.prompt)

    async def on_recognize(
        self, turn_context: TurnContext, state: dict[str, Any], options: PromptOptions
    ) -> PromptRecognizerResult:
        result = PromptRecognizerResult()
        activity = turn_context.activity
        value = activity.value
        action = value.get("action") if isinstance(value, dict) else None
        if isinstance(action, str) and action in self._actions:
            result.succeeded = True
            result.value = value
        elif (activity.text or "").strip().lower() in ("cancel", "stop"):
            result.succeeded = True
            result.value = {"action": "cancel"}
        return result
