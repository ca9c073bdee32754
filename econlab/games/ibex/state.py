"""Game state: seats, lots, wallets and the per-round bookkeeping (plain picklable data)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from econlab.games.ibex.params import DEVELOPER, OWNER, SPECULATOR

COLOURS = (
    "Amaranth", "Violet", "Emerald", "Amber", "Cobalt", "Crimson", "Saffron", "Teal", "Indigo", "Coral",
    "Jade", "Ochre", "Scarlet", "Azure", "Olive", "Magenta", "Sepia", "Ivory", "Umber", "Cerise",
)
LOT_ADJECTIVES = ("Brave", "Calm", "Glad", "Quiet", "Bright", "Merry", "Proud", "Swift", "Wise", "Bold", "Keen")
LOT_ANIMALS = ("Lion", "Grouse", "Otter", "Heron", "Badger", "Lynx", "Marmot", "Falcon", "Beaver", "Stoat", "Wren")


@dataclass
class Wallet:
    """Cash and tax shares in one condition's copy of a player's wallet."""

    balance: Any
    shares: Any

    def to_json(self, cash_for_sniping: int) -> dict[str, Any]:
        """The wallet as the lab sends it."""
        return {"balance": self.balance, "shares": self.shares, "cashForSniping": cash_for_sniping}


@dataclass
class Lot:
    """A property: true values per condition, the current declaration and its challengers."""

    id: int
    owner: int
    name: str
    v: list[float]
    d: Any = None
    speculators: list[list[int]] | None = None

    def to_json(self) -> dict[str, Any]:
        """The property object of ``assign-role``."""
        return {"id": self.id, "owner": self.owner, "name": self.name, "v": list(self.v), "d": self.d,
                "speculators": self.speculators}


@dataclass
class Player:
    """One seat."""

    number: int
    role: int
    tag: str
    name: str
    payment_token: str
    lot: Lot | None = None
    wallet: list[Wallet] = field(default_factory=list)
    signals: list[Any] = field(default_factory=lambda: [0, 0, 0])
    joined: bool = True
    ready: bool = False
    done_speculating: bool = False
    summaries: list[dict[str, Any]] = field(default_factory=list)
    display_profit: list[Any] = field(default_factory=list)
    # voting
    requests: Any = None
    submitted_offer: bool = False
    decisions: Any = None

    @property
    def is_holder(self) -> bool:
        """Whether the seat holds a lot (owners and the developer)."""
        return self.role in (OWNER, DEVELOPER)

    @property
    def is_speculator(self) -> bool:
        """Whether the seat is a speculator."""
        return self.role == SPECULATOR


@dataclass
class RoundResult:
    """What one round produced, in plain data (the results section of a record)."""

    round: int
    condition: int | None = None
    values: dict[int, list[float]] = field(default_factory=dict)
    first_declarations: dict[int, Any] = field(default_factory=dict)
    first_declared: dict[int, bool] = field(default_factory=dict)
    second_declarations: dict[int, Any] = field(default_factory=dict)
    second_declared: dict[int, bool] = field(default_factory=dict)
    snipes1_raw: list[dict[str, Any]] = field(default_factory=list)
    snipe_outcomes1: list[dict[str, Any]] = field(default_factory=list)
    snipe_outcomes2: list[dict[str, Any]] = field(default_factory=list)
    public_signal: list[Any] = field(default_factory=lambda: [0, 0, 0])
    trades: list[dict[str, Any]] = field(default_factory=list)
    wallets_after_market: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    medians: list[Any] = field(default_factory=list)
    final_price: Any = None
    profits: dict[int, Any] = field(default_factory=dict)
    # voting
    requests: list[dict[str, Any]] = field(default_factory=list)
    offer: Any = None
    offer_sender: int | None = None
    decisions: list[dict[str, Any]] = field(default_factory=list)
    final_decisions: dict[int, Any] = field(default_factory=dict)
    tally: list[int] = field(default_factory=list)
    chat: list[dict[str, Any]] = field(default_factory=list)

    def copy(self) -> RoundResult:
        """A deep copy."""
        return copy.deepcopy(self)


def make_players(n_owners: int, n_speculators: int) -> list[Player]:
    """Seat the players as the lab does: owner, developer, the other owners, then speculators."""
    roles = [OWNER, DEVELOPER] + [OWNER] * (n_owners - 1) + [SPECULATOR] * n_speculators
    players = []
    for i, role in enumerate(roles):
        seat = i + 1
        if role == OWNER:
            tag = "Owner 1" if seat == 1 else f"Owner {seat - 1}"
        elif role == DEVELOPER:
            tag = "Developer"
        else:
            tag = f"Speculator {seat - n_owners - 1}"
        name = COLOURS[i % len(COLOURS)] + ("" if i < len(COLOURS) else str(i // len(COLOURS)))
        token = chr(65 + (i * 7) % 26) + chr(65 + (i * 11 + 3) % 26)
        players.append(Player(number=seat, role=role, tag=tag, name=name, payment_token=token))
    lot_id = 0
    for p in players:
        if p.is_holder:
            lot_id += 1
            name = f"{LOT_ADJECTIVES[lot_id % len(LOT_ADJECTIVES)]} {LOT_ANIMALS[(lot_id * 3) % len(LOT_ANIMALS)]} Lot"
            p.lot = Lot(id=lot_id, owner=p.number, name=name, v=[0, 0, 0])
    return players
