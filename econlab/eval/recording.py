"""Writing game records to disk: incrementally while the game runs, atomically when it ends.

While a game runs its log entries are appended to ``<name>.partial.jsonl`` (one JSON object per
line, flushed each tick), so a crash loses at most the game in progress and shows how far it got.
At the end the full record is written to ``<name>.record.json`` through a temporary file and an
atomic rename, and the partial file is removed. A game that did not finish properly (the LLM budget
stopped it, a replay missed the cache) gets no ``.record.json``: :meth:`RecordWriter.abandon` writes
``<name>.incomplete.json`` instead, marked ``"complete": false`` with the reason in ``stopped``.
Existing finished records are never overwritten unless asked, which makes a rerun resume where it stopped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def dumps(obj: Any) -> str:
    """Canonical JSON (sorted keys, no NaN) so that equal records are byte-identical."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class RecordWriter:
    """Writes one game's record under ``folder`` as ``name``."""

    def __init__(self, folder: str | os.PathLike[str], name: str) -> None:
        """Create the folder if needed."""
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"invalid record name {name!r}")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self._partial = None

    @property
    def final_path(self) -> Path:
        """Where the finished record goes."""
        return self.folder / f"{self.name}.record.json"

    @property
    def partial_path(self) -> Path:
        """Where the log of a game in progress goes."""
        return self.folder / f"{self.name}.partial.jsonl"

    def exists(self) -> bool:
        """Whether a finished record is already there."""
        return self.final_path.exists()

    def append_log(self, entries: list[dict[str, Any]]) -> None:
        """Append log entries to the partial file and flush them to disk."""
        if self._partial is None:
            self._partial = open(self.partial_path, "w", encoding="utf-8")  # noqa: SIM115 - kept open across ticks
        for e in entries:
            self._partial.write(dumps(e) + "\n")
        self._partial.flush()

    def finish(self, record: dict[str, Any], extra: dict[str, Any] | None = None) -> Path:
        """Write the record atomically (and ``extra`` files beside it), then drop the partial log."""
        if self._partial is not None:
            self._partial.close()
            self._partial = None
        write_atomic(self.final_path, dumps(record) + "\n")
        if self.incomplete_path.exists():  # a resumed run: the finished record replaces the marked one
            self.incomplete_path.unlink()
        for suffix, obj in (extra or {}).items():
            write_atomic(self.folder / f"{self.name}.{suffix}", dumps(obj) + "\n")
        if self.partial_path.exists():
            self.partial_path.unlink()
        return self.final_path


    @property
    def incomplete_path(self) -> Path:
        """Where the marked record of a game that did not finish properly goes."""
        return self.folder / f"{self.name}.incomplete.json"

    def abandon(self, stopped: str, message: str, content: dict[str, Any],
                extra: dict[str, Any] | None = None) -> Path:
        """Write what there is as ``<name>.incomplete.json`` (``complete: false``, ``stopped``); no final record.

        Args:
            stopped: Short reason (``budget``, ``replay-miss``).
            message: What happened and how to resume.
            content: The game so far (its log, decisions, LLM calls, ...).
            extra: Files beside it (``<name>.<suffix>``), as for :meth:`finish`.
        """
        if self._partial is not None:
            self._partial.close()
            self._partial = None
        write_atomic(self.incomplete_path, dumps({"complete": False, "stopped": stopped, "message": message}
                                                 | content) + "\n")
        for suffix, obj in (extra or {}).items():
            write_atomic(self.folder / f"{self.name}.{suffix}", dumps(obj) + "\n")
        if self.partial_path.exists():
            self.partial_path.unlink()
        return self.incomplete_path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
