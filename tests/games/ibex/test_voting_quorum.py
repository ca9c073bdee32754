"""The Voting tally at every threshold of ibex-voting.md §5: the quorum ⌊V/2⌋, ties, blank and approval ballots.

The expected winners are written from the spec's rule, not read from the engine: ``V`` counts the non-empty
ballots, ``A_c`` the ballots that contain ``c`` (a strict numeric match), and the project passes iff
``A1 >= A0`` and ``A1 >= floor(V / 2)``. The boundary that matters most is an odd ``V`` with the top count at
``(V - 1) / 2``: it passes under ⌊V/2⌋ and fails under ⌈V/2⌉.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from econlab.games.ibex import Offer, Request, Vote

from ._helpers import OWNERS, advance_to, make_game

YES, NO, ABSTAIN, BLANK, BOTH = [1], [0], [], [None], [0, 1]
BALLOTS = (YES, NO, ABSTAIN, BLANK, BOTH)


def spec_winner(ballots: list[list[Any]]) -> int:
    """§5's closed form, written from the spec."""
    valid = [b for b in ballots if len(b) > 0]
    approvals = [sum(1 for b in valid if any(type(x) is int and x == c for x in b)) for c in (0, 1)]
    return 1 if approvals[1] >= approvals[0] and approvals[1] >= len(valid) // 2 else 0


def play_vote(decisions: dict[int, list[Any]]):
    """A one-round server-compat Voting game up to the results, with these ballots (the rest abstain)."""
    g = make_game("voting", compat="server")
    advance_to(g, 3)
    for seat in OWNERS:
        g.apply(seat, Request([None, 100000]))
    g.apply(2, Offer([None, 50000]))
    g.timeout()
    assert g.phase == 6
    for seat, d in decisions.items():
        g.apply(seat, Vote(d))
    if g.phase == 6:
        g.timeout()
    assert g.phase == 7
    return g


@pytest.mark.parametrize(("decisions", "winner", "tally"), [
    # V = 5 (odd), quorum 2: two yes, one no, two blank -> A1 = 2 = (V-1)/2 reaches the quorum -> Project
    ({1: YES, 3: YES, 4: NO, 5: BLANK, 6: BLANK}, 1, [1, 2]),
    # V = 3, quorum 1: one yes, two blank -> Project (under ⌈V/2⌉ = 2 nobody would be a candidate)
    ({1: YES, 3: BLANK, 4: BLANK}, 1, [0, 1]),
    # V = 1, quorum 0: a single blank ballot -> both counters 0 >= 0, a tie -> Project
    ({1: BLANK}, 1, [0, 0]),
    # V = 5, quorum 2: two approval ballots and three blanks -> A0 = A1 = 2 at the quorum, a tie -> Project
    ({1: BOTH, 3: BOTH, 4: BLANK, 5: BLANK, 6: BLANK}, 1, [2, 2]),
    # V = 5, quorum 2: two no, three blank -> No Project reaches the quorum, the project does not
    ({1: NO, 3: NO, 4: BLANK, 5: BLANK, 6: BLANK}, 0, [2, 0]),
    # V = 4 (even), quorum 2: one yes, three blank -> A1 = 1 < 2 -> No Project
    ({1: YES, 3: BLANK, 4: BLANK, 5: BLANK}, 0, [0, 1]),
    # V = 4, quorum 2: two yes, two blank -> exactly at the quorum -> Project
    ({1: YES, 3: YES, 4: BLANK, 5: BLANK}, 1, [0, 2]),
    # V = 5, quorum 2: one yes, one no, three blank -> neither reaches the quorum -> No Project
    ({1: YES, 3: NO, 4: BLANK, 5: BLANK, 6: BLANK}, 0, [1, 1]),
    # V = 3, quorum 1: one no, two blank -> No Project
    ({1: NO, 3: BLANK, 4: BLANK}, 0, [1, 0]),
    # "1" (a string) and 1.5 approve nothing (strict numeric match), but the ballots count in V
    ({1: YES, 3: ["1"], 4: [1.5]}, 1, [0, 1]),
    ({1: YES, 3: ["1"], 4: ["1"], 5: [2]}, 0, [0, 1]),
])
def test_quorum_boundaries_through_the_game(decisions, winner, tally):
    g = play_vote(decisions)
    assert spec_winner([decisions.get(s, ABSTAIN) for s in OWNERS]) == winner  # the table agrees with §5
    assert g.winning_condition == winner
    assert g.current.tally == tally


def test_every_ballot_combination_of_five_owners_follows_the_closed_form():
    """All 5^5 combinations of yes/no/abstain/blank/both, tallied by the engine and by §5's closed form."""
    g = make_game("voting", compat="server")
    owners = g.owners
    odd_boundary = 0
    for combo in itertools.product(BALLOTS, repeat=len(owners)):
        for p, ballot in zip(owners, combo, strict=True):
            p.decisions = list(ballot)
        w, counters = g.tally()
        valid = [b for b in combo if b]
        expected = [sum(1 for b in valid if c in b) for c in (0, 1)]
        assert counters == expected, combo
        assert w == spec_winner(list(combo)), combo
        if len(valid) % 2 == 1 and counters[1] == (len(valid) - 1) // 2 and counters[1] >= counters[0]:
            odd_boundary += 1
            assert w == 1, combo
    assert odd_boundary > 100  # the quorum boundary is exercised many times over
