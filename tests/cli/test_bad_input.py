"""Bad input to every ``econlab`` command: one ``error: <what> — <what to do>`` style, exit 2, nothing written.

Each case builds its inputs in a fresh folder, runs the real command line (``python -m econlab.cli``) there and
checks the exit status, the message, the error style (no traceback, no library wording or URL, no Typer box) and
that the folder is byte-for-byte what it was before (no half-made run folder, nothing overwritten).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
TRACE = SHARED / "traces" / "harberger-1.jsonl"
HUMAN = SHARED / "human" / "voting-223.log.json"
#: text that must never reach a user: library wording, URLs, tracebacks, Typer's boxes
LEAKS = ("Traceback", "pydantic", "errors.pydantic.dev", "For further information", "Input should be",
         "validation error", "╭", "│", "Extra inputs are not permitted", "Field required")

TOURNAMENT = "name: t\ntreatments: [harberger]\nseeds: [0]\ngame: {rounds: 1, practice_round: false, market_ticks: 2}\n"
TRAINING = ("name: tr\ntreatment: harberger\nlearn: [speculator7]\nopponents: {default: strategic}\n"
            "game: {rounds: 1, market_ticks: 3, practice_round: false}\niterations: 1\n")
DESIGN = """name: d
treatment: harberger
game: {rounds: 1, practice_round: false, market_ticks: 2}
populations: [{name: s, default: strategic}]
seeds: [0]
space: [{name: tax_rate.final, type: int, low: 5, high: 80}]
objective: {terms: [{metric: efficiency}]}
"""
SEARCH = "prompts:\n  human: [a.log.json, b.log.json]\n  out: cal\n  variants: [{name: v}]\n"
FINETUNE = "finetune:\n  sft: sft.jsonl\n  out: adapter\n"


def _run(args: tuple[str, ...], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "econlab.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, check=False)


def _snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file and folder under ``root`` with its size, modification time and content hash."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(root))] = (p.stat().st_size, p.stat().st_mtime_ns,
                                             hashlib.sha256(p.read_bytes()).hexdigest())
        else:
            out[str(p.relative_to(root)) + "/"] = (0, 0, "")
    return out


def _cut_trace(lines: int) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        text = TRACE.read_text(encoding="utf-8").splitlines(keepends=True)
        (root / "cut.jsonl").write_text("".join(text[:lines]), encoding="utf-8")
    return make


def _cut_mid_line(root: Path) -> None:
    (root / "mid.jsonl").write_bytes(TRACE.read_bytes()[:5000])


def _copy_human(root: Path) -> None:
    (root / "h.log.json").write_bytes(HUMAN.read_bytes())


def _copy_trace(root: Path) -> None:
    (root / "t.jsonl").write_bytes(TRACE.read_bytes())


def _other_training_run(root: Path) -> None:
    from econlab.training.config import load_train_config

    (root / "tr.yaml").write_text(TRAINING, encoding="utf-8")
    cfg = load_train_config(root / "tr.yaml")
    run = root / "runs" / cfg.run_name
    run.mkdir(parents=True)
    theirs = json.loads(cfg.model_dump_json(by_alias=True)) | {"lr": 0.5, "hidden": [3]}
    (run / "config.json").write_text(json.dumps(theirs), encoding="utf-8")


def _foreign_training_folder(root: Path) -> None:
    from econlab.training.config import load_train_config

    (root / "tr.yaml").write_text(TRAINING, encoding="utf-8")
    run = root / "runs" / load_train_config(root / "tr.yaml").run_name
    run.mkdir(parents=True)
    (run / "notes.txt").write_text("someone else's files\n", encoding="utf-8")


def _other_tournament_run(root: Path) -> None:
    run = root / "runs" / "tournament-t"
    run.mkdir(parents=True)
    (run / "tournament.json").write_text(json.dumps({"name": "t", "treatments": ["voting"]}), encoding="utf-8")
    (root / "t.yaml").write_text(TOURNAMENT + "scenarios: [{name: a}]\n", encoding="utf-8")


def _other_search(root: Path) -> None:
    from econlab.calibration.search import load_config

    (root / "c.yaml").write_text(SEARCH, encoding="utf-8")
    cfg = load_config(root / "c.yaml")
    theirs = json.loads(cfg.model_dump_json()) | {"n_boot": 10, "variants": [{"name": "w"}]}
    (root / "cal").mkdir()
    (root / "cal" / "search.json").write_text(json.dumps({"config": theirs}), encoding="utf-8")


@dataclass(frozen=True)
class Case:
    """One bad input: the command, the files it reads, the exit status and the phrases the message must hold."""

    id: str
    args: tuple[str, ...]
    expect: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None
    code: int = 2
    #: what may be printed on stdout besides nothing (replay prints what it compared)
    stdout: tuple[str, ...] = ()


CASES = [
    # ---------------------------------------------------------------- the table
    Case("scenario-params-nested-typo", ("play", "--scenario", "s.yaml"),
         ("s.yaml: params.tax_rate.finale: unknown key 'finale'", "allowed keys: final, initial",
          "did you mean 'final'?"), files={"s.yaml": "params: {tax_rate: {finale: 70}}\n"}),
    Case("scenario-params-top-typo", ("play", "--scenario", "s.yaml"),
         ("s.yaml: params.tax_rat: unknown key 'tax_rat'", "did you mean 'tax_rate'?"),
         files={"s.yaml": "params: {tax_rat: {final: 70}}\n"}),
    Case("tournament-game-params-typo", ("tournament", "t.yaml"),
         ("t.yaml: game.params.tax_rate.finale: unknown key 'finale'", "did you mean 'final'?"),
         files={"t.yaml": TOURNAMENT.replace("market_ticks: 2}", "market_ticks: 2, params: {tax_rate: "
                                             "{finale: 70}}}") + "scenarios: [{name: a}]\n"}),
    Case("tournament-scenario-params-typo", ("tournament", "t.yaml"),
         ("t.yaml: scenarios[0].params.tax_rat: unknown key 'tax_rat'", "did you mean 'tax_rate'?"),
         files={"t.yaml": TOURNAMENT + "scenarios: [{name: a, params: {tax_rat: {final: 70}}}]\n"}),
    Case("replay-trace-cut-at-line-300", ("replay", "cut.jsonl"),
         ("cut.jsonl ends in round 1, phase 2 before game over", "pass --partial"),
         setup=_cut_trace(300), stdout=("0 items compared, 0 mismatches",)),
    Case("replay-trace-cut-in-round-2", ("replay", "cut.jsonl"),
         ("cut.jsonl ends in round 2, phase 7 before game over", "only what it holds was compared"),
         setup=_cut_trace(2000), stdout=("round 1:", "items compared, 0 mismatches")),
    Case("play-out-under-a-file", ("play", "--out", "f.txt/run"),
         ("--out f.txt/run: f.txt is a file, so no folder can be made under it",), files={"f.txt": "x\n"}),
    Case("play-out-is-a-file", ("play", "--out", "f.txt"), ("--out f.txt is a file, not a folder",),
         files={"f.txt": "x\n"}),
    Case("tournament-out-is-a-file", ("tournament", "t.yaml", "--out", "f.txt"),
         ("--out f.txt is a file, not a folder",),
         files={"f.txt": "x\n", "t.yaml": TOURNAMENT + "scenarios: [{name: a}]\n"}),
    Case("train-out-is-a-file", ("train", "tr.yaml", "--out", "f.txt"), ("--out f.txt is a file, not a folder",),
         files={"f.txt": "x\n", "tr.yaml": TRAINING}),
    Case("train-out-under-a-file", ("train", "tr.yaml", "--out", "f.txt/sub"),
         ("f.txt is a file, so no folder can be made under it",), files={"f.txt": "x\n", "tr.yaml": TRAINING}),
    Case("play-out-unwritable", ("play", "--out", "/sys/econlab-run"),
         ("--out /sys/econlab-run: cannot write in /sys (permission denied) — give a writable folder",)),
    Case("tournament-out-unwritable", ("tournament", "t.yaml", "--out", "/sys/econlab-run"),
         ("cannot write in /sys (permission denied)",), files={"t.yaml": TOURNAMENT + "scenarios: [{name: a}]\n"}),
    Case("train-out-unwritable", ("train", "tr.yaml", "--out", "/sys/econlab-run"),
         ("cannot write in /sys (permission denied)",), files={"tr.yaml": TRAINING}),
    Case("report-n-boot-0", ("report", "run", "--n-boot", "0"),
         ("--n-boot 0: the confidence intervals need at least 1 bootstrap replicate",), files={"run/x.txt": ""}),
    Case("train-folder-of-another-run", ("train", "tr.yaml", "--out", "runs"),
         ("holds another training run (its config.json differs in hidden, lr)", "use another --out folder"),
         setup=_other_training_run),
    Case("tournament-unknown-policy", ("tournament", "t.yaml"),
         ("t.yaml: scenarios[0].default: unknown policy 'strategc'", "did you mean 'strategic'?"),
         files={"t.yaml": TOURNAMENT + "scenarios: [{name: a, default: strategc}]\n"}),
    Case("play-treatment-bogus", ("play", "--treatment", "bogus"),
         ("error: --treatment: 'bogus' is not allowed — allowed values: harberger, futarchy, voting",)),
    Case("play-rounds-0", ("play", "--rounds", "0"), ("error: --rounds: 0 is out of range — allowed: 1 to 5",)),
    Case("play-seed-abc", ("play", "--seed", "abc"), ("--seed: 'abc' is not a whole number — give an integer",)),
    Case("replay-a-lab-record", ("replay", "h.log.json"),
         ("h.log.json is a lab record (a game's parameters and log), not a lab-server trace",
          "econlab dataset human h.log.json"), setup=_copy_human),
    Case("compare-human-given-a-trace", ("compare", "run", "--human", "t.jsonl"),
         ("t.jsonl is a lab-server trace (one message per line), not a lab record", "econlab replay t.jsonl"),
         setup=_copy_trace, files={"run/x.txt": ""}),
    Case("voting-only-policy-in-harberger-seat", ("play", "--policy", "owner=voting-rational"),
         ("seat 1 (owner): voting-rational plays only voting, not harberger",)),
    Case("policy-for-a-seat-that-does-not-exist", ("play", "--treatment", "voting", "--policy", "9=random"),
         ("seat 9 does not exist in voting",)),
    Case("policy-for-a-role-voting-lacks", ("play", "--treatment", "voting", "--policy", "speculator=random"),
         ("speculator: this voting game has no speculator seats",)),
    # ---------------------------------------------------------------- more: every command, every config kind
    Case("play-unknown-policy", ("play", "--policy", "owner=strategc"),
         ("--policy owner=strategc: unknown policy 'strategc'", "did you mean 'strategic'?")),
    Case("play-bad-policy-parameter", ("play", "--policy", "owner=strategic:shdae=0.1"),
         ("policy 'strategic' has no parameter 'shdae'",)),
    Case("play-session-12", ("play", "--session", "12"), ("--session: 12 is out of range — allowed: 1 to 11",)),
    Case("play-llm-backend-bogus", ("play", "--llm-backend", "foo"),
         ("--llm-backend: 'foo' is not allowed — allowed values: openai, local, replay",)),
    Case("play-no-such-option", ("play", "--polcy", "owner=random"),
         ("no such option --polcy", "did you mean --policy?")),
    Case("no-such-command", ("plya",), ("no such command 'plya'",)),
    Case("compare-without-human", ("compare", "run"), ("missing --human",), files={"run/x.txt": ""}),
    Case("scenario-missing", ("play", "--scenario", "nope.yaml"), ("nope.yaml does not exist",)),
    Case("scenario-not-yaml", ("play", "--scenario", "s.yaml"), ("s.yaml: not valid YAML at line", "fix the file"),
         files={"s.yaml": "treatment: voting\nseats: {owner: [\n"}),
    Case("scenario-is-a-list", ("play", "--scenario", "s.yaml"), ("a scenario is a mapping of settings",),
         files={"s.yaml": "- treatment: voting\n"}),
    Case("scenario-llm-typo", ("play", "--scenario", "s.yaml"),
         ("s.yaml: llm.temprature: unknown key 'temprature'", "did you mean 'temperature'?"),
         files={"s.yaml": "llm: {temprature: 0.5}\n"}),
    Case("scenario-params-fraction", ("play", "--scenario", "s.yaml"),
         ("params.tax_rate.final: 70.5 is not a whole number", "it would play 70"),
         files={"s.yaml": "params: {tax_rate: {final: 70.5}}\n"}),
    Case("scenario-params-value-for-mapping", ("play", "--scenario", "s.yaml"),
         ("params.owners: 3 is not a mapping — give the keys count, balance",),
         files={"s.yaml": "params: {owners: 3}\n"}),
    Case("scenario-params-deep-typo", ("play", "--scenario", "s.yaml"),
         ("params.owners.profit.project_a.hi: unknown key 'hi'", "did you mean 'high'?"),
         files={"s.yaml": "params: {owners: {profit: {project_a: {hi: 3}}}}\n"}),
    Case("scenario-unknown-seat-key", ("play", "--scenario", "s.yaml"), ("seats",),
         files={"s.yaml": "seats: {ownr: truthful}\n"}),
    Case("scenario-given-a-tournament", ("play", "--scenario", "t.yaml"),
         ("t.yaml: this looks like a tournament config, not a scenario — use `econlab tournament t.yaml`",),
         files={"t.yaml": TOURNAMENT + "scenarios: [{name: a}]\n"}),
    Case("tournament-seed-range-typo", ("tournament", "t.yaml"),
         ("t.yaml: seeds.cont: unknown key 'cont'", "did you mean 'count'?"),
         files={"t.yaml": TOURNAMENT.replace("seeds: [0]", "seeds: {start: 0, cont: 2}")
                + "scenarios: [{name: a}]\n"}),
    Case("tournament-game-typo", ("tournament", "t.yaml"),
         ("t.yaml: game.round: unknown key 'round'", "did you mean 'rounds'?"),
         files={"t.yaml": TOURNAMENT.replace("rounds: 1", "round: 1") + "scenarios: [{name: a}]\n"}),
    Case("tournament-repetitions-0", ("tournament", "t.yaml"), ("t.yaml: repetitions: 0 is out of range",),
         files={"t.yaml": TOURNAMENT + "repetitions: 0\nscenarios: [{name: a}]\n"}),
    Case("tournament-voting-only-policy", ("tournament", "t.yaml"),
         ("scenarios[0]: harberger: seat 7 (speculator): voting-rational plays only voting",),
         files={"t.yaml": TOURNAMENT + "scenarios: [{name: a, seats: {speculator: voting-rational}}]\n"}),
    Case("tournament-treatment-typo", ("tournament", "t.yaml"),
         ("treatments[0]: 'harbrger' is not allowed", "did you mean 'harberger'?"),
         files={"t.yaml": TOURNAMENT.replace("[harberger]", "[harbrger]") + "scenarios: [{name: a}]\n"}),
    Case("tournament-folder-of-another-run", ("tournament", "t.yaml"),
         ("runs/tournament-t holds a different tournament", "use another --out folder"),
         setup=_other_tournament_run),
    Case("tournament-workers-0", ("tournament", "t.yaml", "--workers", "0"), ("--workers 0",),
         files={"t.yaml": TOURNAMENT + "scenarios: [{name: a}]\n"}),
    Case("tournament-given-a-training-config", ("tournament", "tr.yaml"),
         ("this looks like a training config, not a tournament config — use `econlab train tr.yaml`",),
         files={"tr.yaml": TRAINING}),
    Case("training-config-typo", ("train", "tr.yaml"), ("tr.yaml: iteration: unknown key 'iteration'",
                                                       "did you mean 'iterations'?"),
         files={"tr.yaml": TRAINING.replace("iterations: 1", "iteration: 1")}),
    Case("training-learn-missing-seat", ("train", "tr.yaml"), ("learn:", "'speculator13' is not a seat"),
         files={"tr.yaml": TRAINING.replace("speculator7", "speculator13")}),
    Case("training-opponent-unknown-policy", ("train", "tr.yaml"),
         ("tr.yaml: opponents.seats.owner: unknown policy 'truthfull'", "did you mean 'truthful'?"),
         files={"tr.yaml": TRAINING.replace("{default: strategic}", "{default: strategic, seats: {owner: "
                                            "truthfull}}")}),
    Case("training-game-params-typo", ("train", "tr.yaml"), ("game.params.tax_rat: unknown key 'tax_rat'",),
         files={"tr.yaml": TRAINING.replace("practice_round: false}", "practice_round: false, params: "
                                            "{tax_rat: 3}}")}),
    Case("training-iterations-option-0", ("train", "tr.yaml", "--iterations", "0"),
         ("tr.yaml: iterations: 0 is out of range — allowed: >= 1",), files={"tr.yaml": TRAINING}),
    Case("train-folder-with-foreign-files", ("train", "tr.yaml", "--out", "runs"),
         ("holds files but no training run",), setup=_foreign_training_folder),
    Case("study-typo", ("exploit-study", "st.yaml"), ("st.yaml: baseline: unknown key 'baseline'",
                                                     "did you mean 'baselines'?"),
         files={"st.yaml": "name: st\nexploiters: [tr.yaml]\nbaseline: [truthful]\n", "tr.yaml": TRAINING}),
    Case("study-missing-exploiter-file", ("exploit-study", "st.yaml"), ("no such training config",),
         files={"st.yaml": "name: st\nexploiters: [nope.yaml]\n"}),
    Case("design-population-unknown-policy", ("design", "d.yaml", "--out", "run"),
         ("d.yaml: populations[0].default: unknown policy 'strategik'",),
         files={"d.yaml": DESIGN.replace("default: strategic", "default: strategik")}),
    Case("design-designer-typo", ("design", "d.yaml", "--out", "run"),
         ("designer.candidate: unknown key 'candidate'", "did you mean 'candidates'?"),
         files={"d.yaml": DESIGN + "designer: {kind: random, candidate: 3}\n"}),
    Case("design-llm-typo", ("design", "d.yaml", "--out", "run"), ("llm.modle: unknown key 'modle'",),
         files={"d.yaml": DESIGN + "llm: {modle: x}\n"}),
    Case("design-designer-option-bogus", ("design", "d.yaml", "--out", "run", "--designer", "grid"),
         ("'grid' is not allowed — allowed values: optuna, llm, random",), files={"d.yaml": DESIGN}),
    Case("design-out-is-a-file", ("design", "d.yaml", "--out", "f.txt"), ("--out f.txt is a file",),
         files={"d.yaml": DESIGN, "f.txt": "x\n"}),
    Case("calibrate-key-beside-section", ("calibrate", "prompts", "c.yaml"),
         ("c.yaml: rounds: unknown key 'rounds' beside prompts:",), files={"c.yaml": SEARCH + "rounds: 2\n"}),
    Case("calibrate-variant-typo", ("calibrate", "prompts", "c.yaml"),
         ("c.yaml: variants[0].persna: unknown key 'persna'", "did you mean 'persona'?"),
         files={"c.yaml": SEARCH.replace("{name: v}", "{name: v, persna: x}")}),
    Case("calibrate-llm-typo", ("calibrate", "prompts", "c.yaml"),
         ("c.yaml: llm.max_token: unknown key 'max_token'", "did you mean 'max_tokens'?"),
         files={"c.yaml": SEARCH + "  llm: {max_token: 3}\n"}),
    Case("finetune-typo", ("calibrate", "finetune", "f.yaml"),
         ("f.yaml: lora_r: unknown key 'lora_r'",), files={"f.yaml": FINETUNE + "  lora_r: 4\n"}),
    Case("finetune-device-bogus", ("calibrate", "finetune", "f.yaml"),
         ("f.yaml: device: 'tpu' is not allowed — allowed values: auto, cpu, cuda",),
         files={"f.yaml": FINETUNE + "  device: tpu\n"}),
    Case("finetune-folder-of-other-settings", ("calibrate", "finetune", "f.yaml"),
         ("adapter holds an adapter trained with other settings (lr, r)", "--overwrite"),
         files={"f.yaml": FINETUNE, "adapter/training.json": '{"settings": {"sft": "sft.jsonl", "out": "adapter", '
                '"model": null, "games": [], "decisions": ["request", "offer", "vote"], "practice": true, '
                '"max_examples": null, "max_length": 2048, "r": 4, "alpha": 16, "dropout": 0.05, "target_modules": '
                '["q_proj", "v_proj"], "lr": 0.1, "epochs": 1, "max_steps": null, "grad_accum": 4, "seed": 0, '
                '"prefix_grad": false}}\n'}),
    Case("calibrate-folder-of-other-search", ("calibrate", "prompts", "c.yaml"),
         ("cal holds a prompt search with other settings (n_boot, variants)", "--overwrite"),
         setup=_other_search),
    Case("dataset-given-a-trace", ("dataset", "human", "t.jsonl", "--out", "ds"),
         ("t.jsonl is a lab-server trace", "not a lab record"), setup=_copy_trace),
    Case("dataset-decision-bogus", ("dataset", "human", "h.log.json", "--decision", "bid", "--out", "ds"),
         ("--decision: 'bid' is not allowed — allowed values: request, offer, vote",), setup=_copy_human),
    Case("dataset-folder-of-other-inputs", ("dataset", "human", "h.log.json", "--out", "ds"),
         ("ds holds a dataset built from other files", "--overwrite"), setup=_copy_human,
         files={"ds/summary.json": '{"files": ["other.log.json"], "persona": "profit-maximiser", '
                                   '"decisions": ["request", "offer", "vote", "chat"]}\n'}),
    Case("replay-cut-mid-line", ("replay", "mid.jsonl"), ("mid.jsonl: line 8 is not JSON",
                                                         "cut in the middle of a line"), setup=_cut_mid_line),
    Case("replay-given-a-config", ("replay", "s.yaml"), ("s.yaml is a YAML config, not a lab-server trace",),
         files={"s.yaml": "treatment: voting\n"}),
    Case("replay-compat-bogus", ("replay", "t.jsonl", "--compat", "lax"),
         ("--compat: 'lax' is not allowed — allowed values: server, strict",), setup=_copy_trace),
    Case("report-missing-run", ("report", "nope"), ("nope does not exist — give a tournament run folder",)),
    Case("report-given-a-file", ("report", "t.jsonl"), ("t.jsonl is a lab-server trace", "not a tournament run"),
         setup=_copy_trace),
    Case("design-export-not-a-run", ("design-export", "nowhere", "--out", "x.yaml"),
         ("nowhere is not a design run folder (it has no design.json)",)),
    Case("calibrate-report-not-a-search", ("calibrate", "report", "nowhere"), ("nowhere/cv.csv does not exist",)),
    Case("finetune-is-a-scenario", ("calibrate", "finetune", "s.yaml"),
         ("s.yaml: this looks like a scenario, not a finetune config — use `econlab play --scenario s.yaml`",),
         files={"s.yaml": "treatment: voting\nseats: {owner: truthful}\n"}),
    Case("play-budget-not-a-number", ("play", "--budget-usd", "lots"), ("--budget-usd: 'lots' is not a number",)),
    Case("play-policy-without-equals", ("play", "--policy", "owner"), ("--policy takes ROLE_OR_SEAT=NAME",)),
    Case("play-negative-seed", ("play", "--seed", "-1"), ("--seed -1: seeds are whole numbers >= 0",)),
    Case("replay-given-server-gamedata", ("replay", "g.json"),
         ("g.json is the lab server's game data (/games/data), not a lab-server trace",),
         files={"g.json": '{"data": {}, "status": true, "message": "Data available"}\n'}),
    Case("replay-empty-file", ("replay", "e.jsonl"), ("the trace has no http line that creates the game",),
         files={"e.jsonl": ""}),
    Case("tournament-seat-key-not-text", ("tournament", "t.yaml"), ("scenarios[0].seats[7]: 7 is not text",),
         files={"t.yaml": TOURNAMENT + "scenarios: [{name: a, seats: {7: random}}]\n"}),
    Case("serve-compat-bogus", ("serve", "--compat", "lax", "--rest-port", "0", "--ws-port", "0"),
         ("compat must be 'strict' or 'server'",)),
    Case("serve-timers-typo", ("serve", "--timers", "timers.json", "--rest-port", "0", "--ws-port", "0"),
         ("timers.json: phse_2: unknown key 'phse_2'", "did you mean 'phase_2'?"),
         files={"timers.json": '{"phase_1": 3, "phse_2": 60}\n'}),
    Case("connect-out-under-a-file", ("connect", "--rest", "http://127.0.0.1:9", "--ws", "ws://127.0.0.1:9",
                                      "--game-id", "1", "--out", "f.txt/r"),
         ("f.txt is a file, so no folder can be made under it",), files={"f.txt": "x\n"}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_stops_with_one_error_line_and_writes_nothing(case: Case, tmp_path: Path) -> None:
    for name, text in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    if case.setup is not None:
        case.setup(tmp_path)
    before = _snapshot(tmp_path)
    proc = _run(case.args, tmp_path)
    assert proc.returncode == case.code, proc.stdout + proc.stderr
    for phrase in case.expect:
        assert phrase in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("error: ") for line in lines), proc.stderr
    for leak in LEAKS:
        assert leak not in proc.stderr + proc.stdout, proc.stderr
    for phrase in case.stdout:
        assert phrase in proc.stdout
    if not case.stdout:
        assert proc.stdout.strip() == "", proc.stdout  # no game header, no progress bar: it stopped before work
    assert _snapshot(tmp_path) == before, "the command wrote or changed files"
