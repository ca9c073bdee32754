"""``econlab connect`` / ``create-game`` failures: each is one ``error:`` line and exit 2, before joining
where possible; transient failures (HTTP 500 after a join, dropped ``player-is-ready``) are retried."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from econlab.cli import app
from econlab.games.ibex import GameParams
from econlab.policies import make_policy
from econlab.protocol.client import RemoteSession
from econlab.protocol.create import create_game, game_parameters
from econlab.protocol.timers import TimerConfig
from tests.protocol.conftest import DroppingWs, FaultyRest, RawSeat, ServerThread

SECRET = "failure-test-password-9"
ACCOUNT = {"ECONLAB_SERVER_USER": "lab", "ECONLAB_SERVER_PASSWORD": SECRET}


@pytest.fixture
def srv() -> Iterator[ServerThread]:
    """A FAST ``econlab serve`` with an account, on loopback."""
    st = ServerThread(credentials=("lab", SECRET), timers=TimerConfig(market_ticks=2, chat_ticks=1))
    yield st
    st.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _voting(st: ServerThread, rounds: int = 1) -> int:
    params = GameParams.lab_default("voting").replace(round_count=rounds, practice_round=False)
    return st.run(lambda: st.server.create_game(params, seed=3).id)


def _connect(st: ServerThread, *args: str, rest: str | None = None, ws: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["connect", "--rest", rest or st.server.rest_url, "--ws", ws or st.server.ws_url,
                                      *args], env=ACCOUNT)
    return result.exit_code, result.output


def _error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    return " ".join(output[output.index("error:"):].split())  # the line as the terminal shows it, unwrapped


def test_game_not_found(srv: ServerThread) -> None:
    code, out = _connect(srv, "--game-id", "99")
    assert code == 2
    assert _error_line(out).startswith(f"error: game 99 not found on {srv.server.rest_url} — create one with")


def test_game_already_over(srv: ServerThread, tmp_path: Path) -> None:
    gid = _voting(srv)
    code, out = _connect(srv, "--game-id", str(gid), "--seats", "1-6", "--policy", "all=strategic")
    assert code == 0, out
    code, out = _connect(srv, "--game-id", str(gid), "--seats", "1-6")
    assert code == 2 and "is already over — nothing to play" in _error_line(out)


def test_seats_outside_the_game_refused_before_joining(srv: ServerThread) -> None:
    params = GameParams.lab_default("harberger").replace(round_count=1, practice_round=False)
    gid = srv.run(lambda: srv.server.create_game(params).id)
    code, out = _connect(srv, "--game-id", str(gid), "--seats", "13-14")
    assert code == 2
    assert _error_line(out) == (f"error: seats 13-14 are outside game {gid}: it has 12 seats (1-12) — choose "
                                "--seats within 1-12")
    assert srv.run(lambda: len(srv.server.games[gid].tokens)) == 0  # nobody joined


def test_full_game_refused_before_joining(srv: ServerThread) -> None:
    gid = _voting(srv)

    async def fill() -> list[RawSeat]:
        seats = []
        for i in range(6):
            s = await RawSeat.open(srv.server.ws_url, gid)
            await s.send({"type": "join", "recovery": f"token-{i}"})
            await s.expect(lambda m: m.get("type") == "info")
            seats.append(s)
        return seats

    seats = srv.call(fill())
    code, out = _connect(srv, "--game-id", str(gid), "--seats", "1-1")
    assert code == 2 and f"game {gid} has 0 free seat(s) of 6, 1 needed" in _error_line(out)
    for s in seats:
        srv.call(s.close())


def test_wrong_urls(srv: ServerThread) -> None:
    gid = _voting(srv)
    dead = _free_port()
    code, out = _connect(srv, "--game-id", str(gid), rest=f"http://127.0.0.1:{dead}")
    assert code == 2 and _error_line(out).startswith(f"error: cannot reach the IBEX REST API at http://127.0.0.1:"
                                                     f"{dead} (ConnectError")
    assert "is the server running? check --rest" in out
    ws_port = srv.server.ws_port
    code, out = _connect(srv, "--game-id", str(gid), rest=f"http://127.0.0.1:{ws_port}")
    assert code == 2 and "answered HTTP 426" in _error_line(out) and "(that is a websocket port)" in out
    rest_port = srv.server.rest_port
    code, out = _connect(srv, "--game-id", str(gid), "--seats", "1-6", ws=f"ws://127.0.0.1:{rest_port}")
    assert code == 2
    assert f"ws://127.0.0.1:{rest_port} is not a websocket endpoint (it answered HTTP 40" in _error_line(out)
    code, out = _connect(srv, "--game-id", str(gid), ws=f"http://127.0.0.1:{rest_port}")
    assert code == 2 and "--ws must be a ws:// or wss:// URL" in _error_line(out)
    code, out = _connect(srv, "--game-id", str(gid), "--seats", "1-6", ws=f"ws://127.0.0.1:{dead}")
    assert code == 2 and "cannot reach the websocket at" in _error_line(out)


def test_login_failed_and_create(srv: ServerThread) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["create-game", "--rest", srv.server.rest_url, "--treatment", "voting"],
                        env={"ECONLAB_SERVER_USER": "lab", "ECONLAB_SERVER_PASSWORD": "wrong"})
    assert bad.exit_code == 2 and _error_line(bad.output).startswith(
        f"error: login failed on {srv.server.rest_url}: the server refused the account")
    assert "wrong" not in bad.output and SECRET not in bad.output
    none = runner.invoke(app, ["create-game", "--rest", srv.server.rest_url], env={"ECONLAB_SERVER_USER": "",
                                                                                 "ECONLAB_SERVER_PASSWORD": ""})
    assert none.exit_code == 2 and "set ECONLAB_SERVER_USER and ECONLAB_SERVER_PASSWORD" in none.output
    ok = runner.invoke(app, ["create-game", "--rest", srv.server.rest_url, "--treatment", "futarchy", "--rounds",
                             "2", "--no-practice"], env=ACCOUNT)
    assert ok.exit_code == 0, ok.output
    gid = int(ok.stdout.strip())
    game = srv.run(lambda: srv.server.games[gid].game)
    assert game.treatment == "futarchy" and game.params.round_count == 2 and not game.params.practice_round
    assert SECRET not in ok.output


def test_timers_file_reaches_the_game(srv: ServerThread, tmp_path: Path) -> None:
    timers = tmp_path / "t.json"
    timers.write_text(json.dumps({"phase_0": None, "phase_1": 3, "phase_6": 12}))
    params = game_parameters("harberger", rounds=1, timers=timers)
    assert params["timers"]["phase_0"] is None and params["timers"]["phase_6"] == 12
    gid = asyncio.run(create_game(srv.server.rest_url, params, account=("lab", SECRET)))
    assert srv.run(lambda: srv.server.games[gid].params.timers[6]) == 12
    timers.write_text(json.dumps({"phase_12": 3}))
    with pytest.raises(ValueError, match="unknown timer 'phase_12'"):
        game_parameters("voting", timers=timers)
    timers.write_text(json.dumps({"phse_1": 3}))  # the same file rules as serve --timers
    with pytest.raises(ValueError, match="did you mean 'phase_1'"):
        game_parameters("harberger", timers=timers)


def test_connect_create_plays_with_one_seat_syntax(srv: ServerThread, tmp_path: Path) -> None:
    code, out = _connect(srv, "--create", "--treatment", "voting", "--rounds", "1", "--no-practice", "--seats",
                         "1-6", "--policy", "all=random", "--policy", "1-3=truthful", "--policy", "2=strategic",
                         "--out", str(tmp_path))
    assert code == 0, out
    gid = int(out.split("created game ")[1].split()[0])
    record = json.loads((tmp_path / f"game-{gid}.record.json").read_text())
    assert len(record["results"]["rounds"]) == 1
    assert not (tmp_path / f"game-{gid}.decisions.partial.jsonl").exists()
    decisions = json.loads((tmp_path / f"game-{gid}.decisions.json").read_text())
    assert {d["seat"] for d in decisions} == set(range(1, 7))


def test_status_500_after_join_is_retried(srv: ServerThread, tmp_path: Path) -> None:
    gid = _voting(srv)
    proxy = FaultyRest(srv.server.rest_url, fail=3)
    try:
        code, out = _connect(srv, "--game-id", str(gid), "--seats", "1-6", rest=proxy.url)
    finally:
        proxy.stop()
    assert code == 0, out
    assert proxy.failed == 3 and "round 1:" in out


def test_dropped_readies_are_sent_again(srv: ServerThread) -> None:
    """Half the ``player-is-ready`` messages are lost on the way (as the lab server loses them at a round's
    start); the client sends each again until ``ready-received`` and the two-round game ends."""
    gid = _voting(srv, rounds=2)
    count = {"n": 0}

    def drop(msg: dict) -> bool:
        if msg.get("type") != "player-is-ready":
            return False
        count["n"] += 1
        return count["n"] % 2 == 1

    proxy = DroppingWs(srv.server.ws_url, drop)
    srv.call(proxy.start())
    try:
        session = RemoteSession(srv.server.rest_url, proxy.url, gid, n_seats=6, ready_resend_s=0.5,
                                policy_for=lambda seat, role: make_policy("strategic"))
        result = asyncio.run(asyncio.wait_for(session.play(), 120))
    finally:
        srv.call(proxy.stop())
    assert proxy.dropped >= 6 and session.retries >= proxy.dropped
    assert sorted(result.profits) == [1, 2] and all(len(p) == 6 for p in result.profits.values())
    game = srv.run(lambda: srv.server.games[gid].game)
    assert game.over and len(game.rewards) == 6


# --------------------------------------------------------------------------- the lab server's own answers
_LAB_DIR = Path(__file__).parent / "fixtures" / "lab"  # captured on the lab's own server (see its README)
LAB = json.loads((_LAB_DIR / "errors.json").read_text()) | {
    "voting_data_end": json.loads((_LAB_DIR / "voting" / "data-end.json").read_text())}


def _lab(*entries: tuple[str, str]) -> FaultyRest:
    """A loopback HTTP server answering ``path`` with the recorded lab answer ``name``."""
    return FaultyRest(replies={path: (LAB[name]["http_status"], LAB[name]["body"]) for path, name in entries})


def test_lab_answers_unknown_game_with_data_null() -> None:
    srv = _lab(("/api/v1/games/data", "data_unknown_game"))
    try:
        result = CliRunner().invoke(app, ["connect", "--rest", srv.url, "--ws", "ws://127.0.0.1:9", "--game-id",
                                          "9999"])
    finally:
        srv.stop()
    assert result.exit_code == 2
    assert _error_line(result.output).startswith(f"error: game 9999 not found on {srv.url} — create one with")


def test_lab_answers_finished_game() -> None:
    srv = _lab(("/api/v1/games/data", "voting_data_end"))
    try:
        result = CliRunner().invoke(app, ["connect", "--rest", srv.url, "--ws", "ws://127.0.0.1:9", "--game-id",
                                          "21"])
    finally:
        srv.stop()
    assert result.exit_code == 2
    assert _error_line(result.output) == (f"error: game 21 on {srv.url} is already over — nothing to play; create a "
                                          "new game with `econlab create-game`")


def test_lab_answers_login_failed_and_websocket_port() -> None:
    srv = _lab(("/api/v1/games/create-for-llm", "create_login_failed"), ("/api/v1/games/data", "http_to_ws_port"))
    try:
        bad = CliRunner().invoke(app, ["create-game", "--rest", srv.url, "--treatment", "harberger"], env=ACCOUNT)
        ws_port = CliRunner().invoke(app, ["connect", "--rest", srv.url, "--ws", "ws://127.0.0.1:9", "--game-id",
                                           "1"])
    finally:
        srv.stop()
    assert bad.exit_code == 2 and _error_line(bad.output) == (
        f"error: login failed on {srv.url}: the server refused the account in ECONLAB_SERVER_USER / "
        "ECONLAB_SERVER_PASSWORD (Login failed) — set them to the server's account")
    assert SECRET not in bad.output
    assert ws_port.exit_code == 2 and "answered HTTP 426 text/plain (that is a websocket port)" in ws_port.output


def test_join_timeout(srv: ServerThread) -> None:
    """Every join is lost on the way: the join is sent again (same token) and gives up after --join-timeout."""
    gid = _voting(srv)
    proxy = DroppingWs(srv.server.ws_url, lambda msg: msg.get("type") == "join")
    srv.call(proxy.start())
    try:
        code, out = _connect(srv, "--game-id", str(gid), "--join-timeout", "8", ws=proxy.url)
    finally:
        srv.call(proxy.stop())
    assert code == 2
    assert _error_line(out).startswith(f"error: join timed out: the server at {proxy.url} confirmed no join of "
                                       "client 1 within 8 s (2 tries)")
    assert proxy.dropped >= 2  # sent again before giving up
    assert srv.run(lambda: len(srv.server.games[gid].tokens)) == 0


@pytest.mark.slow
def test_server_gone_mid_game_keeps_a_partial_record(tmp_path: Path) -> None:
    """The server stops in the market: one error line, exit 2, what the seats saw kept and marked incomplete,
    and the run state kept for a rerun."""
    import threading
    import time

    st = ServerThread(credentials=("lab", SECRET), timers=TimerConfig(market_ticks=400, chat_ticks=1))
    params = GameParams.lab_default("harberger").replace(round_count=2, practice_round=False)
    gid = st.run(lambda: st.server.create_game(params, seed=2).id)
    stopped = threading.Event()

    def stop_in_market() -> None:
        end = time.monotonic() + 120
        while time.monotonic() < end:
            g = st.server.games[gid].game
            if (g.round, g.phase) == (1, 6):
                st.stop()
                stopped.set()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=stop_in_market, daemon=True)
    watcher.start()
    code, out = _connect(st, "--game-id", str(gid), "--out", str(tmp_path))
    watcher.join(5)
    if not stopped.is_set():
        st.stop()
    assert stopped.is_set() and code == 2
    assert _error_line(out).startswith("error: ")
    partial = json.loads((tmp_path / f"game-{gid}.incomplete.json").read_text())
    assert partial["incomplete"] is True and partial["error"]
    assert _error_line(out) == f"error: {' '.join(partial['error'].split())}"
    assert partial["econlab"]["source"] == "client" and not (tmp_path / f"game-{gid}.record.json").exists()
    state = json.loads((tmp_path / f"game-{gid}.connect.json").read_text())
    assert len(state["clients"]) == 12
