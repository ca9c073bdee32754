"""Token prices and the run's budget ledger.

Prices are USD per million tokens per model (``configs/llm/prices.yaml``). The :class:`Ledger` is
shared by all LLM seats of a run: it sums what was spent (cache hits cost nothing) and refuses a
call whose worst case (prompt tokens estimated from its length, plus ``max_tokens`` of answer)
could take the total over the budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


class Ledger:
    """Spending of one run (all seats, all games, all models)."""

    def __init__(self, prices: dict[str, Price], budget_usd: float | None = None) -> None:
        self.prices, self.budget_usd = prices, budget_usd
        self.spent_usd = 0.0
        self.reserved_usd = 0.0  # worst cases of calls in flight (concurrent seats)
        self.calls = 0
        self.stopped_reason: str | None = None

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

    def reserve(self, model: str, prompt_chars: int, max_tokens: int) -> float:
        """Reserve the worst case of a call (prompt tokens estimated as chars / 3); pass it to :meth:`charge`.

        Raises:
            BudgetExceeded: It could exceed it (the reason is kept in ``stopped_reason``).
        """
        price = self.prices.get(model)
        if self.budget_usd is None or price is None:
            return 0.0
        worst = price.cost(prompt_chars // 3 + 1, max_tokens)
        if self.spent_usd + self.reserved_usd + worst > self.budget_usd:
            self.stopped_reason = (f"budget: spent {self.spent_usd:.6f} of {self.budget_usd:.6f} USD; the next call "
                                   f"could cost up to {worst:.6f} USD")
            raise BudgetExceeded(self.stopped_reason)
        self.reserved_usd += worst
        return worst

    def release(self, reserved: float) -> None:
        """Drop a reservation whose call failed."""
        self.reserved_usd = max(0.0, self.reserved_usd - reserved)

    def charge(self, model: str, prompt_tokens: int, completion_tokens: int, reserved: float = 0.0) -> float:
        """Add a call that was made (releasing its reservation); returns its cost (0 without a price)."""
        self.release(reserved)
        c = self.cost(model, prompt_tokens, completion_tokens) or 0.0
        self.spent_usd += c
        self.calls += 1
        return c
