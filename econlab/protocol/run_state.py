"""What a ``connect`` run keeps in its run folder so that a restarted run carries on where it stopped.

``game-<id>.connect.json`` (rewritten atomically at every change) holds, per joining client, its recovery
token, written *before* the join is sent so that a run killed at any instant can take its seat back
(a token the server never bound simply joins as a new seat), then its seat and role; the round
summaries each seat received (on a server that hands out no record the record is built from them,
and ``status`` after a restart need not repeat every round); and the one-shot actions (declarations,
snipes, Voting requests, offers and votes) each seat has sent, so that a restart in the middle of a
free-running phase does not send them twice. ``game-<id>.decisions.partial.jsonl``
gets every decision as it is taken; a restart reads it back, and the finished run writes
``decisions.json`` from it.

The file holds the seats' recovery tokens: it is the run's key to its seats, kept in the user's run
folder only, never printed or logged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from econlab.eval.recording import dumps, write_atomic
from econlab.protocol.outcome import ConnectError, SeatDecision

#: message types a seat sends once per phase (a second one would be refused or counted twice)
ONE_SHOT = frozenset({"declare", "done-speculating", "compensation-request", "compensation-offer",
                      "compensation-decision"})


class RunState:
    """The resumable state of one ``connect`` run in ``folder`` (see the module docstring)."""

    def __init__(self, folder: Path, game_id: int, rest_url: str) -> None:
        """Load the state of an earlier run of this game in ``folder``, if any.

        Raises:
            ConnectError: the folder's state belongs to a game on another server, or is unreadable.
        """
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.game_id, self.rest_url = game_id, rest_url.rstrip("/")
        self.path = self.folder / f"game-{game_id}.connect.json"
        self.decisions_path = self.folder / f"game-{game_id}.decisions.partial.jsonl"
        self.clients: dict[int, dict[str, Any]] = {}
        self.sent: set[tuple[int, int, int, str]] = set()
        #: per seat its round summaries as received (``status`` need not repeat earlier rounds after a restart)
        self.summaries: dict[int, dict[int, Any]] = {}
        self.loaded_decisions: list[SeatDecision] = []
        self.resumed = self.path.exists()
        if self.resumed:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                self.clients = {int(k): dict(v) for k, v in raw["clients"].items()}
                self.sent = {(int(a), int(b), int(c), str(d)) for a, b, c, d in raw.get("sent", [])}
                self.summaries = {int(seat): {int(r): v for r, v in by_round.items()}
                                  for seat, by_round in raw.get("summaries", {}).items()}
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConnectError(f"{self.path}: unreadable run state ({exc}) — move it away to start afresh "
                                   "(the seats it held are then lost)") from exc
            if raw.get("rest") != self.rest_url:
                raise ConnectError(f"{self.path} belongs to game {game_id} on {raw.get('rest')}, not on "
                                   f"{self.rest_url} — use another --out for this server")
        if self.decisions_path.exists():
            for line in self.decisions_path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    try:
                        self.loaded_decisions.append(SeatDecision.from_json(json.loads(line)))
                    except (ValueError, KeyError):
                        break  # a line cut by the kill: everything before it is whole
        self._decisions = open(self.decisions_path, "a", encoding="utf-8")  # noqa: SIM115 - open for the run

    def save(self) -> None:
        """Write the state atomically."""
        write_atomic(self.path, dumps({"game_id": self.game_id, "rest": self.rest_url,
                                       "clients": {str(k): v for k, v in sorted(self.clients.items())},
                                       "sent": sorted(self.sent),
                                       "summaries": {str(seat): {str(r): v for r, v in sorted(by.items())}
                                                     for seat, by in sorted(self.summaries.items())}}) + "\n")

    def token_of(self, index: int) -> str | None:
        """The recovery token client ``index`` used in an earlier run."""
        entry = self.clients.get(index)
        return str(entry["token"]) if entry else None

    def will_join(self, index: int, token: str) -> None:
        """Keep ``token`` before client ``index`` sends its join."""
        self.clients[index] = {"token": token, "seat": None, "role": None}
        self.save()

    def joined(self, index: int, seat: int, role: int) -> None:
        """Keep the seat and role client ``index`` got."""
        self.clients[index] |= {"seat": seat, "role": role}
        self.save()

    def sent_once(self, seat: int, rnd: int, phase: int, kind: str) -> bool:
        """Whether ``seat`` already sent a one-shot ``kind`` in (``rnd``, ``phase``)."""
        return (seat, rnd, phase, kind) in self.sent

    def note_sent(self, seat: int, rnd: int, phase: int, kind: str) -> None:
        """Keep that ``seat`` sent a one-shot ``kind`` in (``rnd``, ``phase``)."""
        if kind in ONE_SHOT and (seat, rnd, phase, kind) not in self.sent:
            self.sent.add((seat, rnd, phase, kind))
            self.save()

    def note_summary(self, seat: int, summary: Any) -> None:
        """Keep a ``round-summary`` event's data of ``seat``."""
        rnd = summary.get("round") if isinstance(summary, dict) else None
        if isinstance(rnd, int) and self.summaries.get(seat, {}).get(rnd) != summary:
            self.summaries.setdefault(seat, {})[rnd] = summary
            self.save()

    def add_decision(self, d: SeatDecision) -> None:
        """Append one decision to the partial decisions file (flushed)."""
        self._decisions.write(dumps(d.to_json()) + "\n")
        self._decisions.flush()

    def all_decisions(self, new: list[SeatDecision]) -> list[SeatDecision]:
        """Earlier runs' decisions and ``new`` ones.

        Of a lock-step tick answered twice (killed between the decision and its delivery, the server asked
        again) only the last is kept: the one the server got.
        """
        out: list[SeatDecision] = []
        index: dict[tuple[int, int, int, int], int] = {}
        for d in [*self.loaded_decisions, *new]:
            if d.tick is not None:
                key = (d.round, d.phase, d.tick, d.seat)
                if key in index:
                    out[index[key]] = d
                    continue
                index[key] = len(out)
            out.append(d)
        return out

    def close(self) -> None:
        """Close the decisions file."""
        self._decisions.close()

    def finished(self) -> None:
        """The game is over and recorded: drop the partial decisions (the state file stays as proof)."""
        self.close()
        if self.decisions_path.exists():
            self.decisions_path.unlink()
