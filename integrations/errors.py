"""Failures of an outside system (Graph, SMTP, ...) as the job runner needs to see them.

``integrations/`` may not import ``bot/``, so these are the neutral names; the job handlers map
them once: :class:`TransientError` to ``bot.jobs.runner.RetryLater`` (``after`` is the server's
``Retry-After`` when it gave one) and :class:`PermanentError` to ``bot.jobs.runner.PermanentFailure``.
Messages carry status codes and error codes, never personal data (addresses, names, subjects).
"""

from __future__ import annotations

from datetime import timedelta

__all__ = ["IntegrationError", "PermanentError", "TransientError"]


class IntegrationError(Exception):
    """An outside system refused or failed a call."""


class TransientError(IntegrationError):
    """Try again later: throttling (429), the service unavailable (503/504), a network failure.

    ``after`` is how long the service asked us to wait (``Retry-After``), or None to let the caller
    pick its own backoff.
    """

    def __init__(self, message: str, *, after: timedelta | None = None) -> None:
        super().__init__(message)
        self.after = max(after, timedelta(0)) if after is not None else None


class PermanentError(IntegrationError):
    """Retrying the same call cannot help (bad request, no permission, unknown mailbox...).

    Someone has to change something (a setting, a permission, the data) before a retry.
    """
