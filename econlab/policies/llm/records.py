"""LLM call rows for records and datasets, and cost summaries per seat and game."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

#: the volatile part of a row (kept beside the record, not in it)
VOLATILE = "telemetry"


def record_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows without their volatile part: what goes into the game record (identical on a cached rerun)."""
    return [{k: v for k, v in r.items() if k != VOLATILE} for r in rows]


def call_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Flat rows for datasets (one per decision): the record fields plus latency, cache hits and spending."""
    out = []
    for r in rows:
        tel = r.get(VOLATILE) or {}
        flat = {k: v for k, v in r.items() if k not in (VOLATILE, "attempts", "messages")}
        flat["messages"] = r.get("messages")
        flat["raw_outputs"] = [a["raw"] for a in r.get("attempts", ())]
        flat["errors"] = [a["error"] for a in r.get("attempts", ())]
        flat["latency_ms"] = tel.get("latency_ms")
        flat["cache_hits"] = tel.get("cache_hits")
        flat["http_calls"] = tel.get("calls")
        flat["spent_usd"] = tel.get("spent_usd")
        flat["transport_failures"] = [t["error"] for t in tel.get("transport", ())]
        out.append(flat)
    return out


def summarize_calls(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts, tokens and cost of a game's rows, in total and per seat."""
    per_seat: dict[int, dict[str, Any]] = defaultdict(lambda: {"decisions": 0, "prompt_tokens": 0,
                                                               "completion_tokens": 0, "cost_usd": 0.0})
    total = {"decisions": 0, "first": 0, "repaired": 0, "fallback": 0, "prompt_tokens": 0, "completion_tokens": 0,
             "cost_usd": 0.0, "spent_usd": 0.0, "http_calls": 0, "cache_hits": 0}
    for r in rows:
        s = per_seat[int(r["seat"])]
        s["decisions"] += 1
        total["decisions"] += 1
        total[r["outcome"]] += 1
        for key in ("prompt_tokens", "completion_tokens"):
            s[key] += r[key]
            total[key] += r[key]
        s["cost_usd"] += r["cost_usd"] or 0.0
        total["cost_usd"] += r["cost_usd"] or 0.0
        tel = r.get(VOLATILE) or {}
        total["spent_usd"] += tel.get("spent_usd", 0.0)
        total["http_calls"] += tel.get("calls", 0)
        total["cache_hits"] += tel.get("cache_hits", 0)
    return {"total": total, "per_seat": {str(k): v for k, v in sorted(per_seat.items())}}
