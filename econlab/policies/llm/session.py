"""One run's LLM machinery, shared by its LLM seats: backend, cache, budget ledger, concurrency limit.

:meth:`LLMSession.decide` turns a seat's view into an action: render the prompt, ask the model
(cache first), parse and validate the answer, ask again with the precise error (at most
``max_repairs`` times), and otherwise use the decision's documented fallback. Every attempt is
returned as a row: the deterministic part goes into the game record, the ``telemetry`` part
(latency, cache hits, transport retries, money actually spent) only beside it, so that a rerun
from the cache gives a byte-identical record.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from typing import Any

import numpy as np

from econlab.games.ibex.actions import Action
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt
from econlab.policies.base import StopRun
from econlab.policies.llm.backends import Backend, BackendError, Completion, ReplayMiss, make_backend
from econlab.policies.llm.cache import AnswerCache, cache_key
from econlab.policies.llm.config import LLMConfig
from econlab.policies.llm.cost import BudgetExceeded, Ledger, load_prices
from econlab.policies.llm.parsing import extract_json
from econlab.policies.llm.prompts import Persona, load_personas, prompt_hash, render, repair_message
from econlab.policies.llm.schemas import AnswerError, answer_schema, parse_answer
from econlab.policies.truthful import Truthful

#: decisions whose fallback is the truthful policy's action; the others (market, chat) fall back to doing nothing
TRUTHFUL_FALLBACK = frozenset({"declare1", "declare2", "snipe1", "snipe2", "request", "offer", "vote"})


#: the reasons of ``fallback:<reason>`` sources
FALLBACK_REASONS = ("budget", "backend-error", "unparseable")


def fallback_action(view: SeatView, decision: str) -> Action | None:
    """The documented legal fallback: the truthful action, or no action in the market and the chat."""
    if decision in TRUTHFUL_FALLBACK:
        from econlab.policies.base import PolicyState

        return Truthful().act(view, PolicyState(seat=view.seat, seed=0))[0]
    return None


def call_seed(seed: int, seat: int, step: int) -> int:
    """The sampling seed of one call: a pure function of the game seed, the seat and its decision count."""
    return int(np.random.SeedSequence([seed, seat, step]).generate_state(1)[0] & 0x7FFFFFFF)


class LLMSession:
    """Backend, cache, ledger and concurrency limit of one run (module docstring)."""

    def __init__(self, config: LLMConfig, ledger: Ledger | None = None, backend: Backend | None = None) -> None:
        if config.backend == "replay" and config.cache_dir is None:
            raise ValueError("the replay backend needs a cache folder (llm.cache_dir / --cache)")
        self.config = config
        self.model = config.model_name()
        self.personas: dict[str, Persona] = load_personas(config.personas_dir)
        self.ledger = ledger or Ledger(load_prices(config.prices), config.budget_usd)
        self.ledger.check_model(self.model)
        self.cache = AnswerCache(config.cache_dir) if config.cache_dir is not None else None
        self._backend = backend
        self._semaphore_obj = asyncio.Semaphore(config.concurrency)
        self._semaphore_loop: asyncio.AbstractEventLoop | None = None
        self._sync_loop: asyncio.AbstractEventLoop | None = None
        self.http_calls = 0
        self.replay_misses: list[str] = []
        self._lora_hash: str | None = None

    @property
    def backend(self) -> Backend:
        """The backend, built on first use (the local model loads only when a seat first asks)."""
        if self._backend is None:
            self._backend = make_backend(self.config)
        return self._backend

    def persona(self, name: str) -> Persona:
        """A persona by name.

        Raises:
            ValueError: Unknown name (the known ones are listed).
        """
        if name not in self.personas:
            raise ValueError(f"unknown persona {name!r}; known: {', '.join(sorted(self.personas))}")
        return self.personas[name]

    def sampling_params(self, seed: int) -> dict[str, Any]:
        """What besides the messages changes an answer (part of the cache key)."""
        cfg = self.config
        params: dict[str, Any] = {"temperature": cfg.temperature, "max_tokens": cfg.effective_max_tokens(),
                                  "seed": seed}
        if cfg.source_backend() == "openai":
            params["structured"] = cfg.structured
        else:
            params["lora"] = self._lora_fingerprint()
        return params

    def _lora_fingerprint(self) -> str | None:
        """Path and content hash of the LoRA adapter: an adapter retrained into the same folder misses the cache."""
        lora = self.config.lora
        if lora is None:
            return None
        if self._lora_hash is None:
            digest = hashlib.sha256()
            folder = Path(lora)
            files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else [folder]
            for f in files:
                digest.update(str(f.relative_to(folder) if folder.is_dir() else f.name).encode())
                digest.update(f.read_bytes() if f.exists() else b"missing")
            self._lora_hash = digest.hexdigest()[:16]
        return f"{lora}#{self._lora_hash}"

    def run_sync(self, coro: Any) -> Any:
        """Run a coroutine on this session's own event loop (the sync ``act`` path)."""
        if self._sync_loop is None or self._sync_loop.is_closed():
            self._sync_loop = asyncio.new_event_loop()
        return self._sync_loop.run_until_complete(coro)

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore_loop is not loop:  # a semaphore belongs to one event loop
            self._semaphore_obj = asyncio.Semaphore(self.config.concurrency)
            self._semaphore_loop = loop
        return self._semaphore_obj

    async def complete(self, messages: list[dict[str, str]], schema: dict[str, Any], seed: int, where: str
                       ) -> tuple[Completion, dict[str, Any]]:
        """One answer through the cache, the budget and the backend, with its telemetry.

        The seats' :meth:`decide` and other model users of a run (the mechanism designer) share this path.

        Raises:
            ReplayMiss: ``replay`` backend without a cached answer.
            BudgetExceeded: The call could exceed the run's budget (it is not made).
            BackendError: The model stayed unreachable.
        """
        key = cache_key(self.config.source_backend(), self.model, self.sampling_params(seed), messages, schema)
        if self.cache is not None:
            entry = self.cache.get(key)
            if entry is not None:
                return (Completion(entry["text"], int(entry["prompt_tokens"]), int(entry["completion_tokens"]),
                                   bool(entry.get("structured", False))),
                        {"cache_hit": True, "latency_ms": 0.0, "spent_usd": 0.0, "transport": []})
        if self.config.backend == "replay":
            self.replay_misses.append(where)
            raise ReplayMiss(f"replay: no cached answer for {where}; play once with a live backend and the same "
                             f"--cache, seed and settings first")
        texts = [m["content"] for m in messages]
        reserved = self.ledger.reserve(self.model, texts, self.config.effective_max_tokens())
        try:
            async with self._semaphore():
                t0 = time.perf_counter()
                self.http_calls += 1
                comp = await self.backend.complete(messages, schema, seed=seed, where=where)
                latency = (time.perf_counter() - t0) * 1000
        except BaseException:
            self.ledger.release(reserved)
            raise
        spent = self.ledger.charge(self.model, comp.prompt_tokens, comp.completion_tokens, reserved,
                                   prompt_chars=sum(len(t) for t in texts))
        if self.cache is not None:
            self.cache.put(key, {"text": comp.text, "prompt_tokens": comp.prompt_tokens,
                                 "completion_tokens": comp.completion_tokens, "structured": comp.structured})
        return comp, {"cache_hit": False, "latency_ms": round(latency, 1), "spent_usd": spent,
                      "estimated_usd": reserved, "transport": comp.attempts}

    async def decide(self, view: SeatView, persona: Persona, seed: int, step: int
                     ) -> tuple[Action | None, dict[str, Any] | None]:
        """The seat's action for its current decision and the row describing the call (``None``: no decision).

        The row's ``source`` says who decided: ``llm`` (a valid answer, first time or repaired) or
        ``fallback:<reason>`` with the reason ``budget``, ``backend-error`` (unreachable or refused) or
        ``unparseable`` (no valid answer after the repairs); see :data:`FALLBACK_REASONS`.

        Raises:
            ReplayMiss: ``replay`` backend without a cached answer (names seat, round and phase).
            StopRun: The budget is spent and ``on_budget`` is ``stop``.
        """
        decision = vt.decision(view)
        if decision is None:
            return None, None
        messages = render(view, decision, persona, self.config.templates_dir)
        schema = answer_schema(decision)
        where = (f"seat {view.seat} ({view.role_name}), round {view.round}, phase {view.phase} "
                 f"({view.phase_name}), decision {decision}")
        seed = call_seed(self.config.seed if self.config.seed is not None else seed, view.seat, step)
        row: dict[str, Any] = {
            "seat": view.seat, "role": view.role_name, "persona": persona.name, "round": view.round,
            "phase": view.phase, "phase_name": view.phase_name, "decision": decision, "step": step,
            "model": self.model, "prompt_hash": prompt_hash(messages), "messages": messages, "attempts": [],
            "action": None, "outcome": None, "repairs": 0, "fallback_reason": None,
            "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": None, "source": "llm",
        }
        telemetry: dict[str, Any] = {"latency_ms": 0.0, "cache_hits": 0, "calls": 0, "spent_usd": 0.0,
                                     "estimated_usd": 0.0, "transport": []}
        row["telemetry"] = telemetry
        convo = list(messages)
        action: Action | None = None
        ok = False
        for attempt in range(self.config.max_repairs + 1):
            try:
                comp, tel = await self.complete(convo, schema, seed, where)
            except BudgetExceeded as exc:
                if self.config.on_budget == "stop":
                    raise StopRun("budget", f"{exc} (on_budget: stop)") from exc
                row["fallback_reason"] = str(exc)
                row["source"] = "fallback:budget"
                break
            except BackendError as exc:
                telemetry["transport"] += exc.attempts
                row["fallback_reason"] = f"unreachable: {exc}"
                row["source"] = "fallback:backend-error"
                break
            telemetry["latency_ms"] = round(telemetry["latency_ms"] + tel["latency_ms"], 1)
            telemetry["cache_hits"] += int(tel["cache_hit"])
            telemetry["calls"] += int(not tel["cache_hit"])
            telemetry["spent_usd"] += tel["spent_usd"]
            telemetry["estimated_usd"] += tel.get("estimated_usd", 0.0)
            telemetry["transport"] += tel["transport"]
            row["prompt_tokens"] += comp.prompt_tokens
            row["completion_tokens"] += comp.completion_tokens
            entry: dict[str, Any] = {"raw": comp.text, "error": None, "prompt_tokens": comp.prompt_tokens,
                                     "completion_tokens": comp.completion_tokens}
            row["attempts"].append(entry)
            try:
                action = parse_answer(view, decision, extract_json(comp.text))
                ok = True
                row["outcome"] = "first" if attempt == 0 else "repaired"
                break
            except AnswerError as exc:
                entry["error"] = str(exc)
                convo = convo + [{"role": "assistant", "content": comp.text}, repair_message(str(exc))]
        if not ok:
            action = fallback_action(view, decision)
            row["outcome"] = "fallback"
            if row["fallback_reason"] is None:
                row["source"] = "fallback:unparseable"
                row["fallback_reason"] = f"invalid after {len(row['attempts'])} attempts: " \
                                         f"{row['attempts'][-1]['error'] if row['attempts'] else 'no answer'}"
        row["repairs"] = max(0, len(row["attempts"]) - 1)
        row["cost_usd"] = self.ledger.cost(self.model, row["prompt_tokens"], row["completion_tokens"])
        row["action"] = action.to_message(0) if action is not None else None
        return action, row
