"""Token prices and the run's budget ledger.

Prices are USD per million tokens per model (``configs/llm/prices.yaml``). The :class:`Ledger` is
shared by all LLM seats of a run: it sums what was spent (cache hits cost nothing) and refuses a
call whose estimated cost could take the total over the budget.

The estimate of a call is realistic rather than a worst case, so that a budget buys about as many calls
as it can pay for: prompt tokens are counted with a tokenizer when one is installed (``tiktoken``),
else estimated as characters / 4 and, once the backend has reported real counts, scaled by the measured
tokens per character; completion tokens are the running mean of the real completions of that model,
which starts from a conservative prior (one observation of ``max_tokens``, the worst case). A call can
therefore cost a little more than its reservation; the overshoot is bounded by one call per request in flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_PRICES = Path(__file__).resolve().parents[3] / "configs" / "llm" / "prices.yaml"


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens."""

    input_per_mtok: float
    output_per_mtok: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """USD of one call."""
        return (prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok) / 1e6


def load_prices(path: Path | None = None) -> dict[str, Price]:
    """The price table (``{}`` when the default file is absent, e.g. outside a checkout)."""
    import yaml

    file = path or DEFAULT_PRICES
    if not file.exists():
        if path is not None:
            raise ValueError(f"price table {path} does not exist")
        return {}
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    out = {}
    for name, p in (data.get("models") or {}).items():
        try:
            out[str(name)] = Price(float(p["input_per_mtok"]), float(p["output_per_mtok"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{file}: model {name!r} needs numeric input_per_mtok and output_per_mtok") from exc
    return out


class BudgetExceeded(RuntimeError):
    """A call was not made because it could exceed the budget."""


#: characters per prompt token assumed before a backend has reported real counts (English text, BPE tokenizers)
CHARS_PER_TOKEN_PRIOR = 4.0


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    """An offline tokenizer (``tiktoken``'s o200k/cl100k encoding) or ``None`` when none is installed."""
    try:
        import tiktoken  # noqa: PLC0415 - optional
    except ImportError:
        return None
    for name in ("o200k_base", "cl100k_base"):
        try:
            return tiktoken.get_encoding(name)
        except Exception:  # noqa: BLE001, S112 - an encoding file that is not cached offline: try the next
            continue
    return None


def count_prompt_tokens(texts: list[str]) -> int | None:
    """Tokens of the prompt's texts by an offline tokenizer, or ``None`` without one."""
    enc = _tokenizer()
    return None if enc is None else sum(len(enc.encode(t)) for t in texts)


class Ledger:
    """Spending of one run (all seats, all games, all models)."""

    def __init__(self, prices: dict[str, Price], budget_usd: float | None = None) -> None:
        self.prices, self.budget_usd = prices, budget_usd
        self.spent_usd = 0.0
        self.reserved_usd = 0.0  # estimates of calls in flight (concurrent seats)
        self.calls = 0
        self.stopped_reason: str | None = None
        # measured per model: [prompt chars, prompt tokens] and [completion tokens, completions]
        self._prompt_seen: dict[str, list[float]] = {}
        self._completion_seen: dict[str, list[float]] = {}

    def check_model(self, model: str) -> None:
        """Refuse a budget without a price for ``model``.

        Raises:
            ValueError: A budget is set and the model has no price.
        """
        if self.budget_usd is not None and model not in self.prices:
            raise ValueError(f"--budget-usd needs a price for model {model!r} in the price table "
                             f"(known: {', '.join(sorted(self.prices)) or 'none'})")

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        """USD of a call (``None`` without a price)."""
        price = self.prices.get(model)
        return None if price is None else price.cost(prompt_tokens, completion_tokens)

    def estimate_tokens(self, model: str, texts: list[str], max_tokens: int) -> tuple[int, int]:
        """``(prompt tokens, completion tokens)`` expected of a call (module docstring)."""
        counted = count_prompt_tokens(texts)
        chars = sum(len(t) for t in texts)
        if counted is None:
            seen = self._prompt_seen.get(model)
            per_token = seen[0] / seen[1] if seen and seen[1] > 0 else CHARS_PER_TOKEN_PRIOR
            counted = int(chars / per_token) + 1
        total, n = self._completion_seen.get(model, (0.0, 0.0))
        completion = (max_tokens + total) / (1 + n)  # the worst case counts as one prior observation
        return counted, min(max_tokens, int(completion + 0.999))

    def reserve(self, model: str, texts: list[str], max_tokens: int) -> float:
        """Reserve the estimated cost of a call (:meth:`estimate_tokens`); pass it to :meth:`charge`.

        Raises:
            BudgetExceeded: It could exceed it (the reason is kept in ``stopped_reason``).
        """
        price = self.prices.get(model)
        if self.budget_usd is None or price is None:
            return 0.0
        estimate = price.cost(*self.estimate_tokens(model, texts, max_tokens))
        if self.spent_usd + self.reserved_usd + estimate > self.budget_usd:
            held = f" (+ {self.reserved_usd:.6f} held by calls in flight)" if self.reserved_usd else ""
            self.stopped_reason = (f"budget: spent {self.spent_usd:.6f}{held} of {self.budget_usd:.6f} USD; the next "
                                   f"call would cost about {estimate:.6f} USD")
            raise BudgetExceeded(self.stopped_reason)
        self.reserved_usd += estimate
        return estimate

    def release(self, reserved: float) -> None:
        """Drop a reservation whose call failed."""
        self.reserved_usd = max(0.0, self.reserved_usd - reserved)

    def charge(self, model: str, prompt_tokens: int, completion_tokens: int, reserved: float = 0.0,
               prompt_chars: int = 0) -> float:
        """Add a call that was made (releasing its reservation, measuring its lengths); returns its cost."""
        self.release(reserved)
        if prompt_chars and prompt_tokens:
            seen = self._prompt_seen.setdefault(model, [0.0, 0.0])
            seen[0] += prompt_chars
            seen[1] += prompt_tokens
        done = self._completion_seen.setdefault(model, [0.0, 0.0])
        done[0] += completion_tokens
        done[1] += 1
        c = self.cost(model, prompt_tokens, completion_tokens) or 0.0
        self.spent_usd += c
        self.calls += 1
        return c
