"""The run folder's resumable state of ``connect``: tokens before joins, one-shot actions, summaries, decisions."""

from __future__ import annotations

from pathlib import Path

import pytest

from econlab.protocol.outcome import ConnectError, SeatDecision
from econlab.protocol.run_state import RunState


def test_state_survives_a_restart(tmp_path: Path) -> None:
    st = RunState(tmp_path, 7, "http://127.0.0.1:3080/")
    assert not st.resumed
    st.will_join(0, "tok-a")  # kept before the join is sent
    assert RunState(tmp_path, 7, "http://127.0.0.1:3080").token_of(0) == "tok-a"
    st.joined(0, 3, 3)
    st.note_sent(3, 1, 2, "declare")
    st.note_sent(3, 1, 6, "post-order")  # repeatable: not kept
    st.note_summary(3, {"round": 0, "x": 1})
    st.note_summary(3, {"round": 1, "x": 2})
    st.add_decision(SeatDecision(1, 6, 4, 3, {"type": "post-order"}))
    st.add_decision(SeatDecision(1, 6, 5, 3, None))
    st.close()
    with open(st.decisions_path, "a") as fh:
        fh.write('{"round": 1, "pha')  # a line cut by a kill
    again = RunState(tmp_path, 7, "http://127.0.0.1:3080")
    assert again.resumed and again.clients[0] == {"token": "tok-a", "seat": 3, "role": 3}
    assert again.sent_once(3, 1, 2, "declare") and not again.sent_once(3, 1, 6, "post-order")
    assert again.summaries == {3: {0: {"round": 0, "x": 1}, 1: {"round": 1, "x": 2}}}
    # the server asked again for tick 5 after the restart: the answer it got is the second one
    merged = again.all_decisions([SeatDecision(1, 6, 5, 3, {"type": "post-order", "n": 2}),
                                  SeatDecision(1, 6, 6, 3, None)])
    assert [(d.tick, d.action) for d in merged] == [(4, {"type": "post-order"}), (5, {"type": "post-order", "n": 2}),
                                                   (6, None)]
    again.finished()
    assert not again.decisions_path.exists() and again.path.exists()


def test_state_of_another_server_is_refused(tmp_path: Path) -> None:
    RunState(tmp_path, 7, "http://127.0.0.1:3080").will_join(0, "t")
    with pytest.raises(ConnectError, match="belongs to game 7 on http://127.0.0.1:3080, not on http://127.0.0.1:4080"):
        RunState(tmp_path, 7, "http://127.0.0.1:4080")
    (tmp_path / "game-8.connect.json").write_text("{not json")
    with pytest.raises(ConnectError, match="unreadable run state"):
        RunState(tmp_path, 8, "http://127.0.0.1:3080")
