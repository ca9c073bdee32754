"""Typed actions: one class per client message of the lab protocol.

Each action maps one-to-one onto a lab websocket message (``type`` field); :func:`from_message`
and :meth:`Action.to_message` convert between the two. Field values are kept exactly as given, so
that ``compat="server"`` can reproduce what the lab server does with odd inputs; the strict mode
validates them in the engine. A field absent from a wire message is :data:`~econlab.games.ibex.jsnum.UNDEFINED`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from econlab.games.ibex.jsnum import UNDEFINED


@dataclass(frozen=True)
class Action:
    """Base class of all actions; ``TYPE`` is the lab message type."""

    TYPE: ClassVar[str] = ""

    def fields(self) -> dict[str, Any]:
        """The message fields of this action (absent fields left out)."""
        return {}

    def to_message(self, game_id: int) -> dict[str, Any]:
        """The flat wire message ``{"gameId", "type", ...fields}``."""
        msg: dict[str, Any] = {"gameId": game_id, "type": self.TYPE}
        msg.update({k: v for k, v in self.fields().items() if v is not UNDEFINED})
        return msg


@dataclass(frozen=True)
class Ready(Action):
    """``player-is-ready``: pass the ready barrier of phase 0."""

    TYPE: ClassVar[str] = "player-is-ready"


@dataclass(frozen=True)
class Declare(Action):
    """``declare``: declared lot values, indexed by condition (``[no project, project]``)."""

    TYPE: ClassVar[str] = "declare"
    declaration: Any = UNDEFINED

    def fields(self) -> dict[str, Any]:  # noqa: D102
        return {"declaration": _plain(self.declaration)}


@dataclass(frozen=True)
class Snipe(Action):
    """``done-speculating``: lot ids challenged under each condition (``[[...], [...]]``)."""

    TYPE: ClassVar[str] = "done-speculating"
    snipe: Any = UNDEFINED

    def fields(self) -> dict[str, Any]:  # noqa: D102
        return {"snipe": _plain(self.snipe)}


@dataclass(frozen=True)
class CompletePhase(Action):
    """``complete-current-phase``: end the signals phase (phase 5) at once."""

    TYPE: ClassVar[str] = "complete-current-phase"


@dataclass(frozen=True)
class PostOrder(Action):
    """``post-order``: a bid or ask for one tax share in the book of ``condition``.

    ``now=True`` makes it a market order that trades at the resting prices or is refused.
    """

    TYPE: ClassVar[str] = "post-order"
    side: Any = UNDEFINED  # "bid" | "ask"
    price: Any = UNDEFINED
    condition: Any = UNDEFINED
    quantity: Any = 1
    now: Any = False
    has_order: bool = field(default=True, compare=True)

    def fields(self) -> dict[str, Any]:  # noqa: D102
        if not self.has_order:
            return {}
        order = {"price": self.price, "quantity": self.quantity, "condition": self.condition, "type": self.side,
                 "now": self.now}
        return {"order": {k: v for k, v in order.items() if v is not UNDEFINED}}


@dataclass(frozen=True)
class CancelOrder(Action):
    """``cancel-order``: withdraw one's own resting order ``order_id`` in the book of ``condition``."""

    TYPE: ClassVar[str] = "cancel-order"
    order_id: Any = UNDEFINED
    condition: Any = UNDEFINED
    has_order: bool = True

    def fields(self) -> dict[str, Any]:  # noqa: D102
        if not self.has_order:
            return {}
        order = {"id": self.order_id, "condition": self.condition}
        return {"order": {k: v for k, v in order.items() if v is not UNDEFINED}}


@dataclass(frozen=True)
class Chat(Action):
    """``chat-with-players`` (Voting): a text to a list of seats."""

    TYPE: ClassVar[str] = "chat-with-players"
    to: Any = UNDEFINED
    text: Any = UNDEFINED

    def fields(self) -> dict[str, Any]:  # noqa: D102
        return {"to": _plain(self.to), "text": self.text}


@dataclass(frozen=True)
class Request(Action):
    """``compensation-request`` (Voting): the compensation an owner asks for, per condition."""

    TYPE: ClassVar[str] = "compensation-request"
    requests: Any = UNDEFINED

    def fields(self) -> dict[str, Any]:  # noqa: D102
        return {"compensationRequests": _plain(self.requests)}


@dataclass(frozen=True)
class Offer(Action):
    """``compensation-offer`` (Voting): the developer's offer to each owner, per condition."""

    TYPE: ClassVar[str] = "compensation-offer"
    offers: Any = UNDEFINED

    def fields(self) -> dict[str, Any]:  # noqa: D102
        return {"compensationOffers": _plain(self.offers)}


@dataclass(frozen=True)
class Vote(Action):
    """``compensation-decision`` (Voting): the conditions an owner approves (``[1]`` yes, ``[0]`` no)."""

    TYPE: ClassVar[str] = "compensation-decision"
    decisions: Any = UNDEFINED

    def fields(self) -> dict[str, Any]:  # noqa: D102
        return {"compensationDecisions": _plain(self.decisions)}


@dataclass(frozen=True)
class Unknown(Action):
    """A message whose type no handler knows (kept so the engine can answer like the server)."""

    TYPE: ClassVar[str] = ""
    type_name: Any = UNDEFINED
    raw: Any = None

    def to_message(self, game_id: int) -> dict[str, Any]:  # noqa: D102
        if isinstance(self.raw, Mapping):
            return dict(self.raw)
        return {"gameId": game_id, "type": self.type_name}


ACTION_TYPES: dict[str, type[Action]] = {
    cls.TYPE: cls
    for cls in (Ready, Declare, Snipe, CompletePhase, PostOrder, CancelOrder, Chat, Request, Offer, Vote)
}


def from_message(msg: Mapping[str, Any]) -> Action:
    """Convert a flat lab wire message into an action, keeping every field value as sent.

    Args:
        msg: The decoded JSON object (``join``, ``rejoin`` and ``status`` are session messages and
            are not actions).

    Returns:
        The action; an unknown ``type`` gives :class:`Unknown`.
    """
    t = msg.get("type", UNDEFINED)
    g = msg.get
    if t == "declare":
        return Declare(declaration=g("declaration", UNDEFINED))
    if t == "done-speculating":
        return Snipe(snipe=g("snipe", UNDEFINED))
    if t == "post-order" or t == "cancel-order":
        order = g("order", UNDEFINED)
        if not isinstance(order, Mapping):
            return (PostOrder if t == "post-order" else CancelOrder)(has_order=False)
        if t == "cancel-order":
            return CancelOrder(order_id=order.get("id", UNDEFINED), condition=order.get("condition", UNDEFINED))
        return PostOrder(
            side=order.get("type", UNDEFINED),
            price=order.get("price", UNDEFINED),
            condition=order.get("condition", UNDEFINED),
            quantity=order.get("quantity", UNDEFINED),
            now=order.get("now", UNDEFINED),
        )
    if t == "chat-with-players":
        return Chat(to=g("to", UNDEFINED), text=g("text", UNDEFINED))
    if t == "compensation-request":
        return Request(requests=g("compensationRequests", UNDEFINED))
    if t == "compensation-offer":
        return Offer(offers=g("compensationOffers", UNDEFINED))
    if t == "compensation-decision":
        return Vote(decisions=g("compensationDecisions", UNDEFINED))
    if isinstance(t, str) and t in ACTION_TYPES:  # a non-string type (e.g. a list) matches no handler
        return ACTION_TYPES[t]()
    return Unknown(type_name=t, raw=dict(msg))


def _plain(x: Any) -> Any:
    if isinstance(x, tuple):
        return [_plain(v) for v in x]
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x
