"""Property tests on whole action sequences drawn by hypothesis (shrinkable), checked against the rule oracle.

Each example is one list of steps, drawn before the game starts. A step carries a timeout-or-act die, a seat
pick and one action template per family (market, holders, voting); when the step runs, the template of the
family that the current phase accepts is used most of the time, so most steps are plausible and many are
accepted. Market prices are drawn around every threshold of the spec: the sign (§6.2 step 5), the bidder's
free cash (step 6, ``balance - price < committed``), the share limit, and market orders (step 7).
Checked after each step (strict mode): the oracle of ``test_properties`` agrees with accept/reject, a
rejection changes nothing, cash and shares are conserved and never negative, resting prices are never
negative, nobody trades with themselves, and the median of the last seven trade prices follows §6.7.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from econlab.games.ibex import (
    CancelOrder,
    Chat,
    CompletePhase,
    Declare,
    Offer,
    PostOrder,
    Ready,
    Request,
    Snipe,
    Vote,
)

from ._helpers import make_game
from .test_properties import RULES, Tracker, action_strategy, step_and_check

SCALE = settings.default.max_examples / 100
SEQUENCE_SETTINGS = settings(max_examples=int(80 * SCALE), suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------- templates (resolved against the state)

#: a price: an absolute number (around 0 and typical values), or relative to the bidder's free cash
price_spec = st.one_of(
    st.sampled_from([-1, -0.01, -1e-9, 0, 1e-9, 0.01, 1]),
    st.integers(0, 15000),
    st.floats(0, 15000, allow_nan=False),
    st.tuples(st.just("free-cash"), st.sampled_from([-1, -0.01, 0, 0.01, 1])),
    st.integers(-15000, -1),
)
order_t = st.tuples(st.just("post"), st.sampled_from(["bid", "ask"]), price_spec, st.integers(0, 1),
                    st.sampled_from([False, False, False, True]))
cancel_t = st.tuples(st.just("cancel"), st.integers(0, 30), st.integers(0, 1))
market_t = st.one_of(order_t, order_t, order_t, cancel_t)
#: a declaration entry: around the cap (2 x the role's high value, §4.4) or anywhere in a wide range
decl_entry = st.one_of(st.tuples(st.just("cap"), st.sampled_from([-1, 0, 1])), st.integers(-1000, 1_300_000))
holder_t = st.one_of(
    st.tuples(st.just("declare"), decl_entry, decl_entry),
    st.tuples(st.just("snipe"), st.lists(st.lists(st.integers(0, 11), max_size=3), min_size=0, max_size=3)),
)
voting_t = st.one_of(
    st.tuples(st.just("request"), st.one_of(st.integers(0, 600000), st.sampled_from([-1, 0]))),
    st.tuples(st.just("offer"), st.one_of(st.integers(-10000, 500000), st.sampled_from([-1, 0]))),
    st.tuples(st.just("vote"), st.sampled_from([[0], [1], [], [None], [0, 1]])),
    st.tuples(st.just("chat"), st.lists(st.integers(0, 11), min_size=0, max_size=4), st.sampled_from(["hi", "", " "])),
)
other_t = st.one_of(st.just(("ready",)), st.just(("complete",)),
                    st.tuples(st.just("raw"), st.sampled_from(["post", "cancel", "declare", "snipe", "vote",
                                                                "request", "offer", "chat", "unknown"]).flatmap(
                        action_strategy)))
step_t = st.tuples(st.integers(0, 99), st.integers(0, 11), market_t, holder_t, voting_t, other_t)
sequence_t = st.lists(step_t, min_size=20, max_size=160)
#: timeouts before the drawn steps: start in phase 0, or jump to the declarations, the market, the vote...
skip_t = st.sampled_from([0, 2, 3, 6, 6, 6, 7, 8, 10])

MARKET, HOLDERS, VOTING = {"post", "cancel"}, {"declare", "snipe"}, {"request", "offer", "vote", "chat"}


def resolve(game, seat: int, template: tuple[Any, ...]):
    """The action a template stands for in the current state."""
    kind = template[0]
    p = game.by_seat[seat]
    if kind == "post":
        _, side, spec, cond_pick, now = template
        books = sorted(getattr(game, "books", {}) or {0: None})
        cond = books[cond_pick % len(books)]
        if isinstance(spec, tuple):  # relative to what the bidder can still commit in this book
            wallet = p.wallet[cond] if p.wallet else None
            committed = sum(o.price for o in game.books[cond].orders if o.sender == seat and o.side == "bid") \
                if wallet is not None and cond in game.books else 0
            price = (wallet.balance - committed if wallet is not None else 0) + spec[1]
        else:
            price = spec
        return PostOrder(side=side, price=price, condition=cond, quantity=1, now=now)
    if kind == "cancel":
        _, pick, cond_pick = template
        books = sorted(getattr(game, "books", {}) or {0: None})
        cond = books[cond_pick % len(books)]
        ids = sorted(o.id for b in getattr(game, "books", {}).values() for o in b.orders) or [1]
        return CancelOrder(order_id=ids[pick % len(ids)], condition=cond)
    if kind == "declare":
        role = game.params.role(p.role) if p.role != 1 else game.params.owners
        entries = [2 * role.high(i) + e[1] if isinstance(e, tuple) else e for i, e in enumerate(template[1:3])]
        return Declare(entries)
    if kind == "snipe":
        lots = sorted({q.lot.id for q in game.players if q.lot is not None})
        return Snipe([sorted({lots[i % len(lots)] for i in ids}) for ids in template[1]])
    if kind == "request":
        return Request([None, template[1]])
    if kind == "offer":
        return Offer([None, template[1]])
    if kind == "vote":
        return Vote(list(template[1]))
    if kind == "chat":
        return Chat(to=sorted({game.seats[i % len(game.seats)] for i in template[1]}), text=template[2])
    if kind == "ready":
        return Ready()
    if kind == "complete":
        return CompletePhase()
    return template[1]  # "raw": an arbitrary action from test_properties' strategies


def family_for(game) -> str | None:
    """Which template family the current phase accepts (None: none of them)."""
    kinds = set(RULES[game.treatment].get(game.phase, {}))
    for family, names in (("market", MARKET), ("holder", HOLDERS), ("voting", VOTING)):
        if kinds & names:
            return family
    return "other" if kinds else None


def choose(game, step) -> tuple[str, int, Any]:
    """A timeout, or (seat, action) from the step's templates."""
    dice, seat_pick, market, holder, voting, other = step
    family = family_for(game)
    busy = family in ("market", "holder") or (family == "voting" and game.phase not in (2, 5))
    if dice < (8 if busy else 35 if family is not None else 70):
        return "timeout", 0, None
    templates = {"market": market, "holder": holder, "voting": voting, "other": other}
    if family is not None and dice < 88:
        template = templates[family] if family != "other" else ("ready",)
    else:
        template = templates[("market", "holder", "voting", "other")[dice % 4]]
    seat = game.seats[seat_pick % len(game.seats)]
    roles = RULES[game.treatment].get(game.phase, {}).get(template[0])
    if roles is not None and dice % 5:  # mostly a seat of the role that may act
        fit = [s for s in game.seats if game.by_seat[s].role in roles]
        seat = fit[seat_pick % len(fit)]
    return "act", seat, resolve(game, seat, template)


def median_of_last_seven(prices: list[Any]) -> Any:
    """§6.7, written from the spec."""
    last = sorted(prices[-7:])
    if not last:
        return None
    mid = len(last) // 2
    return last[mid] if len(last) % 2 else (last[mid - 1] + last[mid]) / 2


def check_market(game) -> None:
    for c, book in getattr(game, "books", {}).items():
        assert all(o.price >= 0 for o in book.orders), f"a negative price rests in book {c}"
        assert all(t["from"] != t["to"] for t in book.trades), "a seat traded with itself"
        assert all(t["price"] >= 0 for t in book.trades)
        assert book.median_last_seven() == median_of_last_seven([t["price"] for t in book.trades])


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
@SEQUENCE_SETTINGS
@given(skip=skip_t, steps=sequence_t)
def test_drawn_sequences_follow_the_rule_oracle(treatment, skip, steps):
    game = make_game(treatment, round_count=2)
    tracker = Tracker()
    for _ in range(skip):
        game.timeout()
    for step in steps:
        tracker.sync(game)  # the chosen step depends on who has acted already
        step_and_check(game, tracker, *choose(game, step))
        if treatment != "voting":
            check_market(game)
    event(f"reached round {game.round} phase {game.phase}")
