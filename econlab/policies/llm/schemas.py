"""Answer schemas per decision: pydantic models, their JSON schema, legality checks and actions.

A seat answers one JSON object whose ``type`` names its decision. :func:`parse_answer` validates
the shape with pydantic, then checks the answer against what the seat may do now (value caps,
published lots, open books, uncommitted cash and shares, own orders, seats to chat with) and
builds the engine :class:`~econlab.games.ibex.actions.Action`. Every failure is an :class:`AnswerError`
with a message precise enough to be sent back to the model.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from econlab.games.ibex.actions import Action, CancelOrder, Chat, Declare, Offer, PostOrder, Request, Snipe, Vote
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt

CONDITION_NAMES = ("no_project", "project")
MAX_CHAT_CHARS = 300


class AnswerError(ValueError):
    """An answer that cannot be used; the message says why (it is shown to the model)."""


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class DeclareAnswer(_Answer):
    """Declared values of the seat's lot under each condition."""

    type: Literal["declare"]
    no_project: float = Field(ge=0)
    project: float = Field(ge=0)


class SnipeAnswer(_Answer):
    """Lots challenged under each condition (empty lists: challenge nothing)."""

    type: Literal["snipe"]
    no_project: list[int] = Field(default_factory=list)
    project: list[int] = Field(default_factory=list)


class MarketAnswer(_Answer):
    """One market move: post an order, cancel an own order, or wait."""

    type: Literal["post", "cancel", "wait"]
    side: Literal["bid", "ask"] | None = None
    price: float | None = Field(default=None, ge=0)
    condition: Literal["no_project", "project"] | None = None
    now: bool = False
    order_id: int | None = None


class RequestAnswer(_Answer):
    """The compensation an owner asks for if the Project is built."""

    type: Literal["request"]
    amount: float = Field(ge=0)


class OfferAnswer(_Answer):
    """The compensation the developer offers every owner if the Project is built."""

    type: Literal["offer"]
    amount: float = Field(ge=0)


class VoteAnswer(_Answer):
    """An owner's vote on the Project with the offered compensation."""

    type: Literal["vote"]
    vote: Literal["yes", "no", "abstain"]


class ChatAnswer(_Answer):
    """A chat message to some seats (``to`` empty: say nothing)."""

    type: Literal["chat"]
    to: list[int] = Field(default_factory=list)
    text: str = Field(default="", max_length=MAX_CHAT_CHARS)


#: decision (``viewtools.decision``) -> answer model
MODELS: dict[str, type[_Answer]] = {
    "declare1": DeclareAnswer, "declare2": DeclareAnswer, "snipe1": SnipeAnswer, "snipe2": SnipeAnswer,
    "market": MarketAnswer, "request": RequestAnswer, "offer": OfferAnswer, "vote": VoteAnswer, "chat": ChatAnswer,
}


def answer_schema(decision: str) -> dict[str, Any]:
    """The JSON schema of the answer to ``decision``."""
    return MODELS[decision].model_json_schema()


def parse_answer(view: SeatView, decision: str, data: Any) -> Action | None:
    """Validate decoded JSON ``data`` for ``decision`` and build the action (``None``: a legal pass).

    Raises:
        AnswerError: The answer has the wrong shape or is not legal for the seat now.
    """
    model = MODELS[decision]
    if not isinstance(data, dict):
        raise AnswerError(f"the answer must be one JSON object, got {type(data).__name__}")
    want = model.model_fields["type"].annotation
    if data.get("type") not in getattr(want, "__args__", ()):
        raise AnswerError(f'"type" must be one of {list(want.__args__)} in this phase ({decision}); '
                          f"got {data.get('type')!r}")
    try:
        answer = model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors())
        raise AnswerError(f"invalid answer: {problems}") from None
    return _CHECKS[model](view, answer)


def _declare(view: SeatView, a: DeclareAnswer) -> Action:
    values = [a.no_project, a.project]
    for c, x in enumerate(values):
        cap = vt.cap(view, view.role, c)
        if x > cap:
            raise AnswerError(f"{CONDITION_NAMES[c]} = {x:g} is above the largest accepted declaration {cap:g}")
    return Declare([float(x) for x in values])


def _snipe(view: SeatView, a: SnipeAnswer) -> Action:
    lots = {int(e["lot"]) for e in vt.published(view, view.phase >= 8)}
    out = []
    for c, ids in enumerate((a.no_project, a.project)):
        bad = sorted(set(ids) - lots)
        if bad:
            raise AnswerError(f"{CONDITION_NAMES[c]}: lots {bad} do not exist; the lots are {sorted(lots)}")
        if len(set(ids)) != len(ids):
            raise AnswerError(f"{CONDITION_NAMES[c]}: a lot is listed twice")
        out.append(sorted(ids))
    return Snipe(out)


def _market(view: SeatView, a: MarketAnswer) -> Action | None:
    if a.type == "wait":
        return None
    if a.type == "cancel":
        if a.order_id is None:
            raise AnswerError("cancel needs order_id (one of your resting orders)")
        for c in vt.open_books(view):
            if any(int(o["id"]) == a.order_id for o in vt.my_orders(view, c)):
                return CancelOrder(order_id=a.order_id, condition=c)
        mine = [int(o["id"]) for c in vt.open_books(view) for o in vt.my_orders(view, c)]
        raise AnswerError(f"order {a.order_id} is not one of your resting orders; yours are {mine or 'none'}")
    books = vt.open_books(view)
    if a.side is None or a.price is None:
        raise AnswerError("post needs side (bid or ask) and price")
    if a.condition is None:
        if len(books) != 1:
            raise AnswerError(f"post needs condition, one of {[CONDITION_NAMES[c] for c in books]}")
        c = books[0]
    else:
        c = CONDITION_NAMES.index(a.condition)
    if c not in books:
        raise AnswerError(f"the {CONDITION_NAMES[c]} market is closed; open: {[CONDITION_NAMES[b] for b in books]}")
    if a.side == "bid" and a.price > vt.bid_room(view, c):
        raise AnswerError(f"a bid of {a.price:g} exceeds your uncommitted cash {vt.bid_room(view, c):g}")
    if a.side == "ask" and vt.ask_room(view, c) <= 0:
        raise AnswerError("you have no uncommitted share to sell in this market")
    if a.now and not vt.has_counterpart(view, c, a.side):
        raise AnswerError("now=true needs another seat's resting order on the other side; there is none")
    return PostOrder(side=a.side, price=float(a.price), condition=c, quantity=1, now=a.now)


def _request(view: SeatView, a: RequestAnswer) -> Action:
    return Request([None, float(a.amount)])


def _offer(view: SeatView, a: OfferAnswer) -> Action:
    return Offer([None, float(a.amount)])


def _vote(view: SeatView, a: VoteAnswer) -> Action:
    return Vote({"yes": [1], "no": [0], "abstain": []}[a.vote])


def _chat(view: SeatView, a: ChatAnswer) -> Action | None:
    if not a.to or not a.text.strip():
        return None
    others = sorted(int(p["number"]) for p in view.players if p["number"] != view.seat)
    bad = sorted(set(a.to) - set(others))
    if bad:
        raise AnswerError(f"to: seats {bad} are not other players; you can write to {others}")
    return Chat(to=sorted(set(a.to)), text=a.text.strip())


_CHECKS: dict[type[_Answer], Any] = {
    DeclareAnswer: _declare, SnipeAnswer: _snipe, MarketAnswer: _market, RequestAnswer: _request,
    OfferAnswer: _offer, VoteAnswer: _vote, ChatAnswer: _chat,
}
