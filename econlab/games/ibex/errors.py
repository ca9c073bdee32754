"""Exceptions of the rules engine."""

from __future__ import annotations


class InvalidActionError(ValueError):
    """An action that the rules do not allow, raised by the strict mode.

    Attributes:
        seat: The player number that sent it.
        round: The round number.
        phase: The phase number.
        field: The offending message field (``"type"`` for a wrong phase, ``"role"`` for a wrong role).
        reason: What is wrong, in words.
    """

    def __init__(self, seat: int, round_: int, phase: int, field: str, reason: str) -> None:
        """Build the error; the message names seat, round, phase and field."""
        self.seat = seat
        self.round = round_
        self.phase = phase
        self.field = field
        self.reason = reason
        super().__init__(f"seat {seat}, round {round_}, phase {phase}: invalid {field}: {reason}")


class GameOverError(RuntimeError):
    """An action or timeout after the game has ended (strict mode)."""


class HandlerCrash(Exception):  # noqa: N818 - mirrors the server's thrown handler, not an error of ours
    """The lab server's handler would throw here: the message gets no reply (server mode only)."""
