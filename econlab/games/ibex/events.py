"""Events the engine emits: the lab server's websocket events and text messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALL = None
TEXT_KINDS = frozenset({"info", "notice", "warning", "error"})


@dataclass(slots=True)
class Event:
    """One server-to-client message.

    Attributes:
        kind: The ``eventType`` of an event, or ``info`` / ``notice`` / ``warning`` / ``error`` for texts.
        data: The event's ``data`` object (for texts: ``{"message": ...}``).
        to: ``None`` for everyone, a seat number, or ``("role", code)`` for one role.
    """

    kind: str
    data: Any
    to: int | tuple[str, int] | None = ALL

    @property
    def is_text(self) -> bool:
        """Whether this is a text message rather than an event."""
        return self.kind in TEXT_KINDS

    def to_wire(self) -> dict[str, Any]:
        """The JSON object the lab server sends for this event."""
        from econlab.games.ibex.jsnum import to_json

        if self.is_text:
            return {"type": self.kind, "message": self.data["message"]}
        return {"type": "event", "eventType": self.kind, "data": to_json(self.data)}

    def reaches(self, seat: int, role: int) -> bool:
        """Whether the event is delivered to ``seat`` (of role ``role``)."""
        if self.to is None:
            return True
        if isinstance(self.to, tuple):
            return self.to[1] == role
        return self.to == seat
