"""LLM seats: backends (OpenAI-compatible, local transformers, cache replay), prompts, personas, repair, cost.

Light to import: the SDKs, torch and transformers load only when a backend is first used.
``PolicyFactory(LLMConfig(...)).build({seat: "llm:persona=exploiter", ...})`` builds a run's policies.
"""

from __future__ import annotations

from econlab.policies.llm.config import LLMConfig
from econlab.policies.llm.factory import PolicyFactory, build_policies, is_llm_spec, parse_llm_spec
from econlab.policies.llm.policy import LLMPolicy
from econlab.policies.llm.records import call_rows, summarize_calls
from econlab.policies.llm.session import LLMSession, fallback_action

__all__ = [
    "LLMConfig", "LLMPolicy", "LLMSession", "PolicyFactory", "build_policies", "call_rows", "fallback_action",
    "is_llm_spec", "parse_llm_spec", "summarize_calls",
]
