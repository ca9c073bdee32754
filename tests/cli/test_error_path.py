"""The CLI's one error path (``econlab.cli_errors``): user errors, exit codes and internal errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from econlab.cli_errors import EXIT_INTERNAL, ErrorHandlingGroup
from econlab.errors import EXIT_FALLBACK, UserError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "traces"


def _app() -> typer.Typer:
    app = typer.Typer(cls=ErrorHandlingGroup, add_completion=False)

    @app.command()
    def user() -> None:
        raise UserError("the thing is wrong — do this instead")

    @app.command()
    def fallback() -> None:
        raise typer.Exit(EXIT_FALLBACK)

    @app.command()
    def bug() -> None:
        raise RuntimeError("boom")

    @app.command()
    def vanished() -> None:
        raise FileNotFoundError(2, "No such file or directory", "runs/gone/x.json")

    @app.command()
    def count(n: int = 1) -> None:
        typer.echo(str(n))

    return app


def test_user_error_is_one_line_with_exit_2() -> None:
    res = CliRunner().invoke(_app(), ["user"])
    assert res.exit_code == 2 and res.stderr == "error: the thing is wrong — do this instead\n"


def test_exit_codes_pass_through() -> None:
    assert CliRunner().invoke(_app(), ["fallback"]).exit_code == EXIT_FALLBACK
    ok = CliRunner().invoke(_app(), ["count", "--n", "3"])
    assert ok.exit_code == 0 and ok.stdout == "3\n"


def test_a_path_problem_is_an_error_line() -> None:
    res = CliRunner().invoke(_app(), ["vanished"])
    assert res.exit_code == 2 and res.stderr.startswith("error: runs/gone/x.json: no such file or directory — ")


def test_usage_errors_take_the_same_style() -> None:
    res = CliRunner().invoke(_app(), ["count", "--n", "x"])
    assert res.exit_code == 2 and res.stderr.startswith("error: ") and "--n: 'x' is not a whole number" in res.stderr
    assert "╭" not in res.stderr and "pydantic" not in res.stderr


def test_internal_error_shows_the_traceback_and_says_so() -> None:
    res = CliRunner().invoke(_app(), ["bug"])
    assert res.exit_code == EXIT_INTERNAL
    assert "Traceback" in res.stderr and "RuntimeError: boom" in res.stderr
    assert "internal error: this is a bug in econlab" in res.stderr


def test_a_trace_cut_short_replays_with_partial(tmp_path: Path) -> None:
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join((SHARED / "harberger-1.jsonl").read_text().splitlines(keepends=True)[:2000]))
    proc = subprocess.run([sys.executable, "-m", "econlab.cli", "replay", str(cut), "--partial", "--json"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert '"truncated": {"round": 2, "phase": 7}' in proc.stdout
    assert proc.stderr.startswith("warning: ") and "ends in round 2, phase 7 before game over" in proc.stderr
    import json

    out = json.loads(proc.stdout)
    assert [r["round"] for r in out["rounds"]] == [1] and out["mismatches"] == [] and out["compared"] > 0


def test_a_trace_cut_anywhere_compares_what_it_holds_without_false_mismatches() -> None:
    from econlab.eval.replay import read_trace, replay_trace

    for trace in sorted(SHARED.glob("*.jsonl")):
        lines = read_trace(str(trace))
        for cut in range(40, len(lines), max(1, len(lines) // 25)):
            result = replay_trace(lines[:cut])
            over = any(isinstance(x.get("msg"), dict) and x["msg"].get("eventType") == "game-over"
                       for x in lines[:cut])
            assert (result.truncated is None) == over, (trace.name, cut)
            assert result.mismatches == [], (trace.name, cut, result.mismatches[:3])
        assert replay_trace(lines).truncated is None


def test_a_cut_trace_still_finds_a_real_mismatch(tmp_path: Path) -> None:
    import json

    out = []
    for line in (SHARED / "harberger-1.jsonl").read_text().splitlines()[:2000]:
        obj = json.loads(line)
        msg = obj.get("msg")
        if obj["dir"] == "recv" and isinstance(msg, dict) and msg.get("eventType") == "round-summary":
            msg["data"]["secondTaxes"] = 1.0  # corrupt what the server said
        out.append(json.dumps(obj))
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(out) + "\n")
    proc = subprocess.run([sys.executable, "-m", "econlab.cli", "replay", str(cut), "--partial"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1 and "mismatch round-summary seat 1 round 1" in proc.stdout
