"""Shared helpers for the rules-engine tests (not a test module)."""

from __future__ import annotations

import copy
import json
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from econlab.games.ibex import Declare, Event, Game, GameParams, PostOrder, Ready, SessionValues, Snipe, new_game
from econlab.games.ibex.data import session_table
from econlab.games.ibex.view import view

#: the project's shared folder beside the checkout (specs, recorded games); ECONLAB_SHARED overrides it
SHARED = Path(os.environ.get("ECONLAB_SHARED", Path(__file__).resolve().parents[4] / "shared"))
HUMAN = SHARED / "data" / "human"
TRACES = SHARED / "data" / "traces"


def _require(path: Path) -> pytest.MarkDecorator:
    """A no-op marker that fails loudly at collection if the shared data is missing (never a silent skip)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: the tests need ../shared beside the checkout (or ECONLAB_SHARED)")
    return pytest.mark.shared_data


needs_human = _require(HUMAN / "voting-223.log.json")
needs_traces = _require(TRACES / "harberger-1.jsonl")

#: §5.8 first declarations, seat -> [d0, d1]
FIRST_DECLARATIONS = {
    1: [550000, 250000],
    2: [400000, 700000],
    3: [480000, 200000],
    4: [500000, 300000],
    5: [580000, 190000],
    6: [465000, 220000],
}
#: §5.8 second declarations (index 0 = the winning condition)
SECOND_DECLARATIONS = {1: 586000, 2: 386000, 3: 450000, 4: 560000, 5: 580000, 6: 465000}
HOLDERS = (1, 2, 3, 4, 5, 6)
SPECULATORS = (7, 8, 9, 10, 11, 12)
OWNERS = (1, 3, 4, 5, 6)


def params(treatment: str, **changes: Any) -> GameParams:
    """One paid round (round 1, paid), no practice round, lab defaults otherwise."""
    base: dict[str, Any] = {"practice_round": False, "round_count": 1, "reward_round": 1}
    base.update(changes)
    return GameParams.lab_default(treatment).replace(**base)


def make_game(treatment: str, compat: str = "strict", *, session: int = 1, seed: int = 0,
              table: dict[str, Any] | None = None, start: bool = True, **changes: Any) -> Game:
    """A new game of ``treatment`` on session ``session`` (or an explicit table), started."""
    values = SessionValues(table if table is not None else session_table(session))
    game = new_game(params(treatment, **changes), values, np.random.default_rng(seed), compat=compat)
    if start:
        game.start()
    return game


def ready_all(game: Game) -> list[Event]:
    """Every seat sends player-is-ready (ends phase 0)."""
    events: list[Event] = []
    for seat in game.seats:
        events += game.apply(seat, Ready())
    return events


def advance_to(game: Game, phase: int) -> list[Event]:
    """Time out phases until ``phase`` of the current round is reached."""
    events: list[Event] = []
    start_round = game.round
    if game.phase == 0 and phase > 0:
        events += ready_all(game)
    while game.phase != phase and not game.over:
        events += game.timeout()
        assert game.round == start_round, "advance_to ran past the round"
    return events


def declare_all(game: Game, decls: dict[int, Any]) -> list[Event]:
    """Each holder declares ``decls[seat]``."""
    events: list[Event] = []
    for seat, d in decls.items():
        events += game.apply(seat, Declare(d))
    return events


def snipe_all(game: Game, snipes: dict[int, Any]) -> list[Event]:
    """Each speculator sends ``snipes.get(seat, [[], []])``, seats in order."""
    events: list[Event] = []
    for seat in game.seats:
        if game.by_seat[seat].role == 1:
            events += game.apply(seat, Snipe(snipes.get(seat, [[], []])))
    return events


def to_market(game: Game, snipes: dict[int, Any] | None = None) -> list[Event]:
    """Play the §5.8 first declarations and snipes, then stop at the start of phase 6."""
    events = advance_to(game, 2)
    events += declare_all(game, FIRST_DECLARATIONS)
    assert game.phase == 3
    events += snipe_all(game, snipes or {})
    events += advance_to(game, 6)
    return events


def bid(price: Any, condition: Any = 0, now: Any = False, quantity: Any = 1) -> PostOrder:
    """A bid for one share."""
    return PostOrder(side="bid", price=price, condition=condition, now=now, quantity=quantity)


def ask(price: Any, condition: Any = 0, now: Any = False, quantity: Any = 1) -> PostOrder:
    """An ask for one share."""
    return PostOrder(side="ask", price=price, condition=condition, now=now, quantity=quantity)


def kinds(events: Iterable[Event]) -> list[str]:
    """The kinds of the events, without timer and phase bookkeeping."""
    skip = {"set-timer", "reset-timer", "phase-transition", "notice"}
    return [e.kind for e in events if e.kind not in skip]


def of_kind(events: Iterable[Event], kind: str, to: Any = "any") -> list[Event]:
    """The events of one kind (optionally to one recipient)."""
    return [e for e in events if e.kind == kind and (to == "any" or e.to == to)]


def wire_data(event: Event) -> Any:
    """The ``data`` (or the text) of an event as JSON would carry it."""
    w = event.to_wire()
    return w.get("data", w.get("message"))


def texts(events: Iterable[Event], kind: str = "error", to: Any = "any") -> list[str]:
    """The messages of the text events of one kind."""
    return [e.data["message"] for e in of_kind(events, kind, to)]


def norm(text: str) -> str:
    """Collapse whitespace (the server's multi-line template strings)."""
    return " ".join(text.split())


def state_bytes(game: Game) -> bytes:
    """A deep snapshot of the game state (the incoming-message log is a record, not state)."""
    state = {k: v for k, v in vars(game).items() if k not in ("log", "_events")}
    return pickle.dumps(state)


def all_views(game: Game) -> list[dict[str, Any]]:
    """Every seat's view as JSON data."""
    return [view(game, s).to_dict() for s in game.seats]


def reward_of(events: Iterable[Event], seat: int) -> dict[str, Any]:
    """The ``reward`` event data of one seat."""
    (ev,) = of_kind(events, "reward", seat)
    return ev.data


def load_json(path: Path) -> Any:
    """Parse a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def perturbed_table(session: int, keep_seats: set[int], rounds: Iterable[int], n_owners: int = 5,
                    n_specs: int = 6, bump_value: int = 7, bump_signal: int = 13) -> dict[str, Any]:
    """A copy of a session table where every seat outside ``keep_seats`` has other values and signals."""
    table = copy.deepcopy(session_table(session))
    seat_of_owner = [1] + list(range(3, n_owners + 2))
    for r in rounds:
        rnd = table["rounds"][r]
        for c in (0, 1):
            vals, sigs = rnd["values"][c], rnd["signals"][c]
            if 2 not in keep_seats:
                vals["developer"] = int(vals["developer"]) + bump_value
                sigs["developer"] = int(sigs["developer"]) + bump_signal
            for k, seat in enumerate(seat_of_owner):
                if seat not in keep_seats:
                    vals["owner"][k] = int(vals["owner"][k]) + bump_value * (k + 1)
                    sigs["owner"][k] = int(sigs["owner"][k]) + bump_signal * (k + 1)
            for k in range(n_specs):
                if n_owners + 2 + k not in keep_seats and k < len(sigs.get("speculator", [])):
                    sigs["speculator"][k] = int(sigs["speculator"][k]) + bump_signal * (k + 2)
    return table
