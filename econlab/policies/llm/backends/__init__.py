"""LLM backends behind one small interface (:class:`~econlab.policies.llm.backends.base.Backend`)."""

from __future__ import annotations

from econlab.policies.llm.backends.base import Backend, BackendError, Completion, ReplayMiss
from econlab.policies.llm.config import LLMConfig


def make_backend(config: LLMConfig) -> Backend:
    """The backend named by ``config.backend`` (heavy imports happen here, not at package import)."""
    if config.backend == "openai":
        from econlab.policies.llm.backends.openai_backend import OpenAIBackend

        return OpenAIBackend(config)
    if config.backend == "local":
        from econlab.policies.llm.backends.local_backend import LocalBackend

        return LocalBackend(config)
    from econlab.policies.llm.backends.base import ReplayBackend

    return ReplayBackend()


__all__ = ["Backend", "BackendError", "Completion", "ReplayMiss", "make_backend"]
