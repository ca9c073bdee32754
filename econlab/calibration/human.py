"""Lab records -> per-decision examples: the seat's view at the moment of a human decision -> what the human did.

A lab record (``{parameters, log}``, e.g. the shared human Voting sessions; any treatment) is replayed through
the engine (``compat="server"``, the values of its ``session_number``). Before each decision message
(:data:`MESSAGE_DECISIONS`: Voting requests, offers, votes and chat; Harberger / Futarchy declarations,
snipes, orders and cancellations) is applied, the sender's
:func:`econlab.games.ibex.view.view` is taken: that is exactly what an LLM seat would be shown. The decision it
faces (:func:`econlab.policies.viewtools.decision`) must be the one the message answers; messages that are
not a decision of that seat (a second request, a developer's request, an empty chat) are counted as skipped
with the reason. The answer is the JSON object of the answer schema (:mod:`econlab.policies.llm.schemas`)
that reproduces the human's action.

Owners who let a phase time out without a request or vote have no example: the LLM seat is always asked,
the human simply did not answer (the server defaults them; the tables still count them).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from econlab.games.ibex.view import SeatView

#: lab message type -> the decisions (``viewtools.decision``) it may answer
MESSAGE_DECISIONS: dict[str, tuple[str, ...]] = {
    "compensation-request": ("request",), "compensation-offer": ("offer",), "compensation-decision": ("vote",),
    "chat-with-players": ("chat",), "declare": ("declare1", "declare2"), "done-speculating": ("snipe1", "snipe2"),
    "post-order": ("market",), "cancel-order": ("market",)}


@dataclass(frozen=True)
class HumanExample:
    """One human decision with the seat's view just before it."""

    game_id: str
    session: int
    round: int
    practice: bool
    phase: int
    seat: int
    role: str
    decision: str
    view: SeatView
    answer: dict[str, Any]
    message: dict[str, Any]
    index: int

    def row(self) -> dict[str, Any]:
        """The example as a flat table row (view, answer and message as JSON text)."""
        return {"game_id": self.game_id, "session": self.session, "round": self.round, "practice": self.practice,
                "phase": self.phase, "seat": self.seat, "role": self.role, "decision": self.decision,
                "index": self.index, "answer": answer_text(self.answer),
                "message": json.dumps(self.message, sort_keys=True, ensure_ascii=False),
                "view": json.dumps(self.view.to_dict(), sort_keys=True, ensure_ascii=False)}


@dataclass
class HumanGame:
    """The examples of one lab record and the messages that gave none (reason -> count)."""

    game_id: str
    session: int
    examples: list[HumanExample] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def answer_text(answer: Mapping[str, Any]) -> str:
    """The answer as the model should write it: ``json.dumps`` spacing, which starts with the local backend's prefix."""
    return json.dumps(dict(answer), ensure_ascii=False)


def _amount(x: Any) -> float | int | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return int(x) if float(x).is_integer() else float(x)


def answer_of(view: SeatView, decision: str, content: Mapping[str, Any]) -> dict[str, Any] | str:
    """The schema answer that reproduces a human message, or the reason there is none.

    Args:
        view: The sender's view just before the message.
        decision: The decision the view faces.
        content: The lab message.
    """
    from econlab.policies.llm.schemas import MAX_CHAT_CHARS

    if decision.startswith(("declare", "snipe", "market")):
        return _market_answer(decision, content)
    if decision in ("request", "offer"):
        key = "compensationRequests" if decision == "request" else "compensationOffers"
        value = content.get(key)
        amount = _amount(value[1]) if isinstance(value, list) and len(value) > 1 else None
        if amount is None or amount < 0:
            return f"{decision}: no non-negative amount at index 1 ({json.dumps(value)})"
        return {"type": decision, "amount": amount}
    if decision == "vote":
        vote = content.get("compensationDecisions")
        names = {"[1]": "yes", "[0]": "no", "[]": "abstain"}
        key = json.dumps(vote)
        return {"type": "vote", "vote": names[key]} if key in names else f"vote: unknown decision {key}"
    text = content.get("text")
    if not isinstance(text, str) or not text.strip():
        return "chat: empty text"
    others = {int(p["number"]) for p in view.players if p["number"] != view.seat}
    to = sorted({int(n) for n in content.get("to") or () if isinstance(n, int) and n in others})
    if not to:
        return "chat: no other seat among the recipients"
    # the schema caps a chat message; a longer human message is cut (never dropped) so its start still trains
    return {"type": "chat", "to": to, "text": text.strip()[:MAX_CHAT_CHARS].strip()}


def _market_answer(decision: str, content: Mapping[str, Any]) -> dict[str, Any] | str:
    """The answer of a Harberger / Futarchy message (declaration, snipe, order, cancellation)."""
    from econlab.policies.llm.schemas import CONDITION_NAMES

    if decision.startswith("declare"):
        d = content.get("declaration")
        values = [_amount(x) for x in d[:2]] if isinstance(d, list) and len(d) >= 2 else [None]
        if any(x is None or x < 0 for x in values):
            return f"declare: no two non-negative values ({json.dumps(d)})"
        return {"type": "declare", "no_project": values[0], "project": values[1]}
    if decision.startswith("snipe"):
        snipe = content.get("snipe")
        lists = list(snipe[:2]) + [[]] * (2 - len(snipe)) if isinstance(snipe, list) else None
        if lists is None or not all(isinstance(x, list) and all(isinstance(i, int) for i in x) for x in lists):
            return f"snipe: not two lists of lot ids ({json.dumps(snipe)})"
        return {"type": "snipe", "no_project": lists[0], "project": lists[1]}
    order = content.get("order")
    if not isinstance(order, Mapping):
        return "market: no order"
    cond = order.get("condition")
    if content.get("type") == "cancel-order":
        return {"type": "cancel", "order_id": order["id"]} if isinstance(order.get("id"), int) \
            else "market: cancel without an order id"
    price = _amount(order.get("price"))
    if order.get("type") not in ("bid", "ask") or price is None or price < 0 or cond not in (0, 1):
        return f"market: not a priced bid or ask under condition 0 or 1 ({json.dumps(order)})"
    return {"type": "post", "side": order["type"], "price": price, "condition": CONDITION_NAMES[cond],
            "now": bool(order.get("now", False))}


def replay_examples(record: Mapping[str, Any], game_id: str) -> HumanGame:
    """Replay a lab record and collect one example per human decision (module docstring).

    Raises:
        ValueError: The record's log does not reach the end of the game.
    """
    import numpy as np

    from econlab.games.ibex import GameParams, SessionValues, new_game
    from econlab.games.ibex.actions import from_message
    from econlab.games.ibex.data import session_table
    from econlab.games.ibex.errors import InvalidActionError
    from econlab.games.ibex.view import view as seat_view
    from econlab.policies import viewtools as vt

    params = GameParams.from_rows(record["parameters"])
    game = new_game(params, SessionValues(session_table(params.session_number)), np.random.default_rng(0),
                    compat="server", emit_events=False)
    out = HumanGame(game_id, params.session_number)
    # the same join/apply/timeout semantics as econlab.games.ibex.record.replay_record, with a look before each message
    game.unjoin_all()
    game.start()
    next_seat = 1
    for index, entry in enumerate(record["log"]):
        kind = entry.get("type")
        if kind == "phase-timeout":
            if not game.over:
                game.timeout()
            continue
        content = entry.get("content")
        if kind != "message" or not isinstance(content, Mapping):
            continue
        seat = entry.get("number")
        if content.get("type") == "join":
            if not isinstance(seat, int):
                seat, next_seat = next_seat, next_seat + 1
            if seat in game.by_seat:
                game.join(seat)
            continue
        if not isinstance(seat, int) or seat not in game.by_seat:
            continue
        if not game.by_seat[seat].joined:
            game.join(seat)
        wants = MESSAGE_DECISIONS.get(str(content.get("type")))
        if wants is not None and not game.over:
            v = seat_view(game, seat)
            faced = vt.decision(v)
            if faced not in wants:
                out.skipped[f"{content.get('type')} while the seat faces {faced}"] += 1
            else:
                answer = answer_of(v, faced, content)
                if isinstance(answer, str):
                    out.skipped[answer] += 1
                else:
                    out.examples.append(HumanExample(game_id, params.session_number, v.round, v.practice, v.phase,
                                                     seat, v.role_name, faced, v, answer, dict(content), index))
        try:
            game.apply(seat, from_message(content), raw=dict(content))
        except InvalidActionError:
            out.skipped["rejected by the engine"] += 1
    if not game.over:
        raise ValueError(f"{game_id}: the record's log does not reach the end of the game")
    return out


def load_human(path: str | Path) -> HumanGame:
    """The examples of one lab record file (game id: the file name up to its first dot).

    Raises:
        ValueError: Not a readable lab record.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read a JSON record: {exc}") from None
    if not isinstance(record, dict) or "parameters" not in record or "log" not in record:
        raise ValueError(f"{path}: not a game record (needs 'parameters' and 'log')")
    return replay_examples(record, path.name.split(".")[0])


def load_humans(paths: Sequence[str | Path]) -> list[HumanGame]:
    """The examples of several lab record files, in the given order.

    Raises:
        ValueError: No file given, or a file that :func:`load_human` refuses.
    """
    if not paths:
        raise ValueError("give at least one lab record file")
    return [load_human(p) for p in paths]
