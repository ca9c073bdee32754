"""CI smoke of `econlab calibrate finetune`: train a LoRA adapter for a few steps, save, load, play a Voting round.

Offline and on CPU: the shipped SmolLM2-135M, tiny prompt templates (a few dozen tokens instead of ~1000, the
same templates in the SFT examples and in play), 2 optimiser steps, one round with one LLM owner.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from econlab.cli import app

TINY = {
    "request.system.j2": "You are seat {{ view.seat }}, an owner. Answer one JSON object.",
    "request.user.j2": "Values: no project {{ view.my_values[0] | pts }}, project {{ view.my_values[1] | pts }}. "
                       "Request?",
    "vote.system.j2": "You are seat {{ view.seat }}, an owner. Answer one JSON object.",
    "vote.user.j2": "Values: no project {{ view.my_values[0] | pts }}, project {{ view.my_values[1] | pts }}. "
                    "Offer {{ view.offer }}. Vote yes, no or abstain?",
}


@pytest.mark.slow
def test_finetune_save_load_and_play_one_round(human_files: list[Path], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    templates = tmp_path / "templates"
    (templates / "voting" / "owner").mkdir(parents=True)
    for name, text in TINY.items():
        (templates / "voting" / "owner" / name).write_text(text)
    data = tmp_path / "human"
    runner = CliRunner()
    res = runner.invoke(app, ["dataset", "human", str(human_files[0]), "--out", str(data), "--decision", "request",
                              "--decision", "vote", "--templates-dir", str(templates)])
    assert res.exit_code == 0, res.output
    adapter = tmp_path / "adapter"
    config = tmp_path / "finetune.yaml"
    config.write_text(yaml.safe_dump({"finetune": {
        "sft": str(data), "out": str(adapter), "games": ["voting-223"], "decisions": ["request", "vote"],
        "max_examples": 6, "max_length": 192, "max_steps": 2, "grad_accum": 2, "lr": 0.001, "threads": 1}}))
    res = runner.invoke(app, ["calibrate", "finetune", str(config)])
    assert res.exit_code == 0, res.output
    assert (adapter / "adapter_config.json").exists() and (adapter / "adapter_model.safetensors").exists()
    summary = json.loads((adapter / "training.json").read_text())
    assert summary["steps"] == 2 and summary["used"] == 6 and summary["too_long"] == 0
    assert all(math.isfinite(x) and x > 0 for x in summary["losses"])
    from safetensors.torch import load_file

    weights = load_file(str(adapter / "adapter_model.safetensors"))
    lora_b = [t for k, t in weights.items() if "lora_B" in k]
    assert lora_b and any(float(t.abs().sum()) > 0 for t in lora_b)  # B starts at 0: training moved it
    again = runner.invoke(app, ["calibrate", "finetune", str(config)])
    assert again.exit_code == 0 and "already trained" in again.output

    import peft

    from econlab.eval.runner import play_game
    from econlab.games.ibex import GameParams
    from econlab.games.ibex.spec import GameSpec
    from econlab.policies.llm import LLMConfig, PolicyFactory

    factory = PolicyFactory(LLMConfig(backend="local", templates_dir=templates, max_tokens=24, max_repairs=0))
    policies = factory.build({1: f"llm:adapter={adapter}"} | {s: "voting-rational" for s in range(2, 7)})
    params = GameParams.lab_default("voting").replace(round_count=1, practice_round=False)
    result = play_game(GameSpec(params=params, seed=0, chat_ticks=0), policies)
    assert result.game.over and 1 in result.profits
    assert [(r["seat"], r["decision"]) for r in result.llm_calls] == [(1, "request"), (1, "vote")]
    (session,) = factory.sessions.values()
    assert session.config.lora == adapter and isinstance(session.backend._model, peft.PeftModel)
