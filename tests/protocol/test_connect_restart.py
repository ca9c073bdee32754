"""A ``connect`` process killed (SIGKILL) in the market phase and started again with the same ``--out``
rejoins every seat with its kept token and finishes the game: all seats paid, every round recorded once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from econlab.games.ibex import GameParams
from econlab.protocol.timers import TimerConfig
from tests.protocol.conftest import ServerThread


@pytest.fixture
def srv() -> Iterator[ServerThread]:
    """A FAST ``econlab serve`` whose market lasts long enough to be caught (150 lock-step ticks)."""
    st = ServerThread(timers=TimerConfig(market_ticks=150, chat_ticks=1, tick_timeout_s=120))
    yield st
    st.stop()


def _connect(st: ServerThread, gid: int, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "econlab.cli", "connect", "--rest", st.server.rest_url, "--ws",
                             st.server.ws_url, "--game-id", str(gid), "--policy", "all=strategic", "--policy",
                             "speculator=random", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=os.environ | {"COLUMNS": "200"})


@pytest.mark.slow
def test_killed_connect_resumes_in_the_market(srv: ServerThread, tmp_path: Path) -> None:
    params = GameParams.lab_default("harberger").replace(round_count=2, practice_round=False)
    gid = srv.run(lambda: srv.server.create_game(params, seed=4).id)
    first = _connect(srv, gid, tmp_path)
    try:
        deadline = time.monotonic() + 240
        while True:  # wait for round 1's market with every seat joined
            assert time.monotonic() < deadline and first.poll() is None, "connect ended before the market"
            game = srv.server.games[gid].game  # read-only peek across threads: two ints
            if (game.round, game.phase) == (1, 6) and len(srv.server.games[gid].tokens) == 12:
                break
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(30)
    state = json.loads((tmp_path / f"game-{gid}.connect.json").read_text())
    assert sorted(c["seat"] for c in state["clients"].values()) == list(range(1, 13))
    assert srv.run(lambda: (srv.server.games[gid].game.round, srv.server.games[gid].game.over)) == (1, False)

    second = _connect(srv, gid, tmp_path)
    out, _ = second.communicate(timeout=300)
    assert second.returncode == 0, out
    assert "resuming: 12 seat(s)" in out
    game = srv.run(lambda: srv.server.games[gid].game)
    assert game.over and len(game.rewards) == 12
    record = json.loads((tmp_path / f"game-{gid}.record.json").read_text())
    assert [r["round"] for r in record["results"]["rounds"]] == [1, 2]
    assert all(len(r["seats"]) == 12 for r in record["results"]["rounds"])
    # the server's log: one ready per seat and round, no message applied twice
    readies = [(e["round"], e["number"]) for e in record["log"]
               if e["type"] == "message" and e["content"]["type"] == "player-is-ready"]
    assert sorted(readies) == sorted(set(readies)) and len(readies) == 24
    declares = [(e["round"], e["phase"], e["number"]) for e in record["log"]
                if e["type"] == "message" and e["content"]["type"] == "declare"]
    assert len(declares) == len(set(declares))
    decisions = json.loads((tmp_path / f"game-{gid}.decisions.json").read_text())
    keys = [(d["round"], d["phase"], d["tick"], d["seat"]) for d in decisions]
    assert len(keys) == len(set(keys)) and {k[0] for k in keys} == {1, 2}
    assert any(k[:2] == (1, 6) for k in keys) and any(k[:2] == (2, 6) for k in keys)
    assert not (tmp_path / f"game-{gid}.decisions.partial.jsonl").exists()
