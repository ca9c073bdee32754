"""The lab's JSON shapes in one place: client envelopes, server messages, REST payloads (pydantic).

Game messages are converted with :func:`econlab.games.ibex.actions.from_message` and
:meth:`~econlab.games.ibex.actions.Action.to_message`; this module adds validation of the envelope
(``gameId`` a JSON integer, ``type`` a string), of the session messages (``join``, ``rejoin``,
``status``) and of the REST bodies, and the two econlab extensions of the lock-step mode
(``econlab-tick`` event, ``econlab-pass`` message), which the lab server neither sends nor needs.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from econlab.games.ibex.actions import Action, from_message
from econlab.games.ibex.events import Event
from econlab.games.ibex.jsnum import to_json

#: message types handled outside the phase logic (as the lab's gameManager does)
SESSION_TYPES = frozenset({"join", "rejoin", "status"})
#: econlab's lock-step extension: "I take no action in this tick"
PASS_TYPE = "econlab-pass"
#: econlab's lock-step extension event: "the server waits for your action of this tick"
TICK_EVENT = "econlab-tick"


class ProtocolError(ValueError):
    """A client message that cannot be dispatched; ``wire`` is the error the server sends back."""

    def __init__(self, message: str, *, bare: bool = False) -> None:
        """Build the error (``bare=True``: the lab's transport-level shape ``{"error": ...}``)."""
        super().__init__(message)
        self.message = message
        self.bare = bare

    @property
    def wire(self) -> dict[str, Any]:
        """The JSON object sent to the client."""
        return {"error": self.message} if self.bare else {"type": "error", "message": self.message}


class Envelope(BaseModel):
    """Every client message: ``{"gameId": <integer>, "type": <string>, ...fields}``."""

    model_config = ConfigDict(extra="allow", frozen=True)
    gameId: StrictInt  # noqa: N815 - the lab's field name
    type: StrictStr


class SessionMessage(Envelope):
    """``join`` / ``rejoin`` / ``status``: need a recovery token."""

    recovery: StrictStr = Field(min_length=1, max_length=200)


class RestReply(BaseModel):
    """The lab's REST envelope (``status`` is true even on errors; the HTTP code tells)."""

    data: Any = Field(default_factory=dict)
    status: bool = True
    message: str = ""


class CreateRequest(BaseModel):
    """``POST /api/v1/games/create-for-llm`` body."""

    model_config = ConfigDict(extra="forbid")
    username: StrictStr
    password: StrictStr
    gameParameters: dict[str, Any]  # noqa: N815 - the lab's field name
    #: econlab extensions: seed of the game (default: the server's) and where values come from
    seed: int | None = Field(default=None, ge=0)
    values: Literal["session", "uniform"] = "session"


Amount = Annotated[StrictInt | StrictFloat, Field(ge=0, allow_inf_nan=False)]


class _Msg(BaseModel):
    model_config = ConfigDict(extra="allow")


class DeclareMsg(_Msg):
    """``declare``: ``[no project, project]`` (an unused third entry is allowed), non-negative numbers."""

    declaration: list[Amount] = Field(min_length=2, max_length=3)


class SnipeMsg(_Msg):
    """``done-speculating``: lot ids per condition."""

    snipe: list[list[StrictInt]] = Field(min_length=2, max_length=3)


class OrderFields(BaseModel):
    """The ``order`` object of ``post-order``."""

    model_config = ConfigDict(extra="forbid")
    price: Amount
    quantity: StrictInt = Field(default=1, ge=1)
    condition: StrictInt
    type: Literal["bid", "ask"]
    now: StrictBool = False


class PostOrderMsg(_Msg):
    """``post-order``."""

    order: OrderFields


class CancelFields(BaseModel):
    """The ``order`` object of ``cancel-order``."""

    model_config = ConfigDict(extra="forbid")
    id: StrictInt
    condition: StrictInt


class CancelOrderMsg(_Msg):
    """``cancel-order``."""

    order: CancelFields


class ChatMsg(_Msg):
    """``chat-with-players``."""

    to: list[StrictInt] = Field(min_length=1)
    text: StrictStr


class RequestMsg(_Msg):
    """``compensation-request``: ``[no project, project]`` (the first may be null)."""

    compensationRequests: list[Amount | None] = Field(min_length=2, max_length=3)  # noqa: N815


class OfferMsg(_Msg):
    """``compensation-offer``: ``[no project, project]`` (the first may be null)."""

    compensationOffers: list[Amount | None] = Field(min_length=2, max_length=3)  # noqa: N815


class VoteMsg(_Msg):
    """``compensation-decision``: ``[1]`` yes, ``[0]`` no, ``[]`` or ``[null]`` abstain."""

    compensationDecisions: list[Literal[0, 1] | None] = Field(max_length=1)  # noqa: N815


#: strict mode: the field shapes of each game message (the engine checks everything that depends on the state)
MESSAGE_MODELS: dict[str, type[BaseModel]] = {
    "declare": DeclareMsg, "done-speculating": SnipeMsg, "post-order": PostOrderMsg, "cancel-order": CancelOrderMsg,
    "chat-with-players": ChatMsg, "compensation-request": RequestMsg, "compensation-offer": OfferMsg,
    "compensation-decision": VoteMsg,
}


def validate_fields(msg: dict[str, Any]) -> str | None:
    """Strict mode: check a game message's fields; ``None`` if fine, else ``"field: reason (got value)"``."""
    model = MESSAGE_MODELS.get(msg.get("type", ""))
    if model is None:
        return None
    try:
        model.model_validate(msg)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        got = err.get("input")
        return f"{loc}: {err['msg']} (got {json.dumps(got) if _jsonable(got) else repr(got)})"
    return None


def _jsonable(x: Any) -> bool:
    try:
        json.dumps(x)
    except (TypeError, ValueError):
        return False
    return True


class TickData(BaseModel):
    """Payload of the ``econlab-tick`` event and of ``status``'s ``econlab.tick``."""

    round: int
    phase: int
    tick: int
    deciders: list[int]
    waiting: list[int] = Field(default_factory=list)


class ServerMessage(BaseModel):
    """Any server -> client message (the three lab shapes)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["event", "info", "notice", "warning", "error", "fatal"] | None = None
    eventType: str | None = None  # noqa: N815 - the lab's field name
    data: Any = None
    message: str | None = None
    error: str | None = None


def decode_client(text: str | bytes, game_ids: set[int] | None = None) -> dict[str, Any]:
    """Parse and validate one client frame.

    Args:
        text: The websocket frame.
        game_ids: Ids of the running games (``None``: do not check).

    Returns:
        The message as a dict (envelope validated; session messages also their token).

    Raises:
        ProtocolError: bad JSON, not an object, missing/ill-typed ``gameId`` or ``type``, unknown
            game, or a session message without a valid ``recovery``.
    """
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"invalid JSON: {exc.msg} at position {exc.pos}", bare=True) from exc
    if not isinstance(raw, dict):
        raise ProtocolError(f"a message must be a JSON object, got {type(raw).__name__}", bare=True)
    if "gameId" not in raw:
        raise ProtocolError("gameId: missing (every message needs the integer id of its game)", bare=True)
    try:
        env = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise ProtocolError(_first_error(exc, raw), bare=True) from exc
    if game_ids is not None and env.gameId not in game_ids:
        raise ProtocolError(f"Game {env.gameId} not found", bare=True)
    if env.type in SESSION_TYPES:
        try:
            SessionMessage.model_validate(raw)
        except ValidationError as exc:
            raise ProtocolError(f"{env.type}: {_first_error(exc, raw)}") from exc
    return raw


def decode_action(msg: dict[str, Any]) -> Action:
    """The engine action of a validated game message (field values kept as sent)."""
    return from_message(msg)


def encode_action(action: Action, game_id: int) -> dict[str, Any]:
    """The wire message of an action."""
    return action.to_message(game_id)


def encode_event(event: Event) -> dict[str, Any]:
    """The wire form of an engine event."""
    return event.to_wire()


def event(kind: str, data: Any) -> dict[str, Any]:
    """A wire event ``{"type": "event", "eventType": kind, "data": data}``."""
    return {"type": "event", "eventType": kind, "data": to_json(data)}


def text(kind: str, message: str) -> dict[str, Any]:
    """A wire text message (``info``, ``notice``, ``warning``, ``error``)."""
    return {"type": kind, "message": message}


def decode_server(text_: str | bytes) -> ServerMessage:
    """Parse and validate one server frame (raises ``ValueError`` on a shape the lab never sends)."""
    try:
        return ServerMessage.model_validate_json(text_)
    except ValidationError as exc:
        raise ValueError(f"unexpected server message {text_!r}: {exc.errors()[0]['msg']}") from exc


def _first_error(exc: ValidationError, raw: dict[str, Any]) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(x) for x in err["loc"]) or "message"
    value = raw.get(str(err["loc"][0])) if err["loc"] else raw
    return f"{loc}: {err['msg']} (got {json.dumps(value)})"
