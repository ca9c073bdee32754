"""``econlab tournament | report | compare`` end to end, and the report in headless Chromium."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
HUMAN = sorted((ROOT.parent / "shared" / "data" / "human").glob("*.log.json"))


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "econlab.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, check=False, cwd=ROOT, env=os.environ | {"COLUMNS": "250"})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("smoke") / "run"
    # one command plays the games, writes the tables and the report
    proc = _cli("tournament", ROOT / "configs" / "tournaments" / "smoke.yaml", "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "12 games (12 played, 0 already done)" in proc.stdout.replace("\n", " ")
    assert (out / "report.html").exists() and (out / "tables" / "seats.parquet").exists()
    (out / "report.html").unlink()
    proc = _cli("report", out, "--n-boot", "200")
    assert proc.returncode == 0, proc.stderr
    return out


def _images(html: str) -> list[np.ndarray]:
    import matplotlib.image as mpimg

    blobs = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    return [mpimg.imread(io.BytesIO(base64.b64decode(b)), format="png") for b in blobs]


def test_report_is_self_contained_with_non_empty_plots(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text()
    assert "<table" in html and "Allocative efficiency" in html and "Profit by role" in html
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing loaded from outside the page
    images = _images(html)
    assert len(images) >= 5  # efficiency, declarations, price vs fundamental, profit by role, voting
    for img in images:
        assert img.shape[0] > 50 and img.shape[1] > 50 and float(np.std(img)) > 0.01  # not a blank canvas


def test_compare_against_the_human_sessions(run_dir: Path) -> None:
    proc = _cli("compare", run_dir, *[x for f in HUMAN for x in ("--human", f)], "--n-boot", "200")
    assert proc.returncode == 0, proc.stderr
    assert "request / own loss" in proc.stdout and "Wasserstein" in proc.stdout
    import pandas as pd

    table = pd.read_csv(run_dir / "compare.csv")
    assert set(table["scenario"]) == {"truthful", "strategic"}
    row = table[(table["scenario"] == "truthful") & (table["statistic"] == "request / own loss")].iloc[0]
    assert round(row["human"], 2) == 1.37 and row["simulated"] == pytest.approx(1.0)  # truthful asks the loss
    assert row["wasserstein_low"] <= row["wasserstein"] <= row["wasserstein_high"] and 0 < row["ks"] <= 1
    assert all(img.size and float(np.std(img)) > 0.01 for img in _images((run_dir / "compare.html").read_text()))


def test_compare_and_report_errors_are_clear(tmp_path: Path) -> None:
    proc = _cli("report", tmp_path)
    assert proc.returncode == 2 and "missing tables" in proc.stderr
    proc = _cli("tournament", tmp_path / "nope.yaml")
    assert proc.returncode == 2 and proc.stderr.startswith("error: ")


def test_distances_match_scipy() -> None:
    from scipy.stats import ks_2samp, wasserstein_distance

    from econlab.eval.compare import _fast_distances

    rng = np.random.default_rng(1)
    for _ in range(20):
        a, b = rng.normal(size=rng.integers(1, 30)), rng.integers(0, 3, size=rng.integers(1, 30)).astype(float)
        w, ks = _fast_distances(a, b)
        assert w == pytest.approx(wasserstein_distance(a, b)) and ks == pytest.approx(ks_2samp(a, b).statistic)


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("ECONLAB_SKIP_BROWSER"):
            pytest.skip("ECONLAB_SKIP_BROWSER is set and chromium is not installed")
        pytest.fail("chromium is not installed: .ci/run installs it (apt-get install -y chromium); "
                    "set ECONLAB_SKIP_BROWSER=1 to skip this test explicitly")
    return path


def _open_in_chromium(page_path: Path, profile: Path) -> tuple[list[str], list[list]]:
    """Load ``page_path`` in headless Chromium (DevTools protocol): console problems and each image's state."""
    from websockets.sync.client import connect

    proc = subprocess.Popen([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                             f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()) and time.monotonic() < deadline:
            assert proc.poll() is None, "chromium exited early"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            page = next(t for t in json.load(resp) if t["type"] == "page")
        problems: list[str] = []
        loaded: list[bool] = []
        with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            counter = iter(range(1, 10_000))

            def collect(msg: dict) -> None:
                method, params = msg.get("method"), msg.get("params", {})
                if method == "Runtime.exceptionThrown":
                    problems.append(json.dumps(params["exceptionDetails"]))
                elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                    problems.append(json.dumps(params.get("args")))
                elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                    problems.append(params["entry"].get("text", ""))
                elif method == "Page.loadEventFired":
                    loaded.append(True)

            def call(method: str, **params: object) -> dict:
                mid = next(counter)
                ws.send(json.dumps({"id": mid, "method": method, "params": params}))
                while True:
                    msg = json.loads(ws.recv(timeout=60))
                    if msg.get("id") == mid:
                        assert "error" not in msg, msg
                        return msg.get("result", {})
                    collect(msg)

            for domain in ("Page", "Runtime", "Log"):
                call(f"{domain}.enable")
            call("Page.navigate", url=page_path.resolve().as_uri())
            deadline = time.monotonic() + 60
            while not loaded and time.monotonic() < deadline:
                collect(json.loads(ws.recv(timeout=60)))
            assert loaded, "the page never finished loading"
            result = call("Runtime.evaluate", returnByValue=True, awaitPromise=True, expression=(
                "Promise.all(Array.from(document.images).map(i => i.decode().then(() => "
                "[i.complete, i.naturalWidth, i.naturalHeight], () => [false, 0, 0])))"))
            images = result["result"]["value"]
            time.sleep(0.3)  # let late console messages arrive
            call("Runtime.evaluate", expression="1")
        return problems, images
    finally:
        proc.kill()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_report_opens_in_headless_chromium_without_errors(run_dir: Path, tmp_path: Path) -> None:
    problems, images = _open_in_chromium(run_dir / "report.html", tmp_path / "profile")
    assert problems == [], problems
    assert len(images) >= 5
    assert all(ok and w > 0 and h > 0 for ok, w, h in images), images


@pytest.mark.slow
def test_the_browser_check_catches_a_broken_page(tmp_path: Path) -> None:
    # the negative control: a console error and an undecodable image must be seen
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body>'
                   '<img src="data:image/png;base64,AAAA"><script>console.error("boom")</script></body></html>')
    problems, images = _open_in_chromium(bad, tmp_path / "profile")
    assert any("boom" in p for p in problems)
    assert images == [[False, 0, 0]]


@pytest.mark.parametrize("treatment, policy", [("voting", "voting-rational"), ("harberger", "truthful")])
def test_single_treatment_runs_get_a_report(tmp_path: Path, treatment: str, policy: str) -> None:
    from econlab.eval.report import write_report
    from econlab.eval.tournament import run_tournament
    from econlab.eval.tournament_config import TournamentConfig

    cfg = TournamentConfig.model_validate({
        "name": "one", "treatments": [treatment], "scenarios": [{"name": "p", "default": policy}],
        "seeds": [0, 1, 2], "game": {"rounds": 2, "practice_round": False, "market_ticks": 2, "chat_ticks": 1}})
    run_tournament(cfg, tmp_path)
    html = write_report(tmp_path, n_boot=100).read_text()
    assert ("<h2>Voting</h2>" in html) == (treatment == "voting")
    assert all(float(np.std(img)) > 0.01 for img in _images(html))


def test_report_with_two_exploitability_pairs_in_one_treatment(tmp_path: Path) -> None:
    from econlab.eval.report import build_report
    from econlab.eval.tournament import run_tournament
    from econlab.eval.tournament_config import TournamentConfig

    cfg = TournamentConfig.model_validate({
        "name": "two-pairs", "treatments": ["harberger"], "seeds": [0, 1],
        "scenarios": [{"name": "truthful", "default": "truthful"},
                      {"name": "dev", "default": "truthful", "seats": {"developer": "strategic"}},
                      {"name": "spec", "default": "truthful", "seats": {"7": "random"}}],
        "game": {"rounds": 1, "practice_round": False, "market_ticks": 2},
        "exploitability": [{"name": "strategic developer", "seat": 2, "focal": "dev", "baseline": "truthful"},
                           {"name": "random speculator", "seat": 7, "focal": "spec", "baseline": "truthful"}]})
    run_tournament(cfg, tmp_path / "run")
    html = build_report(tmp_path / "run", n_boot=50)
    assert "<td>strategic developer</td>" in html and "<td>random speculator</td>" in html
    assert 'alt="exploitability"' in html  # the chart of both pairs was drawn (it used to raise TypeError)
