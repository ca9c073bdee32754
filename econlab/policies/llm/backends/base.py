"""The backend interface: one chat completion, with its token usage and a log of transport attempts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Completion:
    """One answer of a model.

    Attributes:
        text: The raw answer text.
        prompt_tokens: Tokens of the prompt (as the backend counts them).
        completion_tokens: Tokens of the answer.
        structured: Whether structured output (a JSON schema) was used.
        attempts: Transport attempts that failed before this answer (``{"error", "status", "wait_s"}``).
    """

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    structured: bool = False
    attempts: list[dict[str, Any]] = field(default_factory=list)


class BackendError(RuntimeError):
    """The model could not be reached (after the retries); ``attempts`` lists every failed attempt."""

    def __init__(self, message: str, attempts: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts or []


class ReplayMiss(LookupError):
    """The replay backend has no cached answer for a request."""


class Backend(Protocol):
    """Produces one completion for a list of chat messages."""

    name: str

    async def complete(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, *, seed: int,
                       where: str) -> Completion:
        """Answer ``messages``; ``schema`` is the answer's JSON schema; ``where`` names seat, round and phase."""
        ...


class ReplayBackend:
    """Answers only from the cache; the session raises :class:`ReplayMiss` before this is ever called."""

    name = "replay"

    async def complete(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, *, seed: int,
                       where: str) -> Completion:
        """Always a miss: a replay run makes no calls."""
        raise ReplayMiss(f"replay: no cached answer for {where}; run once with a live backend and --cache first")
