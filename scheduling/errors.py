"""Domain errors: small named exceptions, mapped once at the edge.

Every error carries a ``message`` that is safe to show to a user as it is: it says what was wrong
and, where there is something to do, what to do about it.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the scheduling domain raises on bad input."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownTimeZone(DomainError):
    """A time-zone name that is not an IANA zone known to ``zoneinfo``."""


class InvalidInterval(DomainError):
    """An interval that is naive, empty or ends before it starts."""


class InvalidRules(DomainError):
    """Booking rules that cannot work (zero duration, working hours ending before they start...)."""
