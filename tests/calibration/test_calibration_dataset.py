"""`econlab dataset human`: per-decision examples of the shared human sessions, hand-checked rows, SFT prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from econlab.calibration.human import answer_of, load_human, load_humans
from econlab.calibration.sft import read_jsonl, sft_example
from econlab.cli import app
from econlab.games.ibex.actions import Request, Vote
from econlab.policies.llm.parsing import extract_json
from econlab.policies.llm.prompts import load_personas, render
from econlab.policies.llm.schemas import parse_answer


@pytest.fixture(scope="module")
def games(human_files: list[Path]) -> list:
    return load_humans(human_files)


def test_counts_per_session_and_decision(games: list) -> None:
    by = {g.game_id: g for g in games}
    assert list(by) == ["voting-223", "voting-224"] and [g.session for g in games] == [1, 2]
    count = {gid: {k: sum(1 for e in g.examples if e.decision == k) for k in ("request", "offer", "vote", "chat")}
             for gid, g in by.items()}
    # 223: one owner let one request phase time out (29 of 30); every other message is a decision of its sender
    assert count["voting-223"] == {"request": 29, "offer": 6, "vote": 30, "chat": 230}
    assert count["voting-224"] == {"request": 30, "offer": 6, "vote": 30, "chat": 176}
    assert all(not g.skipped for g in games)
    # votes: 223 has 11 yes and 19 no over its 6 rounds (practice included), 224 has 10 yes and 20 no
    assert [sum(e.answer.get("vote") == "yes" for e in g.examples) for g in games] == [11, 10]


def test_hand_checked_rows(games: list) -> None:
    g = games[0]
    first = {(e.round, e.decision, e.seat): e for e in reversed(g.examples)}
    # log of voting-223, round 0: owner 1 asks 400000, the developer offers 50000, owner 2 (seat 3) votes no
    req = first[(0, "request", 1)]
    assert req.answer == {"type": "request", "amount": 400000} and req.phase == 3 and req.role == "owner"
    assert req.view.my_request is None and req.view.my_values is not None and req.practice
    off = first[(0, "offer", 2)]
    assert off.answer == {"type": "offer", "amount": 50000} and off.role == "developer"
    # the developer sees the four requests sent (seat 3 timed out: the server's default [0, 0])
    reqs = {r["seat"]: r["request"] for r in off.view.requests}
    assert reqs[1] == [None, 400000] and reqs[6] == [None, 600000] and reqs[3] == [0, 0]
    vote = first[(0, "vote", 3)]
    assert vote.answer == {"type": "vote", "vote": "no"} and vote.view.offer == [None, 50000]
    chat = g.examples[0]
    assert (chat.round, chat.phase, chat.seat, chat.decision) == (0, 2, 4, "chat")
    assert chat.answer == {"type": "chat", "to": [1, 2, 3, 5, 6], "text": "Good morning"}
    # round 2 of 223 (spec §11.3): offer 300000 and five yes votes
    r2 = [e for e in g.examples if e.round == 2]
    assert [e.answer["amount"] for e in r2 if e.decision == "offer"] == [300000]
    assert sorted(e.answer["vote"] for e in r2 if e.decision == "vote") == ["yes"] * 5


def test_sft_prompt_is_the_llm_seats_prompt_and_answer_parses(games: list) -> None:
    persona = load_personas()["profit-maximiser"]
    for ex in [e for e in games[1].examples if e.decision != "chat"][:12] + games[1].examples[:3]:
        row = sft_example(ex)
        assert row["messages"][:2] == render(ex.view, ex.decision, persona)
        answer = row["messages"][2]
        assert answer["role"] == "assistant" and answer["content"].startswith(f'{{"type": "{ex.decision}", ')
        action = parse_answer(ex.view, ex.decision, extract_json(answer["content"]))
        if ex.decision == "request":
            assert action == Request([None, float(ex.message["compensationRequests"][1])])
        if ex.decision == "vote":
            assert action == Vote(ex.message["compensationDecisions"])


def test_cli_writes_tables_examples_and_sft(human_files: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "human"
    res = CliRunner().invoke(app, ["dataset", "human", *map(str, human_files), "--out", str(out),
                                   "--decision", "request", "--decision", "vote"])
    assert res.exit_code == 0, res.output
    assert "voting-223 (session 1): 295 examples" in res.output and "537 examples, 119 SFT examples" in res.output
    ex = pd.read_parquet(out / "examples.parquet")
    assert len(ex) == 537 and set(ex["decision"]) == {"request", "offer", "vote", "chat"}
    assert json.loads(ex.iloc[0]["view"])["seat"] == 4
    sft = read_jsonl(out / "sft.jsonl")
    assert len(sft) == 119 and {r["decision"] for r in sft} == {"request", "vote"}
    assert [m["role"] for m in sft[0]["messages"]] == ["system", "user", "assistant"]
    games = pd.read_parquet(out / "tables" / "games.parquet")
    assert list(games["game_id"]) == ["voting-223", "voting-224"] and (games["source"] == "lab").all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["games"]["voting-224"]["by_decision"] == {"chat": 176, "offer": 6, "request": 30, "vote": 30}


def test_bad_inputs(tmp_path: Path, games: list) -> None:
    bad = tmp_path / "x.log.json"
    bad.write_text('{"log": []}')
    with pytest.raises(ValueError, match="not a game record"):
        load_human(bad)
    with pytest.raises(ValueError, match="at least one"):
        load_humans([])
    view = next(e.view for e in games[0].examples if e.decision == "chat" and e.seat == 4)
    assert answer_of(view, "chat", {"to": [4], "text": "only me"}) == "chat: no other seat among the recipients"
    assert answer_of(view, "chat", {"to": [1], "text": "  "}) == "chat: empty text"
    assert answer_of(view, "chat", {"to": [1, 1, 4], "text": "x" * 400})["to"] == [1]
    assert answer_of(view, "request", {"compensationRequests": [None, "lots"]}).startswith("request: no non-negative")
    with pytest.raises(ValueError, match="unknown persona"):
        sft_example(games[0].examples[0], persona="nobody")


@pytest.mark.parametrize("treatment", ["harberger", "futarchy"])
def test_records_of_other_treatments_give_examples(treatment: str) -> None:
    from econlab.calibration.human import replay_examples
    from econlab.eval.runner import play_game
    from econlab.games.ibex import GameParams
    from econlab.games.ibex.spec import GameSpec
    from econlab.policies.registry import make_policy

    params = GameParams.lab_default(treatment).replace(round_count=1, practice_round=False)
    result = play_game(GameSpec(params=params, seed=1, market_ticks=3), {s: make_policy("strategic")
                                                                         for s in range(1, 13)})
    game = replay_examples({"parameters": result.record["parameters"], "log": result.record["log"]}, treatment)
    assert not game.skipped
    kinds = {"declare": ("declare1", "declare2"), "done-speculating": ("snipe1", "snipe2"),
             "post-order": ("market",), "cancel-order": ("market",)}
    # every accepted decision of the scripted seats is one example, of the matching kind
    accepted = [d for d in result.decisions if d.valid and d.action and d.action["type"] in kinds]
    assert len(game.examples) == len(accepted) > 0
    from collections import Counter

    # the same (seat, round, phase, message type) multiset (within a tick the engine applies in a drawn order)
    assert Counter((e.seat, e.round, e.phase, e.message["type"]) for e in game.examples) == \
        Counter((d.seat, d.round, d.phase, d.action["type"]) for d in accepted)
    for ex in game.examples:
        assert ex.decision in kinds[ex.message["type"]]
        parse_answer(ex.view, ex.decision, ex.answer)  # legal for the seat at that moment
    assert {e.decision for e in game.examples} >= {"declare1", "declare2", "snipe1", "snipe2", "market"}
