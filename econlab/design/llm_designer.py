"""The LLM designer: a language model proposes the next design as validated JSON with its reasoning.

The model reads the rules, the design space, the objective and the history of tried designs with their scores, and
answers ``{"type": "design", "design": {...}, "reasoning": "..."}``.

It goes through the same machinery as the LLM seats (:class:`econlab.policies.llm.session.LLMSession`: backends
``openai`` / ``local`` / ``replay``, the content-addressed answer cache, the budget ledger). Every answer is
validated twice: its shape with pydantic (:class:`DesignAnswer`), then the design with the search's check (the
space's ranges, :class:`~econlab.games.ibex.GameParams` and the populations' seats). An invalid answer is recorded with
its reasons and the model is asked again with those reasons (``designer.max_attempts`` answers per candidate).
When no answer is valid the designer falls back to a random valid design (source ``llm-fallback``), so the search
always goes on and the report shows why.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from econlab.design.classical import RandomDesigner
from econlab.design.config import DesignConfig
from econlab.design.prompt import design_messages, repair_text
from econlab.design.store import Candidate


class DesignAnswer(BaseModel):
    """The shape of an answer (the design's values are checked by the search's check afterwards)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["design"] = "design"
    design: dict[str, Any]
    reasoning: str = Field(default="", max_length=4000)


def answer_schema(config: DesignConfig) -> dict[str, Any]:
    """The JSON schema sent with the request (structured output; the local backend starts its answer from it)."""
    props: dict[str, Any] = {}
    for p in config.design_space().params:
        if p.type == "categorical":
            props[p.name] = {"enum": list(p.choices or [])}
        else:
            props[p.name] = {"type": "integer" if p.type == "int" else "number", "minimum": p.low, "maximum": p.high}
    return {"title": "DesignAnswer", "type": "object", "additionalProperties": False,
            "required": ["type", "design", "reasoning"],
            "properties": {"type": {"const": "design"},
                           "design": {"type": "object", "properties": props, "additionalProperties": False},
                           "reasoning": {"type": "string"}}}


def parse_design_answer(text: str) -> DesignAnswer:
    """Decode and shape-check an answer.

    Raises:
        ValueError: With a message fit for the repair prompt.
    """
    from econlab.policies.llm.parsing import extract_json
    from econlab.policies.llm.schemas import AnswerError

    try:
        data = extract_json(text)
    except AnswerError as exc:
        raise ValueError(str(exc)) from None
    try:
        return DesignAnswer.model_validate(data)
    except ValidationError as exc:
        msgs = [f"{'.'.join(str(x) for x in e['loc']) or 'answer'}: {e['msg']}" for e in exc.errors()]
        raise ValueError("the answer does not have the form {\"type\": \"design\", \"design\": {...}, "
                         "\"reasoning\": \"...\"}: " + "; ".join(msgs)) from None


class LLMDesigner:
    """Proposes designs with a language model (module docstring)."""

    name = "llm"

    def __init__(self, config: DesignConfig, check: Callable[[Any], list[str]], backend: Any = None) -> None:
        from econlab.policies.llm.config import LLMConfig
        from econlab.policies.llm.session import LLMSession

        self.config = config
        self.check = check
        self.llm = LLMConfig.model_validate(config.llm)
        self.session = LLMSession(self.llm, backend=backend)
        self.schema = answer_schema(config)
        self.fallback = RandomDesigner(config.design_space(), seed=config.designer.seed, check=check)
        self.last_source = self.name
        self.calls: list[dict[str, Any]] = []

    def _ask(self, messages: list[dict[str, str]], seed: int, where: str) -> tuple[str | None, str | None]:
        """The model's answer text, or ``(None, reason)`` when no answer came (budget, unreachable, replay miss)."""
        from econlab.policies.llm.backends import BackendError, ReplayMiss
        from econlab.policies.llm.cost import BudgetExceeded

        try:
            # the seats' cache + budget + backend path, so designs are cached and costed like seat answers
            comp, tel = self.session.run_sync(self.session.complete(messages, self.schema, seed, where))
        except (BudgetExceeded, BackendError, ReplayMiss) as exc:
            return None, f"no answer: {type(exc).__name__}: {exc}"
        self.calls.append({"where": where, "prompt_tokens": comp.prompt_tokens,
                           "completion_tokens": comp.completion_tokens, "cache_hit": tel["cache_hit"],
                           "spent_usd": tel["spent_usd"]})
        return comp.text, None

    def propose(self, history: list[Candidate], index: int) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
        """The next design, the model's reasoning, and the rejected answers before it."""
        import numpy as np

        messages = design_messages(self.config, history, index)
        seen = {json.dumps(c.design, sort_keys=True): c for c in history}
        rejected: list[dict[str, Any]] = []
        base_seed = self.llm.seed if self.llm.seed is not None else self.config.designer.seed
        for attempt in range(self.config.designer.max_attempts):
            seed = int(np.random.SeedSequence([base_seed, index, attempt]).generate_state(1)[0] & 0x7FFFFFFF)
            text, failure = self._ask(messages, seed, f"design candidate {index}, attempt {attempt + 1}")
            if text is None:
                rejected.append({"raw": None, "reasons": [failure or "no answer"]})
                break
            try:
                answer = parse_design_answer(text)
                reasons = self.check(answer.design)
                key = json.dumps(answer.design, sort_keys=True)
                if not reasons and key in seen:
                    s = seen[key].score
                    reasons = [f"this design was already evaluated (candidate {seen[key].index}, score "
                               f"{s:.4g})" if math.isfinite(s) else "this design was already evaluated"]
            except ValueError as exc:
                reasons = [str(exc)]
            if not reasons:
                self.last_source = self.name
                return dict(answer.design), answer.reasoning, rejected
            rejected.append({"raw": text, "reasons": reasons})
            messages = messages + [{"role": "assistant", "content": text},
                                   {"role": "user", "content": repair_text(reasons)}]
        design, _, more = self.fallback.propose(history, index)
        self.last_source = "llm-fallback"
        why = rejected[-1]["reasons"] if rejected else ["no answer"]
        return design, f"fallback to a random valid design: the model gave no valid design ({'; '.join(why)})", \
            rejected + more
