"""Bad LLM inputs on the command line: one ``error:`` line, exit 2, nothing written (real loopback servers).

Each case runs the real ``econlab`` command in a subprocess against a real OpenAI-compatible loopback
server (or a closed port), then checks the exit code, the message and that no run folder, cache folder
or record was made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policies" / "llm"))
from loopback import GameScript, LoopbackServer  # noqa: E402

KEY = "sk-bad-input-secret-never-printed"
CLOSED = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there on a test machine


@dataclass
class Case:
    """One bad input: the command's arguments (``{url}``, ``{tmp}`` filled in), the environment, the server."""

    args: list[str]
    message: str
    env: dict[str, str | None] = field(default_factory=lambda: {"OPENAI_API_KEY": KEY})
    server: dict[str, object] | None = field(default_factory=dict)  # LoopbackServer kwargs; None: no server
    files: Callable[[Path], None] | None = None


PLAY = ["play", "--treatment", "voting", "--rounds", "1", "--no-practice", "--quiet", "--out", "{tmp}/run"]


def _scenario(text: str) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        (tmp / "s.yaml").write_text(text)
    return write


def _tournament(llm: str) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        (tmp / "t.yaml").write_text(
            "name: t\ntreatments: [voting]\nscenarios:\n  - name: llm-dev\n    default: truthful\n"
            f"    seats: {{developer: llm}}\n    llm: {llm}\nseeds: {{start: 0, count: 1}}\n"
            "game: {rounds: 1, practice_round: false, chat_ticks: 1}\n")
    return write


def _design(llm: str) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        (tmp / "d.yaml").write_text(
            "name: d\ntreatment: harberger\ngame: {rounds: 1, practice_round: false, market_ticks: 2}\n"
            "populations: [{name: truthful, default: truthful}]\nseeds: {start: 0, count: 1}\n"
            "space: [{name: tax_rate.final, type: int, low: 5, high: 80}]\n"
            "objective: {terms: [{metric: efficiency}]}\n"
            f"designer: {{kind: llm, seed: 0, candidates: 2}}\nllm: {llm}\n")
    return write


CASES = {
    "play-no-api-key": Case(PLAY + ["--policy", "2=llm", "--llm-model", "x"],
                            "error: LLM seats need an API key: $OPENAI_API_KEY is not set — export it (or give "
                            "--llm-base-url for a local endpoint that needs none)",
                            env={"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None}, server=None),
    "play-unreachable-base-url": Case(PLAY + ["--policy", "2=llm", "--llm-model", "x", "--llm-base-url", CLOSED],
                                      "error: LLM endpoint http://127.0.0.1:9/v1 is unreachable (ConnectError: "
                                      "[Errno 111] Connection refused) — check --llm-base-url and that the server "
                                      "runs", server=None),
    "play-model-not-listed": Case(PLAY + ["--policy", "2=llm", "--llm-model", "x", "--llm-base-url", "{url}"],
                                  "error: model 'x' is not served by {url}; it lists: loopback-small, "
                                  "loopback-large"),
    "play-model-close-match": Case(PLAY + ["--policy", "all=llm", "--llm-model", "loopback-smal",
                                           "--llm-base-url", "{url}"],
                                   "error: model 'loopback-smal' is not served by {url} (did you mean "
                                   "'loopback-small'?); it lists: loopback-small, loopback-large"),
    "play-model-unknown-no-listing": Case(PLAY + ["--policy", "2=llm", "--llm-model", "x", "--llm-base-url",
                                                  "{url}"],
                                          "error: model 'x' is not served by {url} (HTTP 404: The model `x` does "
                                          "not exist) — check --llm-model", server={"lists_models": False}),
    "play-wrong-api-key": Case(PLAY + ["--policy", "2=llm", "--llm-model", "loopback-small", "--llm-base-url",
                                       "{url}"],
                               "error: LLM endpoint {url} refused the API key in $OPENAI_API_KEY (HTTP 401: "
                               "Incorrect API key provided) — check the key", server={"api_key": "sk-the-right-one"}),
    "play-key-needed-but-unset": Case(PLAY + ["--policy", "2=llm", "--llm-model", "loopback-small",
                                              "--llm-base-url", "{url}"],
                                      "error: LLM endpoint {url} needs an API key (HTTP 401): $OPENAI_API_KEY is not "
                                      "set — export it", env={"OPENAI_API_KEY": None},
                                      server={"api_key": "sk-the-right-one"}),
    "play-base-url-without-scheme": Case(PLAY + ["--policy", "2=llm", "--llm-model", "m", "--llm-base-url",
                                                 "127.0.0.1:9/v1"],
                                         "error: LLM endpoint 127.0.0.1:9/v1 is unreachable (UnsupportedProtocol: "
                                         "Request URL is missing an 'http://' or 'https://' protocol.) — check "
                                         "--llm-base-url and that the server runs", server=None),
    "play-on-budget-unknown": Case(PLAY + ["--policy", "2=llm", "--llm-model", "loopback-small", "--llm-base-url",
                                           "{url}", "--budget-usd", "1", "--on-budget", "continue"],
                                   "error: --on-budget must be stop or fallback, got 'continue'"),
    "play-listing-broken": Case(PLAY + ["--policy", "2=llm", "--llm-model", "loopback-small", "--llm-base-url",
                                        "{url}"],
                                "error: LLM endpoint {url} answered HTTP 500 (scripted listing failure) — check "
                                "--llm-base-url", server={"models_status": 500}),
    "play-seat-override-model-not-listed": Case(PLAY + ["--policy", "all=llm", "--policy", "3=llm:model=nope",
                                                        "--llm-model", "loopback-small", "--llm-base-url", "{url}"],
                                                "error: model 'nope' is not served by {url}; it lists: "
                                                "loopback-small, loopback-large"),
    "play-replay-cache-missing": Case(PLAY + ["--policy", "all=llm", "--llm-backend", "replay", "--llm-model",
                                              "loopback-small", "--cache", "{tmp}/cache"],
                                      "error: replay cache folder {tmp}/cache does not exist — play once with a "
                                      "live backend and --cache {tmp}/cache first", server=None),
    "play-local-model-folder-missing": Case(PLAY + ["--policy", "2=llm", "--llm-backend", "local", "--llm-model",
                                                    "{tmp}/no-model"],
                                            "error: local model folder {tmp}/no-model does not exist — give a "
                                            "transformers model folder with --llm-model, or none for the shipped "
                                            "SmolLM2", server=None),
    "play-budget-unpriced-model": Case(PLAY + ["--policy", "2=llm", "--llm-model", "loopback-large",
                                               "--llm-base-url", "{url}", "--budget-usd", "1"],
                                       "error: --budget-usd needs a price for model 'loopback-large' in the price "
                                       "table (known: SmolLM2-135M-Instruct, gpt-4.1-mini, gpt-4.1-nano, gpt-4o, "
                                       "gpt-4o-mini, loopback-small)"),
    "play-fallback-rate-out-of-range": Case(PLAY + ["--policy", "2=llm", "--llm-model", "loopback-small",
                                                    "--llm-base-url", "{url}", "--max-fallback-rate", "1.5"],
                                            "error: --max-fallback-rate must be between 0 and 1, got 1.5"),
    "play-scenario-llm-unreachable": Case(PLAY + ["--scenario", "{tmp}/s.yaml"],
                                          "error: LLM endpoint http://127.0.0.1:9/v1 is unreachable (ConnectError: "
                                          "[Errno 111] Connection refused) — check --llm-base-url and that the "
                                          "server runs", server=None,
                                          files=_scenario(f"treatment: voting\nseats: {{developer: llm}}\n"
                                                          f"llm: {{base_url: '{CLOSED}', model: m}}\n")),
    "tournament-llm-unreachable": Case(["tournament", "{tmp}/t.yaml", "--out", "{tmp}/run", "--quiet"],
                                       "error: scenario 'llm-dev' (voting): LLM endpoint http://127.0.0.1:9/v1 is "
                                       "unreachable (ConnectError: [Errno 111] Connection refused) — check "
                                       "--llm-base-url and that the server runs", server=None,
                                       files=_tournament(f"{{base_url: '{CLOSED}', model: m}}")),
    "tournament-llm-model-not-listed": Case(["tournament", "{tmp}/t.yaml", "--out", "{tmp}/run", "--quiet"],
                                            "error: scenario 'llm-dev' (voting): model 'gpt-9' is not served by "
                                            "{url}; it lists: loopback-small, loopback-large",
                                            files=_tournament("{base_url: '{url}', model: gpt-9}")),
    "tournament-no-api-key": Case(["tournament", "{tmp}/t.yaml", "--out", "{tmp}/run", "--quiet"],
                                  "error: scenario 'llm-dev' (voting): LLM seats need an API key: $OPENAI_API_KEY "
                                  "is not set — export it (or give --llm-base-url for a local endpoint that needs "
                                  "none)", env={"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None}, server=None,
                                  files=_tournament("{model: gpt-4o-mini}")),
    "connect-llm-no-model": Case(["connect", "--rest", "http://127.0.0.1:9", "--ws", "ws://127.0.0.1:9",
                                  "--game-id", "1", "--seats", "1-1", "--default", "llm", "--out", "{tmp}/run"],
                                 "error: the openai backend needs a model name (llm.model / --llm-model)",
                                 server=None),
    "design-llm-unreachable": Case(["design", "{tmp}/d.yaml", "--out", "{tmp}/run"],
                                   "error: LLM endpoint http://127.0.0.1:9/v1 is unreachable (ConnectError: "
                                   "[Errno 111] Connection refused) — check --llm-base-url and that the server runs",
                                   server=None, files=_design(f"{{base_url: '{CLOSED}', model: m}}")),
    "design-llm-wrong-key": Case(["design", "{tmp}/d.yaml", "--out", "{tmp}/run"],
                                 "error: LLM endpoint {url} refused the API key in $OPENAI_API_KEY (HTTP 401: "
                                 "Incorrect API key provided) — check the key", server={"api_key": "sk-other"},
                                 files=_design("{base_url: '{url}', model: loopback-small}")),
}


def _run(case: Case, tmp: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="300")
    for k, v in case.env.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    args = [a.replace("{url}", url).replace("{tmp}", str(tmp)) for a in case.args]
    return subprocess.run([sys.executable, "-m", "econlab.cli", *args], capture_output=True, text=True,
                          timeout=120, check=False, env=env, cwd=tmp)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_llm_input_is_one_line_exit_2_nothing_written(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    tmp = tmp_path
    if case.server is None:
        url = CLOSED
        if case.files:
            case.files(tmp)
        proc = _run(case, tmp, url)
        listings = 0
    else:
        with LoopbackServer(GameScript(), **case.server) as srv:  # type: ignore[arg-type]
            url = srv.url
            if case.files:
                case.files(tmp)
                for f in tmp.glob("*.yaml"):
                    f.write_text(f.read_text().replace("{url}", url))
            proc = _run(case, tmp, url)
            listings = srv.listings
            assert srv.calls <= 1  # at most the one tiny call of an endpoint that does not list models
    out = proc.stdout + proc.stderr
    expected = case.message.replace("{url}", url).replace("{tmp}", str(tmp))
    assert proc.returncode == 2, out
    assert proc.stderr.splitlines() == [expected], out  # exactly this one line, on stderr
    assert "Traceback" not in out and KEY not in out
    assert not (tmp / "run").exists() and not (tmp / "cache").exists() and not list(tmp.rglob("*.record.json"))
    assert listings <= 1  # one model listing per endpoint
