"""Seat specs to policies: ``llm`` and ``llm:persona=exploiter,temperature=0.7`` beside the scripted names.

All LLM seats with the same settings share one :class:`LLMSession` (backend, cache, concurrency
limit); all sessions of a run share one budget :class:`~econlab.policies.llm.cost.Ledger`. When a
session is first needed its backend is checked (:mod:`~econlab.policies.llm.preflight`: key, endpoint,
model; once per endpoint), so that a run with a bad credential or URL stops before its first game.
Per-seat keys: ``persona``, ``adapter`` (a LoRA folder: ``LLMConfig.lora``) and the :class:`LLMConfig`
fields ``model``, ``temperature``, ``max_repairs``, ``max_tokens`` and ``market_every``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from econlab.policies.base import Policy
from econlab.policies.llm.config import LLMConfig
from econlab.policies.llm.cost import Ledger, load_prices
from econlab.policies.llm.policy import LLMPolicy
from econlab.policies.llm.preflight import Preflight
from econlab.policies.llm.session import LLMSession

SEAT_KEYS = ("model", "temperature", "max_repairs", "max_tokens", "market_every")


def is_llm_spec(spec: str) -> bool:
    """Whether a seat spec names the ``llm`` policy."""
    return spec.strip().partition(":")[0].strip() == "llm"


def parse_llm_spec(spec: str) -> tuple[str | None, dict[str, Any]]:
    """``(persona, config overrides)`` of an ``llm[:key=value,...]`` spec.

    Raises:
        ValueError: Not an llm spec, or an unknown or malformed key.
    """
    if not is_llm_spec(spec):
        raise ValueError(f"{spec!r} is not an llm spec")
    persona: str | None = None
    overrides: dict[str, Any] = {}
    for item in filter(None, (s.strip() for s in spec.partition(":")[2].split(","))):
        key, eq, value = (x.strip() for x in item.partition("="))
        if not eq:
            raise ValueError(f"llm spec {spec!r}: {item!r} must be key=value")
        if key == "persona":
            persona = value
        elif key == "adapter":  # a LoRA adapter folder for the local backend (econlab calibrate finetune)
            overrides["lora"] = value
        elif key in SEAT_KEYS:
            overrides[key] = value
        else:
            raise ValueError(f"llm spec {spec!r}: unknown key {key!r}; "
                             f"valid: persona, adapter, {', '.join(SEAT_KEYS)}")
    return persona, overrides


class PolicyFactory:
    """Builds the policies of a run, sharing LLM sessions and one budget ledger."""

    def __init__(self, config: LLMConfig | None = None, *, preflight: bool = True) -> None:
        """``preflight=False``: skip the backend check (a worker whose run was checked already)."""
        self.config = config or LLMConfig()
        self.ledger = Ledger(load_prices(self.config.prices), self.config.budget_usd)
        self.sessions: dict[LLMConfig, LLMSession] = {}
        self.preflight = Preflight() if preflight else None

    def session(self, overrides: Mapping[str, Any] | None = None) -> LLMSession:
        """The shared session for the run's settings with ``overrides``."""
        cfg = LLMConfig.model_validate(self.config.model_dump() | dict(overrides or {})) if overrides \
            else self.config
        if cfg not in self.sessions:
            if self.preflight is not None:  # before the session, which creates the cache folder
                self.preflight.check(cfg)
            self.sessions[cfg] = LLMSession(cfg, ledger=self.ledger)
        return self.sessions[cfg]

    def make(self, spec: str) -> Policy:
        """A policy for one seat spec (``llm...``, ``rl:PATH[,module=NAME]`` or a scripted name)."""
        if spec.strip().startswith("rl:"):
            # a trained checkpoint; torch and RLlib load lazily, only for such seats
            from econlab.training.rl_policy import make_rl_policy

            return make_rl_policy(spec)
        if not is_llm_spec(spec):
            from econlab.policies.registry import make_policy

            return make_policy(spec)
        persona, overrides = parse_llm_spec(spec)
        return LLMPolicy(self.session(overrides), persona)

    def build(self, assignment: Mapping[int, str]) -> dict[int, Policy]:
        """``{seat: policy}`` for ``{seat: spec}``."""
        return {seat: self.make(spec) for seat, spec in assignment.items()}

    @property
    def http_calls(self) -> int:
        """Requests sent to backends so far (cache hits excluded)."""
        return sum(s.http_calls for s in self.sessions.values())

    @property
    def replay_misses(self) -> list[str]:
        """Where a replay run found no cached answer."""
        return [m for s in self.sessions.values() for m in s.replay_misses]


def build_policies(assignment: Mapping[int, str], config: LLMConfig | None = None) -> dict[int, Policy]:
    """``{seat: policy}`` for ``{seat: spec}``, LLM seats sharing one session per settings."""
    return PolicyFactory(config).build(assignment)
