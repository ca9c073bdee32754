"""LLM seats: how close concurrent calls come to the ideal, and what a game costs in tokens.

Run: ``.venv/bin/python benchmarks/bench_llm.py [--latency 0.2] [--rounds 1] [--market-ticks 5]``.
Prints figures; asserts nothing.

A loopback OpenAI-compatible server (``tests/policies/llm/loopback.py``) answers every request
with a legal action after a fixed latency. One 12-seat Harberger game, all seats LLM, is played
(1) concurrently (all deciders of a tick in flight together) and (2) with ``concurrency=1``
(sequential calls). "Ideal" is the sum over ticks of the slowest call of the tick, measured by the
client. Cost uses the price of ``loopback-small`` in ``configs/llm/prices.yaml`` (priced like a
small hosted model).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "policies" / "llm"))

from loopback import GameScript, LoopbackServer  # noqa: E402

import econlab.eval.runner as runner  # noqa: E402
from econlab.eval.runner import GameSpec, play_game  # noqa: E402
from econlab.games.ibex import GameParams  # noqa: E402
from econlab.policies.llm import LLMConfig, PolicyFactory, summarize_calls  # noqa: E402

_tick_ms: list[float] = []
_original = runner._decide_all


async def _timed(game: Any, deciders: list[int], policies: Any, states: Any) -> dict[int, Any]:
    before = {s: states[s].step for s in deciders}
    results = await _original(game, deciders, policies, states)
    rows = {s: r[1].memory.get("llm_calls") for s, r in results.items() if isinstance(r, tuple)}
    lat = [c[-1]["telemetry"]["latency_ms"] for s, c in rows.items() if c and c[-1]["step"] == before[s]]
    if lat:
        _tick_ms.append(max(lat))
    return results


def play(url: str, concurrency: int, rounds: int, market_ticks: int) -> tuple[float, Any, PolicyFactory]:
    cfg = LLMConfig(backend="openai", base_url=url, model="loopback-small", concurrency=concurrency, timeout_s=30)
    factory = PolicyFactory(cfg)
    params = GameParams.lab_default("harberger").replace(round_count=rounds, practice_round=False)
    policies = factory.build({s: "llm" for s in range(1, 13)})
    t0 = time.perf_counter()
    result = play_game(GameSpec(params=params, seed=1, market_ticks=market_ticks), policies)
    return time.perf_counter() - t0, result, factory


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--market-ticks", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "bench")
    runner._decide_all = _timed  # type: ignore[assignment]
    with LoopbackServer(GameScript(delay_s=args.latency)) as srv:
        wall, result, factory = play(srv.url, 16, args.rounds, args.market_ticks)
        ideal = sum(_tick_ms) / 1000
        ticks = len(_tick_ms)
        _tick_ms.clear()
        seq_wall, _, _ = play(srv.url, 1, args.rounds, args.market_ticks)
    s = summarize_calls(result.llm_calls)["total"]
    print(f"12-seat Harberger, {args.rounds} round(s), {args.market_ticks} market ticks, "
          f"server latency {args.latency * 1000:.0f} ms")
    print(f"  LLM ticks: {ticks}, requests: {s['http_calls']}")
    print(f"  concurrent wall time:        {wall:7.2f} s")
    print(f"  sum of per-tick latencies:   {ideal:7.2f} s   -> ratio {wall / ideal:.2f}x (goal <= 1.3x)")
    print(f"  sequential calls wall time:  {seq_wall:7.2f} s   -> speed-up {seq_wall / wall:.1f}x")
    print(f"  tokens: {s['prompt_tokens']} prompt + {s['completion_tokens']} completion; "
          f"cost {s['cost_usd']:.5f} USD per game at loopback-small's price "
          f"(0.15 / 0.60 USD per million input / output tokens)")


if __name__ == "__main__":
    main()
