"""The one seat syntax (``all=``, roles, seat numbers, ranges) shared by play, connect, scenarios, tournaments."""

from __future__ import annotations

import pytest

from econlab.eval.scenario import Scenario
from econlab.eval.seats import assign, parse_entries, parse_key, parse_range, resolve

ROSTER = {1: "owner", 2: "developer", **{s: "owner" for s in range(3, 7)}, **{s: "speculator" for s in range(7, 13)}}


def test_most_specific_entry_wins() -> None:
    entries = parse_entries(["all=a", "speculator=b", "8-10=c", "9=d", "owner=e"])
    got = assign(entries, ROSTER, "z")
    assert got[1] == "e" and got[2] == "a" and got[7] == "b" and got[8] == "c" and got[9] == "d" and got[10] == "c"
    assert got[11] == "b" and got[3] == "e"
    assert assign({}, ROSTER, "z") == {s: "z" for s in range(1, 13)}
    # overlapping ranges: the one given last
    assert resolve({"1-6": "x", "4-8": "y"}, 5, "owner", "z") == "y"
    assert resolve({"4-8": "y", "1-6": "x"}, 5, "owner", "z") == "x"


def test_bad_keys_and_ranges() -> None:
    for bad in ("banker", "0", "5-3", "1-", "-4", "a-b", ""):
        with pytest.raises(ValueError):
            parse_key(bad)
    with pytest.raises(ValueError, match="ROLE_OR_SEAT=NAME"):
        parse_entries(["truthful"])
    with pytest.raises(ValueError, match="seats 12-13 do not exist; seats are 1..12"):
        assign({"12-13": "x"}, ROSTER, "z")
    assert parse_range("1-12") == (1, 12) and parse_range("5") == (5, 5)
    with pytest.raises(ValueError, match="FIRST-LAST"):
        parse_range("all")


def test_scenarios_accept_ranges() -> None:
    sc = Scenario(treatment="harberger", seats={"1-5": "truthful", "all": "random"})
    a = sc.assignment(["3=strategic"])
    assert [a[s] for s in range(1, 8)] == ["truthful", "truthful", "strategic", "truthful", "truthful", "random",
                                            "random"]
    with pytest.raises(ValueError, match="seats 5-8 do not exist in voting"):
        Scenario(treatment="voting", seats={"5-8": "truthful"}).assignment()
