"""The codec: client envelopes, field shapes, server messages, actions <-> wire."""

from __future__ import annotations

import json

import pytest

from econlab.games.ibex.actions import CancelOrder, Chat, Declare, Offer, PostOrder, Ready, Request, Snipe, Vote
from econlab.games.ibex.events import Event
from econlab.protocol import codec


@pytest.mark.parametrize(("frame", "needle"), [
    ("not json at all", "invalid JSON"),
    ("[1, 2]", "JSON object"),
    ('{"type": "join"}', "gameId: missing"),
    ('{"gameId": "2", "type": "join"}', "gameId: Input should be a valid integer"),
    ('{"gameId": 2.5, "type": "join"}', "gameId"),
    ('{"gameId": true, "type": "join"}', "gameId"),
    ('{"gameId": 2, "type": 7}', "type"),
    ('{"gameId": 3, "type": "join", "recovery": "x"}', "Game 3 not found"),
])
def test_bad_envelopes_get_bare_errors(frame: str, needle: str) -> None:
    with pytest.raises(codec.ProtocolError) as info:
        codec.decode_client(frame, {2})
    assert needle in info.value.message and info.value.wire == {"error": info.value.message}


def test_session_messages_need_a_token() -> None:
    with pytest.raises(codec.ProtocolError) as info:
        codec.decode_client('{"gameId": 2, "type": "rejoin", "recovery": ""}', {2})
    assert info.value.message.startswith("rejoin: recovery") and info.value.wire["type"] == "error"
    assert codec.decode_client('{"gameId": 2, "type": "join", "recovery": "abc"}', {2})["recovery"] == "abc"


@pytest.mark.parametrize("action", [
    Ready(), Declare(declaration=[1.5, 2, 0]), Snipe(snipe=[[1], [], []]),
    PostOrder(side="bid", price=10, condition=0), PostOrder(side="ask", price=3.5, condition=1, now=True),
    CancelOrder(order_id=4, condition=0), Chat(to=[1, 3], text="hi"), Request(requests=[None, 5]),
    Offer(offers=[None, 7]), Vote(decisions=[1]), Vote(decisions=[]),
])
def test_actions_round_trip_and_pass_strict_shapes(action: object) -> None:
    wire = codec.encode_action(action, 4)  # type: ignore[arg-type]
    msg = codec.decode_client(json.dumps(wire), {4})
    assert codec.decode_action(msg) == action
    assert codec.validate_fields(msg) is None


@pytest.mark.parametrize(("msg", "needle"), [
    ({"type": "declare", "declaration": [-1, 2]}, "declaration.0: Input should be greater than or equal to 0"),
    ({"type": "declare", "declaration": [1]}, "declaration: List should have at least 2 items"),
    ({"type": "declare", "declaration": [float("nan"), 1]}, "declaration.0"),
    ({"type": "done-speculating", "snipe": [["5"], []]}, "snipe.0.0"),
    ({"type": "post-order", "order": {"price": 5, "condition": 0, "type": "swap"}}, "order.type"),
    ({"type": "post-order", "order": {"price": 5, "condition": 0, "type": "bid", "quantity": 2.5}}, "order.quantity"),
    ({"type": "post-order", "order": {"price": 5, "type": "bid", "extra": 1}}, "order.condition"),
    ({"type": "cancel-order", "order": {"id": "3", "condition": 0}}, "order.id"),
    ({"type": "chat-with-players", "to": [], "text": "x"}, "to: List should have at least 1 item"),
    ({"type": "compensation-decision", "compensationDecisions": [2]}, "compensationDecisions.0"),
])
def test_field_shapes_name_the_field(msg: dict, needle: str) -> None:
    problem = codec.validate_fields({"gameId": 1} | msg)
    assert problem is not None and needle in problem


def test_server_messages() -> None:
    ev = Event("add-order", {"order": {"id": 1, "sender": 7, "price": 5, "quantity": 1, "type": "ask",
                                       "condition": 0}})
    wire = codec.encode_event(ev)
    assert codec.decode_server(json.dumps(wire)).eventType == "add-order"
    assert codec.encode_event(Event("notice", {"message": "Phase 1 has begun."})) == \
        codec.text("notice", "Phase 1 has begun.")
    assert codec.decode_server('{"error": "Game 3 not found"}').error == "Game 3 not found"
    with pytest.raises(ValueError, match="unexpected server message"):
        codec.decode_server('{"type": "gossip", "message": "x"}')
    tick = codec.TickData(round=1, phase=6, tick=0, deciders=[1, 2], waiting=[2])
    assert codec.event(codec.TICK_EVENT, tick.model_dump())["data"]["waiting"] == [2]
