"""Property tests: random legal and illegal actions, interleaved with timeouts, in all three treatments.

* strict mode: only InvalidActionError / GameOverError are raised; an action is rejected exactly when an
  independent rule oracle (written from the specs, below) calls it illegal, and a rejection changes nothing;
  trades conserve cash and shares and never make them negative;
* server mode: the same sequences never raise;
* privacy: a seat's view is identical in two games that differ only in the other seats' values and signals.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from econlab.games.ibex import (
    Action,
    CancelOrder,
    Chat,
    CompletePhase,
    Declare,
    GameOverError,
    InvalidActionError,
    Offer,
    PostOrder,
    Ready,
    Request,
    Snipe,
    Vote,
    from_message,
)
from econlab.games.ibex.actions import Unknown
from econlab.games.ibex.jsnum import UNDEFINED
from econlab.games.ibex.view import view

from ._helpers import make_game, perturbed_table, state_bytes

TREATMENTS = ("harberger", "futarchy", "voting")
#: example counts follow the hypothesis profile (tests/conftest.py: HYPOTHESIS_PROFILE=ci, the default, or dev)
SCALE = settings.default.max_examples / 100
SETTINGS = settings(max_examples=int(60 * SCALE), suppress_health_check=[HealthCheck.too_slow])
PRIVACY_SETTINGS = settings(SETTINGS, max_examples=int(25 * SCALE))

# ---------------------------------------------------------------------- strategies

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**7, 10**7),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.just(UNDEFINED),
    st.sampled_from(["42", "abc", "", "1", "0", "bid", "ask"]),
)
garbage = st.recursive(scalars, lambda ch: st.lists(ch, max_size=3) | st.dictionaries(st.text(max_size=2), ch,
                                                                                      max_size=2), max_leaves=6)
price = st.one_of(st.integers(0, 15000), st.floats(0, 15000, allow_nan=False), st.integers(-100, -1), garbage)
money = st.one_of(st.integers(0, 500000), st.integers(-1000, -1), st.floats(0, 1e6), garbage)
lot_ids = st.lists(st.one_of(st.integers(0, 7), garbage), max_size=3)
seats_list = st.lists(st.one_of(st.integers(0, 7), garbage), max_size=3)


def declaration():
    return st.one_of(
        st.lists(st.integers(-1000, 1_300_000), min_size=2, max_size=3),
        st.tuples(st.integers(150000, 600000), st.integers(150000, 700000)).map(list),
        st.lists(st.one_of(st.integers(0, 10**6), garbage), max_size=3),
        garbage,
    )


def action_strategy(kind: str) -> st.SearchStrategy[Action]:
    if kind == "ready":
        return st.just(Ready())
    if kind == "complete":
        return st.just(CompletePhase())
    if kind == "declare":
        return st.builds(Declare, declaration())
    if kind == "snipe":
        return st.builds(Snipe, st.one_of(st.lists(lot_ids, min_size=0, max_size=3), garbage))
    if kind == "post":
        return st.one_of(
            st.builds(PostOrder, side=st.sampled_from(["bid", "ask"]), price=price,
                      condition=st.one_of(st.integers(0, 2), garbage),
                      quantity=st.one_of(st.just(1), st.just(1), st.integers(0, 3), garbage),
                      now=st.one_of(st.booleans(), garbage)),
            st.builds(PostOrder, side=garbage, price=garbage, condition=garbage, quantity=garbage, now=garbage),
            st.just(PostOrder(has_order=False)),
        )
    if kind == "cancel":
        return st.one_of(
            st.builds(CancelOrder, order_id=st.one_of(st.integers(0, 6), garbage),
                      condition=st.one_of(st.integers(0, 2), garbage)),
            st.just(CancelOrder(has_order=False)),
        )
    if kind == "chat":
        return st.builds(Chat, to=st.one_of(seats_list, garbage),
                         text=st.one_of(st.text(max_size=8), garbage))
    if kind == "request":
        return st.builds(Request, st.one_of(st.tuples(st.one_of(st.none(), money), money).map(list), garbage))
    if kind == "offer":
        return st.builds(Offer, st.one_of(st.tuples(st.one_of(st.none(), money), money).map(list), garbage))
    if kind == "vote":
        return st.builds(Vote, st.one_of(st.sampled_from([[], [0], [1], [None], [0, 1], [1.0]]), garbage))
    assert kind == "unknown"
    return st.builds(lambda t: from_message({"gameId": 1, "type": t}),
                     st.one_of(st.sampled_from(["no-such-type", "join", "declare!"]), garbage))


KINDS = ("ready", "complete", "declare", "snipe", "post", "cancel", "chat", "request", "offer", "vote", "unknown")
TYPE_OF = {"ready": "player-is-ready", "complete": "complete-current-phase", "declare": "declare",
           "snipe": "done-speculating", "post": "post-order", "cancel": "cancel-order",
           "chat": "chat-with-players", "request": "compensation-request", "offer": "compensation-offer",
           "vote": "compensation-decision"}
KIND_OF = {v: k for k, v in TYPE_OF.items()}

# ---------------------------------------------------------------------- the rule oracle (from the specs)

HF_PHASES: dict[int, dict[str, tuple[int, ...] | None]] = {
    0: {"ready": None}, 2: {"declare": (2, 3)}, 3: {"snipe": (1,)}, 5: {"complete": None},
    6: {"post": None, "cancel": None}, 7: {"declare": (2, 3)}, 8: {"snipe": (1,)},
}
RULES = {
    "harberger": HF_PHASES,
    "futarchy": HF_PHASES,
    "voting": {0: {"ready": None}, 2: {"chat": None}, 3: {"request": (3,)}, 4: {"offer": (2,)},
               5: {"chat": None}, 6: {"vote": (3,)}},
}


def is_num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


@dataclass
class Tracker:
    """Who already acted in the current phase (the oracle's memory)."""

    key: tuple[int, int] = (-1, -1)
    done: set[int] = field(default_factory=set)

    def sync(self, game) -> None:
        if (game.round, game.phase) != self.key:
            self.key = (game.round, game.phase)
            self.done = set()


def kind_of(action: Action) -> str:
    if isinstance(action, Unknown):
        return "unknown"
    return KIND_OF[action.TYPE]


def oracle_legal(game, seat: int, action: Action, tracker: Tracker) -> bool | None:
    """Whether the rules (specs + the port's strict choices) allow ``action`` now (None: either is fine)."""
    kind = kind_of(action)
    allowed = RULES[game.treatment].get(game.phase, {})
    if kind not in allowed:
        return False
    roles = allowed[kind]
    p = game.by_seat[seat]
    if roles is not None and p.role not in roles:
        return False
    once = {"ready", "declare", "snipe", "request", "vote"}
    if kind in once and seat in tracker.done:
        return False
    if kind == "ready" or kind == "complete":
        return True
    if kind == "declare":
        d = action.declaration
        if not isinstance(d, list | tuple) or len(d) < 2 or not (is_num(d[0]) and is_num(d[1])):
            return False
        rp = game.params.role(p.role)
        if not (d[0] <= 2 * rp.high(0) and d[1] <= 2 * rp.high(1)):
            return False
        # entries after the second are unused (§4.4): strict may accept or refuse odd ones
        return True if len(d) == 2 or (len(d) == 3 and is_num(d[2])) else None
    if kind == "snipe":
        s = action.snipe
        if not isinstance(s, list | tuple):
            return False
        required = (0, 1) if game.treatment == "futarchy" and game.phase == 3 else (game.winning_condition,)
        if any(c >= len(s) for c in required):
            return False
        lots = {q.lot.id for q in game.players if q.lot is not None}
        for ids in s:
            if not isinstance(ids, list | tuple):
                return False
            plain = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
            if len(plain) != len(ids) or not set(plain) <= lots or len(set(plain)) != len(plain):
                return False
        return True
    if kind in ("post", "cancel"):
        if not action.has_order:
            return False
        c = action.condition
        open_books = (0, 1) if game.treatment == "futarchy" else (game.winning_condition,)
        if isinstance(c, bool) or not isinstance(c, int) or c not in open_books:
            return False
        book = game.books[c]
        if kind == "cancel":
            i = action.order_id
            return is_num(i) and any(o.id == i and o.sender == seat for o in book.orders)
        side, pr, q, now = action.side, action.price, action.quantity, action.now
        if side not in ("bid", "ask") or not is_num(pr) or pr < 0 or not is_num(q) or q != 1:
            return False
        if not isinstance(now, bool):
            return False
        wallet = p.wallet[c]
        mine = [o for o in book.orders if o.sender == seat and o.side == side]
        if side == "ask" and wallet.shares <= len(mine):
            return False
        if side == "bid" and wallet.balance - pr < sum(o.price for o in mine):
            return False
        other = "bid" if side == "ask" else "ask"
        return not (now and not any(o.side == other and o.sender != seat for o in book.orders))
    if kind == "chat":
        to, text = action.to, action.text
        if not isinstance(to, list | tuple) or not to:
            return False
        if any(isinstance(n, bool) or not isinstance(n, int) or n not in game.by_seat or n == seat for n in to):
            return False
        if len(set(to)) != len(to):
            return False
        return isinstance(text, str) and bool(text.strip()) and len(text) <= 2000
    if kind in ("request", "offer"):
        v = action.requests if kind == "request" else action.offers
        if not isinstance(v, list | tuple) or len(v) != 2:
            return False
        if not (v[0] is None or is_num(v[0])) or not is_num(v[1]):
            return False
        return kind == "offer" or v[1] >= 0
    if kind == "vote":
        v = action.decisions
        if not isinstance(v, list | tuple) or any(isinstance(x, bool) for x in v):
            return False
        return list(v) in ([], [0], [1])
    return False


# ---------------------------------------------------------------------- driving


def plausible(kind: str, game, seat: int, rnd: random.Random) -> Action:
    """A mostly legal action of one kind for the current state (occasionally just over a limit)."""
    p = game.by_seat[seat]
    if kind == "declare":
        rp = game.params.role(p.role) if p.role != 1 else game.params.owners
        return Declare([rnd.randint(rp.low(0) // 2, 2 * rp.high(0) + 10),
                        rnd.randint(rp.low(1) // 2, 2 * rp.high(1) + 10)])
    if kind == "snipe":
        lots = [q.lot.id for q in game.players if q.lot is not None]
        return Snipe([rnd.sample(lots, rnd.randint(0, 3)), rnd.sample(lots, rnd.randint(0, 3))])
    if kind in ("post", "cancel"):
        books = getattr(game, "books", {}) or {0: None}
        cond = rnd.choice(sorted(books))
        if kind == "cancel":
            ids = sorted({o.id for b in getattr(game, "books", {}).values() for o in b.orders} | {1})
            return CancelOrder(order_id=rnd.choice(ids), condition=cond)
        price = rnd.choice([rnd.randint(4000, 12000), rnd.randint(0, 60000), rnd.uniform(0, 12000)])
        return PostOrder(side=rnd.choice(["bid", "ask"]), price=price, condition=cond, quantity=1,
                         now=rnd.random() < 0.25)
    if kind == "chat":
        others = [s for s in game.seats if s != seat]
        return Chat(to=rnd.sample(others, rnd.randint(1, len(others))),
                    text=rnd.choice(["hi", "vote no", "at least 300000", "deal?"]))
    if kind == "request":
        return Request([None, rnd.randrange(0, 600000, 1000)])
    if kind == "offer":
        return Offer([None, rnd.randrange(-10000, 500000, 1000)])
    if kind == "vote":
        return Vote(rnd.choice([[0], [1], []]))
    if kind == "ready":
        return Ready()
    if kind == "complete":
        return CompletePhase()
    return from_message({"gameId": 1, "type": rnd.choice(["no-such-type", "join", "status"])})


def draw_step(data, game) -> tuple[str, int, Action | None]:
    """A timeout, or a seat and an action (biased towards what the phase accepts, mostly plausible).

    One integer drawn per step drives the choices (cheap); odd field values come from hypothesis.
    """
    rnd = random.Random(data.draw(st.integers(0, 2**32 - 1), label="dice"))
    busy = {6} if game.treatment != "voting" else {2, 5}
    idle = {1, 4, 9} if game.treatment != "voting" else {1, 7}
    p_timeout = 0.6 if game.phase in idle else (0.05 if game.phase in busy else 0.15)
    if game.treatment == "voting" and game.phase in busy:
        p_timeout = 0.15  # chat does not matter for payoffs
    if rnd.random() < p_timeout:
        return "timeout", 0, None
    seat = rnd.choice(game.seats)
    accepted = [KIND_OF[t] for t in game.HANDLERS.get(game.phase, {})]
    if accepted and rnd.random() < 0.75:
        kind = rnd.choice(accepted)
        roles = RULES[game.treatment].get(game.phase, {}).get(kind)
        if roles is not None and rnd.random() < 0.8:
            seat = rnd.choice([s for s in game.seats if game.by_seat[s].role in roles])
    else:
        kind = rnd.choice(KINDS)
    if rnd.random() < 0.7:
        return "act", seat, plausible(kind, game, seat, rnd)
    return "act", seat, data.draw(action_strategy(kind), label="action")


def totals(game) -> dict[int, tuple[float, int]]:
    if game.treatment == "voting" or not game.players[0].wallet:
        return {}
    return {c: (sum(p.wallet[c].balance for p in game.players), sum(p.wallet[c].shares for p in game.players))
            for c in (0, 1)}


def endowment(game) -> tuple[float, int]:
    return (sum(game.params.role(p.role).balance for p in game.players),
            sum(game.params.role(p.role).shares for p in game.players))


def step_and_check(game, tracker: Tracker, what: str, seat: int, action: Action | None) -> None:
    """Apply one drawn step and check it against the rule oracle and the conservation laws.

    A timeout after game over must raise and change nothing; a rejected action must change nothing and
    be illegal (or undecided) by the oracle; an accepted one must not be illegal; cash and shares are
    conserved in every book and no wallet goes negative.
    """
    tracker.sync(game)
    before = state_bytes(game)
    if what == "timeout":
        if game.over:
            with pytest.raises(GameOverError):
                game.timeout()
            assert state_bytes(game) == before
        else:
            game.timeout()
        return
    legal = False if game.over else oracle_legal(game, seat, action, tracker)
    try:
        events = game.apply(seat, action)
    except InvalidActionError as exc:
        assert not game.over
        assert exc.seat == seat and exc.phase == game.phase
        assert state_bytes(game) == before, f"rejected {action!r} changed the state"
        assert legal is not True, f"legal {action!r} from seat {seat} rejected: {exc}"
        event(f"rejected {kind_of(action)}")
    except GameOverError:
        assert game.over and state_bytes(game) == before
    else:
        assert legal is not False, f"illegal {action!r} from seat {seat} accepted in phase {game.phase}"
        tracker.done.add(seat)
        event(f"accepted {kind_of(action)}")
        if any(e.kind == "contract-fulfilled" for e in events):
            event("traded")
    balance, shares = endowment(game)
    for c, (b, s) in totals(game).items():
        assert s == shares, f"shares not conserved in book {c}"
        assert math.isclose(b, balance, rel_tol=0, abs_tol=1e-6), f"cash not conserved in book {c}"
    if game.treatment != "voting":
        for p in game.players:
            assert all(w.balance >= 0 and w.shares >= 0 for w in p.wallet)


@pytest.mark.parametrize("treatment", TREATMENTS)
@SETTINGS
@given(data=st.data())
def test_strict_random_sequences(treatment, data):
    game = make_game(treatment, round_count=2)
    tracker = Tracker()
    n_steps = data.draw(st.integers(10, 150), label="steps")
    for _ in range(n_steps):
        tracker.sync(game)  # the drawn step depends on who has acted already
        step_and_check(game, tracker, *draw_step(data, game))
    event(f"final phase {game.phase}{' (over)' if game.over else ''}")


@pytest.mark.parametrize("treatment", TREATMENTS)
@SETTINGS
@given(data=st.data())
def test_server_random_sequences_never_raise(treatment, data):
    game = make_game(treatment, compat="server", round_count=2)
    n_steps = data.draw(st.integers(10, 150), label="steps")
    for _ in range(n_steps):
        what, seat, action = draw_step(data, game)
        if what == "timeout":
            game.timeout()
        else:
            events = game.apply(seat, action)
            for ev in events:
                ev.to_wire()  # every event serialises
    while not game.over:
        game.timeout()
    assert game.over


# ---------------------------------------------------------------------- privacy (counterfactual)


def run_recorded(game, steps):
    out = []
    for what, seat, action in steps:
        if what == "timeout":
            if not game.over:
                game.timeout()
            out.append("t")
            continue
        try:
            game.apply(seat, action)
            out.append("ok")
        except (InvalidActionError, GameOverError) as exc:
            out.append(type(exc).__name__)
    return out


@pytest.mark.parametrize("treatment", TREATMENTS)
@PRIVACY_SETTINGS
@given(data=st.data())
def test_views_do_not_depend_on_other_seats_private_values(treatment, data):
    game = make_game(treatment)
    target = data.draw(st.sampled_from(game.seats), label="target")
    steps, views_a = [], []
    for _ in range(data.draw(st.integers(10, 120), label="steps")):
        step = draw_step(data, game)
        steps.append(step)
        run_recorded(game, [step])
        views_a.append(view(game, target).to_dict())
    # a speculator learns the value behind its own snipes (its payoff); keep those lots as they are
    sniped = set()
    for r in game.results:
        for o in r.snipe_outcomes1 + r.snipe_outcomes2:
            if o["player"]["number"] == target:
                sniped.add(o["target"]["number"])
    table = perturbed_table(1, {target} | sniped, rounds=range(6), n_specs=game.params.speculators.count)
    other = make_game(treatment, table=table)
    assert other.by_seat[1].lot.v != game.by_seat[1].lot.v or target == 1 or 1 in sniped
    for i, step in enumerate(steps):
        run_recorded(other, [step])
        assert view(other, target).to_dict() == views_a[i], f"step {i}: {step}"


def test_perturbed_table_changes_values():
    table = perturbed_table(1, {4}, rounds=[1])
    g = make_game("harberger", table=table)
    ref = make_game("harberger")
    assert g.by_seat[4].lot.v == ref.by_seat[4].lot.v
    assert g.by_seat[1].lot.v != ref.by_seat[1].lot.v and g.by_seat[2].lot.v != ref.by_seat[2].lot.v
    assert g.by_seat[7].signals != ref.by_seat[7].signals
