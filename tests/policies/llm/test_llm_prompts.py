"""Prompt templates for every treatment x role x decision, user overrides, personas, answer schemas."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from llm_helpers import spec

from econlab.games.ibex.schedule import Scheduler
from econlab.games.ibex.spec import make_game
from econlab.games.ibex.view import view
from econlab.policies import make_policy
from econlab.policies import viewtools as vt
from econlab.policies.llm.prompts import load_personas, render, template_names
from econlab.policies.llm.schemas import AnswerError, parse_answer

REQUIRED_PERSONAS = {"profit-maximiser", "truthful-citizen", "risk-averse", "loss-averse", "inequity-averse",
                     "naive-participant", "spiteful", "exploiter"}


def every_decision_view(treatment: str):
    """One view per (role, decision) met in a random game."""
    game = make_game(spec(treatment))
    sched, rng, pol = Scheduler(2, 1), np.random.default_rng(0), make_policy("random")
    game.start()
    sched.advance(game)
    out = {}
    while not game.over:
        acts = {}
        for s in sched.deciders(game):
            v = view(game, s)
            d = vt.decision(v)
            if d is not None:
                out.setdefault((v.role_name, d), v)
            acts[s] = pol.act(v, pol.initial_state(s, 0))[0]
        sched.step(game, acts, rng)
    return out


@pytest.mark.parametrize("treatment", ["harberger", "futarchy", "voting"])
def test_every_template_renders_from_the_view(treatment: str) -> None:
    personas = load_personas()
    views = every_decision_view(treatment)
    assert len(views) == (9 if treatment != "voting" else 5)
    for (role, decision), v in views.items():
        msgs = render(v, decision, personas["exploiter"])
        assert [m["role"] for m in msgs] == ["system", "user"]
        system, user = msgs[0]["content"], msgs[1]["content"]
        assert f"You are seat {v.seat}, the {role}" in system and "JSON schema" in system
        assert "exploiter" in system
        assert ", ".join(v.accepted) in user  # the legal actions are stated
        schema = json.loads(system.split("JSON schema:\n", 1)[1])
        assert schema["properties"]["type"]
        if v.my_values is not None:
            assert f"{v.my_values[0]:.0f}" in user


def test_user_templates_override_and_missing_is_an_error(tmp_path: Path) -> None:
    views = every_decision_view("voting")
    v = views[("owner", "vote")]
    system_name, user_name = template_names(v, "vote")
    (tmp_path / "voting" / "owner").mkdir(parents=True)
    (tmp_path / system_name).write_text("Custom rules for seat {{ view.seat }}.")
    msgs = render(v, "vote", None, tmp_path)
    assert msgs[0]["content"] == f"Custom rules for seat {v.seat}."
    assert "vote on the Project" in msgs[1]["content"]  # the shipped user template still applies
    with pytest.raises(ValueError, match="no prompt template 'voting/owner/market.system.j2'"):
        render(v, "market", None, tmp_path)
    other = tmp_path / "other"
    (other / "voting" / "owner").mkdir(parents=True)
    (other / user_name).write_text("{{ view.no_such_field }}")
    with pytest.raises(ValueError, match="undefined"):
        render(v, "vote", None, other)


def test_personas_library_and_user_personas(tmp_path: Path) -> None:
    assert REQUIRED_PERSONAS <= set(load_personas())
    (tmp_path / "gambler.yaml").write_text("name: gambler\nsummary: s\ninstructions: Bet big.\n")
    assert load_personas(tmp_path)["gambler"].instructions == "Bet big."
    (tmp_path / "bad.yaml").write_text("name: bad\n")
    with pytest.raises(ValueError, match="missing"):
        load_personas(tmp_path)


def test_answers_are_checked_against_the_seat() -> None:
    views = every_decision_view("harberger")
    owner = views[("owner", "declare1")]
    cap0 = vt.cap(owner, owner.role, 0)
    assert parse_answer(owner, "declare1", {"type": "declare", "no_project": 5, "project": 6}).declaration == [5, 6]
    with pytest.raises(AnswerError, match="above the largest accepted declaration"):
        parse_answer(owner, "declare1", {"type": "declare", "no_project": cap0 + 1, "project": 6})
    with pytest.raises(AnswerError, match='"type" must be one of'):
        parse_answer(owner, "declare1", {"type": "vote", "vote": "yes"})
    with pytest.raises(AnswerError, match="no_project"):
        parse_answer(owner, "declare1", {"type": "declare", "no_project": "lots", "project": 6})
    spec_view = views[("speculator", "snipe1")]
    with pytest.raises(AnswerError, match="do not exist"):
        parse_answer(spec_view, "snipe1", {"type": "snipe", "no_project": [99]})
    market = views[("speculator", "market")]
    with pytest.raises(AnswerError, match="exceeds your uncommitted cash"):
        parse_answer(market, "market", {"type": "post", "side": "bid", "price": 1e12,
                                        "condition": ["no_project", "project"][vt.open_books(market)[0]]})
    with pytest.raises(AnswerError, match="not one of your resting orders"):
        parse_answer(market, "market", {"type": "cancel", "order_id": 12345})
    assert parse_answer(market, "market", {"type": "wait"}) is None
