"""`econlab calibrate prompts`: variants against both human sessions through the loopback server, with CV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from loopback import LoopbackServer
from typer.testing import CliRunner

from econlab.calibration.search import SearchConfig, Variant, cross_validate
from econlab.cli import app
from econlab.eval.voting_stats import STATISTICS


def write_config(path: Path, human: list[Path], out: Path, url: str) -> Path:
    cfg = {"prompts": {
        "human": [str(p) for p in human], "out": str(out), "rounds": 1, "chat_ticks": 0, "n_boot": 50,
        "seats": {"all": "llm", "5": "truthful"},
        "llm": {"backend": "openai", "base_url": url, "model": "loopback-small", "timeout_s": 5.0},
        "variants": [{"name": "plain", "persona": "profit-maximiser"},
                     {"name": "naive", "persona": "naive-participant", "temperature": 0.7},
                     {"name": "rational", "policy": "voting-rational", "baseline": True}]}}
    import yaml

    path.write_text(yaml.safe_dump(cfg))
    return path


def test_prompt_search_cross_validates_over_sessions(loopback: LoopbackServer, human_files: list[Path],
                                                     tmp_path: Path) -> None:
    out = tmp_path / "search"
    config = write_config(tmp_path / "search.yaml", human_files, out, loopback.url)
    res = CliRunner().invoke(app, ["calibrate", "prompts", str(config)])
    assert res.exit_code == 0, res.output
    # 2 LLM variants x 2 sessions x 1 round: 5 LLM seats (seat 5 truthful) -> 4 requests, 1 offer, 4 votes each
    assert loopback.calls == 2 * 2 * 9
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == 3 * 2 * len(STATISTICS)
    assert set(scores["variant"]) == {"plain", "naive", "rational"}
    owner = scores[scores["statistic"] == "request / own loss"]
    assert (owner["n_human"] == 5).all() and (owner["n_sim"] == 5).all()  # one round, five owners
    # voting-rational requests 1.26 x the own loss, the truthful seat 5 its loss: (4 x 1.26 + 1) / 5
    rational = owner[owner["variant"] == "rational"]
    assert rational["simulated"].tolist() == pytest.approx([1.208, 1.208])
    assert ((scores["ks"] >= 0) & (scores["ks"] <= 1) | scores["ks"].isna()).all()
    assert (scores["ks_low"].fillna(0) <= scores["ks"].fillna(0) + 1e-9).all()
    smp = pd.read_csv(out / "samples.csv")
    assert set(smp["source"]) == {"human", "plain", "naive", "rational"}
    votes = smp[(smp["statistic"] == "vote in favour") & (smp["source"] == "human")]
    # round 1 of the logs (compensation-decision messages): 223 voted [0] x 5, 224 [1] x 4 and [0] once
    assert votes.groupby("session")["value"].sum().to_dict() == {"voting-223": 0.0, "voting-224": 4.0}
    cv = pd.read_csv(out / "cv.csv")
    assert sorted(cv["held_out"].unique()) == ["voting-223", "voting-224"]
    folds = json.loads((out / "search.json").read_text())["folds"]
    assert [f["fit"] for f in folds] == [["voting-224"], ["voting-223"]]
    assert all(f["selected"] in ("plain", "naive") and not f["in_sample"] for f in folds)
    for fold in folds:
        part = cv[cv["held_out"] == fold["held_out"]]
        roles = part.drop_duplicates("variant").set_index("variant")["role"].to_dict()
        assert roles == {"plain": "candidate", "naive": "candidate", "rational": "baseline"} | {
            fold["selected"]: "selected"}
    assert (out / "report.html").exists() and "Where the simulated agents differ most" in (out / "report.html"
                                                                                            ).read_text()
    answers = pd.read_csv(out / "llm_outcomes.csv").set_index(["variant", "session", "decision"])
    assert answers.loc[("plain", "voting-223", "vote"), "first"] == 4 and answers["fallback"].sum() == 0
    # a rerun resumes from the records: no new request
    again = CliRunner().invoke(app, ["calibrate", "prompts", str(config)])
    assert again.exit_code == 0, again.output
    assert loopback.calls == 36


def test_selection_uses_only_the_fit_sessions() -> None:
    rows = []
    for variant, base, loss in (("a", False, {"s1": 0.1, "s2": 0.9}), ("b", False, {"s1": 0.5, "s2": 0.2}),
                                ("r", True, {"s1": 0.0, "s2": 0.0})):
        for session, ks in loss.items():
            rows.append({"variant": variant, "session": session, "baseline": base, "statistic": "x", "ks": ks})
    cv, folds = cross_validate(pd.DataFrame(rows))
    # held out s1: fit on s2, where b (0.2) beats a (0.9); held out s2: a (0.1) wins on s1; r is never selected
    assert [(f["held_out"], f["selected"]) for f in folds] == [("s1", "b"), ("s2", "a")]
    assert cv.set_index(["held_out", "variant"])["role"].to_dict() == {
        ("s1", "a"): "candidate", ("s1", "b"): "selected", ("s1", "r"): "baseline",
        ("s2", "a"): "selected", ("s2", "b"): "candidate", ("s2", "r"): "baseline"}
    assert cv.set_index(["held_out", "variant"])["ks"].to_dict() == {("s1", "a"): 0.1, ("s1", "b"): 0.5,
                                                                     ("s1", "r"): 0.0, ("s2", "a"): 0.9,
                                                                     ("s2", "b"): 0.2, ("s2", "r"): 0.0}


def test_bad_configs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unique"):
        SearchConfig(human=(tmp_path,), out=tmp_path, variants=(Variant(name="a"), Variant(name="a")))
    with pytest.raises(ValueError, match="seat key"):
        SearchConfig(human=(tmp_path,), out=tmp_path, variants=(Variant(name="a"),), seats={"speculator": "llm"})
    assert Variant(name="t", adapter=Path("ad"), temperature=0.5).spec() == "llm:persona=profit-maximiser," \
                                                                          "temperature=0.5,adapter=ad"
    res = CliRunner().invoke(app, ["calibrate", "prompts", str(tmp_path / "missing.yaml")])
    assert res.exit_code != 0 and "does not exist" in res.output


def test_objective_counts_a_missing_statistic_as_the_largest_distance() -> None:
    from econlab.calibration.scoring import objective

    table = pd.DataFrame({"ks": [0.2, float("nan"), float("nan")], "n_human": [5, 5, 0], "n_sim": [5, 0, 0]})
    # the second statistic exists for the humans only: distance 1; the third exists for nobody: left out
    assert objective(table) == pytest.approx(0.6)
