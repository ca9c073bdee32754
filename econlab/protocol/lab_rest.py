"""The lab server's REST answers, field for field (pydantic; every model rejects unknown fields).

Taken from the lab server's code (``api/controllers/gameController.js``, each treatment's
``getRecoveryData`` / ``getSummary``) and checked against its real answers, captured on loopback as
fixtures under ``tests/protocol/fixtures/lab/``. ``econlab serve`` answers with the same models, so a
client that reads these shapes reads both servers.

The lab builds ``status`` from a JavaScript object: a field whose value is ``undefined`` is left out of
the JSON, so many fields are present only in some phases or for some roles; they are optional here.
Two shapes a client must not assume flat: in the market phase ``game.orders`` and
``game.movementList`` are lists with **one list per condition** (index = condition id).
``econlab serve`` adds one object, ``econlab``, to ``status`` (treatment, timer mode, open tick); the
lab server never sends it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr

Number = StrictInt | StrictFloat


class _Lab(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Envelope(_Lab):
    """Every REST answer: ``status`` is true even on errors (the HTTP code tells)."""

    data: Any
    status: StrictBool
    #: a text; the lab's admin routes answer a bad or missing token with HTTP 500 and the JWT error object
    message: StrictStr | dict[str, Any]


# ---------------------------------------------------------------------- building blocks
class Condition(_Lab):
    """One of ``game.conditions``."""

    name: StrictStr
    id: StrictInt
    parameter: StrictStr
    key: StrictStr


class Range(_Lab):
    """``low`` / ``high`` of one condition."""

    low: Number
    high: Number


class RoleBoundaries(_Lab):
    """Per condition key (``noProject``, ``projectA``)."""

    noProject: Range  # noqa: N815 - the lab's field names
    projectA: Range  # noqa: N815


class Boundaries(_Lab):
    """``game.boundaries``."""

    developer: RoleBoundaries
    owner: RoleBoundaries


class PlayerRef(_Lab):
    """One of ``game.players``."""

    number: StrictInt
    role: Literal[1, 2, 3]
    tag: StrictStr


class Wallet(_Lab):
    """One condition's wallet."""

    balance: Number
    shares: Number
    cashForSniping: Number | None = None  # noqa: N815


class Property(_Lab):
    """A lot (``player.property``)."""

    id: StrictInt
    owner: StrictInt
    name: StrictStr
    v: list[Number]
    d: list[Number | None] | None = None
    speculators: list[Any] | None = None
    lastBid: list[Any] | None = None  # noqa: N815 - Voting lots
    lastAsk: list[Any] | None = None  # noqa: N815


class Declaration(_Lab):
    """One of ``game.declarations`` (first declarations, from phase 3)."""

    id: StrictInt
    name: StrictStr
    owner: StrictStr
    role: Literal[2, 3]
    number: StrictInt
    d: list[Number | None] | None


class Order(_Lab):
    """A resting order of the market book."""

    id: StrictInt
    sender: StrictInt
    price: Number
    quantity: StrictInt
    type: Literal["bid", "ask"]
    condition: StrictInt


class Movement(_Lab):
    """A trade of ``game.movementList`` (``median``: of the condition's last seven trades)."""

    from_: StrictInt
    to: StrictInt
    price: Number
    condition: StrictInt
    median: Number | None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              alias_generator=lambda n: "from" if n == "from_" else n)


class SeatRef(_Lab):
    """``{number, role}`` in a snipe outcome."""

    number: StrictInt
    role: Literal[1, 2, 3]


class Snipe(_Lab):
    """One snipe outcome (``profit`` for the speculator)."""

    player: SeatRef
    target: SeatRef
    profit: Number


class MarketResult(_Lab):
    """``summary.market``: the winning condition's wallet after trading, and the final price."""

    balance: Number
    shares: Number
    price: Number | None = None


class Summary(_Lab):
    """A round summary (Harberger / Futarchy): fields appear as the round goes on."""

    round: StrictInt
    condition: StrictInt | None = None
    value: Number | None = None
    firstDeclaration: Number | None = None  # noqa: N815
    firstTaxes: Number | None = None  # noqa: N815
    firstRepurchase: Number | None = None  # noqa: N815
    snipes: list[Snipe] | None = None
    market: MarketResult | None = None
    secondDeclaration: Number | None = None  # noqa: N815
    secondTaxes: Number | None = None  # noqa: N815
    secondRepurchase: Number | None = None  # noqa: N815


class VotingSummary(_Lab):
    """A Voting round summary."""

    round: StrictInt
    condition: StrictInt | None = None
    value: Number | None = None
    tally: StrictInt | None = None
    compensation: Number | None = None
    profit: Number | None = None


class Reward(_Lab):
    """One seat's payment (``game.reward`` at game over, ``data.rewards``)."""

    number: StrictInt
    round: StrictInt
    reward: Number
    basePoints: Number  # noqa: N815
    showupFee: Number  # noqa: N815
    gameFee: Number  # noqa: N815
    profit: Number
    points: Number
    factor: Number
    exchange: Number
    paymentToken: StrictStr  # noqa: N815


# ---------------------------------------------------------------------- status: Harberger / Futarchy
class MarketGame(_Lab):
    """``gameData.game`` of Harberger and Futarchy."""

    ruleset: Literal["Harberger"]  # the lab's Futarchy also says "Harberger" here
    id: StrictInt
    round: StrictInt
    phase: StrictInt
    boundaries: Boundaries | None = None  # absent before the game's first round starts
    conditions: list[Condition]
    players: list[PlayerRef]
    taxRate: Number  # noqa: N815
    over: StrictBool
    declarations: list[Declaration] | None = None
    winningCondition: StrictInt | None = None  # noqa: N815
    publicSignal: list[Number] | None = None  # noqa: N815
    orders: list[list[Order]] | None = None
    movementList: list[list[Movement]] | None = None  # noqa: N815
    reward: Reward | None = None


class MarketPlayer(Summary):
    """``gameData.player`` of Harberger and Futarchy: the current round's summary plus the seat."""

    instructions: Any = None
    name: StrictStr
    tag: StrictStr
    number: StrictInt
    role: Literal[1, 2, 3]
    recovery: StrictStr
    ready: StrictBool
    wallet: list[Wallet]
    doneSpeculating: StrictBool | None = None  # noqa: N815
    hasToDeclare: StrictBool | None = None  # noqa: N815
    property: Property | None = None
    signals: list[Number] | None = None
    summaries: list[Summary]


class MarketGameData(_Lab):
    """``gameData`` of Harberger / Futarchy (``timer``: epoch ms of the phase's visible end, or null)."""

    game: MarketGame
    player: MarketPlayer
    timer: StrictInt | None


# ---------------------------------------------------------------------- status: Voting
class ChatLine(_Lab):
    """One chat message a seat sent or received."""

    time: Number | None
    sender: StrictInt
    to: list[StrictInt]
    text: StrictStr


class RequestEntry(_Lab):
    """One seat's compensation request (the developer sees them from phase 3)."""

    number: StrictInt
    compensationRequests: list[Number | None] | None = None  # noqa: N815


class Standing(_Lab):
    """Votes for one condition."""

    counter: StrictInt
    model_config = ConfigDict(extra="allow", frozen=True)


class VotingGame(_Lab):
    """``gameData.game`` of Voting (no ``ruleset`` field)."""

    id: StrictInt
    round: StrictInt
    phase: StrictInt
    boundaries: Boundaries | None = None  # absent before the game's first round starts
    conditions: list[Condition]
    players: list[PlayerRef]
    compensationOffers: list[Number | None]  # noqa: N815
    over: StrictBool
    messages: list[ChatLine] | None = None
    compensationRequests: list[RequestEntry] | None = None  # noqa: N815
    winningCondition: StrictInt | None = None  # noqa: N815
    standings: list[Standing] | None = None
    reward: Reward | None = None


class VotingResult(_Lab):
    """``player.result`` once the vote is decided."""

    condition: StrictInt
    value: Number
    compensation: Number | None
    tally: StrictInt | None = None


class VotingPlayer(_Lab):
    """``gameData.player`` of Voting."""

    instructions: Any = None
    name: StrictStr
    tag: StrictStr
    number: StrictInt
    role: Literal[2, 3]
    property: Property | None = None
    recovery: StrictStr
    ready: StrictBool | None = None  # absent until the seat said ready
    compensationOfferReceived: StrictBool | None = None  # noqa: N815
    compensationRequestReceived: StrictBool | None = None  # noqa: N815
    compensationRequests: list[Number | None] | None = None  # noqa: N815
    compensationDecisionReceived: StrictBool | None = None  # noqa: N815
    compensationDecisions: list[Any] | None = None  # noqa: N815
    result: VotingResult | None = None
    summaries: list[VotingSummary]


class VotingGameData(_Lab):
    """``gameData`` of Voting."""

    game: VotingGame
    player: VotingPlayer
    timer: StrictInt | None


# ---------------------------------------------------------------------- status, data, others
class StatusData(_Lab):
    """``GET /api/v1/games/status?id=&recovery=`` -> ``data``."""

    found: StrictBool
    canJoin: StrictBool  # noqa: N815
    gameData: MarketGameData | VotingGameData | None  # noqa: N815
    ruleset: Literal["Harberger", "Futarchy", "Voting"]
    #: econlab serve only (absent on the lab server)
    econlab: dict[str, Any] | None = None

    def game_data(self) -> MarketGameData | VotingGameData:
        """The seat's data (raises ``ValueError`` when the token is unknown)."""
        if self.gameData is None:
            raise ValueError("the server does not know this recovery token (status: found false)")
        return self.gameData


class RecoveryData(_Lab):
    """``GET /api/v1/games/get-recovery?game_id=`` -> ``data``: a fresh 64-character token."""

    recovery: StrictStr


class CreatedData(_Lab):
    """``POST /api/v1/games/create-for-llm`` -> ``data``."""

    id: StrictInt


class Round(_Lab):
    """One game round row."""

    id: StrictInt
    number: StrictInt
    phase: StrictInt
    gameId: StrictInt  # noqa: N815


class GameDataPayload(_Lab):
    """``GET /api/v1/games/data?game_id=`` -> ``data`` (``null`` for an unknown game, with HTTP 200).

    Nested game internals (``players``, ``properties``, ``results``, ``currentPhase``) are the lab's
    working objects and vary with the phase; only their container types are fixed here.
    """

    id: StrictInt
    title: StrictStr
    createdAt: StrictStr  # noqa: N815
    updatedAt: StrictStr | None  # noqa: N815
    endedAt: StrictStr | None  # noqa: N815
    parameters: dict[str, Any]
    players: list[dict[str, Any]]
    assignedPlayers: StrictInt  # noqa: N815
    rounds: list[Round]
    currentRound: Round  # noqa: N815
    dataset: Any = None
    type: Literal["Harberger", "Futarchy", "Voting"]
    properties: list[dict[str, Any]] | None = None
    conditions: list[Condition]
    results: list[Any]
    currentPhase: Any = None  # noqa: N815
    startTime: StrictStr | None = None  # noqa: N815
    boundaries: Boundaries | None = None
    D: list[Number] | None = None
    publicSignal: list[Number] | None = None  # noqa: N815
    winningCondition: StrictInt | None = None  # noqa: N815
    rewardRound: StrictInt | None = None  # noqa: N815
    rewards: list[Reward] | None = None
    quotations: list[Any] | None = None  # Futarchy
    compensationOffers: list[Number | None] | None = None  # noqa: N815 - Voting
    ruleset: Literal["Harberger", "Futarchy", "Voting"]
    #: econlab serve only: seed, values source, the game record and the flat parameter rows
    econlab: dict[str, Any] | None = None


class ListedGame(_Lab):
    """One entry of ``GET /api/v1/games/list?token=`` (admin)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: StrictInt
    type: StrictStr
    started: StrictBool


def parse_status(envelope_data: Any) -> StatusData:
    """Validate a ``status`` answer's ``data`` (raises ``ValueError`` naming the first bad field)."""
    return StatusData.model_validate(envelope_data)


def orders_by_condition(game: MarketGame) -> dict[int, list[Order]]:
    """``game.orders`` as ``{condition: orders}`` (empty conditions included)."""
    return {c: list(orders) for c, orders in enumerate(game.orders or [])}


def movements_by_condition(game: MarketGame) -> dict[int, list[Movement]]:
    """``game.movementList`` as ``{condition: trades}``."""
    return {c: list(ms) for c, ms in enumerate(game.movementList or [])}
