"""Frozen, validated settings of LLM seats (one :class:`LLMConfig` per run, per-seat overrides in the spec).

The settings come from the scenario's ``llm:`` section, the ``--llm-*`` options of ``econlab play``
or Python. The API key is never a setting: it is read from the environment variable named by
``api_key_env`` when the backend starts, and it is never logged or recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

BackendName = Literal["openai", "local", "replay"]


class LLMConfig(BaseModel):
    """Settings shared by the LLM seats of a run.

    Attributes:
        backend: ``openai`` (any OpenAI-compatible endpoint), ``local`` (transformers on CPU) or
            ``replay`` (answers only from the cache).
        base_url: Endpoint of the ``openai`` backend (``None``: the SDK's default).
        model: Model name (``openai``) or local model folder (``local``; ``None`` = the shipped SmolLM2).
        replay_of: Backend whose cached answers ``replay`` serves.
        api_key_env: Name of the environment variable holding the API key.
        temperature: Sampling temperature (0 = greedy for ``local``).
        seed: Sampling seed sent to the endpoint (``None``: the game's seed).
        max_tokens: Most tokens of one answer (``None``: 160, or 64 for the ``local`` backend, whose small
            default model either closes its JSON object early or rambles until the limit).
        timeout_s: Timeout of one HTTP request.
        structured: ``auto`` tries JSON-schema structured output and falls back to JSON-in-text when
            the endpoint refuses it; ``on`` always asks for it; ``off`` never.
        max_repairs: How often a seat is asked again after an invalid answer before the fallback.
        max_retries: Retries of one request after 429, 5xx, timeouts and connection errors.
        backoff_s: First backoff delay; doubles per retry unless the server sends ``Retry-After``.
        backoff_max_s: Longest single backoff delay.
        concurrency: Most requests in flight at once (all seats sharing these settings together).
        cache_dir: Content-addressed answer cache (``None``: no cache; ``replay`` needs one).
        budget_usd: Spending limit of the run; a call whose estimated cost would exceed it is not made.
        on_budget: What happens at the limit: ``stop`` ends the run cleanly (the game in progress is written
            as an incomplete record marked ``stopped: budget``; a rerun with a larger budget and the same
            cache resumes without paying twice) or ``fallback`` (the seats take their documented fallback,
            each such decision marked ``fallback:budget``).
        prices: Price table (YAML); ``None``: ``configs/llm/prices.yaml`` of the repository.
        templates_dir: A folder whose templates override the shipped ones (same relative paths).
        personas_dir: A folder with more persona YAML files.
        persona: Default persona of LLM seats.
        lora: Path of a LoRA adapter for the ``local`` backend (loaded with peft).
        local_threads: CPU threads of the ``local`` backend.
        local_prefix_cache: System messages whose key/value cache the ``local`` backend keeps (0: none).
        market_every: LLM seats are asked for a market move at every ``market_every``-th tick of a market
            phase and wait at the ticks between (``None``: every tick, or every 5th for the ``local``
            backend, which reads a 1,200-token market prompt in seconds on a CPU: 288 instead of 1,440
            market calls in the lab's default game).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: BackendName = "openai"
    base_url: str | None = None
    model: str | None = None
    replay_of: Literal["openai", "local"] = "openai"
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    seed: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=8, le=32768)
    timeout_s: float = Field(default=30.0, gt=0.0, le=3600.0)
    structured: Literal["auto", "on", "off"] = "auto"
    max_repairs: int = Field(default=2, ge=0, le=10)
    max_retries: int = Field(default=4, ge=0, le=20)
    backoff_s: float = Field(default=0.5, ge=0.0, le=60.0)
    backoff_max_s: float = Field(default=20.0, ge=0.0, le=600.0)
    concurrency: int = Field(default=16, ge=1, le=1024)
    cache_dir: Path | None = None
    budget_usd: float | None = Field(default=None, ge=0.0)
    on_budget: Literal["stop", "fallback"] = "stop"
    prices: Path | None = None
    templates_dir: Path | None = None
    personas_dir: Path | None = None
    persona: str = "profit-maximiser"
    lora: Path | None = None
    local_threads: int = Field(default=1, ge=1, le=256)
    local_prefix_cache: int = Field(default=16, ge=0, le=1024)
    market_every: int | None = Field(default=None, ge=1, le=1000)

    @field_validator("api_key_env")
    @classmethod
    def _check_env_name(cls, name: str) -> str:
        if not name or not name.replace("_", "").isalnum():
            raise ValueError(f"api_key_env must be an environment variable name, got {name!r}")
        return name

    def model_name(self) -> str:
        """The model's name as used in cache keys, prices and records."""
        if self.model:
            return self.model
        if self.backend == "local" or (self.backend == "replay" and self.replay_of == "local"):
            return "SmolLM2-135M-Instruct"
        raise ValueError("the openai backend needs a model name (llm.model / --llm-model)")

    def effective_max_tokens(self) -> int:
        """``max_tokens``, or the backend's default when it is not set."""
        if self.max_tokens is not None:
            return self.max_tokens
        return 64 if self.source_backend() == "local" else 160

    def effective_market_every(self) -> int:
        """``market_every``, or the backend's default when it is not set."""
        if self.market_every is not None:
            return self.market_every
        return 5 if self.source_backend() == "local" else 1

    def source_backend(self) -> str:
        """The backend that produced the answers (``replay`` serves another backend's cache entries)."""
        return self.replay_of if self.backend == "replay" else self.backend
