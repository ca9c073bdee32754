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
        flat["estimated_usd"] = tel.get("estimated_usd")  # what the budget reserved for the calls made
        flat["transport_failures"] = [t["error"] for t in tel.get("transport", ())]
        out.append(flat)
    return out


def source_of(row: Mapping[str, Any]) -> str:
    """Who decided an LLM call row: ``llm`` or ``fallback:<reason>`` (rows from before ``source``: its outcome)."""
    if row.get("source"):
        return str(row["source"])
    if row.get("outcome") != "fallback":
        return "llm"
    reason = str(row.get("fallback_reason") or "")
    return "fallback:budget" if reason.startswith("budget") else \
        "fallback:backend-error" if reason.startswith("unreachable") else "fallback:unparseable"


def fallback_shares(rows: Iterable[Mapping[str, Any]], key: Any = None) -> dict[Any, dict[str, Any]]:
    """Per seat (or per ``key(row)``): decisions, fallbacks, their share and the count of each reason."""
    out: dict[Any, dict[str, Any]] = {}
    for r in rows:
        k = key(r) if key is not None else int(r["seat"])
        s = out.setdefault(k, {"role": r.get("role"), "decisions": 0, "fallbacks": 0, "share": 0.0,
                               "reasons": defaultdict(int)})
        s["decisions"] += 1
        src = source_of(r)
        if src.startswith("fallback:"):
            s["fallbacks"] += 1
            s["reasons"][src.partition(":")[2]] += 1
    for s in out.values():
        s["share"] = s["fallbacks"] / s["decisions"] if s["decisions"] else 0.0
        s["reasons"] = dict(sorted(s["reasons"].items()))
    return dict(sorted(out.items()))


def fallback_line(label: str, s: Mapping[str, Any]) -> str:
    """One summary line: ``seat 2 (developer): 14 decisions, 3 fell back (21.4%: budget 2, unparseable 1)``."""
    reasons = ", ".join(f"{k} {v}" for k, v in s["reasons"].items())
    return (f"{label}: {s['decisions']} decisions, {s['fallbacks']} fell back ({100 * s['share']:.1f}%"
            + (f": {reasons})" if reasons else ")"))


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
